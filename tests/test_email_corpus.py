import base64
import email
import re
import string
from email import policy
from email.message import EmailMessage

from odoo.tests import TransactionCase, tagged

from odoo.addons.contact_documents.tests.common import (
    ContactDocumentsCommon,
    make_image,
    make_pdf,
)
from odoo.addons.test_mail.data import test_mail_data

SENDER = 'Jane Customer <jane@customer.example.com>'
# Values for the placeholders of Odoo's test emails; the sender is always the contact.
TEMPLATE_VALUES = {
    'email_from': SENDER,
    'return_path': 'jane@customer.example.com',
    'to': 'sales@company.example.com',
    'email_to': 'sales@company.example.com',
    'delivered_to': 'sales@company.example.com',
    'cc': '',
    'subject': 'Corpus email',
    'date': 'Fri, 10 Aug 2012 14:16:26 +0000',
    'extra': '',
    'extra_html': '',
    'references': '',
    'pdf_mime': 'application/pdf',
    'charset': '',
    'content': base64.b64encode(b'Plain text file\n').decode(),
}
HEADER_RE = r'(?im)^{name}:.*(?:\n[ \t].*)*$'


def corpus():
    """Odoo's own test emails (test_mail's data): every module-level string template."""
    return {
        name: template for name, template in vars(test_mail_data).items()
        if name.isupper() and isinstance(template, str) and '\n' in template
    }


def fill(template, message_id):
    """A template as a real email from the contact, under ``message_id``."""
    fields = [field for _text, field, _spec, _conv in string.Formatter().parse(template) if field]
    raw = template
    if all(field in TEMPLATE_VALUES or field == 'msg_id' for field in fields):
        raw = template.format(**TEMPLATE_VALUES, msg_id=message_id)
    # Placeholders aside (some templates hold CSS braces), the header block names the sender and the id.
    headers, separator, body = raw.partition('\n\n')
    for name, value in (('From', SENDER), ('Message-Id', message_id)):
        headers, found = re.subn(HEADER_RE.format(name=name), f'{name}: {value}', headers)
        if not found:
            headers = f'{name}: {value}\n{headers}'
    return headers + separator + body


def files_a_person_sees(raw):
    """The names of the files attached to a raw email, as a mail client lists them.

    Parts with a file name or ``Content-Disposition: attachment``; a message
    attached to the email is one file, never what it holds; an image the
    HTML body shows by its Content-ID is part of the text, not a file.
    """
    message = email.message_from_string(raw, policy=policy.SMTP)
    shown_cids = set()
    for part in message.walk():
        if part.get_content_type() == 'text/html':
            shown_cids.update(re.findall(r'''src=["']?cid:([^"'\s>]+)''', part.get_payload(decode=True).decode(errors='replace')))
    names = []
    stack = [message]
    while stack:
        part = stack.pop(0)
        if part.is_multipart() and part.get_content_type() != 'message/rfc822':
            stack[:0] = part.get_payload()
            continue
        filename = part.get_filename()
        if not filename and (part.get('Content-Disposition') or '').split(';')[0].strip().lower() != 'attachment':
            continue
        cid = (part.get('Content-ID') or '').strip().strip('<>')
        if part.get_content_maintype() == 'image' and cid in shown_cids:
            continue
        names.append(filename or 'attachment')
    return sorted(names)


def forwarded_email(message_id):
    """An email forwarding another one as an attachment (message/rfc822), with a file of its own.

    The forwarded message has a text and an HTML body and a file too.
    """
    inner = EmailMessage()
    inner['From'] = 'Supplier <billing@supplier.example.com>'
    inner['To'] = 'jane@customer.example.com'
    inner['Subject'] = 'Your invoice'
    inner['Message-Id'] = '<inner-invoice@supplier.example.com>'
    inner.set_content('Please find your invoice attached.')
    inner.add_alternative('<p>Please find your invoice <b>attached</b>.</p>', subtype='html')
    inner.add_attachment(make_pdf('supplier invoice'), maintype='application', subtype='pdf', filename='invoice-2024-17.pdf')
    outer = EmailMessage()
    outer['From'] = SENDER
    outer['To'] = 'sales@company.example.com'
    outer['Subject'] = 'Fwd: Your invoice'
    outer['Message-Id'] = message_id
    outer.set_content('See the invoice our supplier sent, and my scan.')
    outer.add_alternative('<p>See the invoice our supplier sent, and my scan.</p>', subtype='html')
    outer.add_attachment(make_image('PNG'), maintype='image', subtype='png', filename='scan.png')
    outer.add_attachment(inner, filename='forwarded.eml')
    return outer.as_string()


@tagged('post_install', '-at_install')
class TestEmailCorpus(ContactDocumentsCommon, TransactionCase):
    """Exactly the files the sender attached are filed, for real-world emails."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_record = cls.env['mail.blacklist'].create({'email': 'corpus-record@example.com'})
        cls.routes = {'contact': ('res.partner', cls.contact.id), 'other record': ('mail.blacklist', cls.other_record.id)}

    def process(self, raw, route):
        model, thread_id = self.routes[route]
        self.env['mail.thread'].message_process(model, raw, thread_id=thread_id)

    def documents_of_email(self, message_id):
        return self.env['contact.document'].search([
            ('partner_id', '=', self.contact.id), ('external_message_id', '=', message_id)])

    def test_forwarded_email_files_the_attached_message_not_what_it_holds(self):
        for route in self.routes:
            with self.subTest(route=route):
                message_id = f'<forwarded-{route.replace(" ", "-")}@customer.example.com>'
                raw = forwarded_email(message_id)
                self.process(raw, route)
                documents = self.documents_of_email(message_id)
                self.assertEqual(files_a_person_sees(raw), ['forwarded.eml', 'scan.png'])
                self.assertEqual(sorted(documents.mapped('name')), files_a_person_sees(raw))
                eml = documents.filtered(lambda document: document.name == 'forwarded.eml')
                self.assertEqual(eml.mimetype, 'message/rfc822')
                self.assertFalse(eml.content_mismatch)
                forwarded = email.message_from_bytes(eml._stored_file().raw, policy=policy.SMTP)
                self.assertEqual(forwarded['Subject'], 'Your invoice', "the document is the whole forwarded message")
                self.assertEqual([part.get_filename() for part in forwarded.iter_attachments()], ['invoice-2024-17.pdf'])
                # Odoo's chatter is left as Odoo makes it: the forwarded message's insides stay attached there.
                chatter_names = documents.message_id.attachment_ids.mapped('name')
                self.assertIn('invoice-2024-17.pdf', chatter_names)
                self.assertGreater(len(chatter_names), len(documents))

    def test_odoo_test_emails_file_exactly_what_the_sender_attached(self):
        templates = corpus()
        self.assertGreater(len(templates), 15, "Odoo's test emails are read")
        seen = set()
        for name, template in sorted(templates.items()):
            for route in self.routes:
                with self.subTest(template=name, route=route):
                    message_id = f'<{name.lower()}-{route.replace(" ", "-")}@customer.example.com>'
                    raw = fill(template, message_id)
                    expected = files_a_person_sees(raw)
                    self.process(raw, route)
                    self.assertEqual(sorted(self.documents_of_email(message_id).mapped('name')), expected)
                    seen.update(expected)
        # The corpus has real attachments: the comparison is not only of empty lists.
        self.assertIn('original_msg.eml', seen)
        self.assertIn('thetruth.pdf', seen)
