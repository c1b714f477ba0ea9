import hashlib
from datetime import timedelta

from odoo import fields, http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..models.contact_document_request import MAX_BYTES_PARAM, MAX_UPLOADS_PARAM
from ..models.contact_document_upload import CHUNK_SIZE_PARAM, MIN_CHUNK_SIZE
from .common import make_pdf
from .test_document_request import DocumentRequestCommon

CONTENT = make_pdf('signed contract') + b'%' + bytes(range(256)) * 300  # two chunks of 64 KB


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@tagged('post_install', '-at_install')
class TestDocumentRequestLink(DocumentRequestCommon, HttpCase):
    """The link of a request, opened without an account: the page, the chunked upload, and every refusal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['ir.config_parameter'].sudo().set_param(CHUNK_SIZE_PARAM, MIN_CHUNK_SIZE)
        cls.doc_request = cls.request_documents(cls)

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)  # a visitor: the public user's session
        self.addCleanup(self._remove_temp_files)

    def _remove_temp_files(self):
        for upload in self.env['contact.document.upload'].sudo().search([('temp_name', '!=', False)]):
            upload._remove_temp_file()

    # ------------------------------------------------------------------
    # Helpers: the upload-session protocol under the request's link
    # ------------------------------------------------------------------

    def link(self, doc_request=None):
        return f'/contact_documents/request/{(doc_request or self.doc_request).access_token}'

    def session_url(self, doc_request=None, token=None):
        url = f'{self.link(doc_request)}/upload/session'
        return f'{url}/{token}' if token else url

    def csrf(self):
        return {'csrf_token': http.Request.csrf_token(self)}

    def open_session(self, doc_request=None, name='contract.pdf', content=CONTENT, url=None):
        return self.url_open(url or self.session_url(doc_request), data={
            'name': name, 'size': len(content), 'sha256': sha256(content), **self.csrf()})

    def put_chunks(self, token, content=CONTENT, doc_request=None):
        answers = []
        for index, offset in enumerate(range(0, len(content), MIN_CHUNK_SIZE)):
            answers.append(self.url_open(
                f'{self.session_url(doc_request, token)}/chunk/{index}', method='PUT',
                files={'chunk': ('blob', content[offset:offset + MIN_CHUNK_SIZE])}, data=self.csrf()))
        return answers

    def finish(self, token, doc_request=None):
        return self.url_open(f'{self.session_url(doc_request, token)}/finish', data=self.csrf())

    def upload(self, doc_request=None, name='contract.pdf', content=CONTENT):
        """Open, send and finish one file through the link; the finish's answer."""
        opened = self.open_session(doc_request, name, content)
        self.assertEqual(opened.status_code, 200, opened.text)
        token = opened.json()['token']
        self.assertTrue(all(answer.status_code == 200 for answer in self.put_chunks(token, content, doc_request)))
        return self.finish(token, doc_request)

    def documents(self, partner=None):
        return self.env['contact.document'].sudo().search([('partner_id', '=', (partner or self.contact).id)])

    def expire(self, doc_request):
        self.env.flush_all()
        self.env.cr.execute("UPDATE contact_document_request SET due_date = %s, expiry_date = %s WHERE id = %s", [
            fields.Date.today() - timedelta(days=8), fields.Date.today() - timedelta(days=1), doc_request.id])
        doc_request.invalidate_recordset()

    # ------------------------------------------------------------------
    # The page
    # ------------------------------------------------------------------

    def test_the_page_works_without_an_account_and_shows_only_the_request(self):
        self.file_document(self.contact, 'internal-notes.pdf')
        response = self.url_open(self.link())
        self.assertEqual(response.status_code, 200)
        self.assertIn("Signed contract, ID card", response.text)
        self.assertIn(f'data-session-url="{self.link()}/upload/session"', response.text)
        self.assertNotIn('internal-notes.pdf', response.text, "the contact's other documents are never shown")
        self.assertNotIn('Plain User', response.text, "nor who inside the company asked")
        # The address holds the token: no Referer to other sites, no search engine.
        self.assertIn('<meta name="referrer" content="no-referrer"/>', response.text)
        self.assertIn('noindex', response.text)

    def test_unknown_links_answer_404_and_file_nothing(self):
        for token in ('00000000-0000-4000-8000-000000000000', 'not-a-token', str(self.doc_request.id),
                      self.doc_request.access_token.upper()):
            response = self.url_open(f'/contact_documents/request/{token}')
            self.assertEqual(response.status_code, 404, token)
            self.assertIn("This link is not valid", response.text)
            with mute_logger('odoo.addons.contact_documents.controllers.document_request'):
                opened = self.url_open(f'/contact_documents/request/{token}/upload/session', data={
                    'name': 'contract.pdf', 'size': len(CONTENT), 'sha256': sha256(CONTENT), **self.csrf()})
            self.assertEqual(opened.status_code, 404, token)
        self.assertFalse(self.documents())

    def test_an_expired_link_says_so_and_files_nothing(self):
        opened = self.open_session()
        token = opened.json()['token']
        self.put_chunks(token)
        self.expire(self.doc_request)
        page = self.url_open(self.link())
        self.assertEqual(page.status_code, 410)
        self.assertIn("This link has expired", page.text)
        self.assertNotIn('data-session-url', page.text)
        with mute_logger('odoo.addons.contact_documents.controllers.document_request'):
            finished = self.finish(token)
            reopened = self.open_session(name='other.pdf')
        self.assertEqual(finished.status_code, 410)
        self.assertIn("expired", finished.json()['error'])
        self.assertEqual(reopened.status_code, 410)
        self.assertFalse(self.documents())

    def test_a_cancelled_link_says_so_and_files_nothing(self):
        opened = self.open_session()
        token = opened.json()['token']
        self.put_chunks(token)
        self.doc_request.with_user(self.user).action_cancel()
        page = self.url_open(self.link())
        self.assertEqual(page.status_code, 410)
        self.assertIn("This request was cancelled", page.text)
        with mute_logger('odoo.addons.contact_documents.controllers.document_request'):
            self.assertEqual(self.finish(token).status_code, 410)
            self.assertEqual(self.url_open(self.session_url(token=token)).status_code, 410)
        self.assertFalse(self.documents())

    def test_cancelling_a_done_request_closes_its_link_and_keeps_its_files(self):
        self.assertEqual(self.upload().status_code, 200)
        self.doc_request.with_user(self.user).action_cancel()
        self.assertEqual(self.doc_request.state, 'cancelled')
        self.assertEqual(self.url_open(self.link()).status_code, 410)
        with mute_logger('odoo.addons.contact_documents.controllers.document_request'):
            self.assertEqual(self.open_session(name='late.pdf').status_code, 410)
        self.assertEqual(self.documents(), self.doc_request.document_ids, "the file received stays")

    # ------------------------------------------------------------------
    # Uploading
    # ------------------------------------------------------------------

    def test_an_upload_is_filed_as_received_on_the_portal_and_marks_the_request_done(self):
        finished = self.upload()
        self.assertEqual(finished.status_code, 200, finished.text)
        self.assertEqual(finished.json(), {
            'document': {'name': 'contract.pdf', 'file_size': len(CONTENT)}, 'request_state': 'done'})
        [document] = self.documents()
        self.assertRecordValues(document, [{'direction': 'received', 'channel': 'portal', 'file_size': len(CONTENT)}])
        self.assertEqual(document.attachment_id.raw, CONTENT)
        self.assertEqual(self.doc_request.state, 'done')
        self.assertEqual(self.doc_request.document_ids, document)
        # The audit line of the file says how it came.
        [filed] = self.env['contact.document.log'].sudo().search([('document_id', '=', document.id)])
        self.assertRecordValues(filed, [{
            'action': 'filed', 'note': "Received through a document request", 'request_id': self.doc_request.id,
            'channel': 'portal', 'direction': 'received'}])
        # The requester is told, in the request's chatter, by the contact.
        told = self.doc_request.message_ids.filtered(lambda message: 'contract.pdf' in (message.body or ''))
        self.assertEqual(told.author_id, self.contact)
        self.assertIn(self.user.partner_id, told.partner_ids)
        # The page now says it is done, and lists only the files sent through it.
        page = self.url_open(self.link())
        self.assertEqual(page.status_code, 200)
        self.assertIn("Done: thank you!", page.text)
        self.assertIn("contract.pdf", page.text)
        # More files are still welcome until the link expires.
        self.assertEqual(self.upload(name='id-card.pdf', content=make_pdf('id card')).status_code, 200)
        self.assertEqual(len(self.doc_request.document_ids), 2)

    def test_a_logged_in_user_following_the_link_files_on_the_requests_contact(self):
        self.authenticate('cd_portal', 'cd_portal')
        self.assertEqual(self.upload().status_code, 200)
        self.assertEqual(len(self.documents()), 1, "the request's contact gets the file")
        self.assertFalse(self.documents(self.portal_user.partner_id))
        session = self.env['contact.document.upload'].sudo().search([('request_id', '=', self.doc_request.id)])
        self.assertEqual(session.user_id, self.env.ref('base.public_user'), "the link's sessions are the link's")

    def test_upload_limits_and_content_checks_apply(self):
        with mute_logger('odoo.addons.contact_documents.controllers.document_request'):
            refused_type = self.open_session(name='setup.exe', content=b'MZ' + b'\0' * 100)
            self.assertEqual(refused_type.status_code, 400)
            self.assertIn("setup.exe was refused", refused_type.json()['error'])
            too_large = self.url_open(self.session_url(), data={
                'name': 'huge.pdf', 'size': 251 * 1024 * 1024, 'sha256': sha256(b''), **self.csrf()})
            self.assertEqual(too_large.status_code, 400)
            no_checksum = self.url_open(self.session_url(), data={
                'name': 'contract.pdf', 'size': len(CONTENT), 'sha256': 'nope', **self.csrf()})
            self.assertEqual(no_checksum.status_code, 400)
            # A program named like a PDF is refused when the file is complete.
            program = b'MZ\x90\x00' + b'\0' * 2000
            lying = self.upload(name='invoice.pdf', content=program)
            self.assertEqual(lying.status_code, 400)
            self.assertIn("does not match its extension", lying.json()['error'])
            # Without the CSRF token of the visitor's session, nothing is opened.
            no_csrf = self.url_open(self.session_url(), data={
                'name': 'contract.pdf', 'size': len(CONTENT), 'sha256': sha256(CONTENT)})
            self.assertIn(no_csrf.status_code, (400, 403))
        self.assertFalse(self.documents())
        self.assertEqual(self.doc_request.state, 'open')

    def test_uploads_per_link_are_rate_limited(self):
        self.env['ir.config_parameter'].sudo().set_param(MAX_UPLOADS_PARAM, 2)
        self.assertEqual(self.open_session(name='a.pdf').status_code, 200)
        self.assertEqual(self.open_session(name='b.pdf').status_code, 200)
        with mute_logger('odoo.addons.contact_documents.controllers.document_request',
                         'odoo.addons.contact_documents.models.contact_document_request'):
            third = self.open_session(name='c.pdf')
        self.assertEqual(third.status_code, 429)
        self.assertIn("try again later", third.json()['error'])
        self.assertEqual(third.headers.get('Retry-After'), '3600')
        # Another link has its own allowance.
        other = self.request_documents(name="Payslips")
        self.assertEqual(self.open_session(other, name='c.pdf').status_code, 200)
        # So are the bytes announced per link.
        self.env['ir.config_parameter'].sudo().set_param(MAX_UPLOADS_PARAM, 100)
        self.env['ir.config_parameter'].sudo().set_param(MAX_BYTES_PARAM, 2 * len(CONTENT) + len(CONTENT) // 2)
        with mute_logger('odoo.addons.contact_documents.controllers.document_request',
                         'odoo.addons.contact_documents.models.contact_document_request'):
            self.assertEqual(self.open_session(name='d.pdf').status_code, 429)

    # ------------------------------------------------------------------
    # Sessions are bound to their link
    # ------------------------------------------------------------------

    def test_a_session_of_another_request_is_not_found_through_this_link(self):
        other = self.request_documents(partner=self.colleague_contact, name="Payslips")
        token = self.open_session(other).json()['token']
        self.put_chunks(token, doc_request=other)
        with mute_logger('odoo.addons.contact_documents.controllers.document_request'):
            self.assertEqual(self.url_open(self.session_url(token=token)).status_code, 404)
            self.assertEqual(self.finish(token).status_code, 404)
            self.assertEqual(self.put_chunks(token)[0].status_code, 404)
            deleted = self.url_open(f'{self.session_url(token=token)}?csrf_token={self.csrf()["csrf_token"]}',
                                    method='DELETE')
            self.assertEqual(deleted.status_code, 404)
        self.assertFalse(self.documents())
        self.assertEqual(self.finish(token, other).status_code, 200)
        self.assertEqual(len(self.documents(self.colleague_contact)), 1)
        self.assertEqual(self.doc_request.state, 'open')

    def test_a_users_own_session_and_a_links_session_never_mix(self):
        # A user's own upload session is not reachable through a request's link...
        self.authenticate('cd_user', 'cd_user')
        own = self.url_open('/contact_documents/upload/session', data={
            'partner_id': self.contact.id, 'name': 'internal.pdf', 'size': len(CONTENT),
            'sha256': sha256(CONTENT), **self.csrf()}).json()['token']
        with mute_logger('odoo.addons.contact_documents.controllers.document_request'):
            self.assertEqual(self.url_open(self.session_url(token=own)).status_code, 404)
            self.assertEqual(self.finish(own).status_code, 404)
        # ... and a link's session is not reachable through the users' routes, even by a user of the company.
        link_session = self.open_session().json()['token']
        self.put_chunks(link_session)
        with mute_logger('odoo.addons.contact_documents.controllers.upload_session'):
            self.assertEqual(self.url_open(f'/contact_documents/upload/session/{link_session}').status_code, 404)
            finished = self.url_open(f'/contact_documents/upload/session/{link_session}/finish', data=self.csrf())
            self.assertEqual(finished.status_code, 404)
        self.assertFalse(self.documents())
        self.assertEqual(self.finish(link_session).status_code, 200)

    def test_the_link_is_no_door_to_the_orm(self):
        """The public user still reads nothing of requests, documents or the audit log over JSON-RPC."""
        self.upload()
        for model, method, args in (
            ('contact.document.request', 'search_read', [[]]),
            ('contact.document.request', 'get_documents_tab_requests', [self.contact.id]),
            ('contact.document', 'search_read', [[]]),
            ('contact.document.log', 'search_read', [[]]),
            ('contact.document.upload', 'search_read', [[]]),
        ):
            with mute_logger('odoo.http'):
                response = self.url_open('/web/dataset/call_kw', json={
                    'jsonrpc': '2.0', 'method': 'call', 'id': 1,
                    'params': {'model': model, 'method': method, 'args': args, 'kwargs': {}}})
            self.assertIn('error', response.json(), f'{model}.{method}')
