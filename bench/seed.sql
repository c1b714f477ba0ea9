-- Seeds 50,000 contacts and 1,000,000 documents (each with its ir.attachment row) in bulk.
-- Layout, by partner id offset from :base:
--   +0          a company whose 1,000 people (+1..+1000) hold 100,000 documents
--   +1001       a contact with 20,000 documents
--   +1002..1004 contacts with 100, 1,000 and 5,000 documents (growth curve)
--   +1005..     48,995 other contacts sharing the rest (about 18 each)
\set ON_ERROR_STOP on
BEGIN;
SELECT COALESCE(MAX(id), 0) + 1 AS base FROM res_partner \gset
SELECT COALESCE(MAX(id), 0) AS abase FROM ir_attachment \gset
SELECT COALESCE(MAX(id), 0) AS dbase FROM contact_document \gset

INSERT INTO res_partner (id, name, complete_name, is_company, parent_id, commercial_partner_id, type, active,
                         create_date, write_date, create_uid, write_uid)
SELECT :base + g,
       CASE WHEN g = 0 THEN 'Bench Company 100k'
            WHEN g <= 1000 THEN 'Bench Employee ' || g
            WHEN g = 1001 THEN 'Bench Contact 20000'
            WHEN g = 1002 THEN 'Bench Contact 100'
            WHEN g = 1003 THEN 'Bench Contact 1000'
            WHEN g = 1004 THEN 'Bench Contact 5000'
            ELSE 'Bench Other Contact ' || g END,
       CASE WHEN g BETWEEN 1 AND 1000 THEN 'Bench Company 100k, Bench Employee ' || g ELSE 'Bench Other Contact ' || g END,
       g = 0,
       CASE WHEN g BETWEEN 1 AND 1000 THEN :base END,
       CASE WHEN g BETWEEN 0 AND 1000 THEN :base ELSE :base + g END,
       'contact', true, now(), now(), 1, 1
FROM generate_series(0, 49999) AS g;

CREATE TEMP TABLE bench_docs ON COMMIT DROP AS
SELECT g,
       CASE WHEN g <= 20000 THEN :base + 1001
            WHEN g <= 120000 THEN :base + 1 + (g % 1000)
            WHEN g <= 120100 THEN :base + 1002
            WHEN g <= 121100 THEN :base + 1003
            WHEN g <= 126100 THEN :base + 1004
            ELSE :base + 1005 + (g % 48995) END AS partner_id,
       'Document ' || g || ' ' || (ARRAY['invoice', 'contract', 'photo', 'scan', 'quote', 'report'])[g % 6 + 1] || '.pdf' AS name,
       (ARRAY['internal', 'sent', 'received'])[g % 3 + 1] AS direction,
       (ARRAY['upload', 'email', 'sms', 'facebook', 'instagram'])[g % 5 + 1] AS channel,
       1000 + g % 50000 AS file_size,
       md5(g::text) AS checksum,
       now() - make_interval(secs => g) AS created
FROM generate_series(1, 1000000) AS g;

INSERT INTO ir_attachment (id, name, type, res_model, res_id, mimetype, file_size, checksum, public,
                           create_date, write_date, create_uid, write_uid)
SELECT :abase + g, name, 'binary', 'contact.document', :dbase + g, 'application/pdf', file_size, checksum, false,
       created, created, 1, 1
FROM bench_docs;

INSERT INTO contact_document (id, partner_id, commercial_partner_id, attachment_id, name, direction, channel,
                              mimetype, file_size, checksum, attachment_index, active, create_date, write_date,
                              create_uid, write_uid)
SELECT :dbase + d.g, d.partner_id, p.commercial_partner_id, :abase + d.g, d.name, d.direction, d.channel,
       'application/pdf', d.file_size, d.checksum, 0, true, d.created, d.created, 2, 2
FROM bench_docs d JOIN res_partner p ON p.id = d.partner_id;

SELECT setval('res_partner_id_seq', (SELECT MAX(id) FROM res_partner));
SELECT setval('ir_attachment_id_seq', (SELECT MAX(id) FROM ir_attachment));
SELECT setval('contact_document_id_seq', (SELECT MAX(id) FROM contact_document));
COMMIT;
ANALYZE res_partner;
ANALYZE ir_attachment;
ANALYZE contact_document;
