import hashlib
import importlib.util
from pathlib import Path

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from odoo.addons.contact_documents.tools.channel_message import ChannelAttachment, ChannelMessage

from .common import EmailSyncCommon


def load_migration(version, name):
    path = Path(__file__).parents[1] / 'migrations' / version / f'{name}.py'
    spec = importlib.util.spec_from_file_location(f'contact_documents_migration_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged('post_install', '-at_install')
class TestDocumentOrigin(EmailSyncCommon, TransactionCase):
    """Who a document came from and what it is, as every screen shows it."""

    def channel_message(self, direction, external_id, channel='other', label='WhatsApp'):
        return ChannelMessage(
            channel=channel, direction=direction, external_id=external_id, provider='events', label=label,
            contact={'email': self.contact.email},
            attachments=[ChannelAttachment(index=0, content=self.pdf, name='quote.pdf', mimetype='application/pdf')],
        )

    def test_received_email_is_from_its_author_the_contact(self):
        self.process_incoming('res.partner', self.contact.id, subject='Contract',
                              attachments=[('contract.pdf', self.pdf, 'application/pdf')])
        document = self.documents_of(self.contact)
        self.assertEqual(document.sender_partner_id, self.contact)
        self.assertEqual(document.source_label, "From Jane Customer · Email",
                         "not OdooBot, who posts incoming emails for the gateway")

    def test_sent_email_is_from_the_colleague_who_sent_it(self):
        self.customer.with_user(self.user).message_post(
            body='Our offer', message_type='comment', subtype_xmlid='mail.mt_comment',
            partner_ids=self.contact.ids, attachments=[('offer.pdf', self.pdf)])
        document = self.documents_of(self.contact)
        self.assertEqual(document.direction, 'sent')
        self.assertEqual(document.sender_partner_id, self.user.partner_id)
        self.assertEqual(document.source_label, "From Plain User · Email")

    def test_upload_is_added_by_its_user_without_sender(self):
        Document = self.env['contact.document'].with_user(self.user)
        document = Document.sudo()._file_documents(
            self.contact, [{'name': 'scan.png', 'raw': self.png, 'mimetype': 'image/png'}],
            direction='internal', channel='upload').with_user(self.user)
        self.assertFalse(document.sender_partner_id)
        self.assertEqual(document.source_label, "Added by Plain User")
        self.assertEqual(document.type_label, "PNG image")

    def test_channel_files_are_from_the_contact_or_from_the_company(self):
        Media = self.env['contact.document.media'].sudo()
        Media._ingest_channel_messages(self.company, [
            self.channel_message('received', 'wa-in-1'), self.channel_message('sent', 'wa-out-1')])
        documents = self.documents_of(self.contact)
        received = documents.filtered(lambda document: document.direction == 'received')
        sent = documents.filtered(lambda document: document.direction == 'sent')
        self.assertEqual(received.sender_partner_id, self.contact, "not the Public user the webhook runs as")
        self.assertEqual(sent.sender_partner_id, self.company.partner_id)
        self.assertEqual(sent.source_label, f"From {self.company.name} · Other Channel")
        self.assertEqual(received.message_id.author_id, self.contact, "the chatter line says the same")

    def test_nobody_writes_the_sender(self):
        document = self.file_document(self.contact)
        with self.assertRaises(AccessError):
            document.with_user(self.manager).write({'sender_partner_id': self.manager.partner_id.id})
        self.assertFalse(document.sender_partner_id)

    def test_types_are_named_for_people(self):
        cases = {
            'application/pdf': "PDF document",
            'application/msword': "Word document",
            'application/vnd.openxmlformats-officedocument.wordprocessingml.document': "Word document",
            'application/vnd.ms-powerpoint': "PowerPoint presentation",
            'application/vnd.openxmlformats-officedocument.presentationml.presentation': "PowerPoint presentation",
            'image/png': "PNG image",
            'image/jpeg': "JPEG image",
            'audio/x-unheard-of': "Audio",
            'application/x-made-up': "File",
        }
        document = self.file_document(self.contact)
        for mimetype, label in cases.items():
            document.sudo().mimetype = mimetype
            self.assertEqual(document.type_label, label, mimetype)

    def test_filed_copies_answer_the_first_filing_of_each_content_on_the_contact(self):
        first = self.file_document(self.contact, 'report.pdf')
        self.file_document(self.contact, 'report.pdf')
        elsewhere = self.file_document(self.other_contact, 'other.pdf')
        checksum = hashlib.sha1(first.attachment_id.raw).hexdigest()
        unknown = hashlib.sha1(b'never filed').hexdigest()
        filed = self.env['contact.document'].with_user(self.user).get_filed_copies(
            self.contact.id, [checksum, unknown, elsewhere.checksum, 'not a checksum', 42])
        self.assertEqual(list(filed), [checksum], "only this contact's documents, only well-formed checksums")
        self.assertEqual(filed[checksum]['name'], 'report.pdf')
        self.assertEqual(filed[checksum]['date'], fields.Datetime.to_string(first.create_date))
        first.sudo().action_trash()
        self.assertIn(checksum, self.env['contact.document'].with_user(self.user).get_filed_copies(
            self.contact.id, [checksum]), "the other copy is still filed")

    def test_filed_copies_need_the_contact(self):
        with self.assertRaises(AccessError):
            self.env['contact.document'].with_user(self.user_other_company).get_filed_copies(
                self.contact.id, [hashlib.sha1(b'x').hexdigest()])

    def test_migration_fills_the_sender_of_synced_files_from_their_message(self):
        self.process_incoming('res.partner', self.contact.id, subject='Old email',
                              attachments=[('old.pdf', self.pdf, 'application/pdf')])
        emailed = self.documents_of(self.contact)
        uploaded = self.file_document(self.contact, 'upload.pdf')
        (emailed | uploaded).sudo().write({'sender_partner_id': False})
        self.env.flush_all()
        load_migration('19.0.1.2.0', 'post-migrate').migrate(self.env.cr, '19.0.1.1.0')
        self.env.invalidate_all()
        self.assertEqual(emailed.sender_partner_id, self.contact)
        self.assertFalse(uploaded.sender_partner_id, "an upload has no sender, only the user who added it")
