import io

from odoo.tests import BaseCase, tagged

from ..tools.file_types import RefusedFile, check_upload
from .common import SAMPLE_FILES, make_ooxml


@tagged('at_install')
class TestFileTypes(BaseCase):
    """The accepted types are decided by content as well as by extension."""

    def assertAccepted(self, filename, content, mimetype):
        stream = io.BytesIO(content)
        self.assertEqual(check_upload(filename, stream), mimetype)
        self.assertEqual(stream.tell(), 0, "the stream is left ready to be stored")

    def assertRefused(self, filename, content, reason, **kwargs):
        with self.assertRaises(RefusedFile) as refusal:
            check_upload(filename, io.BytesIO(content), **kwargs)
        self.assertEqual(refusal.exception.args[0], reason)

    def test_every_accepted_type(self):
        for filename, (content, mimetype) in SAMPLE_FILES.items():
            with self.subTest(filename=filename):
                self.assertAccepted(filename, content, mimetype)

    def test_extension_is_case_insensitive(self):
        content, mimetype = SAMPLE_FILES['report.pdf']
        self.assertAccepted('REPORT.PDF', content, mimetype)

    def test_unlisted_extensions_are_refused(self):
        for filename in ('tool.exe', 'page.html', 'drawing.svg', 'sheet.xlsx', 'archive.zip', 'no_extension'):
            with self.subTest(filename=filename):
                self.assertRefused(filename, b'%PDF-1.4', 'type')

    def test_renamed_executable_is_refused(self):
        executable = b'MZ\x90\x00\x03\x00\x00\x00' + b'\x00' * 200
        for filename in ('invoice.pdf', 'photo.png', 'letter.doc', 'letter.docx'):
            with self.subTest(filename=filename):
                self.assertRefused(filename, executable, 'content')

    def test_other_zip_renamed_docx_is_refused(self):
        self.assertRefused('letter.docx', make_ooxml('xl/'), 'content')

    def test_pptx_is_not_a_docx(self):
        self.assertRefused('letter.docx', SAMPLE_FILES['slides.pptx'][0], 'content')

    def test_image_with_wrong_image_extension_is_refused(self):
        self.assertRefused('photo.gif', SAMPLE_FILES['photo.png'][0], 'content')

    def test_empty_file_is_refused(self):
        self.assertRefused('empty.pdf', b'', 'empty')

    def test_size_limit_is_inclusive(self):
        content = SAMPLE_FILES['report.pdf'][0]
        self.assertEqual(check_upload('report.pdf', io.BytesIO(content), max_size=len(content)), 'application/pdf')
        self.assertRefused('report.pdf', content, 'size', max_size=len(content) - 1)
