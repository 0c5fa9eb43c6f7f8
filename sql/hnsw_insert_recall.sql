-- Insert path as good as the build path (issue 10 item 1): an index created on the empty table and filled by INSERT,
-- for every opclass, on clustered data both unit-normalised and not, against exact search and against a bulk build
-- of the same rows. A graph whose neighbour selection mistakes nearby vectors for copies (ip/cosine), or whose
-- lists keep only the heuristic's few picks under inner product, fails these floors (it scored 0.92-0.96).
SET client_min_messages = warning;
SELECT setseed(0.25);
-- 2,400 rows in 12 clusters of 16-d vectors with norms from 0.5 to 5 (un-normalised), 60 queries near the data
CREATE TABLE ir_src AS
  SELECT i, ARRAY(SELECT ((i % 12) * 0.37 + j * 0.11 * (i % 12 - 6)) % 1.5 - 0.75 + 0.35 * random()
                  FROM generate_series(1, 16) j WHERE i > 0) AS a,
         0.5 + 4.5 * random() AS norm
  FROM generate_series(1, 2460) i;
CREATE FUNCTION ir_vec(a float8[], norm float8, normalised boolean) RETURNS vector LANGUAGE sql IMMUTABLE AS
  $$ SELECT CASE WHEN normalised THEN l2_normalize(a::real[]::vector)
                 ELSE (SELECT array_agg(x * norm ORDER BY o) FROM unnest(a) WITH ORDINALITY u(x, o))::real[]::vector END $$;
CREATE TABLE ir (id int, v vector(16));
CREATE TABLE ir_q (qid int, v vector(16));
-- recall@10 of the index on ir (index_name) for operator op, against exact search
CREATE FUNCTION ir_recall(op text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE r float8;
BEGIN
  SET LOCAL enable_seqscan = off;
  EXECUTE format($q$
    SELECT avg((SELECT count(*) FROM (SELECT id FROM ir ORDER BY v %1$s q.v LIMIT 10) a
                 WHERE a.id IN (SELECT id FROM ir ORDER BY (v %1$s q.v) + 0 LIMIT 10))) / 10
    FROM ir_q q $q$, op) INTO r;
  RETURN r;
END $$;
CREATE TABLE ir_result (opclass text, normalised boolean, path text, recall float8);
CREATE FUNCTION ir_run(opclass text, op text, normalised boolean) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE ir, ir_q;
  INSERT INTO ir_q SELECT i, ir_vec(a, norm, normalised) FROM ir_src WHERE i > 2400;
  -- insert path: index first, rows one statement at a time in 4 batches
  EXECUTE format('CREATE INDEX ir_idx ON ir USING hnsw (v %s)', opclass);
  FOR b IN 0..3 LOOP
    INSERT INTO ir SELECT i, ir_vec(a, norm, normalised) FROM ir_src WHERE i <= 2400 AND i % 4 = b;
  END LOOP;
  INSERT INTO ir_result VALUES (opclass, normalised, 'insert', ir_recall(op));
  PERFORM vectorext.index_check('ir_idx', true);
  DROP INDEX ir_idx;
  EXECUTE format('CREATE INDEX ir_idx ON ir USING hnsw (v %s)', opclass);
  INSERT INTO ir_result VALUES (opclass, normalised, 'build', ir_recall(op));
  PERFORM vectorext.index_check('ir_idx', true);
  DROP INDEX ir_idx;
END $$;
SELECT ir_run('vector_l2_ops', '<->', false), ir_run('vector_l2_ops', '<->', true),
       ir_run('vector_ip_ops', '<#>', false), ir_run('vector_ip_ops', '<#>', true),
       ir_run('vector_cosine_ops', '<=>', false), ir_run('vector_cosine_ops', '<=>', true),
       ir_run('vector_l1_ops', '<+>', false), ir_run('vector_l1_ops', '<+>', true);
-- the insert path at least 0.965 everywhere and within 0.035 of the build path (or better); the build path at least
-- 0.9 (hnswlib's graph under inner product on un-normalised data reaches 0.94-0.96 only: docs/hnsw.md). Levels are
-- drawn from the rows' TIDs, so these figures are the same on every run: 0.967 is the lowest (l1, un-normalised,
-- insert path; build 1.0), 1.0 the usual. That 0.967 is this level draw's with these batches, not the insert code's:
-- 2 of 60 queries (cluster 4) descend into cluster 7 (the draw put 3 elements on level 2, all in clusters 5 and 10,
-- expected 9.4; the level-1 greedy step ends there), and from that element the bulk-built graph's level 0 does not
-- get out at ef_search 40 either. The same insert code in heap order (page-level build: same TIDs, same levels)
-- gives 1.0, and so do 35 other draws (TIDs shifted by 1 to 157 NULL rows inserted first; pgvector 0.8.6, 24 random
-- draws of these batches: 1.0 in 21, 0.9983, 0.9967, 0.95).
SELECT opclass, normalised,
       min(recall) FILTER (WHERE path = 'insert') >= 0.965 AS insert_ok,
       min(recall) FILTER (WHERE path = 'build') >= 0.9 AS build_ok,
       min(recall) FILTER (WHERE path = 'insert') >= min(recall) FILTER (WHERE path = 'build') - 0.035 AS insert_matches_build
FROM ir_result GROUP BY 1, 2 ORDER BY 1, 2;
DROP TABLE ir, ir_q, ir_src, ir_result;
DROP FUNCTION ir_run, ir_recall, ir_vec;
