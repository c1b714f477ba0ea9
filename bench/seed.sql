-- Seeds :scale x (50,000 contacts and 1,000,000 documents), each document with its ir.attachment row, in bulk.
--   psql -v scale=1 -f seed.sql    (scale 10: 500,000 contacts and 10,000,000 documents)
-- Layout, by partner id offset from :base, with E = 1,000 x scale employees:
--   +0          a company whose E people (+1..+E) hold 100,000 x scale documents
--   +E+1        a contact with 20,000 documents (whatever the scale)
--   +E+2..E+4   contacts with 100, 1,000 and 5,000 documents (growth curve)
--   +E+5..      the other contacts, sharing the rest (about 18 each)
-- The tables' secondary indexes are dropped while the rows go in, then built again, as
-- PostgreSQL builds an index from sorted rows far faster than it grows it row by row.
\set ON_ERROR_STOP on
SET maintenance_work_mem = '1GB';
SET synchronous_commit = off;
BEGIN;
SELECT COALESCE(MAX(id), 0) + 1 AS base FROM res_partner \gset
SELECT COALESCE(MAX(id), 0) AS abase FROM ir_attachment \gset
SELECT COALESCE(MAX(id), 0) AS dbase FROM contact_document \gset
SELECT (1000 * :scale)::int AS employees, (50000 * :scale)::int AS contacts,
       (1000000 * :scale)::int AS documents, (100000 * :scale)::int AS company_documents \gset
SELECT :contacts - :employees - 5 AS others \gset

CREATE TEMP TABLE bench_indexes ON COMMIT DROP AS
SELECT indexname, indexdef FROM pg_indexes
 WHERE schemaname = 'public' AND tablename IN ('contact_document', 'ir_attachment')
   AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = format('%I', indexname)::regclass);
SELECT format('DROP INDEX %I', indexname) FROM bench_indexes \gexec

INSERT INTO res_partner (id, name, complete_name, is_company, parent_id, commercial_partner_id, type, active,
                         create_date, write_date, create_uid, write_uid)
SELECT :base + g,
       CASE WHEN g = 0 THEN 'Bench Company'
            WHEN g <= :employees THEN 'Bench Employee ' || g
            WHEN g = :employees + 1 THEN 'Bench Contact 20000'
            WHEN g = :employees + 2 THEN 'Bench Contact 100'
            WHEN g = :employees + 3 THEN 'Bench Contact 1000'
            WHEN g = :employees + 4 THEN 'Bench Contact 5000'
            ELSE 'Bench Other Contact ' || g END,
       CASE WHEN g BETWEEN 1 AND :employees THEN 'Bench Company, Bench Employee ' || g ELSE 'Bench Other Contact ' || g END,
       g = 0,
       CASE WHEN g BETWEEN 1 AND :employees THEN :base END,
       CASE WHEN g BETWEEN 0 AND :employees THEN :base ELSE :base + g END,
       'contact', true, now(), now(), 1, 1
FROM generate_series(0, :contacts - 1) AS g;

CREATE TEMP TABLE bench_docs ON COMMIT DROP AS
SELECT g,
       CASE WHEN g <= 20000 THEN :base + :employees + 1
            WHEN g <= 20000 + :company_documents THEN :base + 1 + (g % :employees)
            WHEN g <= 20100 + :company_documents THEN :base + :employees + 2
            WHEN g <= 21100 + :company_documents THEN :base + :employees + 3
            WHEN g <= 26100 + :company_documents THEN :base + :employees + 4
            ELSE :base + :employees + 5 + (g % :others) END AS partner_id,
       'Document ' || g || ' ' || (ARRAY['invoice', 'contract', 'photo', 'scan', 'quote', 'report'])[g % 6 + 1] || '.pdf' AS name,
       (ARRAY['internal', 'sent', 'received'])[g % 3 + 1] AS direction,
       (ARRAY['upload', 'email', 'sms', 'facebook', 'instagram'])[g % 5 + 1] AS channel,
       1000 + g % 50000 AS file_size,
       md5(g::text) AS checksum,
       now() - make_interval(secs => g) AS created
FROM generate_series(1, :documents) AS g;

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

SELECT indexdef FROM bench_indexes \gexec

SELECT setval('res_partner_id_seq', (SELECT MAX(id) FROM res_partner));
SELECT setval('ir_attachment_id_seq', (SELECT MAX(id) FROM ir_attachment));
SELECT setval('contact_document_id_seq', (SELECT MAX(id) FROM contact_document));
COMMIT;
ANALYZE res_partner;
ANALYZE ir_attachment;
ANALYZE contact_document;
