-- hnsw keeps half-precision copies of the vectors and returns lower bounds of the exact distances; the executor
-- re-checks them against the heap rows (xs_recheckorderby). So, wherever the search finds every row (small table,
-- ef_search above the row count), results equal exact search, distances included, in exact order: for every
-- operator class, with values a half cannot hold (1e6 is clamped to 65504 in the copy; 1e-9 is below half's
-- smallest subnormal), and at 16,000 dimensions (records wider than a page). Never "index returned tuples in
-- wrong order" (the executor's check that a bound did not exceed the exact value).
SET client_min_messages = warning;
-- Two build threads (insertion order varies run to run): on this data (clusters of identical copies) hnswlib left a
-- node without in-links in about one build in five, which the "every row" checks below caught; the build now links
-- every unreached node from its nearest reached one (GraphBuilder::link_unreached), so they hold for every build.
SET max_parallel_maintenance_workers = 1;
CREATE TABLE hnsw_x (id int PRIMARY KEY, embedding vector(16));
-- rows of three magnitudes: 1e6 (beyond half range), 1e-9 (underflows to 0 in half: a few, since their copies
-- are all equal), ordinary values
INSERT INTO hnsw_x SELECT i, ARRAY(SELECT CASE WHEN i % 7 = 0 THEN 1e6 * sin(i * 13 + j)
                                               WHEN i % 60 = 1 THEN 1e-9 * cos(i * 3 + j)
                                               ELSE 10 * sin(i * 0.37 + j * 1.3) END
                                     FROM generate_series(1, 16) j)::vector
  FROM generate_series(1, 300) i;
-- small integers: exact copies, whose distances the index computes itself (no re-check), with ties among them
INSERT INTO hnsw_x SELECT 500 + i, ARRAY(SELECT (i * j) % 97 - 48 FROM generate_series(1, 16) j)::vector
  FROM generate_series(1, 60) i;
-- near duplicates that differ below half precision (1 + 1e-5): their copies are identical
INSERT INTO hnsw_x SELECT 1000 + i, ARRAY(SELECT 1 + i * 1e-5 FROM generate_series(1, 16) j)::vector
  FROM generate_series(1, 5) i;
CREATE INDEX hnsw_x_l2 ON hnsw_x USING hnsw (embedding vector_l2_ops);
CREATE INDEX hnsw_x_ip ON hnsw_x USING hnsw (embedding vector_ip_ops);
CREATE INDEX hnsw_x_cos ON hnsw_x USING hnsw (embedding vector_cosine_ops);
CREATE INDEX hnsw_x_l1 ON hnsw_x USING hnsw (embedding vector_l1_ops);
CREATE TABLE hnsw_xq (q int, v vector(16));
INSERT INTO hnsw_xq VALUES
  (1, (SELECT ARRAY(SELECT 10 * cos(j * 0.7) FROM generate_series(1, 16) j)::vector)),
  (2, (SELECT ARRAY(SELECT 1e6 * cos(j) FROM generate_series(1, 16) j)::vector)),
  (3, (SELECT ARRAY(SELECT 1e-9 * sin(j) FROM generate_series(1, 16) j)::vector)),
  (4, (SELECT embedding FROM hnsw_x WHERE id = 1002)),
  (5, (SELECT embedding FROM hnsw_x WHERE id = 14)),
  (6, (SELECT ARRAY(SELECT j % 5 - 2.5 FROM generate_series(1, 16) j)::vector)),
  (7, (SELECT embedding FROM hnsw_x WHERE id = 533));
-- The first k rows through the index and through a full sort: the same distances in the same (nondecreasing)
-- order, and the same ids (compared as sets below the k-th distance: rows at equal distances may come in any order).
CREATE FUNCTION hnsw_x_same(op text, qv vector, k int) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  q text;
  d_index float8[];
  d_exact float8[];
  i_index int[];
  i_exact int[];
BEGIN
  q := format('SELECT array_agg(d ORDER BY n), array_agg(id ORDER BY id) FILTER (WHERE d < last)
               FROM (SELECT id, d, n, last_value(d) OVER (ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING
                                                          AND UNBOUNDED FOLLOWING) AS last
                     FROM (SELECT id, d, row_number() OVER () AS n
                           FROM (SELECT id, embedding %s $1 AS d FROM hnsw_x ORDER BY embedding %s $1 LIMIT %s) s) t) u',
              op, op, k);
  SET LOCAL enable_seqscan = off;
  EXECUTE q INTO d_index, i_index USING qv;
  SET LOCAL enable_seqscan = on;
  SET LOCAL enable_indexscan = off;
  EXECUTE q INTO d_exact, i_exact USING qv;
  IF d_index IS DISTINCT FROM d_exact OR i_index IS DISTINCT FROM i_exact THEN
    RAISE NOTICE 'op %: index % % exact % %', op, d_index, i_index, d_exact, i_exact;
  END IF;
  RETURN d_index = d_exact AND i_index IS NOT DISTINCT FROM i_exact;
END $$;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_x ORDER BY embedding <=> (SELECT v FROM hnsw_xq WHERE q = 1) LIMIT 5;
SET hnsw.ef_search = 1000;
SELECT q, hnsw_x_same('<->', v, 20) AS l2, hnsw_x_same('<#>', v, 20) AS ip,
       hnsw_x_same('<=>', v, 20) AS cosine, hnsw_x_same('<+>', v, 20) AS l1
  FROM hnsw_xq ORDER BY q;
-- all rows in exact order (the re-check queue drains at the end of the index's rows)
SELECT q, hnsw_x_same('<->', v, 400) AS l2, hnsw_x_same('<+>', v, 400) AS l1 FROM hnsw_xq ORDER BY q;
-- rows added by page-level inserts are encoded the same way
INSERT INTO hnsw_x SELECT 2000 + i, ARRAY(SELECT CASE WHEN i % 3 = 0 THEN 2e6 * cos(i + j) ELSE 3 * sin(i * j) END
                                            FROM generate_series(1, 16) j)::vector
  FROM generate_series(1, 60) i;
SELECT q, hnsw_x_same('<->', v, 20) AS l2, hnsw_x_same('<#>', v, 20) AS ip,
       hnsw_x_same('<=>', v, 20) AS cosine, hnsw_x_same('<+>', v, 20) AS l1
  FROM hnsw_xq ORDER BY q;
-- iterative scans with a filter and a small ef_search: strict_order never emits a closer row after a farther one;
-- relaxed_order still returns every qualifying row that exact search does (possibly out of order)
SET hnsw.ef_search = 5;
SET hnsw.iterative_scan = strict_order;
SELECT bool_and(d >= prev) AS strict_ordered, count(*) FROM (
  SELECT d, lag(d, 1, '-Infinity') OVER (ORDER BY n) AS prev FROM (
    SELECT embedding <-> (SELECT v FROM hnsw_xq WHERE q = 1) AS d, row_number() OVER () AS n FROM (
      SELECT embedding FROM hnsw_x WHERE id % 5 = 0 ORDER BY embedding <-> (SELECT v FROM hnsw_xq WHERE q = 1)
      LIMIT 30) s) t) u;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) AS relaxed FROM (SELECT id FROM hnsw_x WHERE id % 5 = 0
  ORDER BY embedding <-> (SELECT v FROM hnsw_xq WHERE q = 1) LIMIT 30) s;
RESET hnsw.iterative_scan;
RESET hnsw.ef_search;
RESET enable_seqscan;
DROP FUNCTION hnsw_x_same;
DROP TABLE hnsw_x, hnsw_xq;

-- 16,000 dimensions (records of 32 KB straddle pages): values beyond half range too
CREATE TABLE hnsw_x16 (id int, embedding vector(16000));
INSERT INTO hnsw_x16 SELECT i, ARRAY(SELECT CASE WHEN i % 4 = 0 THEN 1e6 * sin(i + j) ELSE sin(i * 0.1 + j) END
                                       FROM generate_series(1, 16000) j)::vector
  FROM generate_series(1, 16) i;
CREATE INDEX hnsw_x16_l2 ON hnsw_x16 USING hnsw (embedding vector_l2_ops);
CREATE INDEX hnsw_x16_ip ON hnsw_x16 USING hnsw (embedding vector_ip_ops);
INSERT INTO hnsw_x16 SELECT i, ARRAY(SELECT CASE WHEN i % 4 = 0 THEN 1e6 * sin(i + j) ELSE sin(i * 0.1 + j) END
                                       FROM generate_series(1, 16000) j)::vector
  FROM generate_series(17, 24) i;
CREATE TABLE hnsw_x16q AS SELECT q, ARRAY(SELECT sin(q * 0.1 + j) + 1e-3 FROM generate_series(1, 16000) j)::vector AS v
  FROM generate_series(1, 3) q;
SET enable_seqscan = off;
SELECT q, (SELECT string_agg(id::text, ',') FROM (SELECT id FROM hnsw_x16 ORDER BY embedding <-> v LIMIT 24) a)
        = (SELECT string_agg(id::text, ',') FROM (SELECT id FROM hnsw_x16 ORDER BY (embedding <-> v) + 0, id LIMIT 24) b) AS l2,
          (SELECT string_agg(id::text, ',') FROM (SELECT id FROM hnsw_x16 ORDER BY embedding <#> v LIMIT 24) a)
        = (SELECT string_agg(id::text, ',') FROM (SELECT id FROM hnsw_x16 ORDER BY (embedding <#> v) + 0, id LIMIT 24) b) AS ip
  FROM hnsw_x16q ORDER BY q;
RESET enable_seqscan;
DROP TABLE hnsw_x16, hnsw_x16q;
