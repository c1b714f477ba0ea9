from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .common import ContactDocumentsCommon


@tagged('post_install', '-at_install')
class TestDocumentsTabSearch(ContactDocumentsCommon, TransactionCase):
    """What the Documents tab shows while the user types in its search field."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoices = [
            cls.file_document(cls, cls.contact, f'invoice-{number}.pdf', direction='received', channel='email')
            for number in range(3)
        ]
        cls.file_document(cls, cls.contact, 'invoice-copy.pdf', direction='sent', channel='email')
        cls.file_document(cls, cls.contact, 'contract.pdf')
        cls.file_document(cls, cls.colleague_contact, 'invoice-of-john.pdf', direction='received')
        cls.file_document(cls, cls.other_contact, 'invoice-elsewhere.pdf', direction='received')

    def tab(self, partner, user=None, **kwargs):
        return self.env['contact.document'].with_user(user or self.user).get_documents_tab_data(partner.id, **kwargs)

    def test_search_counts_every_filter_and_pages_the_chosen_one(self):
        first_page = self.tab(self.contact, search='VOICE', direction='received', limit=2)
        self.assertEqual(first_page['counts'], {'internal': 0, 'sent': 1, 'received': 3, 'all': 4, 'shared': 0})
        self.assertEqual([document['name'] for document in first_page['documents']],
                         ['invoice-2.pdf', 'invoice-1.pdf'], "newest first, only the received ones")
        second_page = self.tab(self.contact, search='VOICE', direction='received', limit=2, offset=2)
        self.assertEqual([document['name'] for document in second_page['documents']], ['invoice-0.pdf'])

        every_direction = self.tab(self.contact, search='voice')
        self.assertEqual({document['name'] for document in every_direction['documents']},
                         {'invoice-0.pdf', 'invoice-1.pdf', 'invoice-2.pdf', 'invoice-copy.pdf'})

    def test_search_without_match_shows_nothing_and_zero_counts(self):
        data = self.tab(self.contact, search='no such file')
        self.assertEqual(data['documents'], [])
        self.assertEqual(data['counts'], {'internal': 0, 'sent': 0, 'received': 0, 'all': 0, 'shared': 0})

    def test_company_search_covers_its_people_and_nobody_else(self):
        data = self.tab(self.customer, search='invoice')
        self.assertEqual(data['counts']['all'], 5)
        self.assertEqual({document['partner_id'][1] for document in data['documents']},
                         {'Acme Corporation, Jane Customer', 'Acme Corporation, John Customer'})

    def test_search_never_shows_documents_of_contacts_the_user_cannot_read(self):
        other = self.tab(self.other_contact, user=self.user_other_company, search='invoice')
        self.assertEqual([document['name'] for document in other['documents']], ['invoice-elsewhere.pdf'])
        self.assertEqual(other['counts']['all'], 1)
        with self.assertRaises(AccessError):
            self.tab(self.contact, user=self.user_other_company, search='invoice')
