-- ivfflat / ivf on columns without typmod (MLOps: one LIST partition per embedding version, column plain `vector`):
-- the data fixes the dimensions
\set VERBOSITY default
CREATE TABLE ivfu (id int, v vector);
INSERT INTO ivfu SELECT i, ARRAY[i, i % 7, 1]::real[]::vector FROM generate_series(1, 300) i;
INSERT INTO ivfu VALUES (0, NULL);
CREATE INDEX ivfu_flat ON ivfu USING ivfflat (v) WITH (lists = 4);
CREATE INDEX ivfu_pq ON ivfu USING ivf (v) WITH (lists = 4, quantizer = 'pq', pq_m = 3);
CREATE INDEX ivfu_sq8 ON ivfu USING ivf (v vector_cosine_ops) WITH (lists = 4, quantizer = 'sq8');
SET enable_seqscan = off;
SET ivfflat.probes = 4;
SET ivf.probes = 4;
SELECT id FROM ivfu ORDER BY v <-> '[10,3,1]' LIMIT 3;
-- a query vector of other dimensions is an error, never a silent wrong answer
\set VERBOSITY sqlstate
SELECT id FROM ivfu ORDER BY v <-> '[10,3]' LIMIT 3;
\set VERBOSITY default
SELECT id FROM ivfu ORDER BY v <-> '[10,3]' LIMIT 3;
-- inserts must match the dimensions the index took from the data
INSERT INTO ivfu VALUES (1000, '[1,2,3,4]');
DROP INDEX ivfu_flat, ivfu_pq, ivfu_sq8;
-- rows of mixed dimensions: the build fails on the first row that differs from the first non-NULL one
INSERT INTO ivfu VALUES (1001, '[1,2]');
\set VERBOSITY sqlstate
CREATE INDEX ON ivfu USING ivfflat (v) WITH (lists = 4);
\set VERBOSITY default
CREATE INDEX ON ivfu USING ivfflat (v) WITH (lists = 4);
CREATE INDEX ON ivfu USING ivf (v) WITH (lists = 4);
-- options that depend on the dimensions are checked against the data
DELETE FROM ivfu WHERE id = 1001;
CREATE INDEX ON ivfu USING ivf (v) WITH (lists = 4, quantizer = 'pq', pq_m = 2);
CREATE INDEX ON ivfu USING ivf (v) WITH (quantizer = 'sq8', pq_m = 3);
CREATE TABLE ivfu_big (v vector);
INSERT INTO ivfu_big SELECT array_fill(1, ARRAY[2001])::real[]::vector;
CREATE INDEX ON ivfu_big USING ivfflat (v);
DROP TABLE ivfu, ivfu_big;

-- an empty index: the first insert fixes the dimensions (WAL-logged in the meta page)
CREATE TABLE ivfu_empty (id int, v vector);
CREATE INDEX ivfu_empty_flat ON ivfu_empty USING ivfflat (v) WITH (lists = 10);
CREATE INDEX ivfu_empty_ivf ON ivfu_empty USING ivf (v vector_ip_ops) WITH (quantizer = 'pq');
SELECT id FROM ivfu_empty ORDER BY v <-> '[1,2,3,4,5]' LIMIT 3;  -- no dimensions yet: no rows
INSERT INTO ivfu_empty VALUES (1, NULL);  -- NULL does not fix them
INSERT INTO ivfu_empty VALUES (2, '[1,1,1,1]'), (3, '[2,2,2,2]');
INSERT INTO ivfu_empty VALUES (4, '[1,1,1]');
INSERT INTO ivfu_empty VALUES (5, '[3,3,3,3]');
SELECT id FROM ivfu_empty ORDER BY v <-> '[2.1,2,2,2]' LIMIT 3;
SELECT id FROM ivfu_empty ORDER BY v <#> '[1,1,1,1]' LIMIT 3;
SELECT id FROM ivfu_empty ORDER BY v <-> '[1,1,1]' LIMIT 3;
-- the fixed dimensions survive in the pages (new backend, after VACUUM)
\c
VACUUM ivfu_empty;
SET enable_seqscan = off;
SET ivfflat.probes = 10;
INSERT INTO ivfu_empty VALUES (6, '[9,9]');
SELECT id FROM ivfu_empty ORDER BY v <-> '[3,3,3,3]' LIMIT 2;
-- REINDEX takes them from the data
REINDEX INDEX ivfu_empty_flat;
SELECT id FROM ivfu_empty ORDER BY v <-> '[3,3,3,3]' LIMIT 2;
-- the meta page change is not transactional: a rolled-back first insert still fixed the dimensions (REINDEX resets)
CREATE TABLE ivfu_rb (v vector);
CREATE INDEX ON ivfu_rb USING ivfflat (v);
BEGIN;
INSERT INTO ivfu_rb VALUES ('[1,2]');
ROLLBACK;
INSERT INTO ivfu_rb VALUES ('[1,2,3]');
REINDEX TABLE ivfu_rb;
INSERT INTO ivfu_rb VALUES ('[1,2,3]');
DROP TABLE ivfu_empty, ivfu_rb;

-- MLOps layout: LIST partitions by version, different dimensions, one ivfflat index per partition
CREATE TABLE ivfu_emb (version int NOT NULL, id int, embedding vector) PARTITION BY LIST (version);
CREATE TABLE ivfu_emb_v1 PARTITION OF ivfu_emb FOR VALUES IN (1);
CREATE TABLE ivfu_emb_v2 PARTITION OF ivfu_emb FOR VALUES IN (2);
INSERT INTO ivfu_emb SELECT 1, i, ARRAY[i, i % 5, 0]::real[]::vector FROM generate_series(1, 500) i;
INSERT INTO ivfu_emb SELECT 2, i, ARRAY[i, i % 5, 0, i % 3, 1]::real[]::vector FROM generate_series(1, 500) i;
CREATE INDEX ivfu_emb_v1_idx ON ivfu_emb_v1 USING ivfflat (embedding) WITH (lists = 5);
CREATE INDEX ivfu_emb_v2_idx ON ivfu_emb_v2 USING ivfflat (embedding) WITH (lists = 5);
ANALYZE ivfu_emb;
SET ivfflat.probes = 5;
EXPLAIN (COSTS OFF) SELECT id FROM ivfu_emb WHERE version = 1 ORDER BY embedding <-> '[10,0,0]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM ivfu_emb WHERE version = 2 ORDER BY embedding <-> '[10,0,0,1,1]' LIMIT 3;
SELECT id FROM ivfu_emb WHERE version = 1 ORDER BY embedding <-> '[10,0,0]' LIMIT 3;
SELECT id FROM ivfu_emb WHERE version = 2 ORDER BY embedding <-> '[10,0,0,1,1]' LIMIT 3;
-- the other version's dimensions are an error on that partition's index
SELECT id FROM ivfu_emb WHERE version = 2 ORDER BY embedding <-> '[10,0,0]' LIMIT 3;
-- a new (empty) version partition with its index, filled afterwards
CREATE TABLE ivfu_emb_v3 PARTITION OF ivfu_emb FOR VALUES IN (3);
CREATE INDEX ivfu_emb_v3_idx ON ivfu_emb_v3 USING ivf (embedding) WITH (lists = 1);
INSERT INTO ivfu_emb SELECT 3, i, ARRAY[i, 1]::real[]::vector FROM generate_series(1, 50) i;
SET ivf.probes = 1;
EXPLAIN (COSTS OFF) SELECT id FROM ivfu_emb WHERE version = 3 ORDER BY embedding <-> '[7,1]' LIMIT 3;
SELECT id FROM ivfu_emb WHERE version = 3 ORDER BY embedding <-> '[7,1]' LIMIT 3;
RESET enable_seqscan;
RESET ivfflat.probes;
RESET ivf.probes;
DROP TABLE ivfu_emb;
