-- hnsw VACUUM: dead elements are flagged, the graph repaired around them, and their ids recycled (amvacuumcleanup),
-- and inserts reuse them, so the index does not grow when rows are replaced.
SET client_min_messages = warning;
SELECT setseed(0.9);
CREATE TABLE hnsw_v (id int PRIMARY KEY, embedding vector(8));
INSERT INTO hnsw_v SELECT i, ARRAY(SELECT random() FROM generate_series(1, 8) WHERE i > 0)::vector
  FROM generate_series(1, 3000) i;
CREATE INDEX hnsw_v_idx ON hnsw_v USING hnsw (embedding vector_l2_ops);
CREATE TEMP TABLE hnsw_v_size AS SELECT pg_relation_size('hnsw_v_idx') AS before;
DELETE FROM hnsw_v WHERE id <= 2000;
VACUUM hnsw_v;   -- flags 2,000 elements dead and repairs the lists that pointed at them
VACUUM hnsw_v;   -- nothing to do: ids already recycled by the first one
INSERT INTO hnsw_v SELECT i, ARRAY(SELECT random() FROM generate_series(1, 8) WHERE i > 0)::vector
  FROM generate_series(3001, 5000) i;
-- space reused: at most a few new upper-level pages
SELECT pg_relation_size('hnsw_v_idx') <= before + 4 * 8192 AS space_reused FROM hnsw_v_size;
-- and the graph is sound: the index agrees with exact search
SET enable_seqscan = off;
SELECT avg(same::int) >= 0.9 AS index_agrees_with_exact FROM (
  SELECT (SELECT array_agg(id) FROM (SELECT id FROM hnsw_v ORDER BY embedding <-> q.embedding LIMIT 5) a)
       = (SELECT array_agg(id) FROM (SELECT id FROM hnsw_v ORDER BY (embedding <-> q.embedding) + 0 LIMIT 5) b) AS same
  FROM hnsw_v q WHERE q.id % 100 = 7) s;
SELECT count(*) AS all_rows_reachable FROM (SELECT id FROM hnsw_v ORDER BY embedding <-> (SELECT embedding FROM hnsw_v WHERE id = 2500)) s;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) = 3000 AS all_rows_reachable_iterative FROM (SELECT id FROM hnsw_v ORDER BY embedding <-> (SELECT embedding FROM hnsw_v WHERE id = 2500)) s;
RESET hnsw.iterative_scan;
RESET enable_seqscan;
DROP TABLE hnsw_v;
