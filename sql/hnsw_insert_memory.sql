-- Row-by-row inserts work in memory the backend keeps between rows (docs/hnsw-internals.md, "Row-by-row insert":
-- a context reset before and after each row, and buffers kept at their largest size). Checked here: the contexts
-- exist after an insert and stay one each; an insert that fails (wrong dimensions) leaves nothing that breaks the
-- next one; indexes of other widths in the same session grow the kept buffers (and a smaller one reuses them); every
-- inserted row is found, and the graph passes index_check.
SET client_min_messages = warning;
SET max_parallel_maintenance_workers = 0;
CREATE TABLE him_a (id int, embedding vector);  -- no typmod: the index fixes its dimensions at the first insert
CREATE TABLE him_b (id int, embedding vector(300));
CREATE INDEX him_a_idx ON him_a USING hnsw (embedding vector_l2_ops) WITH (m = 4, ef_construction = 16);
CREATE INDEX him_b_idx ON him_b USING hnsw (embedding vector_cosine_ops) WITH (m = 8, ef_construction = 100);
-- 300 rows into each, alternating (each insert resets the context the other left)
DO $$DECLARE i int; BEGIN
  FOR i IN 1..300 LOOP
    INSERT INTO him_a VALUES (i, ARRAY(SELECT sin(i * 0.37 + j) FROM generate_series(1, 8) j)::vector);
    INSERT INTO him_b VALUES (i, ARRAY(SELECT cos(i * 0.11 + j * 0.7) + (i % 7) FROM generate_series(1, 300) j)::vector);
  END LOOP; END $$;
SELECT name, count(*) FROM pg_backend_memory_contexts WHERE name LIKE 'vectorext hnsw insert%' GROUP BY name ORDER BY name;
-- an insert that fails inside the index (the column takes any dimensions, the index does not), then more rows
INSERT INTO him_a VALUES (0, '[1,2,3]');
INSERT INTO him_a SELECT i, ARRAY(SELECT sin(i * 0.37 + j) FROM generate_series(1, 8) j)::vector FROM generate_series(301, 400) i;
INSERT INTO him_b SELECT i, ARRAY(SELECT cos(i * 0.11 + j * 0.7) + (i % 7) FROM generate_series(1, 300) j)::vector
  FROM generate_series(301, 400) i;
SELECT name, count(*) FROM pg_backend_memory_contexts WHERE name LIKE 'vectorext hnsw insert%' GROUP BY name ORDER BY name;
-- every row finds itself first (distinct vectors), through the index
SET enable_seqscan = off;
SET hnsw.ef_search = 100;
SELECT count(*) AS a_self_found FROM him_a t
  WHERE (SELECT id FROM him_a u ORDER BY u.embedding <-> t.embedding LIMIT 1) = t.id;
SELECT count(*) AS b_self_found FROM him_b t
  WHERE (SELECT id FROM him_b u ORDER BY u.embedding <=> t.embedding LIMIT 1) = t.id;
SELECT live, heap_rows FROM vectorext.index_check('him_a_idx', true);
SELECT live, heap_rows FROM vectorext.index_check('him_b_idx', true);
DROP TABLE him_a, him_b;
