-- hnsw on vector columns without a typmod: the dims come from the data (the first vector built or inserted)
-- build over existing rows (NULLs skipped)
CREATE TABLE hnsw_ut (id int, embedding vector);
INSERT INTO hnsw_ut VALUES (0, NULL);
INSERT INTO hnsw_ut SELECT i, format('[%s,%s,%s]', i, i % 7, i % 3)::vector FROM generate_series(1, 200) i;
CREATE INDEX hnsw_ut_idx ON hnsw_ut USING hnsw (embedding vector_l2_ops);
SET enable_seqscan = off;
-- (a query without ties among its nearest rows: [10,3,1] itself has rows 9 and 11 at the same distance, whose order
-- depends on the build)
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_ut ORDER BY embedding <-> '[10,3,1.2]' LIMIT 3;
SELECT id FROM hnsw_ut ORDER BY embedding <-> '[10,3,1.2]' LIMIT 3;
-- inserts of other dims and queries of other dims are errors, never silent wrong answers
INSERT INTO hnsw_ut VALUES (300, '[1,2]');
SELECT id FROM hnsw_ut ORDER BY embedding <-> '[1,2]' LIMIT 3;
SELECT id FROM hnsw_ut ORDER BY embedding <-> '[1,2,3,4]' LIMIT 3;
INSERT INTO hnsw_ut VALUES (301, '[1,2,3]');
SELECT id FROM hnsw_ut ORDER BY embedding <-> '[1,2,3]' LIMIT 1;
RESET enable_seqscan;
-- a build over rows of different dims
DROP INDEX hnsw_ut_idx;
INSERT INTO hnsw_ut VALUES (302, '[1,2]');
CREATE INDEX ON hnsw_ut USING hnsw (embedding vector_l2_ops);
DROP TABLE hnsw_ut;

-- an empty index: the first insert fixes the dims
CREATE TABLE hnsw_ut2 (id int, embedding vector);
CREATE INDEX hnsw_ut2_idx ON hnsw_ut2 USING hnsw (embedding vector_cosine_ops);
SET enable_seqscan = off;
SELECT id FROM hnsw_ut2 ORDER BY embedding <=> '[1,2,3,4]' LIMIT 3;
INSERT INTO hnsw_ut2 VALUES (1, NULL);
INSERT INTO hnsw_ut2 VALUES (2, '[0,0,0,0]');  -- zero vector: not indexed under cosine (dims still fixed)
INSERT INTO hnsw_ut2 SELECT i, format('[%s,%s,%s,%s]', i, 1, i % 5, 2)::vector FROM generate_series(3, 100) i;
INSERT INTO hnsw_ut2 VALUES (101, '[1,2,3]');
SELECT id FROM hnsw_ut2 ORDER BY embedding <=> '[1,2,3]' LIMIT 3;
SELECT id FROM hnsw_ut2 ORDER BY embedding <=> '[50,1,0,2]' LIMIT 3;
-- a rolled-back first insert still fixed the dims (the meta page change is not transactional) ...
CREATE TABLE hnsw_ut3 (id int, embedding vector);
CREATE INDEX ON hnsw_ut3 USING hnsw (embedding vector_l2_ops);
BEGIN;
INSERT INTO hnsw_ut3 VALUES (1, '[1,2]');
ROLLBACK;
INSERT INTO hnsw_ut3 VALUES (2, '[1,2,3]');
-- ... and REINDEX takes them from the (live) data again
REINDEX TABLE hnsw_ut3;
INSERT INTO hnsw_ut3 VALUES (2, '[1,2,3]');
INSERT INTO hnsw_ut3 VALUES (3, '[3,4,5]');
SELECT id FROM hnsw_ut3 ORDER BY embedding <-> '[3,4,4]' LIMIT 3;
REINDEX TABLE hnsw_ut3;
SELECT id FROM hnsw_ut3 ORDER BY embedding <-> '[3,4,4]' LIMIT 3;
RESET enable_seqscan;
DROP TABLE hnsw_ut2, hnsw_ut3;

-- one table, LIST-partitioned by model version; each partition holds vectors of its own dims and has its own
-- hnsw index (created through the parent); the plain query on one version uses that partition's index
CREATE TABLE hnsw_emb (part_key int, id int, embedding vector) PARTITION BY LIST (part_key);
CREATE TABLE hnsw_emb_1 PARTITION OF hnsw_emb FOR VALUES IN (1);
CREATE TABLE hnsw_emb_2 PARTITION OF hnsw_emb FOR VALUES IN (2);
INSERT INTO hnsw_emb SELECT 1, i, format('[%s,%s]', i, i % 4)::vector FROM generate_series(1, 100) i;
INSERT INTO hnsw_emb SELECT 2, i, format('[%s,%s,%s,%s,%s]', i, i % 4, 1, 2, i % 9)::vector FROM generate_series(1, 100) i;
CREATE INDEX hnsw_emb_idx ON hnsw_emb USING hnsw (embedding vector_l2_ops);
\d hnsw_emb_2
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_emb WHERE part_key = 2 ORDER BY embedding <-> '[20,0,1,2,2]' LIMIT 3;
SELECT id FROM hnsw_emb WHERE part_key = 2 ORDER BY embedding <-> '[20,0,1,2,2]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_emb WHERE part_key = 1 ORDER BY embedding <-> '[20,0]' LIMIT 3;
SELECT id FROM hnsw_emb WHERE part_key = 1 ORDER BY embedding <-> '[20,0]' LIMIT 3;
-- generic plan with the version as a parameter: run-time pruning picks the partition
PREPARE hnsw_emb_q(int, vector) AS SELECT id FROM hnsw_emb WHERE part_key = $1 ORDER BY embedding <-> $2 LIMIT 3;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE hnsw_emb_q(2, '[20,0,1,2,2]');
EXECUTE hnsw_emb_q(2, '[20,0,1,2,2]');
EXECUTE hnsw_emb_q(1, '[20,0]');
-- a vector of the wrong dims for its partition is refused by that partition's index
INSERT INTO hnsw_emb VALUES (2, 101, '[1,2]');
EXECUTE hnsw_emb_q(1, '[20,0,1,2,2]');
DEALLOCATE hnsw_emb_q;
RESET plan_cache_mode;
RESET enable_seqscan;
DROP TABLE hnsw_emb;
