-- ivfflat / ivf: DDL, options, settings, plans and errors.
SET client_min_messages = notice;
CREATE TABLE ivf_t (id int PRIMARY KEY, embedding vector(3));
INSERT INTO ivf_t SELECT i, ('[' || (i % 7) || ',' || (i % 11) || ',' || (i % 13) || ']')::vector
  FROM generate_series(1, 300) i;

-- ivfflat, pgvector-compatible
CREATE INDEX ivf_t_l2 ON ivf_t USING ivfflat (embedding vector_l2_ops) WITH (lists = 10);
SET enable_seqscan = off;
SET ivfflat.probes = 10;
EXPLAIN (COSTS OFF) SELECT id FROM ivf_t ORDER BY embedding <-> '[3,3,3]' LIMIT 5;
SELECT id, embedding FROM ivf_t ORDER BY embedding <-> '[3,3,3]', id LIMIT 5;
SELECT id FROM ivf_t ORDER BY embedding <-> '[3,3,3]', id LIMIT 3;
-- all probes: the index returns every row, in exact order
SELECT count(*) FROM (SELECT id FROM ivf_t ORDER BY embedding <-> '[1,2,3]') s;
-- inserts go to the nearest list and are found
INSERT INTO ivf_t VALUES (1001, '[100,100,100]'), (1002, NULL);
SELECT id FROM ivf_t ORDER BY embedding <-> '[99,99,99]' LIMIT 1;
-- wrong dimensions
SELECT id FROM ivf_t ORDER BY embedding <-> '[1,2]' LIMIT 1;
INSERT INTO ivf_t VALUES (1003, '[1,2]');
DROP INDEX ivf_t_l2;

CREATE INDEX ivf_t_ip ON ivf_t USING ivfflat (embedding vector_ip_ops) WITH (lists = 5);
EXPLAIN (COSTS OFF) SELECT id FROM ivf_t ORDER BY embedding <#> '[1,1,1]' LIMIT 5;
SELECT id FROM ivf_t ORDER BY embedding <#> '[1,1,1]' LIMIT 1;
DROP INDEX ivf_t_ip;
CREATE INDEX ivf_t_cos ON ivf_t USING ivfflat (embedding vector_cosine_ops) WITH (lists = 5);
EXPLAIN (COSTS OFF) SELECT id FROM ivf_t ORDER BY embedding <=> '[1,1,1]' LIMIT 5;
SELECT embedding <=> '[1,0,0]' AS distance FROM ivf_t ORDER BY embedding <=> '[1,0,0]' LIMIT 1;
DROP INDEX ivf_t_cos;

-- the index is not used without ORDER BY distance, and never for the wrong operator
CREATE INDEX ivf_t_l2 ON ivf_t USING ivfflat (embedding) WITH (lists = 10);
EXPLAIN (COSTS OFF) SELECT id FROM ivf_t WHERE embedding = '[1,1,1]';
EXPLAIN (COSTS OFF) SELECT id FROM ivf_t ORDER BY embedding <#> '[1,1,1]' LIMIT 5;
RESET enable_seqscan;

-- options and their errors
CREATE INDEX ON ivf_t USING ivfflat (embedding) WITH (lists = 0);
CREATE INDEX ON ivf_t USING ivfflat (embedding) WITH (lists = 32769);
CREATE INDEX ON ivf_t USING ivfflat (embedding) WITH (quantizer = 'pq');
CREATE INDEX ON ivf_t USING ivf (embedding) WITH (quantizer = 'lvq');
CREATE INDEX ON ivf_t USING ivf (embedding) WITH (quantizer = 'pq', pq_m = 2);
CREATE INDEX ON ivf_t USING ivf (embedding) WITH (quantizer = 'sq8', pq_m = 3);
CREATE INDEX ON ivf_t USING ivf (embedding) WITH (rerank = -2);
CREATE INDEX ON ivf_t USING ivf (embedding, id);
-- a column without dimensions takes them from the data (sql/ivf_untyped.sql)
CREATE TABLE ivf_nodim (v vector);
CREATE INDEX ON ivf_nodim USING ivfflat (v);
CREATE TABLE ivf_bigdim (v vector(2001));
CREATE INDEX ON ivf_bigdim USING ivfflat (v);
DROP TABLE ivf_nodim, ivf_bigdim;
-- more lists than rows: fewer lists, with a notice
CREATE TABLE ivf_small (v vector(2));
INSERT INTO ivf_small VALUES ('[1,1]'), ('[2,2]'), ('[3,3]');
CREATE INDEX ivf_small_idx ON ivf_small USING ivfflat (v) WITH (lists = 100);
SET enable_seqscan = off;
SET ivfflat.probes = 100;
SELECT v FROM ivf_small ORDER BY v <-> '[2.9,2.9]';
-- empty table: one list, exact vectors, inserts work
TRUNCATE ivf_small;
INSERT INTO ivf_small VALUES ('[5,5]'), ('[1,1]');
SELECT v FROM ivf_small ORDER BY v <-> '[0,0]';
DROP TABLE ivf_small;
CREATE TABLE ivf_empty (v vector(2));
CREATE INDEX ivf_empty_idx ON ivf_empty USING ivf (v) WITH (quantizer = 'pq');
INSERT INTO ivf_empty VALUES ('[1,2]');
SELECT v FROM ivf_empty ORDER BY v <-> '[0,0]';
DROP TABLE ivf_empty;
RESET enable_seqscan;

-- settings
SHOW ivfflat.probes;
SET ivfflat.probes = 0;
SET ivfflat.iterative_scan = strict_order;
SET ivfflat.iterative_scan = relaxed_order;
SHOW ivfflat.iterative_scan;
SET ivfflat.max_probes = 0;
SET ivf.probes = 32769;
SHOW ivf.probes;
SHOW ivf.max_probes;
RESET ivfflat.probes;
RESET ivfflat.iterative_scan;

-- the ivf method: quantizers
CREATE INDEX ivf_t_flat ON ivf_t USING ivf (embedding) WITH (lists = 4, quantizer = 'flat');
CREATE INDEX ivf_t_sq8 ON ivf_t USING ivf (embedding) WITH (lists = 4, quantizer = 'sq8', rerank = 20);
SELECT amname, array_to_string(reloptions, ', ') FROM pg_class c JOIN pg_am a ON a.oid = c.relam
  WHERE c.relname LIKE 'ivf_t_%' ORDER BY 1, 2;
-- expression index: flat works, lossy quantizers need the column
CREATE INDEX ivf_t_expr0 ON ivf_t USING ivf ((embedding + embedding)) WITH (lists = 2);  -- dims from the data
DROP INDEX ivf_t_expr0;
CREATE INDEX ivf_t_expr ON ivf_t USING ivf (((embedding + embedding)::vector(3))) WITH (lists = 2);
CREATE INDEX ON ivf_t USING ivf (((embedding + embedding)::vector(3))) WITH (quantizer = 'sq8');
SET enable_seqscan = off;
SET ivf.probes = 4;
EXPLAIN (COSTS OFF) SELECT id FROM ivf_t ORDER BY (embedding + embedding)::vector(3) <-> '[2,2,2]' LIMIT 3;
SELECT id FROM ivf_t ORDER BY (embedding + embedding)::vector(3) <-> '[2,2,2]', id LIMIT 3;
DROP INDEX ivf_t_expr;
-- sq8 with re-ranking returns exact order for the candidates it re-ranks
DROP INDEX ivf_t_l2;
DROP INDEX ivf_t_flat;
EXPLAIN (COSTS OFF) SELECT id FROM ivf_t ORDER BY embedding <-> '[3,3,3]' LIMIT 3;
SELECT id FROM ivf_t ORDER BY embedding <-> '[3,3,3]', id LIMIT 3;
-- rows deleted (and not yet vacuumed) are never returned; VACUUM keeps the rest
DELETE FROM ivf_t WHERE id IN (3, 80);
SELECT id FROM ivf_t ORDER BY embedding <-> '[3,3,3]', id LIMIT 3;
VACUUM ivf_t;
SELECT id FROM ivf_t ORDER BY embedding <-> '[3,3,3]', id LIMIT 3;
RESET enable_seqscan;
RESET ivf.probes;
DROP TABLE ivf_t;
-- re-ranking from out-of-line (TOAST) vectors: a NOTICE with the fix, unless re-ranking is off or storage keeps
-- the vectors inline (the type's default main, or plain)
CREATE TABLE ivf_wide (v vector(600));
SELECT attstorage FROM pg_attribute WHERE attrelid = 'ivf_wide'::regclass AND attname = 'v';
ALTER TABLE ivf_wide ALTER COLUMN v SET STORAGE EXTERNAL;
INSERT INTO ivf_wide SELECT array_fill(i::real, ARRAY[600])::vector FROM generate_series(1, 10) i;
CREATE INDEX ivf_wide_sq8 ON ivf_wide USING ivf (v) WITH (quantizer = 'sq8', lists = 2);
CREATE INDEX ivf_wide_norr ON ivf_wide USING ivf (v) WITH (quantizer = 'sq8', lists = 2, rerank = 0);
CREATE INDEX ivf_wide_flat ON ivf_wide USING ivfflat (v) WITH (lists = 2);
ALTER TABLE ivf_wide ALTER COLUMN v SET STORAGE MAIN;
REINDEX INDEX ivf_wide_sq8;
ALTER TABLE ivf_wide ALTER COLUMN v SET STORAGE PLAIN;
REINDEX INDEX ivf_wide_sq8;
DROP TABLE ivf_wide;
