import functools
import io
import os
import resource
import signal
import struct
import threading
import time
import zipfile
import zlib
from contextlib import contextmanager, nullcontext
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from ..tools.text_extraction import ExtractionRefused, check_ooxml_limits, run_bounded
from .common import ContactDocumentsCommon, build_pdf, make_pdf

MiB = 1024 * 1024
DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
PDF = 'application/pdf'
LOGGER = 'odoo.addons.contact_documents.models.contact_document'
# What this process may grow by while it files and indexes a few files (ORM caches,
# bytes of a few MB). Any hostile file below, read here, would add 500 MB or more.
MAX_MEMORY_GROWTH = 100 * MiB

DOCUMENT_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>'
                 b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
DOCUMENT_TAIL = b'</w:body></w:document>'
FILLER_PARAGRAPH = b'<w:p><w:r><w:t>' + b'a' * 65536 + b'</w:t></w:r></w:p>'


def make_docx(text=b'', inflated_size=0):
    """A DOCX saying ``text``, whose document.xml is padded to ``inflated_size`` bytes.

    The package is written as a stream: a bomb of 1 GiB of XML never stands
    whole in memory here, only its ~1 MB of compressed bytes.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as package:
        package.writestr('[Content_Types].xml', '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        with package.open('word/document.xml', 'w') as member:
            member.write(DOCUMENT_HEAD + b'<w:p><w:r><w:t>' + text + b'</w:t></w:r></w:p>')
            for _i in range(inflated_size // len(FILLER_PARAGRAPH)):
                member.write(FILLER_PARAGRAPH)
            member.write(DOCUMENT_TAIL)
    return buffer.getvalue()


def declare_size(package, name, size):
    """``package`` whose headers lie: they declare ``size`` bytes for the member ``name``."""
    data = bytearray(package)
    archive = zipfile.ZipFile(io.BytesIO(package))
    struct.pack_into('<I', data, archive.getinfo(name).header_offset + 22, size)  # local file header
    # Entries of the central directory: signature, the file size at 24, the name at 46.
    entry = archive.start_dir
    while data[entry + 46:entry + 46 + len(name)] != name.encode():
        entry = data.index(b'PK\x01\x02', entry + 4)
    struct.pack_into('<I', data, entry + 24, size)
    return bytes(data)


def make_pdf_bomb(inflated_size):
    """A one-page PDF whose content stream inflates to ``inflated_size`` bytes.

    A PDF stream declares only its compressed /Length: pdfminer inflates it whole.
    """
    compressor = zlib.compressobj()
    spaces = b' ' * MiB
    stream = b''.join(compressor.compress(spaces) for _i in range(inflated_size // MiB)) + compressor.flush()
    objects = [
        b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] /Contents 4 0 R >>',
        b'<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream' % (len(stream), stream),
    ]
    return build_pdf(objects)


def spin_forever():
    while True:
        pass


def crash():
    os.kill(os.getpid(), signal.SIGSEGV)


def fail():
    message = "damaged"
    raise ValueError(message)


def status_kb(key):
    with open('/proc/self/status', encoding='ascii') as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key + ':'))


def max_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def own_children():
    """Pids of the living or unreaped children of this thread, None where Linux does not tell."""
    try:
        with open(f'/proc/self/task/{threading.get_native_id()}/children', encoding='ascii') as children:
            return set(children.read().split())
    except OSError:
        return None


@tagged('post_install', '-at_install')
class TestContentIndexLimits(ContactDocumentsCommon, TransactionCase):

    def skip_without_attachment_indexation(self):
        """The bounded readers are attachment_indexation's: ``-i contact_documents`` alone has none,
        and test_without_attachment_indexation_a_bomb_is_filed_and_never_read runs instead."""
        if not self.env['contact.document']._content_index_available():
            self.skipTest("attachment_indexation is not installed")

    def file(self, *files):
        # As streams: given as raw bytes, ir.attachment.create would run attachment_indexation
        # on them itself, in this process, before the content index job is even queued.
        return self.env['contact.document']._file_documents(self.contact, [
            {'name': name, 'stream': io.BytesIO(data), 'mimetype': mimetype} for name, data, mimetype in files
        ], direction='received', channel='email')

    @contextmanager
    def peak_memory_growth(self):
        """Yield a dict whose 'growth' is set, when the block ends, to the bytes the
        peak resident memory of this process grew by in the block.

        The kernel's high-water mark (VmHWM) is reset first, by writing 5 to
        /proc/self/clear_refs, so that a peak reached earlier in the run cannot
        hide this one. Where it cannot be reset, ru_maxrss (the peak since the
        process started) is compared instead, which can only miss a growth.
        Forked children are not counted: their memory is their own.
        """
        try:
            with open('/proc/self/clear_refs', 'w', encoding='ascii') as clear_refs:
                clear_refs.write('5')
            before, peak = status_kb('VmRSS'), functools.partial(status_kb, 'VmHWM')
        except OSError:
            before, peak = max_rss_kb(), max_rss_kb
        memory = {}
        try:
            yield memory
        finally:
            memory['growth'] = (peak() - before) * 1024

    def assertGrewLittle(self, memory):
        self.assertLess(memory['growth'], MAX_MEMORY_GROWTH, f"this process grew by {memory['growth'] // MiB} MB")

    def test_a_zip_bomb_is_skipped_and_the_rest_of_its_batch_indexed(self):
        self.skip_without_attachment_indexation()
        bomb = make_docx(inflated_size=512 * MiB)
        self.assertLess(len(bomb), 2 * MiB)
        with self.peak_memory_growth() as memory:
            bomb_document, letter, report = self.file(
                ('bomb.docx', bomb, DOCX),
                ('letter.docx', make_docx(b'Dear Aardvark'), DOCX),
                ('report.pdf', make_pdf('Hippopotamus'), PDF),
            )
            with self.assertLogs(LOGGER, 'WARNING') as logs:
                self.env['contact.document']._cron_index_content()
        self.assertGrewLittle(memory)
        self.assertEqual(len(logs.output), 1)
        self.assertRegex(logs.output[0], rf"Skipped the content of contact document {bomb_document.id}: "
                         r"its member 'word/document.xml' inflates to 51\d\.\d\d Mb, more than 64\.00 Mb$")
        self.assertFalse(bomb_document.content_text)
        self.assertFalse((bomb_document | letter | report).filtered('content_index_pending'))
        Document = self.env['contact.document']
        self.assertEqual(Document.search([('content_text', 'ilike', 'aardvark')]), letter)
        self.assertEqual(Document.search([('content_text', 'ilike', 'hippopotamus')]), report)

    def assert_skipped_for_memory(self, name, content, mimetype):
        with self.peak_memory_growth() as memory:
            document = self.file((name, content, mimetype))
            with self.assertLogs(LOGGER, 'WARNING') as logs:
                self.env['contact.document']._cron_index_content()
        self.assertGrewLittle(memory)
        self.assertEqual(logs.output, [
            f"WARNING:{LOGGER}:Skipped the content of contact document {document.id}: its extraction needed more than 512.00 Mb of memory",
        ])
        self.assertFalse(document.content_text)
        self.assertFalse(document.content_index_pending)

    def test_sizes_that_lie_are_stopped_by_the_memory_limit(self):
        self.skip_without_attachment_indexation()
        liar = declare_size(make_docx(inflated_size=1024 * MiB), 'word/document.xml', 1024)
        # Declared small: nothing to refuse before reading. Python's zipfile then inflates
        # all of it in one call, and cuts it at the declared size only afterwards.
        check_ooxml_limits(liar)
        self.assert_skipped_for_memory('liar.docx', liar, DOCX)

    def test_a_pdf_stream_inflating_without_end_is_stopped_by_the_memory_limit(self):
        self.skip_without_attachment_indexation()
        self.assert_skipped_for_memory('bomb.pdf', make_pdf_bomb(1024 * MiB), PDF)

    def test_without_attachment_indexation_a_bomb_is_filed_and_never_read(self):
        # Where attachment_indexation is installed, its absence is simulated where the code detects it.
        installed = self.env['contact.document']._content_index_available()
        absent = patch.object(self.env.registry['contact.document'], '_content_index_available',
                              lambda self: False) if installed else nullcontext()
        bomb = make_docx(inflated_size=512 * MiB)
        with self.peak_memory_growth() as memory, absent:
            bomb_document, report = self.file(('bomb.docx', bomb, DOCX), ('report.pdf', make_pdf('Hippopotamus'), PDF))
            with self.assertNoLogs(LOGGER, 'WARNING'):
                self.env['contact.document']._cron_index_content()
        self.assertGrewLittle(memory)
        self.assertEqual((bomb_document | report).mapped('name'), ['bomb.docx', 'report.pdf'])
        self.assertFalse((bomb_document | report).filtered('content_index_pending'))
        self.assertFalse((bomb_document | report).filtered('content_text'))

    def test_a_slow_extraction_is_stopped_at_the_time_limit(self):
        children = own_children()
        start = time.monotonic()
        with self.assertRaisesRegex(ExtractionRefused, r"^its extraction took longer than 1 s$"):
            run_bounded(spin_forever, timeout=1)
        self.assertLess(time.monotonic() - start, 3)
        self.assertEqual(own_children(), children, "the child is killed and reaped")

    def test_run_bounded_answers_text_or_refuses(self):
        self.assertEqual(run_bounded(str.upper, 'aardvark', max_text_length=3), 'AAR')
        self.assertEqual(run_bounded(len, 'aardvark'), '', "only text is sent back")
        with self.assertRaisesRegex(ExtractionRefused, r"^its reader failed with ValueError$"):
            run_bounded(fail)
        with self.assertRaisesRegex(ExtractionRefused, r"^its extraction was stopped by SIGSEGV$"):
            run_bounded(crash)

    def test_check_ooxml_limits_reads_the_central_directory(self):
        check_ooxml_limits(make_docx(b'Dear Aardvark'))
        check_ooxml_limits(make_pdf('not a package'))
        zeros = io.BytesIO()
        with zipfile.ZipFile(zeros, 'w', zipfile.ZIP_DEFLATED) as package:
            package.writestr('word/document.xml', bytes(2 * MiB))
        with self.assertRaisesRegex(ExtractionRefused, r"^its member 'word/document.xml' inflates \d+ times, more than 400"):
            check_ooxml_limits(zeros.getvalue())
        with self.assertRaisesRegex(ExtractionRefused, r"^its package inflates to more than 1.00 Mb$"):
            check_ooxml_limits(zeros.getvalue(), max_total=MiB, max_ratio=10_000)
