from odoo.tests import BaseCase, tagged

from odoo.addons.contact_documents.tools.file_names import clean_file_name


@tagged('post_install', '-at_install')
class TestFileNames(BaseCase):
    """Names from senders shown as they are: no reversed text, no invisible characters, not too long."""

    def test_bidi_controls_cannot_disguise_an_extension(self):
        self.assertEqual(clean_file_name('invoice\u202efdp.jpg'), 'invoicefdp.jpg')
        for control in ('\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069',
                        '\u200e', '\u200f', '\u061c'):
            with self.subTest(control=f'U+{ord(control):04X}'):
                self.assertEqual(clean_file_name(f'report{control}.pdf'), 'report.pdf')

    def test_control_characters_are_removed(self):
        self.assertEqual(clean_file_name('con\x00tract\x07\x1b\x7f\x85\x9f.pdf'), 'contract.pdf')
        self.assertEqual(clean_file_name('line\nbreak\ttab.txt'), 'linebreaktab.txt')
        self.assertEqual(clean_file_name('half\ud800surrogate.png'), 'halfsurrogate.png')

    def test_whitespace_is_trimmed_and_nothing_left_is_empty(self):
        self.assertEqual(clean_file_name('  scan 2024.pdf \n'), 'scan 2024.pdf')
        for name in ('', None, '   ', '\x00\u202e\u200f', ' \t\n'):
            with self.subTest(name=name):
                self.assertEqual(clean_file_name(name), '')

    def test_decomposed_names_are_composed(self):
        self.assertEqual(clean_file_name('re\u0301sume\u0301.pdf'), 'r\u00e9sum\u00e9.pdf')

    def test_other_scripts_and_punctuation_are_kept(self):
        for name in ('Zoé – 請求書 (copie).pdf', 'فاتورة.pdf', 'חשבונית 12.docx', 'résumé.final.v2.pdf', '.env'):
            with self.subTest(name=name):
                self.assertEqual(clean_file_name(name), name)

    def test_long_names_are_shortened_keeping_the_extension(self):
        self.assertEqual(clean_file_name('a' * 5000 + '.pdf'), 'a' * 251 + '.pdf')
        self.assertEqual(clean_file_name('b' * 255), 'b' * 255, "255 characters are fine")
        self.assertEqual(clean_file_name('c' * 300), 'c' * 255)
        self.assertEqual(clean_file_name('contract of sale.pdf', max_length=12), 'contract.pdf')
        self.assertEqual(clean_file_name('d' * 300 + ' \u202e.pdf'), 'd' * 251 + '.pdf')

    def test_a_very_long_extension_is_not_kept_whole(self):
        for name in ('a.' + 'b' * 300, 'report.' + 'x' * 40 + ' ' + 'y' * 250, 'z' * 250 + '.' + 'e' * 20):
            with self.subTest(name=name[:20]):
                cleaned = clean_file_name(name)
                self.assertLessEqual(len(cleaned), 255)
                self.assertEqual(cleaned, name[:255])
