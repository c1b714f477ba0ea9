"""Which parts of an email are files its sender attached, as a person reading it sees them.

Odoo's mail gateway extracts more than that as attachments: it walks into a
message attached to the email (``message/rfc822``) and extracts the files
inside it and its body text (named "attachment"); the delivery report of a
bounce and other parts without a name become attachments too. The chatter
keeps them all, as Odoo shows them; only the files the sender attached are
documents: an attached message is one file, whatever it holds.

Pure functions over ``email.message`` objects, tested without a database.
"""

# Odoo's name for an extracted part its sender gave no file name.
UNNAMED_PART = 'attachment'


def attached_parts(message):
    """The parts of ``message`` its sender attached, in order.

    A part with a file name or ``Content-Disposition: attachment``, never one
    inside a message attached to it. Inline images among them are told apart
    later, by the body that shows them.
    """
    parts = []

    def visit(part):
        if part.is_multipart() and part.get_content_type() != 'message/rfc822':
            for subpart in part.get_payload():
                visit(subpart)
        elif part.get_filename() or part.get_content_disposition() == 'attachment':
            parts.append(part)

    visit(message)
    return parts


def extracted_beyond_attached(message, extracted):
    """The items of ``extracted`` that are no file the sender of ``message`` attached.

    :param message: the email, as parsed by the gateway
    :param extracted: what the gateway extracted from it as attachments,
        ``(name, content, info)`` in the order it walked the email
    """
    parts = attached_parts(message)
    names = [part.get_filename() or UNNAMED_PART for part in parts]
    if names == [item[0] for item in extracted]:
        return []  # the usual email: nothing extracted beyond its attachments, no content decoded twice
    # The gateway named and decoded each part as here (an attached message's content
    # is the very message object): what is left unmatched came from elsewhere.
    attached = [(name, part.get_content()) for name, part in zip(names, parts)]
    beyond = []
    for item in extracted:
        try:
            attached.remove((item[0], item[1]))
        except ValueError:
            beyond.append(item)
    return beyond
