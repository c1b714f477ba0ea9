"""Previews: PDF renditions of Office files by LibreOffice, thumbnails, and what the preview route serves.

LibreOffice (Debian's *-nogui packages) and poppler-utils are installed by
scripts/test.sh: these tests run in both installs.
"""
import base64
import io
import os
import subprocess
import tempfile
import time
from unittest.mock import patch

from odoo.addons.contact_documents.models import (
    contact_document as contact_document_module,
)
from odoo.addons.contact_documents.tools import office_conversion
from odoo.addons.contact_documents.tools.office_conversion import (
    ConversionFailed,
    convert_to_pdf,
)
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, tagged
from PIL import Image

from .common import SAMPLE_FILES, ContactDocumentsCommon, make_image, real_file

DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation'


def pdf_text(pdf):
    """The text of a PDF, read by pdftotext (poppler-utils), as a person reading it would see it."""
    with tempfile.NamedTemporaryFile(suffix='.pdf') as file:
        file.write(pdf)
        file.flush()
        return subprocess.run(['pdftotext', file.name, '-'], capture_output=True, check=True, timeout=30).stdout.decode()


def running_in_group(pgid, wait=5):
    """The processes of group ``pgid`` still running (zombies excluded), once SIGKILL had ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        running = []
        for pid in filter(str.isdigit, os.listdir('/proc')):
            try:
                with open(f'/proc/{pid}/stat', encoding='utf-8') as stat:
                    fields = stat.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != 'Z':
                running.append(int(pid))
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.1)


def png_size(data):
    with Image.open(io.BytesIO(data)) as image:
        return image.format, image.size


class PreviewCommon(ContactDocumentsCommon):

    def file_raw(self, name, raw, mimetype=None, partner=None, channel='email'):
        return self.env['contact.document']._file_documents(
            partner or self.contact, [{'name': name, 'raw': raw, 'mimetype': mimetype}],
            direction='received', channel=channel)

    def prepare_previews(self):
        """Run the scheduled action's work now, as the scheduler would (without committing)."""
        self.env['contact.document']._cron_prepare_previews()
        self.env.invalidate_all()


@tagged('post_install', '-at_install')
class TestOfficePreview(PreviewCommon, TransactionCase):

    def test_office_files_get_a_pdf_rendition_with_their_words(self):
        cases = {
            'letter.docx': 'signed contract',
            'letter.doc': 'signed contract',
            'slides.pptx': 'Quarterly review',
            'slides.ppt': 'Quarterly review',
            'budget.xls': 'Travel',
        }
        documents = {name: self.file_raw(name, real_file(name)) for name in cases}
        for document in documents.values():
            self.assertEqual(document.preview_state, 'pending', "converted in the background, never while filing")
            self.assertFalse(document.is_previewable)
        self.prepare_previews()
        for name, words in cases.items():
            with self.subTest(name=name):
                document = documents[name]
                self.assertEqual(document.preview_state, 'done')
                self.assertEqual(document.preview_kind, 'office')
                self.assertTrue(document.is_previewable)
                rendition = document.preview_attachment_id
                self.assertEqual(rendition.mimetype, 'application/pdf')
                self.assertEqual((rendition.res_model, rendition.res_id), ('contact.document', document.id))
                self.assertIn(words, pdf_text(rendition.raw))
                self.assertTrue(document.has_thumbnail, "the first page of the rendition is the thumbnail")
                fmt, size = png_size(base64.b64decode(document.thumbnail))
                self.assertEqual(fmt, 'PNG')
                self.assertLessEqual(max(size), 96)
                self.assertEqual(document.attachment_id.raw, real_file(name), "the file itself is untouched")

    def test_a_corrupt_docx_fails_cleanly_and_stays_downloadable(self):
        letter = real_file('letter.docx')
        document = self.file_raw('broken.docx', letter[:len(letter) // 2], DOCX)
        self.assertEqual(document.mimetype, DOCX)
        with self.assertLogs('odoo.addons.contact_documents.models.contact_document', 'WARNING') as logs:
            self.prepare_previews()
        self.assertIn('could not read the file', '\n'.join(logs.output))
        self.assertEqual(document.preview_state, 'failed')
        self.assertFalse(document.is_previewable)
        self.assertFalse(document.preview_attachment_id)
        self.assertFalse(document.has_thumbnail)
        self.assertTrue(document.active)
        self.assertEqual(document.attachment_id.raw, letter[:len(letter) // 2])

    def test_a_conversion_past_its_time_limit_is_stopped(self):
        started = []
        real_popen = subprocess.Popen

        def recording_popen(*args, **kwargs):
            process = real_popen(*args, **kwargs)
            if any('soffice' in str(arg) for arg in args[0]):
                started.append(process)
            return process

        with patch.object(office_conversion.subprocess, 'Popen', side_effect=recording_popen), \
                self.assertRaisesRegex(ConversionFailed, 'longer than 0.2 seconds: stopped'):
            convert_to_pdf(real_file('slides.pptx'), 'pptx', timeout=0.2)
        self.assertEqual(len(started), 1)
        process = started[0]
        self.assertIsNotNone(process.returncode, "LibreOffice was stopped")
        self.assertFalse(running_in_group(process.pid), "nothing LibreOffice started is left running")

    def test_the_scheduled_action_marks_a_timed_out_conversion_failed(self):
        document = self.file_raw('slides.pptx', real_file('slides.pptx'))
        with patch.object(contact_document_module, 'PREVIEW_TIME_LIMIT', 0.2), \
                self.assertLogs('odoo.addons.contact_documents.models.contact_document', 'WARNING') as logs:
            self.prepare_previews()
        self.assertIn('stopped', '\n'.join(logs.output))
        self.assertEqual(document.preview_state, 'failed')
        self.assertFalse(document.is_previewable)

    def test_without_libreoffice_office_files_stay_downloads_and_settings_say_so(self):
        document = self.file_raw('letter.docx', real_file('letter.docx'))
        with patch.object(contact_document_module, 'libreoffice_path', return_value=None):
            self.prepare_previews()
            self.assertEqual(document.preview_state, 'unavailable')
            self.assertFalse(document.is_previewable)
            self.assertFalse(self.env['res.config.settings'].create({}).contact_documents_office_preview)
        self.assertTrue(self.env['res.config.settings'].create({}).contact_documents_office_preview)
        # Once LibreOffice is there, the next run converts what it was missing for.
        self.prepare_previews()
        self.assertEqual(document.preview_state, 'done')
        self.assertTrue(document.is_previewable)

    def test_macros_never_run(self):
        """A macro-enabled document converts with its macros disabled by the profile's settings."""
        settings = office_conversion._PROFILE_SETTINGS
        self.assertIn('<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value>', settings)
        self.assertIn('<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value>', settings)
        pdf = convert_to_pdf(real_file('macro.docm'), 'docx')
        self.assertTrue(pdf.startswith(b'%PDF'))


@tagged('post_install', '-at_install')
class TestThumbnails(PreviewCommon, TransactionCase):

    def test_pictures_and_pdf_get_a_small_thumbnail(self):
        photo = self.file_raw('big photo.jpg', make_image('JPEG', size=(1600, 1200)), 'image/jpeg')
        pdf = self.file_raw('report.pdf', SAMPLE_FILES['report.pdf'][0], 'application/pdf')
        self.prepare_previews()
        for document in (photo, pdf):
            with self.subTest(name=document.name):
                self.assertEqual(document.preview_state, 'done')
                self.assertTrue(document.has_thumbnail)
                fmt, size = png_size(base64.b64decode(document.thumbnail))
                self.assertEqual(fmt, 'PNG')
                self.assertLessEqual(max(size), 96)
        self.assertEqual(png_size(base64.b64decode(photo.thumbnail))[1], (96, 72), "the picture keeps its proportions")

    def test_other_files_need_no_work_and_get_none(self):
        documents = self.file_raw('notes.txt', b'plain words', 'text/plain') \
            | self.file_raw('clip.webm', real_file('clip.webm')) \
            | self.file_raw('page.html', b'<html><body>hi</body></html>', 'text/html')
        self.prepare_previews()
        self.assertEqual(documents.mapped('preview_state'), ['none'] * 3)
        self.assertFalse(any(documents.mapped('has_thumbnail')))

    def test_a_file_whose_name_lied_gets_no_preview_nor_thumbnail(self):
        document = self.file_raw('photo.pdf', make_image('PNG'), 'application/pdf')
        self.assertTrue(document.content_mismatch)
        self.prepare_previews()
        self.assertEqual(document.preview_state, 'none')
        self.assertEqual(document.preview_kind, 'none')
        self.assertFalse(document.has_thumbnail)

    def test_an_unreadable_picture_gets_a_type_icon(self):
        document = self.file_raw('photo.jpg', make_image('JPEG', size=(400, 300))[:300], 'image/jpeg')
        self.assertEqual(document.preview_kind, 'image')
        self.prepare_previews()
        self.assertEqual(document.preview_state, 'done')
        self.assertFalse(document.has_thumbnail)


@tagged('post_install', '-at_install')
class TestPreviewQueue(PreviewCommon, TransactionCase):

    def test_each_document_is_claimed_by_one_worker(self):
        first = self.file_raw('a.png', make_image('PNG'), 'image/png')
        second = self.file_raw('b.png', make_image('PNG', color=(1, 1, 1)), 'image/png')
        Document = self.env['contact.document']
        self.assertEqual(Document._claim_next_preview(), first)
        self.assertEqual(Document._claim_next_preview(), second, "a claimed document is not taken again")
        self.assertFalse(Document._claim_next_preview())
        # A claim left by a worker that died is taken again once it expired.
        self.env.cr.execute(
            "UPDATE contact_document SET preview_claimed_at = now() at time zone 'UTC' - interval '1 hour' WHERE id = %s",
            [first.id])
        self.assertEqual(Document._claim_next_preview(), first)

    def test_filing_triggers_the_scheduled_action(self):
        cron = self.env.ref('contact_documents.ir_cron_contact_document_preview')
        Trigger = self.env['ir.cron.trigger'].sudo()
        before = Trigger.search_count([('cron_id', '=', cron.id)])
        self.file_raw('report.pdf', SAMPLE_FILES['report.pdf'][0], 'application/pdf')
        self.assertEqual(Trigger.search_count([('cron_id', '=', cron.id)]), before + 1)

    def test_preview_fields_are_set_by_the_product_only(self):
        document = self.file_raw('letter.docx', real_file('letter.docx'))
        rendition = self.env['ir.attachment'].create({'name': 'fake.pdf', 'raw': b'%PDF-1.4 fake'})
        for values in ({'preview_state': 'done'}, {'preview_attachment_id': rendition.id},
                       {'thumbnail': False}, {'has_thumbnail': True}):
            with self.subTest(values=values), self.assertRaises(AccessError):
                document.with_user(self.manager).write(values)
        self.assertEqual(document.preview_state, 'pending')


@tagged('post_install', '-at_install')
class TestPreviewRoutes(PreviewCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        file_raw = cls.file_raw.__get__(cls)
        cls.docx = file_raw('letter.docx', real_file('letter.docx'))
        cls.pptx = file_raw('slides.pptx', real_file('slides.pptx'))
        cls.png = file_raw('photo.png', make_image('PNG', size=(300, 200)), 'image/png')
        cls.mp4 = file_raw('clip.mp4', real_file('clip.mp4'), channel='instagram')
        cls.ogg = file_raw('voice.ogg', real_file('voice.ogg'), channel='facebook')
        cls.text = file_raw('notes.txt', b'<script>alert(1)</script> caf\xc3\xa9', 'text/plain')
        cls.csv = file_raw('budget.csv', b'Item,Amount\n<b>Rent</b>,1200\n', 'text/csv')
        cls.env['contact.document']._cron_prepare_previews()
        cls.env.invalidate_all()

    def setUp(self):
        super().setUp()
        self.authenticate('cd_user', 'cd_user')

    def test_an_office_file_previews_as_its_pdf_rendition(self):
        response = self.url_open(f'/contact_documents/{self.docx.id}/preview')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Content-Type'], 'application/pdf')
        self.assertTrue(response.headers['Content-Disposition'].startswith('inline'))
        self.assertIn('letter.docx.pdf', response.headers['Content-Disposition'])
        self.assertIn('signed contract', pdf_text(response.content))
        download = self.url_open(f'/contact_documents/{self.docx.id}/download')
        self.assertEqual(download.content, real_file('letter.docx'), "Download still gives the Word file")

    def test_an_office_file_without_rendition_is_still_a_download(self):
        pending = self.file_raw('letter copy.docx', real_file('letter.docx'))
        response = self.url_open(f'/contact_documents/{pending.id}/preview')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Content-Type'], 'application/octet-stream')
        self.assertTrue(response.headers['Content-Disposition'].startswith('attachment'))

    def test_video_and_audio_stream_inline_with_range_requests(self):
        for document, mimetype, name in ((self.mp4, 'video/mp4', 'clip.mp4'), (self.ogg, 'audio/ogg', 'voice.ogg')):
            with self.subTest(name=name):
                self.assertEqual(document.preview_kind, mimetype.split('/')[0])
                content = real_file(name)
                response = self.url_open(f'/contact_documents/{document.id}/preview', headers={'Range': 'bytes=100-199'})
                self.assertEqual(response.status_code, 206)
                self.assertEqual(response.headers['Content-Type'], mimetype)
                self.assertEqual(response.headers['Content-Range'], f'bytes 100-199/{len(content)}')
                self.assertEqual(response.content, content[100:200])
                self.assertTrue(response.headers['Content-Disposition'].startswith('inline'))

    def test_text_and_csv_preview_as_plain_text_never_html(self):
        for document in (self.text, self.csv):
            with self.subTest(name=document.name):
                self.assertEqual(document.preview_kind, 'text')
                response = self.url_open(f'/contact_documents/{document.id}/preview')
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.headers['Content-Type'], 'text/plain; charset=utf-8')
                self.assertEqual(response.headers['X-Content-Type-Options'], 'nosniff')
                self.assertEqual(response.content, document.sudo().attachment_id.raw)

    def test_thumbnails_are_served_to_readers_only(self):
        for document in (self.png, self.docx, self.pptx):
            with self.subTest(name=document.name):
                response = self.url_open(f'/contact_documents/{document.id}/thumbnail')
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.headers['Content-Type'], 'image/png')
                self.assertLessEqual(max(png_size(response.content)[1]), 96)
        self.assertEqual(self.url_open(f'/contact_documents/{self.mp4.id}/thumbnail').status_code, 404)
        self.authenticate('cd_other', 'cd_other')
        for document in (self.png, self.docx):
            with self.subTest(name=document.name, user='cd_other'):
                self.assertEqual(self.url_open(f'/contact_documents/{document.id}/thumbnail').status_code, 404)
                self.assertEqual(self.url_open(f'/contact_documents/{document.id}/preview').status_code, 404)
                # Odoo's own image route answers its placeholder, never the thumbnail.
                image = self.url_open(f'/web/image/contact.document/{document.id}/thumbnail')
                self.assertNotEqual(image.content, base64.b64decode(document.sudo().thumbnail))

    def test_renditions_and_thumbnails_are_not_served_by_web_content(self):
        thumbnail_attachment = self.env['ir.attachment'].sudo().search([
            ('res_model', '=', 'contact.document'), ('res_id', '=', self.docx.id), ('res_field', '=', 'thumbnail')])
        self.assertTrue(thumbnail_attachment)
        for attachment in (self.docx.preview_attachment_id, thumbnail_attachment):
            for user in ('cd_user', 'cd_other'):
                with self.subTest(attachment=attachment.name, user=user):
                    self.authenticate(user, user)
                    response = self.url_open(f'/web/content/{attachment.id}')
                    self.assertNotEqual(response.status_code, 200)
                    self.assertFalse(response.content.startswith((b'%PDF', b'\x89PNG')))

    def test_deleting_a_document_deletes_its_rendition_and_thumbnail(self):
        document = self.file_raw('to delete.docx', real_file('letter.docx'))
        document._prepare_preview()
        rendition = document.preview_attachment_id
        self.assertTrue(rendition)
        document.sudo()._delete()
        self.assertFalse(rendition.exists())
        self.assertFalse(self.env['ir.attachment'].sudo().search_count([
            ('res_model', '=', 'contact.document'), ('res_id', '=', document.id), ('res_field', '=', 'thumbnail')]))

    def test_preview_opens_in_the_file_viewer(self):
        """A PPTX opens in the FileViewer as its PDF; a video plays; a voice note gets an audio player."""
        webm = self.file_raw('clip.webm', real_file('clip.webm'), channel='instagram')
        self.assertEqual(webm.preview_kind, 'video')
        self.start_tour(f'/odoo/contacts/{self.contact.id}', 'contact_documents_preview', login='cd_user')
