from unittest.mock import patch

import odoo.sql_db
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.contact_documents.models import res_partner_channel_identity

BULK_PARTNERS = 20000


@tagged('post_install', '-at_install')
class TestPhoneMatching(TransactionCase):
    """Senders are found by their number in any format, through an index, the most recently active first."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.country_id = cls.env.ref('base.us')
        cls.Identity = cls.env['res.partner.channel.identity'].sudo()
        cls.Partner = cls.env['res.partner']

    def find(self, number):
        return self.Identity._find_contact_by_phone(self.company, number)

    def plan_nodes(self, plan):
        """Every node of an EXPLAIN (FORMAT JSON) plan."""
        yield plan
        for child in plan.get('Plans', ()):
            yield from self.plan_nodes(child)

    def capture_partner_queries(self, number):
        """The SELECTs on res_partner that looking ``number`` up runs, and the contact found."""
        queries = []
        execute = odoo.sql_db.Cursor.execute

        def capturing_execute(cursor, query, params=None, log_exceptions=None):
            if isinstance(query, SQL):
                query, params = query.code, query.params
            if query.lstrip().upper().startswith('SELECT') and 'res_partner' in query:
                queries.append((query, params))
            return execute(cursor, query, params, log_exceptions)

        self.env.flush_all()
        with patch.object(odoo.sql_db.Cursor, 'execute', capturing_execute):
            partner = self.find(number)
        return queries, partner

    def test_national_and_international_forms_find_the_contact(self):
        # Odoo 19's res.partner has one phone field (no mobile): phone_sanitized covers them all.
        self.assertEqual(self.Partner._phone_get_number_fields(), ['phone'])
        stored = {
            '(415) 555-0142': '+14155550142',
            '415.555.0143': '+14155550143',
            '415 555 0144': '+14155550144',
            '+1 415-555-0145': '+14155550145',
            '0014155550146': '+14155550146',
            '+14155550147': '+14155550147',
            '1-415-555-0148': '+14155550148',
        }
        contacts = {phone: self.Partner.create({'name': f'Stored as {phone}', 'phone': phone}) for phone in stored}
        for phone, sender in stored.items():
            with self.subTest(stored=phone):
                self.assertEqual(self.find(sender), contacts[phone])
        with self.subTest("a national number received is read in the company's country"):
            self.assertEqual(self.find('415 555 0142'), contacts['(415) 555-0142'])

    def test_numbers_of_another_country(self):
        international = self.Partner.create({'name': 'London Office', 'phone': '+44 20 7946 0958'})
        national = self.Partner.create({
            'name': 'Paris Office', 'phone': '06 12 34 56 78', 'country_id': self.env.ref('base.fr').id})
        self.assertEqual(self.find('+442079460958'), international)
        self.assertEqual(self.find('00442079460958'), international)
        self.assertEqual(self.find('+33612345678'), national, "a contact's national number is read in its country")
        self.assertFalse(self.find('+14155550142'))

    def test_a_national_number_is_read_in_the_country_of_the_contacts_company(self):
        french_company = self.env['res.company'].create({'name': 'Société', 'country_id': self.env.ref('base.fr').id})
        contact = self.Partner.create({'name': 'Client', 'phone': '01 23 45 67 89', 'company_id': french_company.id})
        self.assertEqual(contact.phone_sanitized, '+33123456789')
        self.assertEqual(self.Identity._find_contact_by_phone(french_company, '+33123456789'), contact)

    def test_most_recently_active_contact_wins_and_the_count_is_told(self):
        older = self.Partner.create({'name': 'Older Duplicate', 'phone': '(415) 555-0150', 'company_id': self.company.id})
        newer = self.Partner.create({'name': 'Newer Duplicate', 'phone': '+1 415 555 0150', 'company_id': self.company.id})
        older.message_post(body="Called about the quote")
        self.assertEqual(self.find('+14155550150'), older)
        newer.message_post(body="Sent the contract")
        self.assertEqual(self.find('+14155550150'), newer)
        self.assertEqual(self.Identity._match_phone(self.company, '+14155550150'), (newer, 2))
        self.assertEqual(self.Identity._match_phone(self.company, '+14155550151'), (self.Partner, 0))

    def test_the_companys_own_contacts_come_before_shared_ones_however_active(self):
        own = self.Partner.create({'name': 'Own Customer', 'phone': '415-555-0152', 'company_id': self.company.id})
        shared = self.Partner.create({'name': 'Shared Trap', 'phone': '+14155550152', 'company_id': False})
        shared.message_post(body="Most recent activity")
        self.assertEqual(self.Identity._match_phone(self.company, '+14155550152'), (own, 1))

    def test_the_lookup_uses_the_phone_index_among_many_contacts(self):
        # Enough contacts, each with its own number, for PostgreSQL to prefer an index over a
        # sequential scan; the ones looked up are stored in a national form and as written.
        self.env.cr.execute(SQL("""
            INSERT INTO res_partner (name, phone, phone_sanitized, active, partner_share, type, create_date, write_date)
            SELECT 'Bulk ' || n, '(' || area || ') 555-' || line, '+1' || area || '555' || line,
                   TRUE, TRUE, 'contact', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM generate_series(1, %s) n,
                   LATERAL (SELECT CASE WHEN n <= 10000 THEN '646' ELSE '718' END AS area,
                                   lpad((n %% 10000)::text, 4, '0') AS line) number
        """, BULK_PARTNERS))
        # And a chatter line each, so that the most recent activity is read as on a real database.
        self.env.cr.execute(SQL("""
            INSERT INTO mail_message (model, res_id, message_type, body, create_date, write_date)
            SELECT 'res.partner', id, 'notification', '<p>Imported</p>', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM res_partner WHERE name LIKE 'Bulk %%'
        """))
        national = self.Partner.create({'name': 'Needle', 'phone': '(212) 555-0042', 'company_id': self.company.id})
        invalid = self.Partner.create({'name': 'Fictional Needle', 'phone': '+1 555-0042', 'company_id': self.company.id})
        self.env.flush_all()
        self.env.cr.execute("ANALYZE res_partner")
        self.env.cr.execute("ANALYZE mail_message")

        for number, contact, index in (
            ('+12125550042', national, 'res_partner__phone_sanitized_index'),
            # Not a valid number: looked up as written, through Odoo's index on the phone field.
            ('+15550042', invalid, 'res_partner_phone_partial_tgm'),
        ):
            with self.subTest(number=number):
                queries, partner = self.capture_partner_queries(number)
                self.assertEqual(partner, contact)
                self.assertTrue(queries)
                nodes = []
                for query, params in queries:
                    self.env.cr.execute(f"EXPLAIN (FORMAT JSON) {query}", params)
                    nodes += self.plan_nodes(self.env.cr.fetchone()[0][0]['Plan'])
                self.assertFalse([node for node in nodes if node['Node Type'] == 'Seq Scan'
                                  and node['Relation Name'] in ('res_partner', 'mail_message')])
                self.assertIn(index, {node.get('Index Name') for node in nodes})

    def test_without_phonenumbers_only_numbers_written_alike_match(self):
        exact = self.Partner.create({'name': 'Stored in E.164', 'phone': '+14155550160'})
        spaced = self.Partner.create({'name': 'Stored spaced', 'phone': '+1 415-555-0161'})
        self.Partner.create({'name': 'Stored national', 'phone': '(415) 555-0162'})
        res_partner_channel_identity._log_phonenumbers_missing.cache_clear()
        self.addCleanup(res_partner_channel_identity._log_phonenumbers_missing.cache_clear)
        with patch.object(res_partner_channel_identity, 'phonenumbers', None), \
             self.assertLogs(res_partner_channel_identity.__name__, 'WARNING') as logs:
            self.assertEqual(self.find('+14155550160'), exact)
            self.assertEqual(self.find('+14155550161'), spaced)
            self.assertFalse(self.find('+14155550162'), "a national form is not recognised without phonenumbers")
        self.assertEqual(len(logs.records), 1, "the missing package is told once")
        self.assertIn('phonenumbers', logs.output[0])

    def test_numbers_saved_without_phonenumbers_are_normalised_again(self):
        contact = self.Partner.create({'name': 'Saved Long Ago', 'phone': '(415) 555-0170'})
        self.env.flush_all()
        # What Odoo stores when phonenumbers is missing: the number as typed.
        self.env.cr.execute(SQL("UPDATE res_partner SET phone_sanitized = phone WHERE id = %s", contact.id))
        contact.invalidate_recordset(['phone_sanitized'])
        self.assertFalse(self.find('+14155550170'))

        self.Identity._recompute_phone_sanitized_saved_without_phonenumbers()
        self.env.flush_all()
        self.assertEqual(contact.phone_sanitized, '+14155550170')
        self.assertEqual(self.find('+14155550170'), contact)
