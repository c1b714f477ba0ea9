from odoo.tests import Form, TransactionCase, tagged

from .common import EmailSyncCommon, build_email, make_image


@tagged('post_install', '-at_install')
class TestEmailSync(EmailSyncCommon, TransactionCase):

    def test_incoming_email_on_the_contact_files_attachments_as_received(self):
        self.process_incoming('res.partner', self.contact.id, subject='Signed contract', attachments=[
            ('contract.pdf', self.pdf, 'application/pdf'),
            ('scan.png', self.png, 'image/png'),
        ])
        documents = self.documents_of(self.contact)
        self.assertEqual(sorted(documents.mapped('name')), ['contract.pdf', 'scan.png'])
        self.assertEqual(set(documents.mapped('direction')), {'received'})
        self.assertEqual(set(documents.mapped('channel')), {'email'})
        self.assertEqual(documents.filtered(lambda d: d.name == 'contract.pdf').attachment_id.raw, self.pdf)
        self.assertTrue(all(documents.message_id), "each document points to the email it came with")

    def test_incoming_email_on_another_record_files_on_its_author(self):
        thread_id = self.process_incoming('mail.blacklist', self.other_record.id, subject='Quote request',
                                          attachments=[('specs.pdf', self.pdf, 'application/pdf')])
        self.assertEqual(thread_id, self.other_record.id)
        document = self.documents_of(self.contact)
        self.assertEqual(document.name, 'specs.pdf')
        self.assertEqual(document.direction, 'received')
        self.assertEqual(document.message_id.model, 'mail.blacklist')
        self.assertEqual(self.customer.contact_document_count, 1, "a company counts its people's documents")
        self.assertEqual(self.customer.action_view_contact_documents()['domain'], [('commercial_partner_id', '=', self.customer.id)])

    def test_replayed_message_id_files_nothing_twice(self):
        values = dict(subject='Invoice', message_id='<replay-1@customer.example.com>',
                      attachments=[('invoice.pdf', self.pdf, 'application/pdf')])
        self.process_incoming('mail.blacklist', self.other_record.id, **values)
        self.process_incoming('mail.blacklist', self.other_record.id, **values)
        self.assertEqual(len(self.documents_of(self.contact)), 1)

    def test_a_user_cannot_pass_a_post_off_as_a_received_email(self):
        def post(**values):
            attachment = self.env['ir.attachment'].with_user(self.user).create({
                'name': 'forged.pdf', 'raw': self.pdf, 'res_model': 'mail.compose.message', 'res_id': 0})
            return self.contact.with_user(self.user).message_post(
                body='forged', message_type='email', partner_ids=[self.contact.id],
                message_id='<CAFE-forged@mail.customer.example.com>', attachment_ids=[attachment.id],
                subtype_xmlid='mail.mt_comment', **values)

        post(author_id=self.contact.id)
        self.assertFalse(self.documents_of(self.contact), "not received from the contact: only the gateway says so")
        message = post()
        document = self.documents_of(self.contact)
        self.assertEqual((document.name, document.direction), ('forged.pdf', 'sent'))
        self.assertEqual(document.external_message_id, f'mail.message-{message.id}',
                         "a Message-Id given by the caller is never the duplicate key")

    def test_inline_signature_image_is_not_a_document(self):
        self.process_incoming('res.partner', self.contact.id, subject='With signature',
                              inline_image=make_image('PNG', color=(0, 0, 255)),
                              attachments=[('plan.pdf', self.pdf, 'application/pdf')])
        self.assertEqual(self.documents_of(self.contact).mapped('name'), ['plan.pdf'])

    def test_email_from_unknown_sender_files_nothing(self):
        email = build_email(sender='stranger@nowhere.example.com', to='sales@company.example.com',
                            subject='Hello', attachments=[('cv.pdf', self.pdf, 'application/pdf')])
        self.env['mail.thread'].message_process('mail.blacklist', email, thread_id=self.other_record.id)
        self.assertFalse(self.env['contact.document'].search([('name', '=', 'cv.pdf')]))

    def test_composer_send_files_on_each_recipient_contact_as_sent(self):
        attachment = self.env['ir.attachment'].with_user(self.user).create({
            'name': 'proposal.pdf', 'raw': self.pdf, 'res_model': 'mail.compose.message', 'res_id': 0,
        })
        composer_form = Form(self.env['mail.compose.message'].with_user(self.user).with_context(
            default_model='res.partner', default_res_ids=self.customer.ids, default_composition_mode='comment',
        ))
        composer_form.body = '<p>Our proposal</p>'
        composer_form.partner_ids.add(self.contact)
        composer_form.partner_ids.add(self.colleague_contact)
        composer_form.partner_ids.add(self.manager.partner_id)
        composer = composer_form.save()
        composer.attachment_ids = attachment
        composer.with_user(self.user).action_send_mail()

        for recipient in self.contact | self.colleague_contact:
            document = self.documents_of(recipient)
            self.assertEqual(document.name, 'proposal.pdf')
            self.assertEqual(document.direction, 'sent')
            self.assertEqual(document.create_uid, self.user, "the sender is who added it")
        self.assertFalse(self.documents_of(self.manager.partner_id), "colleagues are not contacts")

    def test_chatter_message_with_files_is_sent_to_followers(self):
        self.other_record.message_subscribe(partner_ids=self.contact.ids)
        self.other_record.message_post(
            body='See attached', message_type='comment', subtype_xmlid='mail.mt_comment',
            attachments=[('brochure.pdf', self.pdf)])
        document = self.documents_of(self.contact)
        self.assertEqual((document.name, document.direction), ('brochure.pdf', 'sent'))

    def test_note_in_the_contact_chatter_files_as_internal(self):
        self.contact.with_user(self.user).message_post(
            body='Internal copy', message_type='comment', subtype_xmlid='mail.mt_note',
            attachments=[('notes.pdf', self.pdf)])
        document = self.documents_of(self.contact)
        self.assertEqual((document.name, document.direction, document.channel), ('notes.pdf', 'internal', 'note'))

    def test_note_on_another_record_files_nothing(self):
        self.other_record.message_subscribe(partner_ids=self.contact.ids)
        self.other_record.message_post(
            body='Internal only', message_type='comment', subtype_xmlid='mail.mt_note',
            attachments=[('internal.pdf', self.pdf)])
        self.assertFalse(self.documents_of(self.contact))

    def test_message_without_attachments_files_nothing(self):
        self.process_incoming('res.partner', self.contact.id, subject='Just text')
        self.assertFalse(self.documents_of(self.contact))
