-- Recall of ivfflat and ivf against exact search on clustered data (fixed seed; booleans only, so the test does
-- not depend on floating-point details). Also the size of a pq index against the flat one.
SET client_min_messages = warning;
SELECT setseed(0.25);
CREATE TABLE ivf_centers AS
  SELECT c, array_agg(random()::real ORDER BY j) AS x FROM generate_series(1, 40) c, generate_series(1, 64) j GROUP BY c;
CREATE TABLE ivf_r (id int PRIMARY KEY, embedding vector(64));
INSERT INTO ivf_r
  SELECT i, array_agg((c.x[j] + (random() - 0.5) * 1.2)::real ORDER BY j)::vector(64)
  FROM generate_series(1, 16000) i JOIN ivf_centers c ON c.c = 1 + i % 40, generate_series(1, 64) j GROUP BY i;
CREATE TABLE ivf_q AS SELECT id AS qid, embedding FROM ivf_r WHERE id % 320 = 7;
ANALYZE ivf_r;

-- exact top 10 per query and operator
SET enable_indexscan = off;
CREATE TABLE ivf_truth AS
  SELECT op, q.qid, t.id FROM ivf_q q, (VALUES ('<->'), ('<#>'), ('<=>')) o(op),
  LATERAL (SELECT id FROM ivf_r r ORDER BY CASE o.op WHEN '<->' THEN r.embedding <-> q.embedding
                                                   WHEN '<#>' THEN r.embedding <#> q.embedding
                                                   ELSE r.embedding <=> q.embedding END LIMIT 10) t;
RESET enable_indexscan;

CREATE FUNCTION ivf_recall(p_op text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE hits bigint := 0; n bigint := 0; q record;
BEGIN
  FOR q IN SELECT * FROM ivf_q ORDER BY qid LOOP
    hits := hits + (SELECT count(*) FROM ivf_truth t WHERE t.op = p_op AND t.qid = q.qid AND t.id IN (
      SELECT * FROM ivf_knn(p_op, q.embedding)));
    n := n + 10;
  END LOOP;
  RETURN hits::float8 / n;
END $$;
CREATE FUNCTION ivf_knn(p_op text, v vector) RETURNS SETOF int LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format('SELECT id FROM ivf_r ORDER BY embedding %s $1 LIMIT 10', p_op) USING v;
END $$;

SET enable_seqscan = off;
-- ivfflat, l2: recall grows with probes
CREATE INDEX ivf_r_flat ON ivf_r USING ivfflat (embedding vector_l2_ops) WITH (lists = 40);
EXPLAIN (COSTS OFF) SELECT id FROM ivf_r ORDER BY embedding <-> (SELECT embedding FROM ivf_q LIMIT 1) LIMIT 10;
SET ivfflat.probes = 1;
CREATE TEMP TABLE ivf_rec AS SELECT 1 AS probes, ivf_recall('<->') AS recall;
SET ivfflat.probes = 3;
INSERT INTO ivf_rec SELECT 3, ivf_recall('<->');
SET ivfflat.probes = 10;
INSERT INTO ivf_rec SELECT 10, ivf_recall('<->');
SET ivfflat.probes = 40;
INSERT INTO ivf_rec SELECT 40, ivf_recall('<->');
SELECT probes, recall >= lag(recall) OVER (ORDER BY probes) AS grows, recall >= 0.9 AS high, recall = 1 AS exact
  FROM ivf_rec ORDER BY probes;
-- ip and cosine
DROP INDEX ivf_r_flat;
CREATE INDEX ivf_r_ip ON ivf_r USING ivfflat (embedding vector_ip_ops) WITH (lists = 40);
SET ivfflat.probes = 10;
SELECT ivf_recall('<#>') >= 0.9 AS ip_recall;
DROP INDEX ivf_r_ip;
CREATE INDEX ivf_r_cos ON ivf_r USING ivfflat (embedding vector_cosine_ops) WITH (lists = 40);
SELECT ivf_recall('<=>') >= 0.9 AS cosine_recall;
DROP INDEX ivf_r_cos;

-- ivf: sq8 and pq with re-ranking
CREATE INDEX ivf_r_ivfflat ON ivf_r USING ivf (embedding) WITH (lists = 40, quantizer = 'flat');
CREATE INDEX ivf_r_pq ON ivf_r USING ivf (embedding) WITH (lists = 40, quantizer = 'pq', pq_m = 8, rerank = 200);
-- flat codes are half copies (8 + 2 x 64 bytes per row here), so pq (8 bytes per row) is ~1/5.5 of the flat index
-- at this size (its codebook pages and one partly filled page per list weigh in; ~1/10 at 784 dimensions with
-- pq_m = 98, docs/ivf.md); the flat index is below the float32 data (16000 x 256 bytes)
SELECT pg_relation_size('ivf_r_pq') * 5 <= pg_relation_size('ivf_r_ivfflat') AS pq_at_most_a_fifth,
       pg_relation_size('ivf_r_ivfflat') < 16000 * 64 * 4 AS flat_below_float32_data;
DROP INDEX ivf_r_ivfflat;
SET ivf.probes = 10;
SELECT ivf_recall('<->') >= 0.95 AS pq_rerank_recall;
DROP INDEX ivf_r_pq;
CREATE INDEX ivf_r_pq0 ON ivf_r USING ivf (embedding) WITH (lists = 40, quantizer = 'pq', pq_m = 8, rerank = 0);
SELECT ivf_recall('<->') < 0.95 AS pq_without_rerank_is_lossy;
DROP INDEX ivf_r_pq0;
CREATE INDEX ivf_r_pqcos ON ivf_r USING ivf (embedding vector_cosine_ops) WITH (lists = 40, quantizer = 'pq', rerank = 200);
SELECT ivf_recall('<=>') >= 0.95 AS pq_cosine_recall;
DROP INDEX ivf_r_pqcos;
CREATE INDEX ivf_r_sq8 ON ivf_r USING ivf (embedding) WITH (lists = 40, quantizer = 'sq8');
SELECT ivf_recall('<->') >= 0.95 AS sq8_recall;
DROP INDEX ivf_r_sq8;
CREATE INDEX ivf_r_sq8ip ON ivf_r USING ivf (embedding vector_ip_ops) WITH (lists = 40, quantizer = 'sq8');
SELECT ivf_recall('<#>') >= 0.9 AS sq8_ip_recall;

-- iterative scan: a selective filter still fills the LIMIT
SET ivf.probes = 1;
SELECT count(*) < 10 AS without_iterative FROM (SELECT id FROM ivf_r WHERE id % 40 = 0 ORDER BY embedding <#> (SELECT embedding FROM ivf_q WHERE qid = 7) LIMIT 10) s;
SET ivf.iterative_scan = relaxed_order;
SELECT count(*) = 10 AS with_iterative FROM (SELECT id FROM ivf_r WHERE id % 40 = 0 ORDER BY embedding <#> (SELECT embedding FROM ivf_q WHERE qid = 7) LIMIT 10) s;
SET ivf.max_probes = 1;
SELECT count(*) < 10 AS capped_by_max_probes FROM (SELECT id FROM ivf_r WHERE id % 40 = 0 ORDER BY embedding <#> (SELECT embedding FROM ivf_q WHERE qid = 7) LIMIT 10) s;
RESET ivf.max_probes;
RESET ivf.iterative_scan;
RESET ivf.probes;
RESET ivfflat.probes;
RESET enable_seqscan;
DROP TABLE ivf_r, ivf_q, ivf_truth, ivf_centers;
DROP FUNCTION ivf_recall(text), ivf_knn(text, vector);
