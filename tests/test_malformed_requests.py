from odoo import http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import ChannelSyncCommon, ContactDocumentsCommon


@tagged('post_install', '-at_install')
class TestMalformedWebhookRequests(ChannelSyncCommon, HttpCase):
    """Whatever characters a stranger sends, the webhooks answer 400 or 403, never 500."""

    @mute_logger('odoo.addons.contact_documents.controllers.webhook')
    def test_non_ascii_signatures_and_tokens_are_refused(self):
        payload = {'object': 'page', 'entry': []}
        self.assertEqual(self.post_meta(payload, signature='sha256=é').status_code, 403)
        self.assertEqual(self.post_event({'channel': 'x'}, signature='sha256=é').status_code, 403)
        response = self.url_open('/contact_documents/webhook/meta?hub.mode=subscribe&hub.verify_token=é&hub.challenge=1')
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.post_twilio(self.twilio_params(), signature='é').status_code, 403)


@tagged('post_install', '-at_install')
class TestMalformedDocumentRequests(ContactDocumentsCommon, HttpCase):
    """The upload, ZIP and tab calls refuse odd input with a clear answer, never a server error."""

    def setUp(self):
        super().setUp()
        self.file_document(self.contact, 'report.pdf')
        self.authenticate('cd_user', 'cd_user')

    @mute_logger('odoo.addons.contact_documents.controllers.upload_session')
    def test_session_tokens_with_control_characters_are_unknown(self):
        for path in ('%00', 'abc%00def/finish'):
            method = 'POST' if path.endswith('finish') else 'GET'
            response = self.url_open(f'/contact_documents/upload/session/{path}', method=method,
                                     data={'csrf_token': self.csrf_token()} if method == 'POST' else None)
            self.assertEqual(response.status_code, 404, path)

    def csrf_token(self):
        return http.Request.csrf_token(self)

    def test_searches_with_nul_and_negative_pages_answer_normally(self):
        response = self.url_open(f'/contact_documents/zip?partner_id={self.contact.id}&search=rep%00ort')
        self.assertIn(response.status_code, (200, 404))
        data = self.env['contact.document'].with_user(self.user).get_documents_tab_data(
            self.contact.id, search='rep\x00ort', offset=-5, limit=-1)
        self.assertEqual(data['counts']['all'], 1)
