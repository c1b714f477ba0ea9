from odoo.tools import SQL

from . import controllers
from . import models
from . import tools
from . import wizard
from .models.contact_document_media import SYNC_CLAIM_TABLE


def uninstall_hook(env):
    """Drop the table of sender claims (see contact.document.media._claim_sync_key): it is no model."""
    env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(SYNC_CLAIM_TABLE)))
