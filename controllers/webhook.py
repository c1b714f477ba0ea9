import logging

from odoo.http import Controller, request, route

from ..tools import meta, twilio, webhook_events
from ..tools.channel_message import PayloadError

_logger = logging.getLogger(__name__)

TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
# Twilio posts a few kilobytes, Meta batches of events; the events webhook may carry inline files.
MAX_TWILIO_SIZE = 64 * 1024
MAX_META_SIZE = 2 * 1024 * 1024
MAX_EVENTS_SIZE = 40 * 1024 * 1024


class ContactDocumentsWebhook(Controller):
    """Inbound webhooks of messaging channels.

    Each route checks the request (size, signature, shape), answers 400 or
    403 with a short reason when it fails and logs the detail, then hands the
    parsed messages to ``contact.document.media._ingest_channel_messages``:
    downloads happen afterwards, in the cron, so the answer is immediate.
    """

    @route('/contact_documents/webhook/twilio', type='http', auth='public', methods=['POST'], csrf=False,
           save_session=False, max_content_length=MAX_TWILIO_SIZE)
    def twilio_webhook(self, **kwargs):
        httprequest = request.httprequest
        if httprequest.mimetype != 'application/x-www-form-urlencoded':
            return self._refuse(400, "expected a form", f"content type {httprequest.mimetype!r}")
        form = httprequest.form
        if not twilio.is_account_sid(form.get('AccountSid')):
            return self._refuse(400, "missing or invalid AccountSid", f"AccountSid {form.get('AccountSid')!r}")
        company = request.env['res.company'].sudo()._contact_documents_company_for_twilio(form['AccountSid'])
        if not company:
            return self._refuse(403, "unknown account", f"AccountSid {form['AccountSid']!r} matches no company")
        _account_sid, auth_token = company._contact_documents_twilio_credentials()
        url = self._public_url()
        signature = httprequest.headers.get('X-Twilio-Signature', '')
        if not twilio.check_signature(auth_token, url, form.to_dict(flat=False), signature):
            return self._refuse(403, "invalid signature", f"X-Twilio-Signature does not sign {url}")
        try:
            message = twilio.parse_inbound_message(form.to_dict())
        except PayloadError as error:
            return self._refuse(400, error.args[0], f"Twilio form: {error.args[0]}")
        self._ingest(company, [message])
        return request.make_response(TWIML_EMPTY, headers=[('Content-Type', 'text/xml; charset=utf-8')])

    @route('/contact_documents/webhook/meta', type='http', auth='public', methods=['GET'], csrf=False,
           save_session=False)
    def meta_verify(self, **kwargs):
        """Meta's subscription handshake: echo the challenge for a known verify token."""
        challenge = request.env['res.company'].sudo()._contact_documents_meta_challenge(request.httprequest.args)
        if not challenge:
            return self._refuse(403, "verification refused", "hub.mode or hub.verify_token does not match")
        return request.make_response(challenge, headers=[('Content-Type', 'text/plain; charset=utf-8')])

    @route('/contact_documents/webhook/meta', type='http', auth='public', methods=['POST'], csrf=False,
           save_session=False, max_content_length=MAX_META_SIZE)
    def meta_webhook(self, **kwargs):
        raw_body = request.httprequest.get_data()
        signature = request.httprequest.headers.get('X-Hub-Signature-256', '')
        companies = request.env['res.company'].sudo()._contact_documents_companies_for_meta(raw_body, signature)
        if not companies:
            return self._refuse(403, "invalid signature", "X-Hub-Signature-256 matches no company's App Secret")
        try:
            messages, ignored = meta.parse_payload(meta.load_payload(raw_body))
        except PayloadError as error:
            return self._refuse(400, error.args[0], f"Meta payload: {error.args[0]}")
        by_company, unknown = {}, []
        for message in messages:
            company = companies.filtered(lambda c: c._contact_documents_meta_account(message.channel, message.account))[:1]
            if company:
                by_company.setdefault(company, []).append(message)
            else:
                unknown.append(message.account)
        if unknown and not by_company:
            return self._refuse(403, "unknown account", f"Meta accounts {sorted(set(unknown))} match no company")
        counts = {'ignored_events': ignored, 'unknown_account': len(unknown)}
        for company, company_messages in by_company.items():
            for key, value in self._ingest(company, company_messages).items():
                counts[key] = counts.get(key, 0) + value
        return request.make_json_response(counts)

    @route('/contact_documents/webhook/events', type='http', auth='public', methods=['POST'], csrf=False,
           save_session=False, max_content_length=MAX_EVENTS_SIZE)
    def events_webhook(self, **kwargs):
        """Generic endpoint for any other gateway, see README: one signed JSON message per request."""
        raw_body = request.httprequest.get_data()
        signature = request.httprequest.headers.get(webhook_events.SIGNATURE_HEADER, '')
        company = request.env['res.company'].sudo()._contact_documents_company_for_events(raw_body, signature)
        if not company:
            return self._refuse(403, "invalid signature", f"{webhook_events.SIGNATURE_HEADER} matches no company's secret")
        try:
            message = webhook_events.parse_event(raw_body)
        except PayloadError as error:
            return self._refuse(400, error.args[0], f"events payload: {error.args[0]}")
        return request.make_json_response(self._ingest(company, [message]))

    def _ingest(self, company, messages):
        Media = request.env['contact.document.media'].sudo().with_company(company)
        return Media._ingest_channel_messages(company, messages)

    def _public_url(self):
        """The URL Twilio signed: the configured public base URL, this path and query string.

        Behind a reverse proxy the request's own host and scheme may be internal
        ones; ``web.base.url`` is what Twilio was told to call.
        """
        base_url = request.env['ir.config_parameter'].sudo().get_param('web.base.url', '').rstrip('/')
        query = request.httprequest.query_string.decode()
        return base_url + request.httprequest.path + (f'?{query}' if query else '')

    def _refuse(self, status, reason, detail):
        _logger.warning("Webhook %s refused (%s): %s", request.httprequest.path, status, detail)
        return request.make_json_response({'error': reason}, status=status)
