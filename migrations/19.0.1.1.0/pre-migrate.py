"""Channel identities now belong to one company (required): give the ones without it their contact's company.

An identity seen without a company was matched for every company's webhooks;
its contact's company, or else the first company, is where it was meant to be used.
"""


def migrate(cr, version):
    cr.execute("""
        UPDATE res_partner_channel_identity identity
           SET company_id = COALESCE(
                   (SELECT company_id FROM res_partner WHERE id = identity.partner_id),
                   (SELECT id FROM res_company ORDER BY sequence, id LIMIT 1))
         WHERE company_id IS NULL
    """)
