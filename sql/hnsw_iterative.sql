-- Iterative scans under filters against exact answers (issue 10 item 3). strict_order: rows in exact distance order,
-- true neighbours not skipped (it dropped every row whose lower bound was below the last one returned: cosine
-- recall 0.55; then every closer row a later batch found: 0.95); relaxed_order: keeps going until
-- hnsw.max_scan_tuples, then still returns what it found (it stopped at 2 of 10 rows when its candidate heap filled
-- the memory budget with duplicates).
SET client_min_messages = warning;
SELECT setseed(0.44);
CREATE TABLE its (i int4 PRIMARY KEY, v vector(3));
INSERT INTO its SELECT i, ARRAY[random(), random(), random()] FROM generate_series(1, 20000) i;
CREATE TABLE its_q AS SELECT q, ARRAY[random(), random(), random()]::vector(3) AS v FROM generate_series(1, 12) q;
CREATE TABLE its_result (op text, c int, mode text, recall float8, out_of_order bigint);
-- recall@20 of the filtered scan (i % c = 0) against exact search, and rows that came back out of exact order
CREATE FUNCTION its_run(op text, c int, mode text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE recall float8; disorder bigint;
BEGIN
  EXECUTE format('SET LOCAL hnsw.iterative_scan = %s', mode);
  SET LOCAL enable_seqscan = off;
  EXECUTE format($q$
    SELECT avg((SELECT count(*) FROM (SELECT i FROM its WHERE i %% %2$s = 0 ORDER BY v %1$s q.v LIMIT 20) a
                 WHERE a.i IN (SELECT i FROM its WHERE i %% %2$s = 0 ORDER BY (v %1$s q.v) + 0 LIMIT 20))) / 20
    FROM its_q q $q$, op, c) INTO recall;
  EXECUTE format($q$
    SELECT count(*) FROM its_q q, LATERAL (
      SELECT d < lag(d) OVER (ORDER BY n) AS worse FROM (
        SELECT row_number() OVER () AS n, d FROM (
          SELECT v %1$s q.v AS d FROM its WHERE i %% %2$s = 0 ORDER BY v %1$s q.v LIMIT 20) x) y) z
    WHERE worse $q$, op, c) INTO disorder;
  INSERT INTO its_result VALUES (op, c, mode, recall, disorder);
END $$;
CREATE INDEX its_l2 ON its USING hnsw (v vector_l2_ops);
SELECT its_run('<->', c, m) FROM (VALUES (50), (500)) c(c), (VALUES ('strict_order'), ('relaxed_order')) m(m);
DROP INDEX its_l2;
CREATE INDEX its_cos ON its USING hnsw (v vector_cosine_ops);
SELECT its_run('<=>', c, m) FROM (VALUES (50), (500)) c(c), (VALUES ('strict_order'), ('relaxed_order')) m(m);
-- relaxed_order: any disorder is the executor's to fix (it re-sorts nothing across batches); strict never.
-- strict_order measures 1.0 in all four (and relaxed_order too). Before strict_order held rows back until no later
-- batch could hold a closer one (docs/hnsw.md, Iterative scans), it returned each batch at once and dropped the closer
-- rows later batches found: cosine 0.95 (c 50) and 0.983 (c 500) here; pgvector's TAP 044 (50,000 rows, 20 queries)
-- 0.9225 / 0.93 for cosine and 1.0 / 0.9925 for l2, all 1.0 now.
SELECT op, c, mode,
       recall >= 0.99 AS recall_ok,
       mode = 'relaxed_order' OR out_of_order = 0 AS in_order
FROM its_result ORDER BY 1, 2, 3;
DROP INDEX its_cos;
-- relaxed_order with hnsw.max_scan_tuples: 10 rows qualify; the search stops at the limit but returns what it found
CREATE INDEX its_l2 ON its USING hnsw (v vector_l2_ops);
SET enable_seqscan = off;
SET hnsw.iterative_scan = relaxed_order;
SET hnsw.max_scan_tuples = 20000;
SET hnsw.scan_mem_multiplier = 2;
SELECT count(*) AS all_10_found FROM (SELECT i FROM its WHERE i % 2000 = 0 ORDER BY v <-> (SELECT v FROM its WHERE i = 1) LIMIT 11) t;
SET hnsw.max_scan_tuples = 6000;
SELECT avg(n) BETWEEN 1 AND 5 AS stops_near_the_limit FROM (
  SELECT (SELECT count(*) FROM (SELECT i FROM its WHERE i % 2000 = 0 ORDER BY v <-> q.v LIMIT 11) t) AS n FROM its_q q) s;
RESET hnsw.scan_mem_multiplier;
RESET hnsw.max_scan_tuples;
RESET hnsw.iterative_scan;
RESET enable_seqscan;
DROP TABLE its, its_q, its_result;
DROP FUNCTION its_run;
