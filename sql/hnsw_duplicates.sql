-- Many copies of few vectors (the same text embedded again and again): every row must stay reachable through page-level
-- inserts. Copies rank by id among equals, so a full neighbour list that takes a new copy would evict the previous
-- newest, whose only in-link it may have been; inserts therefore never let a copy push out a copy, splice an element
-- no neighbour kept into its nearest neighbour's list, and have the new element adopt any entry a re-prune drops
-- (docs/hnsw.md "Reachability").
SET client_min_messages = warning;
SET max_parallel_maintenance_workers = 0;
CREATE TABLE hnsw_dup (id int, grp int, embedding vector(200));
-- 10 distinct vectors, 40 copies each (mostly zeros, so rows of different vectors are also equidistant: many ties)
INSERT INTO hnsw_dup SELECT i, 0, ARRAY(SELECT CASE WHEN j % 10 = i % 10 THEN (i * 7 + j * 13) % 5 + 1 ELSE 0 END
                                       FROM generate_series(1, 200) j)::vector
  FROM generate_series(1, 400) i;
CREATE INDEX hnsw_dup_idx ON hnsw_dup USING hnsw (embedding vector_l2_ops);
CREATE FUNCTION hnsw_dup_found() RETURNS TABLE (found bigint, total bigint) LANGUAGE sql AS $$
  SELECT (SELECT count(*) FROM (SELECT id FROM hnsw_dup ORDER BY embedding <-> (SELECT embedding FROM hnsw_dup WHERE id = 1) LIMIT 100000) s),
         (SELECT count(*) FROM hnsw_dup) $$;
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
SELECT found = total AS all_found_after_build FROM hnsw_dup_found();
-- 130 non-HOT updates one by one (each inserts one more copy), then 200 more copies in one statement
DO $$DECLARE i int; BEGIN
  FOR i IN SELECT g FROM generate_series(3, 390, 3) g LOOP
    UPDATE hnsw_dup SET grp = grp + 1 WHERE id = i;
  END LOOP; END $$;
INSERT INTO hnsw_dup SELECT 1000 + id, 0, embedding FROM hnsw_dup WHERE id <= 200;
-- before these rules 72-82 of the 600 rows were unreachable here (with only the re-prune top-up and the splice; 66 of the
-- first 400 before those); now none or one: every in-link a rule drops is kept elsewhere unless the adopting list is full
SELECT total, found >= total - 3 AS found_after_inserts FROM hnsw_dup_found();
DROP TABLE hnsw_dup;
DROP FUNCTION hnsw_dup_found();
