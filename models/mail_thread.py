import logging

from odoo import models

from ..tools.email_parts import extracted_beyond_attached

_logger = logging.getLogger(__name__)

# In an extracted attachment's info: the gateway extracted it, but the sender did
# not attach it (see tools/email_parts.py); then, the id of the attachment made of it.
NOT_ATTACHED_INFO = 'contact_documents_not_attached'
NOT_ATTACHED_ID_INFO = 'contact_documents_not_attached_id'


class MailThread(models.AbstractModel):
    _inherit = 'mail.thread'

    def _message_parse_extract_payload(self, message, message_dict, save_original=False):
        """Mark what the gateway extracts beyond the files the sender attached.

        Odoo walks into a message attached to the email: the files inside it
        and its body text (an attachment named "attachment") become
        attachments of the email too, as do parts without a name that no
        mail client lists as files (a bounce's delivery report). They stay
        in the chatter as Odoo puts them; marked, they are not filed as the
        contact's documents (see tools/email_parts.py).
        """
        payload = super()._message_parse_extract_payload(message, message_dict, save_original=save_original)
        try:
            beyond = extracted_beyond_attached(message, payload['attachments'])
        except Exception:  # ruff: ignore[blind-except] - an email is never refused for this: all it extracted is filed
            _logger.warning("Could not tell the attachments of email %s from what it holds",
                            message_dict.get('message_id'), exc_info=True)
            beyond = []
        for item in beyond:
            if len(item) == 3 and isinstance(item[2], dict):
                item[2][NOT_ATTACHED_INFO] = True
        return payload

    def _create_attachments_for_post(self, values_list, extra_list):
        """Tell ``message_post`` which attachment was made of each marked extract (as discuss does for voice)."""
        attachments = super()._create_attachments_for_post(values_list, extra_list)
        for attachment, (_cid, _name, _token, info) in zip(attachments, extra_list):
            if info and info.get(NOT_ATTACHED_INFO):
                info[NOT_ATTACHED_ID_INFO] = attachment.id
        return attachments

    def message_post(self, **kwargs):
        """File the message's attachments in the Documents of the contacts it was exchanged with.

        ``message_post`` is the one call shared by the mail gateway (incoming
        email on any routed record), the composer and the chatter; it runs after
        the recipients are notified, so they are all known here.
        """
        message = super().message_post(**kwargs)
        if message.attachment_ids:
            # The mail gateway posts incoming emails as superuser (OdooBot); users never are.
            from_gateway = self.env.su
            self.env['contact.document'].sudo()._file_message_attachments(
                message, from_gateway=from_gateway,
                not_attached=self._not_attached_extracts(kwargs.get('attachments')) if from_gateway else None)
        return message

    def _not_attached_extracts(self, attachments):
        """The attachments made of what the gateway extracted beyond the files the sender attached."""
        return self.env['ir.attachment'].browse([
            attachment[2][NOT_ATTACHED_ID_INFO] for attachment in attachments or ()
            if len(attachment) == 3 and isinstance(attachment[2], dict) and NOT_ATTACHED_ID_INFO in attachment[2]
        ])
