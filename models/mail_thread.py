from odoo import models


class MailThread(models.AbstractModel):
    _inherit = 'mail.thread'

    def message_post(self, **kwargs):
        """File the message's attachments in the Documents of the contacts it was exchanged with.

        ``message_post`` is the one call shared by the mail gateway (incoming
        email on any routed record), the composer and the chatter; it runs after
        the recipients are notified, so they are all known here.
        """
        message = super().message_post(**kwargs)
        if message.attachment_ids:
            # The mail gateway posts incoming emails as superuser (OdooBot); users never are.
            self.env['contact.document'].sudo()._file_message_attachments(message, from_gateway=self.env.su)
        return message
