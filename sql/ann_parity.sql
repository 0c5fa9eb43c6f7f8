-- pgvector behaviours that tooling notices: every scan of hnsw, ivfflat and ivf counts in
-- pg_stat_user_indexes.idx_scan (unused-index advice reads it), and ivfflat / ivf say when they were built with
-- less data than lists (an empty table, after TRUNCATE, fewer rows than lists).
SET client_min_messages = notice;
CREATE TABLE ap_t (id int PRIMARY KEY, v vector(3));
INSERT INTO ap_t SELECT i, ARRAY[i % 7, i % 11, i % 13]::real[]::vector FROM generate_series(1, 300) i;
CREATE INDEX ap_hnsw ON ap_t USING hnsw (v vector_l2_ops);
CREATE INDEX ap_ivfflat ON ap_t USING ivfflat (v vector_l2_ops) WITH (lists = 3);
CREATE INDEX ap_ivf ON ap_t USING ivf (v vector_l2_ops) WITH (lists = 3, quantizer = 'sq8');
SET enable_seqscan = off;

-- each index alone, two scans each; hnsw also as the inner side of a nested loop, where each rescan counts again
-- (as in pgvector)
CREATE FUNCTION ap_scans(idx text) RETURNS bigint LANGUAGE sql AS
  $$ SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = idx $$;
SELECT ap_scans('ap_hnsw') AS hnsw, ap_scans('ap_ivfflat') AS ivfflat, ap_scans('ap_ivf') AS ivf;
BEGIN;
DROP INDEX ap_ivfflat, ap_ivf;
EXPLAIN (COSTS OFF) SELECT id FROM ap_t ORDER BY v <-> '[1,2,3]' LIMIT 2;
SELECT count(*) FROM (SELECT id FROM ap_t ORDER BY v <-> '[1,2,3]' LIMIT 2) s;
SELECT count(*) FROM (SELECT id FROM ap_t ORDER BY v <-> '[3,2,1]' LIMIT 2) s;
-- the inner side of a nested loop: one index scan per outer row
SELECT count(*) FROM (VALUES ('[1,1,1]'::vector), ('[2,2,2]'), ('[3,3,3]')) q(v),
  LATERAL (SELECT id FROM ap_t ORDER BY ap_t.v <-> q.v LIMIT 1) s;
ROLLBACK;
BEGIN;
DROP INDEX ap_hnsw, ap_ivf;
EXPLAIN (COSTS OFF) SELECT id FROM ap_t ORDER BY v <-> '[1,2,3]' LIMIT 2;
SELECT count(*) FROM (SELECT id FROM ap_t ORDER BY v <-> '[1,2,3]' LIMIT 2) s;
SELECT count(*) FROM (SELECT id FROM ap_t ORDER BY v <-> '[3,2,1]' LIMIT 2) s;
ROLLBACK;
BEGIN;
DROP INDEX ap_hnsw, ap_ivfflat;
EXPLAIN (COSTS OFF) SELECT id FROM ap_t ORDER BY v <-> '[1,2,3]' LIMIT 2;
SELECT count(*) FROM (SELECT id FROM ap_t ORDER BY v <-> '[1,2,3]' LIMIT 2) s;
SELECT count(*) FROM (SELECT id FROM ap_t ORDER BY v <-> '[3,2,1]' LIMIT 2) s;
ROLLBACK;
SELECT pg_stat_force_next_flush();
SELECT ap_scans('ap_hnsw') AS hnsw, ap_scans('ap_ivfflat') AS ivfflat, ap_scans('ap_ivf') AS ivf;
RESET enable_seqscan;
DROP TABLE ap_t;
DROP FUNCTION ap_scans;

-- "created with little data": on an empty table, after TRUNCATE, and with fewer rows than lists
CREATE TABLE ap_empty (v vector(2));
CREATE INDEX ap_empty_ivfflat ON ap_empty USING ivfflat (v vector_l2_ops) WITH (lists = 10);
CREATE INDEX ap_empty_ivf ON ap_empty USING ivf (v vector_l2_ops);
INSERT INTO ap_empty SELECT ARRAY[i, i]::real[]::vector FROM generate_series(1, 5) i;
REINDEX INDEX ap_empty_ivfflat;
REINDEX INDEX ap_empty_ivf;
TRUNCATE ap_empty;
INSERT INTO ap_empty SELECT ARRAY[i, i]::real[]::vector FROM generate_series(1, 20) i;
-- enough rows: no notice
CREATE INDEX ON ap_empty USING ivfflat (v vector_l2_ops) WITH (lists = 10);
CREATE INDEX ON ap_empty USING ivf (v vector_l2_ops);
DROP TABLE ap_empty;
