from odoo.tests import HttpCase, tagged

from .test_document_request import DocumentRequestCommon
from .test_ui import SCREENSHOT_DIR, ScreenshotsMixin


@tagged('post_install', '-at_install')
class TestDocumentRequestUi(ScreenshotsMixin, DocumentRequestCommon, HttpCase):
    """The request page in Chromium, without logging in, and Request, Remind, Cancel in the Documents tab."""

    def test_a_request_link_accepts_an_upload_then_says_it_is_done(self):
        doc_request = self.request_documents(message="For the new lease, please.")
        self.start_tour_with_screenshots(
            f'/contact_documents/request/{doc_request.access_token}', 'contact_documents_document_request')
        self.env.invalidate_all()
        [document] = doc_request.document_ids
        self.assertRecordValues(document, [{
            'name': 'Signed contract.pdf', 'partner_id': self.contact.id, 'direction': 'received', 'channel': 'portal'}])
        self.assertEqual(doc_request.state, 'done')
        for name in ('document_request_page', 'document_request_done'):
            self.assertTrue((SCREENSHOT_DIR / f'{name}.png').is_file(), f"screenshot {name} was not saved")

    def test_request_remind_and_cancel_in_the_documents_tab(self):
        self.start_tour_with_screenshots(
            f'/odoo/contacts/{self.contact.id}', 'contact_documents_request_in_tab', login='cd_user')
        doc_request = self.env['contact.document.request'].search([('partner_id', '=', self.contact.id)])
        self.assertRecordValues(doc_request, [{
            'name': "Passport scan", 'message': "For the rental file, thank you.", 'state': 'cancelled',
            'reminder_count': 1, 'user_id': self.user.id}])
        self.assertEqual(
            self.audit(doc_request).mapped('action'), ['request_requested', 'request_reminded', 'request_cancelled'])
        self.assertEqual(len(self.request_emails(doc_request)), 2, "the request and its reminder")
        for name in ('document_request_dialog', 'document_request_tab'):
            self.assertTrue((SCREENSHOT_DIR / f'{name}.png').is_file(), f"screenshot {name} was not saved")
