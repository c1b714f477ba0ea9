from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from .common import ContactDocumentsCommon


class DocumentRequestCommon(ContactDocumentsCommon):

    def request_documents(self, partner=None, user=None, name="Signed contract, ID card", days=14, message=None):
        """Send a request as ``user`` (the plain user by default) through the Request Documents dialog."""
        wizard = self.env['contact.document.request.wizard'].with_user(user or self.user).create({
            'partner_id': (partner or self.contact).id,
            'name': name,
            'due_date': fields.Date.today() + timedelta(days=days),
            'message': message,
        })
        wizard.action_send()
        return self.env['contact.document.request'].search(
            [('partner_id', '=', (partner or self.contact).id)], order='id desc', limit=1)

    def request_emails(self, doc_request):
        return self.env['mail.mail'].sudo().search([('model', '=', doc_request._name), ('res_id', '=', doc_request.id)])

    def audit(self, doc_request, action=None):
        domain = [('request_id', '=', doc_request.id)]
        if action:
            domain.append(('action', '=', action))
        return self.env['contact.document.log'].sudo().search(domain, order='id')


@tagged('post_install', '-at_install')
class TestDocumentRequest(DocumentRequestCommon, TransactionCase):
    """Request, Remind and Cancel in the Documents tab: the email, the link, the audit trail."""

    def test_request_emails_the_contact_a_link_valid_a_week_after_the_due_date(self):
        doc_request = self.request_documents(message="For the new lease, please.")
        self.assertRecordValues(doc_request, [{
            'state': 'open', 'user_id': self.user.id, 'partner_id': self.contact.id,
            'expiry_date': fields.Date.today() + timedelta(days=21), 'reminder_count': 0,
        }])
        self.assertTrue(doc_request.access_token)
        link = f'/contact_documents/request/{doc_request.access_token}'
        self.assertEqual(doc_request.request_url, doc_request.get_base_url() + link)
        [mail] = self.request_emails(doc_request)
        self.assertEqual(mail.recipient_ids, self.contact)
        self.assertIn(link, mail.body_html)
        self.assertIn("Signed contract, ID card", mail.body_html)
        self.assertIn("For the new lease, please.", mail.body_html)
        self.assertIn("Signed contract, ID card", mail.subject)
        # No portal button with a sign-up token: the request's own link is the way in.
        self.assertNotIn('/mail/view', mail.body_html)
        [line] = self.audit(doc_request)
        self.assertRecordValues(line, [{
            'action': 'request_requested', 'user_id': self.user.id, 'partner_id': self.contact.id,
            'document_name': "Signed contract, ID card",
        }])
        self.assertIn("Documents requested:", self.contact.message_ids[0].body)

    def test_the_email_is_written_in_the_contacts_language(self):
        self.env['res.lang']._activate_lang('fr_FR')
        template = self.env.ref('contact_documents.mail_template_document_request')
        template.with_context(lang='fr_FR').subject = "{{ object.name }} : documents demandés"
        self.contact.lang = 'fr_FR'
        doc_request = self.request_documents()
        self.assertEqual(self.request_emails(doc_request).subject, "Signed contract, ID card : documents demandés")

    def test_remind_sends_the_link_again_and_is_audited(self):
        doc_request = self.request_documents()
        doc_request.with_user(self.user).action_remind()
        doc_request.with_user(self.user).action_remind()
        self.assertEqual(doc_request.reminder_count, 2)
        self.assertTrue(doc_request.last_reminder_date)
        mails = self.request_emails(doc_request)
        self.assertEqual(len(mails), 3)
        self.assertTrue(all(doc_request.access_token in mail.body_html for mail in mails))
        self.assertIn("reminder", mails.sorted('id')[-1].body_html)
        self.assertEqual(self.audit(doc_request, 'request_reminded').mapped('note'), ["Reminder 1", "Reminder 2"])

    def test_cancel_closes_the_request_and_is_audited(self):
        doc_request = self.request_documents()
        doc_request.with_user(self.user).action_cancel()
        self.assertEqual(doc_request.state, 'cancelled')
        self.assertEqual(self.audit(doc_request, 'request_cancelled').user_id, self.user)
        with self.assertRaises(UserError):
            doc_request.with_user(self.user).action_remind()
        self.assertEqual(doc_request._link_state(), 'cancelled')

    def test_a_request_past_its_grace_period_is_expired(self):
        doc_request = self.request_documents(days=1)
        self.assertEqual(doc_request._link_state(), 'open')
        # Eight days after the due date: past the seven days of grace.
        self.env.flush_all()
        self.env.cr.execute("UPDATE contact_document_request SET due_date = %s, expiry_date = %s WHERE id = %s", [
            fields.Date.today() - timedelta(days=8), fields.Date.today() - timedelta(days=1), doc_request.id])
        doc_request.invalidate_recordset()
        self.assertEqual(doc_request._link_state(), 'expired', "the link checks the date itself")
        self.env['contact.document.request']._cron_expire_requests()
        self.assertEqual(doc_request.state, 'expired')
        with self.assertRaises(UserError):
            doc_request.with_user(self.user).action_remind()

    def test_the_tab_lists_open_requests_only(self):
        first = self.request_documents(name="ID card")
        second = self.request_documents(name="Payslips")
        self.request_documents(partner=self.colleague_contact, name="Her own")
        second.with_user(self.user).action_cancel()
        data = self.env['contact.document.request'].with_user(self.user).get_documents_tab_requests(self.contact.id)
        self.assertEqual([row['id'] for row in data['requests']], [first.id])
        self.assertTrue(data['can_request'])
        # A company's tab lists the requests of its people.
        company_rows = self.env['contact.document.request'].with_user(self.user).get_documents_tab_requests(
            self.customer.id)['requests']
        self.assertEqual({row['name'] for row in company_rows}, {"ID card", "Her own"})

    def test_a_contact_without_email_cannot_be_asked(self):
        self.contact.email = False
        with self.assertRaisesRegex(UserError, "no email address"):
            self.request_documents()

    def test_the_due_date_cannot_be_in_the_past(self):
        with self.assertRaises(UserError):
            self.request_documents(days=-1)

    def test_users_set_only_what_they_ask_for(self):
        Request = self.env['contact.document.request'].with_user(self.user)
        with self.assertRaises(AccessError):
            Request.create({
                'partner_id': self.contact.id, 'name': "x", 'due_date': fields.Date.today(),
                'state': 'done', 'access_token': '00000000-0000-4000-8000-000000000000',
            })
        # Nor through the defaults of the context, which anybody sets over RPC.
        forged_token = '00000000-0000-4000-8000-000000000000'
        forged_defaults = Request.with_context(
            default_access_token=forged_token, default_state='done', default_user_id=self.manager.id,
        ).create({'partner_id': self.contact.id, 'name': "x", 'due_date': fields.Date.today()})
        self.assertRecordValues(forged_defaults, [{'state': 'open', 'user_id': self.user.id}])
        self.assertNotEqual(forged_defaults.sudo().access_token, forged_token)
        doc_request = self.request_documents()
        for forged in ({'state': 'open'}, {'access_token': 'guessable'}, {'partner_id': self.colleague_contact.id},
                       {'reminder_count': 0}, {'user_id': self.manager.id}):
            with self.assertRaises(AccessError):
                doc_request.with_user(self.user).write(forged)
        doc_request.with_user(self.user).write({'name': "Signed contract only"})
        self.assertEqual(doc_request.name, "Signed contract only")


@tagged('post_install', '-at_install')
class TestDocumentRequestAccess(DocumentRequestCommon, TransactionCase):
    """Requests follow their contact: other companies' users and portal users reach none through the ORM."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.doc_request = cls.request_documents(cls)
        cls.other_request = cls.request_documents(cls, partner=cls.other_contact, user=cls.user_other_company)

    def test_a_user_of_another_company_cannot_see_or_use_the_request(self):
        Request = self.env['contact.document.request'].with_user(self.user_other_company)
        self.assertFalse(Request.search([('id', '=', self.doc_request.id)]))
        with self.assertRaises(AccessError):
            self.doc_request.with_user(self.user_other_company).read(['name', 'access_token'])
        with self.assertRaises(AccessError):
            self.doc_request.with_user(self.user_other_company).action_remind()
        with self.assertRaises(AccessError):
            self.doc_request.with_user(self.user_other_company).action_cancel()
        with self.assertRaises(AccessError):
            Request.get_documents_tab_requests(self.contact.id)
        with self.assertRaises(AccessError):
            self.request_documents(user=self.user_other_company)
        self.assertEqual(self.doc_request.state, 'open')
        both = self.doc_request | self.other_request
        self.assertEqual(Request.search([('id', 'in', both.ids)]), self.other_request)

    def test_the_request_dialog_shows_no_email_of_a_contact_out_of_reach(self):
        Wizard = self.env['contact.document.request.wizard'].with_user(self.user_other_company)
        with self.assertRaises(AccessError):
            Wizard.create({'partner_id': self.contact.id, 'name': "x", 'due_date': fields.Date.today()})
        # For a contact of their own, the dialog shows its email as usual.
        wizard = Wizard.create({'partner_id': self.other_contact.id, 'name': "x", 'due_date': fields.Date.today()})
        self.assertEqual(wizard.partner_email, self.other_contact.email)

    def test_portal_users_reach_no_request_through_the_orm(self):
        Request = self.env['contact.document.request'].with_user(self.portal_user)
        for call in (
            lambda: Request.search([]),
            lambda: self.doc_request.with_user(self.portal_user).read(['access_token']),
            lambda: self.doc_request.with_user(self.portal_user).action_cancel(),
            lambda: Request.create({'partner_id': self.portal_user.partner_id.id, 'name': "x",
                                    'due_date': fields.Date.today()}),
        ):
            with self.assertRaises(AccessError):
                call()
        # Even a request for the portal user's own contact: only its link opens it.
        self.portal_user.partner_id.email = 'portal@customer.example.com'
        own = self.request_documents(partner=self.portal_user.partner_id, user=self.manager)
        with self.assertRaises(AccessError):
            own.with_user(self.portal_user).read(['name'])
        with self.assertRaises(AccessError):
            self.env['contact.document.request.wizard'].with_user(self.portal_user).create({
                'partner_id': self.portal_user.partner_id.id, 'name': "x", 'due_date': fields.Date.today()})

    def test_the_audit_log_of_requests_is_for_managers(self):
        with self.assertRaises(AccessError):
            self.env['contact.document.log'].with_user(self.user).search([('request_id', '=', self.doc_request.id)])
        lines = self.env['contact.document.log'].with_user(self.manager).search(
            [('request_id', 'in', (self.doc_request | self.other_request).ids)])
        self.assertEqual(lines.request_id, self.doc_request, "the other company's request is not the manager's")

    def test_the_wizard_refuses_a_contact_the_user_cannot_edit(self):
        with self.assertRaises(AccessError):
            self.request_documents(partner=self.other_contact)
