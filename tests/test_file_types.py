import io
import struct
import zipfile

from odoo.tests import BaseCase, tagged
from odoo.tools.mimetypes import MIMETYPE_HEAD_SIZE

from ..tools.file_types import (
    MAX_OLE_METADATA_READ,
    OLE_SIGNATURE,
    RefusedFile,
    check_upload,
)
from .common import REAL_FILES, SAMPLE_FILES, make_ooxml, real_file

WORD_MAIN = b'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'


class CountingStream(io.BytesIO):
    """A stream that counts the bytes read from it."""

    bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def ole_with_long_directory(size):
    """An OLE2 file (4 KB sectors) of about ``size`` bytes whose directory chain runs through all of it.

    Its header, allocation table (FAT) and directory are as [MS-CFB] lays them
    out; the directory holds its root entry, then empty entries.
    """
    sector_size, end_of_chain, fat_sector, free = 4096, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    sectors = -(-size // sector_size)
    fat_sectors = -(-sectors // (sector_size // 4))
    directory_sectors = sectors - fat_sectors
    header = struct.pack(
        '<8s16sHHHHH6sLLLLLLLLL', OLE_SIGNATURE, bytes(16), 0x3E, 4, 0xFFFE, 12, 6, bytes(6),
        directory_sectors, fat_sectors, fat_sectors, 0, 4096, end_of_chain, 0, end_of_chain, 0)
    header += struct.pack('<109L', *range(fat_sectors), *[free] * (109 - fat_sectors))
    fat = [fat_sector] * fat_sectors + list(range(fat_sectors + 1, sectors)) + [end_of_chain]
    fat += [free] * (fat_sectors * sector_size // 4 - len(fat))
    root = 'Root Entry'.encode('utf-16-le') + bytes(2)
    root_entry = struct.pack('<64sHBB3L', root, len(root), 5, 1, free, free, free).ljust(116, b'\0')
    root_entry += struct.pack('<LLL', end_of_chain, 0, 0)
    return (header.ljust(sector_size, b'\0') + struct.pack(f'<{len(fat)}L', *fat)
            + root_entry.ljust(directory_sectors * sector_size, b'\0'))


def repackage(package, replace=None, add=None):
    """The Office package ``package`` with some members' bytes replaced (bytes -> bytes) and others added."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            for old, new in (replace or {}).get(info.filename, {}).items():
                content = content.replace(old, new)
            target.writestr(info.filename, content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()


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

    # -- real files, made by LibreOffice, msitools and Pillow (tests/files/make_files.py)

    def test_real_files_are_accepted_under_their_own_extension(self):
        for filename, mimetype in REAL_FILES.items():
            with self.subTest(filename=filename):
                self.assertAccepted(filename, real_file(filename), mimetype)

    def test_macro_enabled_word_document_is_refused_for_its_macros(self):
        macro = real_file('macro.docm')
        for filename in ('macro.docx', 'slides.pptx'):
            with self.subTest(filename=filename):
                self.assertRefused(filename, macro, 'macros')
        self.assertRefused('macro.docm', macro, 'type')

    def test_each_sign_of_vba_is_enough_to_refuse_a_package(self):
        letter = real_file('letter.docx')
        self.assertAccepted('letter.docx', letter, REAL_FILES['letter.docx'])
        vba_type = b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
        variants = {
            'a VBA project, undeclared': repackage(letter, add={'word/vbaProject.bin': real_file('budget.xls')}),
            'a VBA project elsewhere, in capitals': repackage(letter, add={'customXml/VBAPROJECT.BIN': b'x'}),
            'the VBA content type alone': repackage(letter, replace={'[Content_Types].xml': {b'</Types>': vba_type}}),
        }
        for macro_type in (
            b'application/vnd.ms-word.document.macroEnabled.main+xml',
            b'application/vnd.ms-word.template.macroEnabledTemplate.main+xml',
        ):
            variants[f'main part {macro_type.decode()}'] = repackage(
                letter, replace={'[Content_Types].xml': {WORD_MAIN: macro_type}})
        for sign, content in variants.items():
            with self.subTest(sign=sign):
                self.assertRefused('letter.docx', content, 'macros')

    def test_macro_enabled_presentation_is_refused_for_its_macros(self):
        presentation_main = b'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml'
        pptm = repackage(real_file('slides.pptx'), replace={'[Content_Types].xml': {
            presentation_main: b'application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml'}})
        self.assertRefused('slides.pptx', pptm, 'macros')

    def test_package_without_the_plain_main_part_is_refused(self):
        letter = real_file('letter.docx')
        template = b'application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml'
        variants = {
            'a template (.dotx)': repackage(letter, replace={'[Content_Types].xml': {WORD_MAIN: template}}),
            'no main part declared': repackage(letter, replace={'[Content_Types].xml': {WORD_MAIN: b'application/xml'}}),
            'a main part declared but missing': repackage(
                letter, replace={'[Content_Types].xml': {b'/word/document.xml': b'/word/missing.xml'}}),
            'the word/ folder but no content types': make_ooxml('word/'),
        }
        for case, content in variants.items():
            with self.subTest(case=case):
                self.assertRefused('letter.docx', content, 'content')

    def test_content_types_are_read_without_entities(self):
        """A DTD's entities are neither expanded nor fetched: the package is simply not a DOCX."""
        letter = real_file('letter.docx')
        with zipfile.ZipFile(io.BytesIO(letter)) as package:
            content_types = package.read('[Content_Types].xml')
        declaration = b'<?xml version="1.0" encoding="UTF-8"?>'
        for doctype in (
            b'<!DOCTYPE Types [<!ENTITY main "' + WORD_MAIN + b'">]>',
            b'<!DOCTYPE Types SYSTEM "http://127.0.0.1:9/content-types.dtd">',
        ):
            hostile = content_types.replace(declaration, declaration + doctype).replace(WORD_MAIN, b'&main;')
            with self.subTest(doctype=doctype):
                self.assertRefused('letter.docx', repackage(letter, replace={'[Content_Types].xml': {content_types: hostile}}), 'content')

    def test_oversized_content_types_are_not_read(self):
        letter = real_file('letter.docx')
        padded = repackage(letter, replace={'[Content_Types].xml': {b'</Types>': b'<!--' + b' ' * (1024 * 1024) + b'--></Types>'}})
        self.assertRefused('letter.docx', padded, 'content')

    def test_other_ole2_files_are_not_word_or_powerpoint(self):
        for source in ('budget.xls', 'setup.msi'):
            for filename in ('renamed.doc', 'renamed.ppt'):
                with self.subTest(source=source, filename=filename):
                    self.assertRefused(filename, real_file(source), 'content')

    def test_ppt_is_not_a_doc_and_doc_is_not_a_ppt(self):
        self.assertRefused('slides.doc', real_file('slides.ppt'), 'content')
        self.assertRefused('letter.ppt', real_file('letter.doc'), 'content')

    def test_docx_is_not_a_pptx(self):
        self.assertRefused('slides.pptx', real_file('letter.docx'), 'content')

    def test_ole2_header_without_directory_is_refused(self):
        header_only = b'\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1' + b'\x00' * 504 + b'\xEC\xA5\xC1\x00' + b'\x00' * 1024
        self.assertRefused('letter.doc', header_only, 'content')

    def test_ole2_directory_larger_than_any_document_is_not_read(self):
        """olefile reads a directory whole: one chained over a whole file is cut short."""
        stream = CountingStream(ole_with_long_directory(MAX_OLE_METADATA_READ + 64 * 1024))
        with self.assertRaises(RefusedFile) as refusal:
            check_upload('letter.doc', stream)
        self.assertEqual(refusal.exception.args[0], 'content')
        self.assertLessEqual(stream.bytes_read, MAX_OLE_METADATA_READ + 1 + MIMETYPE_HEAD_SIZE)
