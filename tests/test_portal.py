import hashlib
import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields, http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from ..models.contact_document_upload import CHUNK_SIZE_PARAM, MIN_CHUNK_SIZE
from ..tools.file_types import MAX_UPLOAD_SIZE
from .common import ContactDocumentsCommon, make_image, make_pdf

SESSION_ROUTE = '/contact_documents/upload/session'


class PortalCommon(ContactDocumentsCommon):
    """Acme Corporation (a company), its people Jane and John, a stranger, each with a portal login.

    Documents: shared with Jane, with John (her colleague), with Acme itself;
    not shared with Jane; shared with Jane, then deleted.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['ir.config_parameter'].sudo().set_param(CHUNK_SIZE_PARAM, MIN_CHUNK_SIZE)
        cls.stranger = cls.env['res.partner'].create({'name': 'Stranger Things', 'email': 'stranger@example.com'})
        cls.jane_portal = new_test_user(
            cls.env, login='cd_jane', groups='base.group_portal', partner_id=cls.contact.id,
            name=cls.contact.name, email=cls.contact.email)
        cls.john_portal = new_test_user(
            cls.env, login='cd_john', groups='base.group_portal', partner_id=cls.colleague_contact.id,
            name=cls.colleague_contact.name, email=cls.colleague_contact.email)
        cls.stranger_portal = new_test_user(
            cls.env, login='cd_stranger', groups='base.group_portal', partner_id=cls.stranger.id,
            name=cls.stranger.name, email=cls.stranger.email)
        cls.salesperson = new_test_user(
            cls.env, login='cd_sales', groups='base.group_user,base.group_partner_manager', name='Sally Sales')
        cls.shared_jane = cls.file_document(cls, cls.contact, 'Offer for Jane.pdf')
        cls.unshared_jane = cls.file_document(cls, cls.contact, 'Internal notes.pdf')
        cls.shared_john = cls.file_document(cls, cls.colleague_contact, 'Offer for John.pdf')
        cls.shared_company = cls.file_document(cls, cls.customer, 'Acme framework agreement.pdf')
        cls.shared_trashed = cls.file_document(cls, cls.contact, 'Withdrawn offer.pdf')
        (cls.shared_jane | cls.shared_john | cls.shared_company | cls.shared_trashed).with_user(cls.user).action_share()
        cls.shared_trashed.with_user(cls.manager).action_trash()

    def csrf_token(self):
        return http.Request.csrf_token(self)

    def logs(self, document, action):
        return self.env['contact.document.log'].search(
            [('document_id', '=', document.id), ('action', '=', action)], order='id')


@tagged('post_install', '-at_install')
class TestPortalAccess(PortalCommon, HttpCase):
    """The permission matrix of the portal, through the same doors a browser or a script uses."""

    def visible(self):
        return {
            'cd_jane': self.shared_jane | self.shared_company,
            'cd_john': self.shared_john | self.shared_company,
            'cd_stranger': self.env['contact.document'],
        }

    def test_download_and_preview_answer_only_what_was_shared_with_the_user(self):
        every = self.shared_jane | self.unshared_jane | self.shared_john | self.shared_company | self.shared_trashed
        for login, visible in self.visible().items():
            self.authenticate(login, login)
            for document in every.with_context(active_test=False):
                for route in ('download', 'preview'):
                    with self.subTest(user=login, document=document.name, route=route):
                        response = self.url_open(f'/contact_documents/{document.id}/{route}', allow_redirects=False)
                        self.assertEqual(response.status_code, 200 if document in visible else 404)
                        if document not in visible:
                            self.assertNotIn(b'%PDF', response.content)
            # Guessing ids past the last one gives the same answer as an unshared document.
            response = self.url_open(f'/contact_documents/{every[-1].id + 1000}/download')
            self.assertEqual(response.status_code, 404)

    def test_public_user_reaches_no_document(self):
        self.authenticate(None, None)
        for document in (self.shared_jane, self.shared_company):
            response = self.url_open(f'/contact_documents/{document.id}/download', allow_redirects=False)
            self.assertNotEqual(response.status_code, 200)
            self.assertNotIn(b'%PDF', response.content)
            self.assertIn('/web/login', response.headers.get('Location', ''))
        response = self.url_open('/my/documents', allow_redirects=False)
        self.assertIn('/web/login', response.headers.get('Location', ''))

    def test_orm_calls_of_portal_users_see_only_their_shared_documents(self):
        """What /web/dataset/call_kw runs: search, read, read_group, the tab's method."""
        Document = self.env['contact.document']
        for login, visible in self.visible().items():
            user = self.env['res.users'].search([('login', '=', login)])
            as_user = Document.with_user(user)
            with self.subTest(user=login):
                self.assertEqual(as_user.search([]), visible)
                self.assertEqual(as_user.with_context(active_test=False).search([]), visible)
                self.assertEqual(as_user.search_count([('partner_id', '=', self.contact.id)]),
                                 len(visible.filtered(lambda doc: doc.partner_id == self.contact)))
                grouped = as_user._read_group([], ['partner_id'], ['__count'])
                self.assertEqual(sum(count for _partner, count in grouped), len(visible))
                with self.assertRaises(AccessError):
                    self.unshared_jane.with_user(user).read(['name'])
                with self.assertRaises(AccessError):
                    as_user.get_documents_tab_data(user.partner_id.id)
                with self.assertRaises(AccessError):
                    as_user.get_documents_tab_data(self.customer.id)
                if visible:
                    # Who inside the company added a file, and from which message, is not theirs to read.
                    for field in ('create_uid', 'write_uid', 'message_id', 'source_label', 'sender_partner_id'):
                        with self.assertRaises(AccessError):
                            visible[:1].with_user(user).read([field])
                    with self.assertRaises(AccessError):
                        visible[:1].with_user(user).write({'name': 'renamed.pdf'})
                    with self.assertRaises(AccessError):
                        visible[:1].with_user(user).action_unshare()
                    with self.assertRaises(AccessError):
                        visible[:1].with_user(user).action_trash()
                with self.assertRaises(AccessError):
                    self.unshared_jane.with_user(user).action_share()

    def test_json_rpc_search_read_of_a_portal_user(self):
        self.authenticate('cd_jane', 'cd_jane')
        result = self.make_jsonrpc_request('/web/dataset/call_kw/contact.document/search_read', {
            'model': 'contact.document', 'method': 'search_read', 'args': [[]],
            'kwargs': {'fields': ['name', 'partner_id', 'is_shared']},
        })
        self.assertEqual(sorted(row['name'] for row in result), ['Acme framework agreement.pdf', 'Offer for Jane.pdf'])

    def test_zip_of_a_portal_user_holds_only_shared_documents(self):
        self.authenticate('cd_jane', 'cd_jane')
        response = self.url_open(f'/contact_documents/zip?ids={self.unshared_jane.id},{self.shared_john.id}')
        self.assertEqual(response.status_code, 404)
        response = self.url_open(f'/contact_documents/zip?ids={self.unshared_jane.id},{self.shared_jane.id}')
        self.assertEqual(response.status_code, 200)
        self.assertIn(b'Offer for Jane.pdf', response.content)
        self.assertNotIn(b'Internal notes.pdf', response.content)
        # A search by name over a whole contact, as the tab's ZIP asks it: the shared ones only.
        response = self.url_open(f'/contact_documents/zip?partner_id={self.unshared_jane.partner_id.id}&search=Jane')
        self.assertEqual(response.status_code, 200)
        self.assertIn(b'Offer for Jane.pdf', response.content)
        self.assertNotIn(b'Internal notes.pdf', response.content)

    def test_my_home_counts_the_documents(self):
        for login, visible in self.visible().items():
            self.authenticate(login, login)
            with self.subTest(user=login):
                counters = self.make_jsonrpc_request('/my/counters', {'counters': ['contact_document_count']})
                self.assertEqual(counters['contact_document_count'], len(visible))
        # The card is on /my with its count, even at 0: it is where the contact sends files.
        for login, count in (('cd_jane', '2'), ('cd_stranger', '')):
            self.authenticate(login, login)
            card = re.search(r'<a href="/my/documents".*?</a>', self.url_open('/my').text, re.DOTALL)
            self.assertTrue(card, f"{login} has the Documents card")
            self.assertEqual(re.sub(r'<[^>]+>|\s+', ' ', card.group(0)).split()[:2],
                             [count, 'Documents'] if count else ['Documents', 'Files'])

    def test_my_documents_lists_shared_documents_and_never_the_others(self):
        self.authenticate('cd_jane', 'cd_jane')
        page = self.url_open('/my/documents').text
        self.assertIn('Offer for Jane.pdf', page)
        self.assertIn('Acme framework agreement.pdf', page)
        for hidden in ('Internal notes.pdf', 'Offer for John.pdf', 'Withdrawn offer.pdf',
                       # who added them inside the company
                       'Plain User', 'cd_user'):
            self.assertNotIn(hidden, page)
        self.assertIn(f'/contact_documents/{self.shared_jane.id}/preview', page)
        self.assertIn(f'/contact_documents/{self.shared_jane.id}/download', page)
        # The upload area, with the server's own list of types and limit.
        self.assertIn('data-session-url="/contact_documents/upload/session"', page)
        self.assertIn(f'data-max-upload-size="{MAX_UPLOAD_SIZE}"', page)
        self.assertIn('250 MB', page)

    def test_my_documents_search_sort_and_pages(self):
        self.authenticate('cd_jane', 'cd_jane')
        page = self.url_open('/my/documents?search=framework').text
        self.assertIn('Acme framework agreement.pdf', page)
        self.assertNotIn('Offer for Jane.pdf', page)
        page = self.url_open('/my/documents?search=nothing+like+it').text
        self.assertIn('No document matches', page)
        page = self.url_open('/my/documents?sortby=name').text
        self.assertLess(page.index('Acme framework agreement.pdf'), page.index('Offer for Jane.pdf'))
        with patch.object(CustomerPortal, '_items_per_page', 1):
            first = self.url_open('/my/documents?sortby=name').text
            second = self.url_open('/my/documents/page/2?sortby=name').text
        self.assertIn('Acme framework agreement.pdf', first)
        self.assertNotIn('Offer for Jane.pdf', first)
        self.assertIn('/my/documents/page/2', first)
        self.assertIn('Offer for Jane.pdf', second)
        self.assertNotIn('Acme framework agreement.pdf', second)

    def test_internal_user_sees_only_their_own_contact_on_my_documents(self):
        self.authenticate('cd_user', 'cd_user')
        page = self.url_open('/my/documents').text
        self.assertNotIn('Offer for Jane.pdf', page)
        self.assertNotIn('Internal notes.pdf', page)
        # Colleagues add documents from the Documents tab, not from the portal.
        self.assertNotIn('o_contact_documents_portal_upload', page)


@tagged('post_install', '-at_install')
class TestPortalSharing(PortalCommon, HttpCase):
    """Share on Portal and Stop Sharing, from the tab's menu and the Add Documents modal."""

    def test_share_and_unshare_are_audited_and_need_editing_the_contact(self):
        document = self.unshared_jane
        document.with_user(self.user).action_share()
        self.assertTrue(document.is_shared)
        document.with_user(self.user).action_unshare()
        self.assertFalse(document.is_shared)
        self.assertEqual(self.logs(document, 'shared').user_id, self.user)
        self.assertEqual(self.logs(document, 'unshared').user_id, self.user)
        chatter = self.contact.message_ids.mapped('body')
        self.assertTrue(any('shared on the portal' in body and 'Internal notes.pdf' in body for body in chatter))
        # A user who may read the contact but not edit it cannot share its documents.
        reader = new_test_user(self.env, login='cd_reader', groups='base.group_user')
        with self.assertRaises(AccessError):
            document.with_user(reader).action_share()
        with self.assertRaises(AccessError):
            self.shared_jane.with_user(reader).action_unshare()
        with self.assertRaises(AccessError):
            document.with_user(self.user_other_company).action_share()
        # Never through write, whoever calls it.
        with self.assertRaises(AccessError):
            document.with_user(self.manager).write({'is_shared': True})
        self.assertFalse(document.is_shared)

    def test_moving_a_shared_document_stops_sharing_it(self):
        document = self.shared_jane
        document.with_user(self.user).write({'partner_id': self.colleague_contact.id})
        self.assertFalse(document.is_shared)
        self.assertEqual(self.logs(document, 'unshared').note, "Moved to another contact")

    def test_tab_data_counts_and_filters_shared_documents(self):
        data = self.env['contact.document'].with_user(self.user).get_documents_tab_data(self.contact.id)
        self.assertEqual(data['counts']['shared'], 1)
        self.assertTrue(data['can_share'])
        shared = {doc['name']: doc['is_shared'] for doc in data['documents']}
        self.assertEqual(shared, {'Offer for Jane.pdf': True, 'Internal notes.pdf': False})
        data = self.env['contact.document'].with_user(self.user).get_documents_tab_data(self.contact.id, direction='shared')
        self.assertEqual([doc['name'] for doc in data['documents']], ['Offer for Jane.pdf'])
        # The company's tab counts the documents shared with any of its people and itself.
        data = self.env['contact.document'].with_user(self.user).get_documents_tab_data(self.customer.id, direction='shared')
        self.assertEqual(data['counts']['shared'], 3)

    def test_upload_with_the_share_toggle_shares_the_document(self):
        self.authenticate('cd_user', 'cd_user')
        content = make_pdf('shared upload')
        opened = self.url_open(SESSION_ROUTE, data={
            'partner_id': self.contact.id, 'name': 'Proposal.pdf', 'size': len(content),
            'sha256': hashlib.sha256(content).hexdigest(), 'share': '1', 'csrf_token': self.csrf_token(),
        }).json()
        self.url_open(f"{SESSION_ROUTE}/{opened['token']}/chunk/0", method='PUT',
                      files={'chunk': ('blob', content)}, data={'csrf_token': self.csrf_token()})
        response = self.url_open(f"{SESSION_ROUTE}/{opened['token']}/finish", data={'csrf_token': self.csrf_token()})
        self.assertEqual(response.status_code, 200, response.text)
        document = self.env['contact.document'].browse(response.json()['document']['id'])
        self.assertTrue(document.is_shared)
        self.assertEqual((document.direction, document.channel), ('internal', 'upload'))
        self.assertEqual(self.logs(document, 'shared').user_id, self.user)
        # The one-request route takes the same flag.
        response = self.url_open('/contact_documents/upload', data={
            'partner_id': self.contact.id, 'share': '1', 'csrf_token': self.csrf_token(),
        }, files=[('ufile', ('photo.png', make_image('PNG'), 'image/png'))])
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(self.env['contact.document'].browse(response.json()['documents'][0]['id']).is_shared)


@tagged('post_install', '-at_install')
class TestPortalUpload(PortalCommon, HttpCase):
    """A contact sends files from the portal through the same upload sessions, limits and checks."""

    def setUp(self):
        super().setUp()
        self.addCleanup(self._remove_temp_files)

    def _remove_temp_files(self):
        for upload in self.env['contact.document.upload'].sudo().search([('temp_name', '!=', False)]):
            upload._remove_temp_file()

    def open_session(self, name, content, partner=None, size=None):
        return self.url_open(SESSION_ROUTE, data={
            'partner_id': (partner or self.contact).id, 'name': name,
            'size': len(content) if size is None else size,
            'sha256': hashlib.sha256(content).hexdigest(), 'csrf_token': self.csrf_token(),
        })

    def upload(self, name, content, partner=None):
        """Open, send and finish a session; the answer of the step that refused, or of the finish."""
        response = self.open_session(name, content, partner)
        if response.status_code != 200:
            return response
        session = response.json()
        for index in range(session['chunk_count']):
            chunk = content[index * session['chunk_size']:(index + 1) * session['chunk_size']]
            self.url_open(f"{SESSION_ROUTE}/{session['token']}/chunk/{index}", method='PUT',
                          files={'chunk': ('blob', chunk)}, data={'csrf_token': self.csrf_token()})
        return self.url_open(f"{SESSION_ROUTE}/{session['token']}/finish", data={'csrf_token': self.csrf_token()})

    def test_a_portal_upload_lands_on_the_users_own_contact_as_received_on_the_portal_channel(self):
        self.contact.user_id = self.salesperson
        self.authenticate('cd_jane', 'cd_jane')
        content = make_pdf('signed by Jane') + b'%' + bytes(range(256)) * 400  # more than one chunk
        # Whatever contact the request names, the file is Jane's.
        response = self.upload('Signed offer.pdf', content, partner=self.other_contact)
        self.assertEqual(response.status_code, 200, response.text)
        document = self.env['contact.document'].browse(response.json()['document']['id'])
        self.assertEqual(document.partner_id, self.contact)
        self.assertEqual((document.direction, document.channel), ('received', 'portal'))
        self.assertFalse(document.is_shared)
        self.assertEqual(document.attachment_id.raw, content)
        filed = self.logs(document, 'filed')
        self.assertEqual((filed.user_id, filed.channel, filed.direction), (self.jane_portal, 'portal', 'received'))
        # The salesperson is told: a chatter message that notifies them, and an activity.
        message = self.contact.message_ids.filtered(lambda msg: 'uploaded files on the portal' in (msg.body or ''))
        self.assertEqual(len(message), 1)
        self.assertIn('Signed offer.pdf', message.body)
        # That message tells the file: no second note says it was filed.
        self.assertFalse(self.contact.message_ids.filtered(lambda msg: 'Document filed' in (msg.body or '') and msg != message))
        self.assertIn(self.salesperson.partner_id, message.partner_ids)
        activity = self.contact.activity_ids.filtered(lambda act: act.user_id == self.salesperson)
        self.assertEqual(len(activity), 1)
        # Jane sees it as hers; her colleague does not see it at all.
        page = self.url_open('/my/documents').text
        self.assertIn('Signed offer.pdf', page)
        self.assertIn('Uploaded by you', page)
        self.assertIn(f'/my/documents/{document.id}/delete', page)
        self.assertEqual(self.url_open(f'/contact_documents/{document.id}/download').status_code, 200)
        self.authenticate('cd_john', 'cd_john')
        self.assertNotIn('Signed offer.pdf', self.url_open('/my/documents').text)
        self.assertEqual(self.url_open(f'/contact_documents/{document.id}/download').status_code, 404)
        # A second file: the message again, but no second activity while the first is open.
        self.authenticate('cd_jane', 'cd_jane')
        self.assertEqual(self.upload('photo.png', make_image('PNG')).status_code, 200)
        self.assertEqual(len(self.contact.activity_ids.filtered(lambda act: act.user_id == self.salesperson)), 1)

    def test_without_a_salesperson_the_documents_managers_are_told(self):
        self.authenticate('cd_jane', 'cd_jane')
        response = self.upload('Scan.pdf', make_pdf('scan'))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertIn(self.manager, self.contact.activity_ids.user_id)
        self.assertNotIn(self.user, self.contact.activity_ids.user_id)

    def test_limits_and_content_checks_of_the_portal_path(self):
        self.authenticate('cd_jane', 'cd_jane')
        refused = {
            'notes.txt': (self.open_session('notes.txt', b'plain text'), 'only DOC'),
            'huge.pdf': (self.open_session('huge.pdf', b'%PDF-1.4', size=MAX_UPLOAD_SIZE + 1), 'larger than 250 MB'),
            'empty.pdf': (self.open_session('empty.pdf', b'', size=0), 'empty'),
            'fake.pdf': (self.upload('fake.pdf', b'not a pdf at all, just text ' * 10), 'does not match its extension'),
            'invoice.pdf': (self.upload('invoice.pdf', b'MZ\x90\x00' + b'\x00' * 200), 'does not match its extension'),
        }
        for name, (response, reason) in refused.items():
            with self.subTest(file=name):
                self.assertEqual(response.status_code, 400, response.text)
                self.assertIn(name, response.json()['error'])
                self.assertIn(reason, response.json()['error'])
        self.assertFalse(self.env['contact.document'].search([('channel', '=', 'portal')]))

    def test_a_contact_deletes_their_own_uploads_within_a_day_and_nothing_else(self):
        self.authenticate('cd_jane', 'cd_jane')
        mine = self.env['contact.document'].browse(self.upload('Draft.pdf', make_pdf('draft')).json()['document']['id'])
        old = self.env['contact.document'].browse(self.upload('Old.pdf', make_pdf('old')).json()['document']['id'])
        self.env.cr.execute("UPDATE contact_document SET create_date = %s WHERE id = %s",
                            [fields.Datetime.now() - timedelta(hours=25), old.id])
        old.invalidate_recordset(['create_date'])
        self.assertNotIn(f'/my/documents/{old.id}/delete', self.url_open('/my/documents').text)
        for document in (old, self.shared_jane, self.unshared_jane):
            with self.subTest(document=document.name):
                response = self.url_open(f'/my/documents/{document.id}/delete', data={'csrf_token': self.csrf_token()},
                                         allow_redirects=False)
                self.assertEqual(response.status_code, 404)
                self.assertTrue(document.active)
        # A colleague cannot delete it either.
        self.authenticate('cd_john', 'cd_john')
        response = self.url_open(f'/my/documents/{mine.id}/delete', data={'csrf_token': self.csrf_token()},
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 404)
        self.authenticate('cd_jane', 'cd_jane')
        response = self.url_open(f'/my/documents/{mine.id}/delete', data={'csrf_token': self.csrf_token()},
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        mine.invalidate_recordset()
        self.assertFalse(mine.active, "moved to the trash, where the company can restore it")
        trashed = self.logs(mine, 'trashed')
        self.assertEqual((trashed.user_id, trashed.note), (self.jane_portal, "Deleted by the contact on the portal"))
        self.assertNotIn('Draft.pdf', self.url_open('/my/documents').text)
        with self.assertRaises(AccessError):
            old.with_user(self.jane_portal)._portal_trash()

    def test_portal_downloads_and_previews_are_audited(self):
        self.authenticate('cd_jane', 'cd_jane')
        self.url_open(f'/contact_documents/{self.shared_jane.id}/download')
        self.url_open(f'/contact_documents/{self.shared_company.id}/preview')
        download = self.logs(self.shared_jane, 'downloaded')
        self.assertEqual((download.user_id, download.note),
                         (self.jane_portal, "Downloaded by the contact on the portal"))
        preview = self.logs(self.shared_company, 'downloaded')
        self.assertEqual((preview.user_id, preview.note), (self.jane_portal, "Previewed by the contact on the portal"))
        # A PDF viewer reading further parts of the file is the same preview.
        self.url_open(f'/contact_documents/{self.shared_company.id}/preview', headers={'Range': 'bytes=100-'})
        self.assertEqual(len(self.logs(self.shared_company, 'downloaded')), 1)
        # Colleagues' previews are not recorded; their downloads are, without the portal's note.
        self.authenticate('cd_user', 'cd_user')
        self.url_open(f'/contact_documents/{self.shared_jane.id}/preview')
        self.url_open(f'/contact_documents/{self.shared_jane.id}/download')
        lines = self.logs(self.shared_jane, 'downloaded')
        self.assertEqual(len(lines), 2)
        self.assertFalse(lines[-1].note)
