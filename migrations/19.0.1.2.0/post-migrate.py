"""Documents now say who sent them (``sender_partner_id``): fill it for the files synced before.

The author of the message a synced file came with is its sender: the contact
or the colleague for an email, the contact or the company for a messaging
channel (whose chatter line is posted under the sender's name). Uploads have
no sender: their author is the user who added them.
"""


def migrate(cr, version):
    cr.execute("""
        UPDATE contact_document document
           SET sender_partner_id = message.author_id
          FROM mail_message message
         WHERE document.message_id = message.id
           AND document.channel != 'upload'
           AND document.sender_partner_id IS NULL
           AND message.author_id IS NOT NULL
    """)
