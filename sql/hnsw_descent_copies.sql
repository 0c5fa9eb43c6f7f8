-- hnsw scans' descent copies (src/pg/hnsw/hnsw_descent_cache.h): a backend keeps copies of the elements its scans'
-- greedy descents evaluate. They must give the walk the pages give: after VACUUM recycles ids and inserts reuse them
-- with other vectors (the meta page's LSN moves), this backend's scans return, query by query, what a new backend's
-- (no copies) return. ef_search 1 and LIMIT 1: the result is where the descent ends, so stale copies would show.
SET client_min_messages = warning;
SELECT setseed(0.5);
CREATE TABLE hnsw_dc (id int PRIMARY KEY, embedding vector(4));
INSERT INTO hnsw_dc SELECT i, ARRAY(SELECT random() FROM generate_series(1, 4) WHERE i > 0)::vector
  FROM generate_series(1, 3000) i;
CREATE INDEX hnsw_dc_idx ON hnsw_dc USING hnsw (embedding vector_l2_ops) WITH (m = 2);
CREATE TABLE hnsw_dc_q AS SELECT i AS qid, ARRAY(SELECT random() FROM generate_series(1, 4) WHERE i > 0)::vector AS q
  FROM generate_series(1, 300) i;
SET enable_seqscan = off;
SET hnsw.ef_search = 1;
-- this backend's descents copy the upper-level elements they evaluate
CREATE TABLE hnsw_dc_r0 AS SELECT qid, (SELECT id FROM hnsw_dc ORDER BY embedding <-> q LIMIT 1) AS id FROM hnsw_dc_q;
CREATE TABLE hnsw_dc_r0b AS SELECT qid, (SELECT id FROM hnsw_dc ORDER BY embedding <-> q LIMIT 1) AS id FROM hnsw_dc_q;
-- the same results from the copies as from the pages
SELECT count(*) AS queries, count(*) FILTER (WHERE a.id IS DISTINCT FROM b.id) AS differ
  FROM hnsw_dc_r0 a JOIN hnsw_dc_r0b b USING (qid);
-- every row replaced: ids recycled, then reused with other vectors
CREATE TEMP TABLE hnsw_dc_size AS SELECT pg_relation_size('hnsw_dc_idx') AS before;
DELETE FROM hnsw_dc;
VACUUM hnsw_dc;
VACUUM hnsw_dc;
INSERT INTO hnsw_dc SELECT i, ARRAY(SELECT random() FROM generate_series(1, 4) WHERE i > 0)::vector
  FROM generate_series(3001, 6000) i;
SELECT pg_relation_size('hnsw_dc_idx') <= before + 4 * 8192 AS ids_reused FROM hnsw_dc_size;
CREATE TABLE hnsw_dc_r1 AS SELECT qid, (SELECT id FROM hnsw_dc ORDER BY embedding <-> q LIMIT 1) AS id FROM hnsw_dc_q;
\c
SET client_min_messages = warning;
SET enable_seqscan = off;
SET hnsw.ef_search = 1;
CREATE TABLE hnsw_dc_r2 AS SELECT qid, (SELECT id FROM hnsw_dc ORDER BY embedding <-> q LIMIT 1) AS id FROM hnsw_dc_q;
SELECT count(*) AS queries, count(*) FILTER (WHERE a.id IS DISTINCT FROM b.id) AS differ
  FROM hnsw_dc_r1 a JOIN hnsw_dc_r2 b USING (qid);
DROP TABLE hnsw_dc, hnsw_dc_q, hnsw_dc_r0, hnsw_dc_r0b, hnsw_dc_r1, hnsw_dc_r2;
