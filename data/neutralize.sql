-- A neutralized copy must not talk to the channels of the production database.

-- stop downloading channel media: webhooks only queue it and trigger this cron,
-- and Odoo ignores the triggers of an inactive cron; queued rows stay queued
UPDATE ir_cron
   SET active = false
 WHERE id IN (
       SELECT res_id
         FROM ir_model_data
        WHERE model = 'ir.cron'
          AND module = 'contact_documents'
          AND name = 'ir_cron_contact_document_media_fetch'
);

-- remove the channel secrets: without them the copy cannot authenticate to Twilio
-- and refuses the Twilio, Meta and events webhooks signed with production's secrets
-- (Twilio credentials shared with sms_twilio are neutralized by sms_twilio's own file)
UPDATE res_company
   SET contact_documents_twilio_account_sid = NULL,
       contact_documents_twilio_auth_token = NULL,
       contact_documents_meta_app_secret = NULL,
       contact_documents_meta_verify_token = NULL,
       contact_documents_webhook_secret = NULL;
