import re
from contextlib import nullcontext
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import (
    REAL_FILES,
    SAMPLE_FILES,
    ContactDocumentsCommon,
    make_pdf,
    real_file,
)

PDF_TEXT_RE = re.compile(rb'\((.*?)\) Tj')


def fake_index(attachment, bin_data, mimetype, checksum=None):
    """Stands in for attachment_indexation's readers: the text shown by the PDFs of tests/common.py."""
    if mimetype == 'application/pdf':
        return b' '.join(PDF_TEXT_RE.findall(bin_data)).decode()
    return None


def failing_index(attachment, bin_data, mimetype, checksum=None):
    message = "damaged file"
    raise ValueError(message)


class ContentSearchCommon(ContactDocumentsCommon):

    def file_pdf(self, name, text):
        return self.env['contact.document']._file_documents(
            self.contact, [{'name': name, 'raw': make_pdf(text), 'mimetype': 'application/pdf'}],
            direction='received', channel='email')

    def search_tab(self, search):
        data = self.env['contact.document'].with_user(self.user).get_documents_tab_data(self.contact.id, search=search)
        return {document['name'] for document in data['documents']}


@tagged('post_install', '-at_install')
class TestContentSearch(ContentSearchCommon, TransactionCase):
    """The content index job with stand-in readers: runs whether attachment_indexation is installed or not."""

    def setUp(self):
        super().setUp()
        Document = self.env.registry['contact.document']
        self.available = patch.object(Document, '_content_index_available', lambda self: True)
        self.available.start()
        self.addCleanup(self.available.stop)
        self.cron = self.env.ref('contact_documents.ir_cron_contact_document_content_index')

    def test_search_finds_a_word_inside_a_pdf(self):
        with patch.object(self.env.registry['ir.attachment'], '_index', fake_index):
            invoice = self.file_pdf('scan-0042.pdf', 'Quarterly invoice for the zebra crossing')
            self.file_pdf('letter.pdf', 'Dear customer')
            # Nothing is read while filing: the job is queued.
            self.assertTrue(invoice.content_index_pending)
            self.assertFalse(invoice.content_text)
            self.assertTrue(self.env['ir.cron.trigger'].search([('cron_id', '=', self.cron.id)]))
            self.assertEqual(self.search_tab('zebra'), set())

            self.env['contact.document']._cron_index_content()

        self.assertFalse(invoice.content_index_pending)
        self.assertIn('zebra', invoice.content_text)
        self.assertEqual(self.search_tab('zebra'), {'scan-0042.pdf'})
        self.assertEqual(self.search_tab('crossing zebra'), set(), "the words must follow each other")
        self.assertEqual(self.search_tab('ZEBRA cross'), {'scan-0042.pdf'})
        self.assertEqual(self.search_tab('letter'), {'letter.pdf'}, "the name is still searched")
        self.assertEqual(self.search_tab('giraffe'), set())

    def test_a_file_whose_text_cannot_be_read_is_still_filed(self):
        document = self.file_pdf('damaged.pdf', 'unreadable')
        with patch.object(self.env.registry['ir.attachment'], '_index', failing_index), \
                mute_logger('odoo.addons.contact_documents.models.contact_document'):
            self.env['contact.document']._cron_index_content()
        self.assertTrue(document.exists())
        self.assertFalse(document.content_index_pending)
        self.assertFalse(document.content_text)
        self.assertEqual(self.search_tab('damaged'), {'damaged.pdf'})

    def test_only_pdf_docx_and_pptx_are_queued(self):
        png, mimetype = SAMPLE_FILES['photo.png']
        documents = self.env['contact.document']._file_documents(self.contact, [
            {'name': 'photo.png', 'raw': png, 'mimetype': mimetype},
            {'name': 'letter.docx', 'raw': SAMPLE_FILES['letter.docx'][0], 'mimetype': SAMPLE_FILES['letter.docx'][1]},
        ], direction='internal', channel='upload')
        self.assertEqual(documents.filtered('content_index_pending').mapped('name'), ['letter.docx'])


@tagged('post_install', '-at_install')
class TestContentSearchInstalled(ContentSearchCommon, TransactionCase):
    """Content search as this install really offers it: attachment_indexation is an optional
    companion (``-i contact_documents`` alone is a valid install), detected as the code does."""

    def file_office_documents(self):
        return self.env['contact.document']._file_documents(self.contact, [
            {'name': 'real.pdf', 'raw': make_pdf('Hippopotamus'), 'mimetype': 'application/pdf'},
            {'name': 'letter.docx', 'raw': real_file('letter.docx'), 'mimetype': REAL_FILES['letter.docx']},
            {'name': 'slides.pptx', 'raw': real_file('slides.pptx'), 'mimetype': REAL_FILES['slides.pptx']},
        ], direction='received', channel='email')

    def test_with_attachment_indexation_pdf_docx_and_pptx_are_searchable_by_content(self):
        """The real readers (scripts/test.sh installs pdfminer.six for attachment_indexation's PDF reader)."""
        if not self.env['contact.document']._content_index_available():
            self.skipTest("attachment_indexation is not installed: "
                          "test_without_attachment_indexation_documents_are_filed_not_searchable runs instead")
        documents = self.file_office_documents()
        self.assertEqual(documents.mapped('content_index_pending'), [True] * 3)
        self.env['contact.document']._cron_index_content()
        self.assertFalse(documents.filtered('content_index_pending'))
        self.assertEqual(self.search_tab('hippopotamus'), {'real.pdf'})
        self.assertEqual(self.search_tab('signed contract'), {'letter.docx'})
        # The letter mentions the slides' title: both are found by it.
        self.assertEqual(self.search_tab('quarterly review'), {'letter.docx', 'slides.pptx'})

    def test_without_attachment_indexation_documents_are_filed_not_searchable(self):
        # Where attachment_indexation is installed, its absence is simulated where the code detects it.
        installed = self.env['contact.document']._content_index_available()
        absent = patch.object(self.env.registry['contact.document'], '_content_index_available',
                              lambda self: False) if installed else nullcontext()
        with absent:
            documents = self.file_office_documents()
            self.assertEqual(documents.mapped('name'), ['real.pdf', 'letter.docx', 'slides.pptx'])
            self.assertFalse(documents.filtered('content_index_pending'), "nothing is pending")
            self.env['contact.document']._cron_index_content()
        self.assertFalse(documents.filtered('content_text'))
        self.assertEqual(self.search_tab('hippopotamus'), set())
        self.assertEqual(self.search_tab('signed contract'), set())
        self.assertEqual(self.search_tab('slides'), {'slides.pptx'}, "names are still searched")
