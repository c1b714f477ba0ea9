from odoo import api, models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = 'base.partner.merge.automatic.wizard'

    @api.model
    def _update_foreign_keys(self, src_partners, dst_partner):
        """Move the merged contacts' documents through the ORM before the generic SQL update.

        The generic update would hit the documents' unique key when both
        contacts hold the same file of the same message, then delete the rows
        it could not move, without an audit line.
        """
        self.env['contact.document']._merge_contacts(src_partners, dst_partner)
        return super()._update_foreign_keys(src_partners, dst_partner)
