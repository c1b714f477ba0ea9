from odoo.tests import HttpCase, new_test_user, tagged

from .common import make_pdf
from .test_ui import SCREENSHOT_DIR, ScreenshotsMixin


@tagged('post_install', '-at_install')
class TestPortalDocumentsUi(ScreenshotsMixin, HttpCase):
    """Sharing with a contact and the contact's side on the portal, in Chromium.

    Saves the screenshots ``shared_chip`` and ``portal_my_documents``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env, login='cd_portal_crm', groups='base.group_user,base.group_partner_manager', name="Casey CRM")
        cls.partner = cls.env['res.partner'].create({'name': "Dana Documents", 'email': 'dana@example.com'})
        cls.portal_user = new_test_user(
            cls.env, login='cd_portal_dana', groups='base.group_portal', partner_id=cls.partner.id,
            name=cls.partner.name, email=cls.partner.email)
        Document = cls.env['contact.document'].sudo()
        documents = {}
        # Filed oldest first: the tab lists the newest first.
        for day, name in enumerate(('Internal memo.pdf', 'Contract.pdf', 'Price list.pdf'), start=1):
            documents[name] = Document._file_documents(
                cls.partner, [{'name': name, 'raw': make_pdf(name), 'mimetype': 'application/pdf'}],
                direction='internal', channel='upload')
            cls.env.cr.execute(
                "UPDATE contact_document SET create_date = %s WHERE id = %s", [f'2025-03-0{day} 09:00:00', documents[name].id])
        Document.invalidate_model(['create_date'])
        documents['Price list.pdf'].with_user(cls.user).action_share()
        cls.memo = documents['Internal memo.pdf']

    def test_share_then_the_contact_on_the_portal_then_back_in_the_crm(self):
        self.start_tour_with_screenshots(
            f'/odoo/contacts/{self.partner.id}', 'contact_documents_portal_share', login='cd_portal_crm')
        shared = self.env['contact.document'].search([('partner_id', '=', self.partner.id), ('is_shared', '=', True)])
        self.assertEqual(sorted(shared.mapped('name')), ['Contract.pdf', 'Price list.pdf', 'Welcome pack.pdf'])
        shared_lines = self.env['contact.document.log'].search([('action', '=', 'shared'), ('user_id', '=', self.user.id)])
        self.assertEqual(sorted(shared_lines.mapped('document_name')), ['Contract.pdf', 'Price list.pdf', 'Welcome pack.pdf'])

        self.start_tour_with_screenshots('/my', 'contact_documents_portal_my_documents', login='cd_portal_dana')
        received = self.env['contact.document'].search([('partner_id', '=', self.partner.id), ('channel', '=', 'portal')])
        self.assertEqual(received.mapped('name'), ['Signed contract.pdf'])
        self.assertEqual(received.direction, 'received')
        downloads = self.env['contact.document.log'].search(
            [('action', '=', 'downloaded'), ('user_id', '=', self.portal_user.id)])
        self.assertEqual(sorted(downloads.mapped('note')), [
            "Downloaded by the contact on the portal", "Previewed by the contact on the portal"])
        self.assertFalse(self.env['contact.document.log'].search([('document_id', '=', self.memo.id), ('user_id', '=', self.portal_user.id)]))

        self.start_tour(f'/odoo/contacts/{self.partner.id}', 'contact_documents_portal_received', login='cd_portal_crm')
        for name in ('shared_chip', 'portal_my_documents'):
            self.assertTrue((SCREENSHOT_DIR / f'{name}.png').is_file(), f"screenshot {name} was not saved")
