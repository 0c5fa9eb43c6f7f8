-- hnsw beyond pgvector's 2,000-dimension limit: 4,096 and 16,000 dimensions (records straddle pages), bulk build,
-- page-level inserts, and results equal to exact search. Also: statement_timeout cancels a build cleanly.
SET client_min_messages = warning;
SELECT setseed(0.3);
CREATE TABLE hnsw_w (id int PRIMARY KEY, embedding vector(4096));
INSERT INTO hnsw_w SELECT i, ARRAY(SELECT random() + (i % 7) FROM generate_series(1, 4096) WHERE i > 0)::vector
  FROM generate_series(1, 80) i;
CREATE INDEX hnsw_w_idx ON hnsw_w USING hnsw (embedding vector_l2_ops);
INSERT INTO hnsw_w SELECT i, ARRAY(SELECT random() + (i % 7) FROM generate_series(1, 4096) WHERE i > 0)::vector
  FROM generate_series(81, 120) i;
CREATE TABLE hnsw_wq AS SELECT q, ARRAY(SELECT random() + q FROM generate_series(1, 4096) WHERE q >= 0)::vector AS v
  FROM generate_series(0, 6) q;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_w ORDER BY embedding <-> (SELECT v FROM hnsw_wq WHERE q = 1) LIMIT 5;
-- the index answers exactly like a full sort on this small set
SELECT q, (SELECT array_agg(id) FROM (SELECT id FROM hnsw_w ORDER BY embedding <-> v LIMIT 5) a)
        = (SELECT array_agg(id) FROM (SELECT id FROM hnsw_w ORDER BY (embedding <-> v) + 0 LIMIT 5) b) AS same
  FROM hnsw_wq ORDER BY q;
-- cosine and inner product on wide vectors
CREATE INDEX hnsw_w_cos ON hnsw_w USING hnsw (embedding vector_cosine_ops);
SELECT (SELECT array_agg(id) FROM (SELECT id FROM hnsw_w ORDER BY embedding <=> v LIMIT 3) a)
     = (SELECT array_agg(id) FROM (SELECT id FROM hnsw_w ORDER BY (embedding <=> v) + 0 LIMIT 3) b) AS same_cosine
  FROM hnsw_wq WHERE q = 3;
DROP INDEX hnsw_w_cos;
RESET enable_seqscan;
DROP TABLE hnsw_w, hnsw_wq;

-- 16,000 dimensions (the type's maximum): one record spans 8 pages
CREATE TABLE hnsw_w16 (id int, embedding vector(16000));
INSERT INTO hnsw_w16 SELECT i, ARRAY(SELECT (i * 0.001)::real FROM generate_series(1, 16000) WHERE i > 0)::vector
  FROM generate_series(1, 12) i;
CREATE INDEX ON hnsw_w16 USING hnsw (embedding vector_l2_ops);
INSERT INTO hnsw_w16 SELECT i, ARRAY(SELECT (i * 0.001)::real FROM generate_series(1, 16000) WHERE i > 0)::vector
  FROM generate_series(13, 20) i;
SET enable_seqscan = off;
SELECT array_agg(id) FROM (SELECT id FROM hnsw_w16
  ORDER BY embedding <-> (SELECT ARRAY(SELECT 0.0142::real FROM generate_series(1, 16000))::vector) LIMIT 4) s;
RESET enable_seqscan;
DROP TABLE hnsw_w16;

-- cancel: statement_timeout stops a build cleanly (no index left behind, the table stays usable)
CREATE TABLE hnsw_c (id int, embedding vector(32));
INSERT INTO hnsw_c SELECT i, ARRAY(SELECT random() FROM generate_series(1, 32) WHERE i > 0)::vector
  FROM generate_series(1, 30000) i;
SET statement_timeout = '300ms';
CREATE INDEX hnsw_c_idx ON hnsw_c USING hnsw (embedding vector_l2_ops) WITH (ef_construction = 400);
RESET statement_timeout;
SELECT count(*) FROM pg_class WHERE relname = 'hnsw_c_idx';
DROP TABLE hnsw_c;
