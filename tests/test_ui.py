import base64
import io
import json
import logging
import os
import tempfile
import zipfile
from pathlib import Path
from unittest.mock import patch

from PIL import Image, ImageDraw

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from .common import make_pdf
from odoo.addons.web.tests.test_js import unit_test_error_checker

_logger = logging.getLogger(__name__)

SCREENSHOT_SIGNAL = 'contact_documents:screenshot:'
# The tests leave the tree as they found it: screenshots go to a temporary folder unless
# CONTACT_DOCUMENTS_SCREENSHOTS names another one (doc/screenshots, to refresh the README's).
SCREENSHOT_DIR = Path(os.environ.get('CONTACT_DOCUMENTS_SCREENSHOTS')
                      or Path(tempfile.gettempdir()) / 'contact_documents_screenshots')


def make_png(size=(320, 200)):
    image = Image.new('RGB', size, (36, 99, 155))
    draw = ImageDraw.Draw(image)
    draw.rectangle([size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4], fill=(245, 190, 40))
    buffer = io.BytesIO()
    image.save(buffer, format='PNG', optimize=True)
    return buffer.getvalue()


class ScreenshotsMixin:
    """Tours that fail on any console warning, and may save screenshots into SCREENSHOT_DIR.

    Odoo's test browser fails a tour on a console error only; a warning (an
    OWL prop of the wrong type, a missing translation context, a deprecated
    call) is only logged. Here every ``console.warn`` of the page fails the
    tour like an error, on every screen it visits.

    To save a screenshot, the tour logs ``contact_documents:screenshot:<name>``
    and waits until the name appears in ``window.__contactDocumentsScreenshots``:
    the capture is taken through the Chrome DevTools protocol Odoo's test
    browser speaks.
    """

    def start_tour(self, *args, **kwargs):
        test = self
        original = ChromeBrowser._handle_console

        def handle_console(browser, **params):
            args = params.get('args') or [{}]
            message = args[0].get('value')
            if params.get('type') == 'log' and isinstance(message, str) and message.startswith(SCREENSHOT_SIGNAL):
                test._capture(browser, message.removeprefix(SCREENSHOT_SIGNAL))
            if params.get('type') == 'warning':
                params = {**params, 'type': 'error'}
            return original(browser, **params)

        with patch.object(ChromeBrowser, '_handle_console', handle_console):
            return super().start_tour(*args, **kwargs)

    # Every tour of these classes is checked for warnings and may take screenshots.
    start_tour_with_screenshots = start_tour

    def _capture(self, browser, name):
        def save(future):
            try:
                data = future.result()['data']
            except Exception:
                _logger.exception("Screenshot %s failed", name)
                return
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            # 256 colours are plenty for a screen of the web client, and keep the PNGs small.
            image = Image.open(io.BytesIO(base64.b64decode(data))).convert('RGB')
            image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
                SCREENSHOT_DIR / f'{name}.png', format='PNG', optimize=True)
            _logger.info("Screenshot saved: %s", SCREENSHOT_DIR / f'{name}.png')
            browser._websocket_send('Runtime.evaluate', params={
                'expression': f'(window.__contactDocumentsScreenshots ||= []).push({json.dumps(name)})',
            })

        browser._websocket_send(
            'Page.captureScreenshot', params={'format': 'png'}, with_future=True,
        ).add_done_callback(save)


@tagged('post_install', '-at_install')
class TestDocumentsTabUi(ScreenshotsMixin, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, login='cd_tab_user', groups='base.group_user,base.group_partner_manager', name="Pat Plain")
        cls.manager = new_test_user(
            cls.env, login='cd_tab_manager', name="Morgan Manager",
            groups='base.group_user,base.group_partner_manager,contact_documents.group_contact_documents_manager',
        )
        cls.partner = cls.env['res.partner'].create({'name': "Dana Documents", 'email': 'dana@example.com'})
        # Uploads are added by the manager; synced files come from Dana or from the manager.
        Document = cls.env['contact.document'].with_user(cls.manager).sudo()
        dana, morgan = cls.partner, cls.manager.partner_id
        # Filed oldest first: the tab lists the newest first.
        seeds = [
            ('Quarterly report.pdf', make_pdf("Quarterly report"), 'application/pdf', 'internal', 'upload', None),
            ('Team photo.png', make_png(), 'image/png', 'internal', 'upload', None),
            ('Offer for Dana.docx', b'PK\x03\x04 offer', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'sent', 'email', morgan),
            ('Signed contract.pdf', make_pdf("Signed contract"), 'application/pdf', 'received', 'email', dana),
            ('Meeting minutes.doc', b'\xD0\xCF\x11\xE0 minutes', 'application/msword', 'received', 'sms', dana),
        ]
        for day, (name, raw, mimetype, direction, channel, sender) in enumerate(seeds, start=1):
            document = Document._file_documents(
                cls.partner, [{'name': name, 'raw': raw, 'mimetype': mimetype}], direction=direction, channel=channel,
                sender=sender)
            cls.env.cr.execute(
                "UPDATE contact_document SET create_date = %s WHERE id = %s", [f'2025-03-0{day} 09:00:00', document.id])
        Document.invalidate_model(['create_date'])
        cls.documents = Document.search([('partner_id', '=', cls.partner.id)])

    def test_tab_as_manager(self):
        """Filters, search, upload, preview, download, delete to the trash and restore, as a manager.

        Saves the screenshots.
        """
        self.start_tour_with_screenshots(f'/odoo/contacts/{self.partner.id}', 'contact_documents_tab_manager', login='cd_tab_manager')
        self.env.invalidate_all()
        contract = self.documents.filtered(lambda doc: doc.name == 'Signed contract.pdf')
        self.assertTrue(contract.exists().active, "the file deleted in the tour was restored from the trash")
        self.assertFalse(contract.trashed_date)
        trail = self.env['contact.document.log'].search(
            [('document_id', '=', contract.id), ('action', 'in', ('trashed', 'restored'))], order='id')
        self.assertEqual(trail.mapped('action'), ['trashed', 'restored'])
        self.assertEqual(trail.user_id.login, 'cd_tab_manager')
        uploaded = self.env['contact.document'].search([('name', 'in', ['Meeting notes.pdf', 'Whiteboard.png'])])
        self.assertEqual(len(uploaded), 2)
        self.assertEqual(set(uploaded.mapped('direction')), {'internal'})
        self.assertEqual(uploaded.partner_id, self.partner)
        for name in ('documents_tab', 'add_documents_modal', 'row_menu'):
            self.assertTrue((SCREENSHOT_DIR / f'{name}.png').is_file(), f"screenshot {name} was not saved")

    def test_tab_as_user(self):
        """The same, as a plain user, who has no Delete entry and no Trash filter."""
        self.start_tour(f'/odoo/contacts/{self.partner.id}', 'contact_documents_tab_user', login='cd_tab_user')
        self.assertEqual(
            len(self.env['contact.document'].search([('partner_id', '=', self.partner.id)])), 7)

    def test_tab_pages(self):
        """A contact with more documents than a page loads them a page at a time."""
        partner = self.env['res.partner'].create({'name': "Busy Contact"})
        self.env['contact.document'].sudo()._file_documents(
            partner, [{'name': f'Scan {index:02d}.pdf', 'raw': make_pdf(f'Scan {index}'), 'mimetype': 'application/pdf'}
                      for index in range(45)],
            direction='received', channel='email')
        self.start_tour(f'/odoo/contacts/{partner.id}', 'contact_documents_tab_paging', login='cd_tab_user')

    def test_tab_on_phone(self):
        """On a phone-sized screen the tab stays usable."""
        self.browser_size = '390x844'
        self.touch_enabled = True
        self.start_tour_with_screenshots(f'/odoo/contacts/{self.partner.id}', 'contact_documents_tab_mobile', login='cd_tab_user')

    def test_zip_link_of_a_selection_answers_the_archive(self):
        """What the Download selected (N) button links to."""
        self.authenticate('cd_tab_user', 'cd_tab_user')
        selected = self.documents.filtered(lambda doc: doc.name in ('Quarterly report.pdf', 'Team photo.png'))
        response = self.url_open(f'/contact_documents/zip?ids={",".join(map(str, selected.ids))}')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Content-Type'], 'application/zip')
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            self.assertEqual(sorted(archive.namelist()), ['Quarterly report.pdf', 'Team photo.png'])

    def test_download_route_answers_an_attachment(self):
        """What the Download entry links to."""
        self.authenticate('cd_tab_user', 'cd_tab_user')
        document = self.documents.filtered(lambda doc: doc.name == 'Quarterly report.pdf')
        response = self.url_open(f'/contact_documents/{document.id}/download')
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers['Content-Disposition'].startswith('attachment'))
        self.assertTrue(response.content.startswith(b'%PDF'))


@tagged('post_install', '-at_install')
class TestDocumentScreensUi(ScreenshotsMixin, HttpCase):
    """The screens around the tab: smart-button list, kanban and form, settings, audit log,
    channel downloads, and the tab of a contact without documents. Saves their screenshots."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login='cd_screens_manager', name="Morgan Manager",
            groups='base.group_user,base.group_partner_manager,contact_documents.group_contact_documents_manager',
        )
        cls.partner = cls.env['res.partner'].create({'name': "Dana Documents", 'email': 'dana@example.com'})
        Document = cls.env['contact.document'].with_user(cls.manager).sudo()
        seeds = [
            ('Quarterly report.pdf', make_pdf("Quarterly report"), 'application/pdf', 'internal', 'upload', None),
            ('Team photo.png', make_png(), 'image/png', 'internal', 'upload', None),
            ('Offer for Dana.docx', b'PK\x03\x04 offer',
             'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'sent', 'email',
             cls.manager.partner_id),
            ('Signed contract.pdf', make_pdf("Signed contract"), 'application/pdf', 'received', 'email', cls.partner),
        ]
        for day, (name, raw, mimetype, direction, channel, sender) in enumerate(seeds, start=1):
            document = Document._file_documents(
                cls.partner, [{'name': name, 'raw': raw, 'mimetype': mimetype}], direction=direction, channel=channel,
                sender=sender)
            cls.env.cr.execute(
                "UPDATE contact_document SET create_date = %s WHERE id = %s", [f'2025-03-0{day} 09:00:00', document.id])
        Document.invalidate_model(['create_date'])
        # A download that failed for good, as the cron leaves it.
        media = cls.env['contact.document.media'].sudo().create({
            'company_id': cls.env.company.id, 'partner_id': cls.partner.id, 'provider': 'meta',
            'channel': 'facebook', 'direction': 'received', 'external_message_id': 'mid-screens',
            'url': 'https://lookaside.fbsbx.com/gone/passport.png', 'name': 'passport.png',
        })
        reason = 'lookaside.fbsbx.com answered HTTP 404'
        media.write({'state': 'failed', 'attempts': 1, 'last_error': reason, 'failure_kind': media._failure_kind(reason)})

    def test_smart_button_views(self):
        self.start_tour(f'/odoo/contacts/{self.partner.id}', 'contact_documents_smart_button_views',
                        login='cd_screens_manager')
        for name in ('smart_button_list', 'smart_button_kanban', 'document_form'):
            self.assertTrue((SCREENSHOT_DIR / f'{name}.png').is_file(), f"screenshot {name} was not saved")

    def test_configuration_screens(self):
        self.start_tour('/odoo/settings#contact_documents', 'contact_documents_configuration_screens', login='admin')
        for name in ('settings', 'audit_log', 'channel_downloads', 'channel_download_form'):
            self.assertTrue((SCREENSHOT_DIR / f'{name}.png').is_file(), f"screenshot {name} was not saved")

    def test_tab_of_a_contact_without_documents(self):
        partner = self.env['res.partner'].create({'name': "Nora Nothing"})
        self.start_tour(f'/odoo/contacts/{partner.id}', 'contact_documents_tab_empty', login='cd_screens_manager')


@tagged('post_install', '-at_install')
class TestDocumentsTabHoot(HttpCase):
    """The hoot unit tests of the front end (static/tests/*.test.js), run headless."""

    @staticmethod
    def _hoot_job_id(name):
        """The id hoot gives a suite, as web/tests/test_js.py computes it for its filters."""
        value = 0
        for char in name:
            value = ((value << 5) - value + ord(char)) & 0xFFFFFFFF
        return f'{value:08x}'

    def test_hoot_suite(self):
        suite_id = self._hoot_job_id('@contact_documents')
        self.browser_js(
            f'/web/tests?headless&loglevel=2&preset=desktop&timeout=15000&id={suite_id}',
            "", "", login='admin', timeout=600,
            success_signal="[HOOT] Test suite succeeded", error_checker=unit_test_error_checker,
        )
