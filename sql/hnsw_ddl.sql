-- hnsw: DDL, options and settings bounds, errors, plans, ordering.
SET client_min_messages = warning;
CREATE TABLE hnsw_t (id int PRIMARY KEY, embedding vector(3), category int);
INSERT INTO hnsw_t VALUES
  (1, '[1,1,1.1]', 1), (2, '[2,2,2]', 2), (3, '[1,1,2]', 1), (4, '[0,0,0]', 2), (5, '[-1,-2,-3]', 1),
  (6, NULL, 2), (7, '[10,0,3]', 1), (8, '[3,3,3]', 2);

-- every operator class, default options and explicit ones
CREATE INDEX hnsw_l2 ON hnsw_t USING hnsw (embedding vector_l2_ops);
CREATE INDEX hnsw_ip ON hnsw_t USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX hnsw_cos ON hnsw_t USING hnsw (embedding vector_cosine_ops) WITH (m = 2, ef_construction = 4);
CREATE INDEX hnsw_l1 ON hnsw_t USING hnsw (embedding vector_l1_ops) WITH (m = 100, ef_construction = 1000);
SELECT c.relname, c.reloptions FROM pg_class c WHERE c.relname LIKE 'hnsw\_%' AND c.relkind = 'i' ORDER BY 1;

-- ordering through each index (seqscan off so the tiny table uses them)
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_t ORDER BY embedding <-> '[1,1,1.1]' LIMIT 3;
SELECT id FROM hnsw_t ORDER BY embedding <-> '[1,1,1.1]' LIMIT 5;
SELECT id FROM hnsw_t ORDER BY embedding <#> '[1,1,1.1]' LIMIT 5;
SELECT id FROM hnsw_t ORDER BY embedding <=> '[1,1,1.1]' LIMIT 5;
SELECT id FROM hnsw_t ORDER BY embedding <+> '[1,1,1.1]' LIMIT 5;
-- all non-null rows come back, in distance order, same as exact search
SELECT array_agg(id) FROM (SELECT id FROM hnsw_t ORDER BY embedding <-> '[0,1,0]') s;
SELECT array_agg(id ORDER BY embedding <-> '[0,1,0]', id) FROM hnsw_t WHERE embedding IS NOT NULL;
-- NULL query vector: no error
SELECT count(*) FROM (SELECT id FROM hnsw_t ORDER BY embedding <-> NULL LIMIT 3) s;
-- inserts after build, updates, deletes
INSERT INTO hnsw_t VALUES (9, '[1,1,1.1]', 1);
UPDATE hnsw_t SET embedding = '[1,1,0.9]' WHERE id = 2;
DELETE FROM hnsw_t WHERE id = 3;
SELECT id FROM hnsw_t ORDER BY embedding <-> '[1,1,1.1]' LIMIT 4;
-- prepared statement with a generic plan, LATERAL join
SET plan_cache_mode = force_generic_plan;
PREPARE q(vector) AS SELECT id FROM hnsw_t ORDER BY embedding <-> $1 LIMIT 2;
EXECUTE q('[1,1,1.1]');
EXECUTE q('[3,3,3]');
DEALLOCATE q;
RESET plan_cache_mode;
SELECT a.id, b.id AS nearest FROM hnsw_t a
  CROSS JOIN LATERAL (SELECT id FROM hnsw_t x WHERE x.id <> a.id ORDER BY x.embedding <-> a.embedding LIMIT 1) b
  WHERE a.id IN (1, 4, 7) ORDER BY a.id;
RESET enable_seqscan;

-- option bounds and errors
CREATE INDEX ON hnsw_t USING hnsw (embedding vector_l2_ops) WITH (m = 1);
CREATE INDEX ON hnsw_t USING hnsw (embedding vector_l2_ops) WITH (m = 101);
CREATE INDEX ON hnsw_t USING hnsw (embedding vector_l2_ops) WITH (ef_construction = 3);
CREATE INDEX ON hnsw_t USING hnsw (embedding vector_l2_ops) WITH (ef_construction = 1001);
CREATE INDEX ON hnsw_t USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 31);
CREATE INDEX ON hnsw_t USING hnsw (embedding vector_l2_ops) WITH (foo = 1);
CREATE TABLE hnsw_nodim (v vector);
CREATE INDEX ON hnsw_nodim USING hnsw (v vector_l2_ops);
DROP TABLE hnsw_nodim;
INSERT INTO hnsw_t VALUES (100, '[1,2]', 1);
-- settings and their bounds
SHOW hnsw.ef_search;
SET hnsw.ef_search = 0;
SET hnsw.ef_search = 1001;
SET hnsw.ef_search = 1000;
SET hnsw.ef_search = 1;
RESET hnsw.ef_search;
SHOW hnsw.iterative_scan;
SET hnsw.iterative_scan = relaxed_order;
SET hnsw.iterative_scan = strict_order;
SET hnsw.iterative_scan = on;
RESET hnsw.iterative_scan;
SHOW hnsw.max_scan_tuples;
SET hnsw.max_scan_tuples = 0;
SET hnsw.max_scan_tuples = 1;
RESET hnsw.max_scan_tuples;
SHOW hnsw.scan_mem_multiplier;
SET hnsw.scan_mem_multiplier = 0.5;
SET hnsw.scan_mem_multiplier = 1001;
SET hnsw.scan_mem_multiplier = 2;
RESET hnsw.scan_mem_multiplier;
SET hnsw.unknown = 1;

-- REINDEX, CONCURRENTLY, partial and expression indexes, UNLOGGED
REINDEX INDEX hnsw_l2;
REINDEX INDEX CONCURRENTLY hnsw_ip;
DROP INDEX hnsw_ip, hnsw_cos, hnsw_l1;
-- no default operator class for hnsw, as in pgvector (a dump must name it to restore on pgvector)
CREATE INDEX ON hnsw_t USING hnsw (embedding);
CREATE INDEX CONCURRENTLY hnsw_conc ON hnsw_t USING hnsw (embedding vector_l2_ops);
CREATE INDEX hnsw_part ON hnsw_t USING hnsw (embedding vector_l2_ops) WHERE category = 1;
CREATE INDEX hnsw_expr ON hnsw_t USING hnsw ((embedding::vector(3)) vector_l1_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_t WHERE category = 1 ORDER BY embedding <-> '[1,1,1.1]' LIMIT 3;
SELECT id FROM hnsw_t WHERE category = 1 ORDER BY embedding <-> '[1,1,1.1]' LIMIT 3;
RESET enable_seqscan;
CREATE UNLOGGED TABLE hnsw_u (id int, embedding vector(2));
CREATE INDEX ON hnsw_u USING hnsw (embedding vector_l2_ops);
INSERT INTO hnsw_u SELECT i, format('[%s,%s]', i, i)::vector FROM generate_series(1, 3) i;
SET enable_seqscan = off;
SELECT id FROM hnsw_u ORDER BY embedding <-> '[2,2]' LIMIT 2;
RESET enable_seqscan;
DROP TABLE hnsw_u;
-- temporary table (local buffers)
CREATE TEMP TABLE hnsw_tmp (id int, embedding vector(2));
INSERT INTO hnsw_tmp SELECT i, format('[%s,%s]', i, -i)::vector FROM generate_series(1, 50) i;
CREATE INDEX ON hnsw_tmp USING hnsw (embedding vector_l2_ops);
INSERT INTO hnsw_tmp SELECT i, format('[%s,%s]', i, -i)::vector FROM generate_series(51, 60) i;
SET enable_seqscan = off;
SELECT array_agg(id) FROM (SELECT id FROM hnsw_tmp ORDER BY embedding <-> '[55.2,-55.2]' LIMIT 3) s;
RESET enable_seqscan;
DROP TABLE hnsw_tmp;
DROP TABLE hnsw_t;

-- planner: the index is used for ORDER BY ... LIMIT, not for an unbounded ordering or a WHERE without order
CREATE TABLE hnsw_plan (id int, embedding vector(8), category int);
SELECT setseed(0.5);
INSERT INTO hnsw_plan SELECT i, ('[' || array_to_string(ARRAY(SELECT round(random()::numeric, 3) FROM generate_series(1, 8) WHERE i > 0), ',') || ']')::vector, i % 100
  FROM generate_series(1, 20000) i;
CREATE INDEX hnsw_plan_idx ON hnsw_plan USING hnsw (embedding vector_l2_ops);
CREATE INDEX hnsw_plan_cat ON hnsw_plan (category);
ANALYZE hnsw_plan;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_plan ORDER BY embedding <-> '[0,0,0,0,0,0,0,0]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_plan ORDER BY embedding <-> '[0,0,0,0,0,0,0,0]';
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_plan WHERE category = 7 ORDER BY embedding <-> '[0,0,0,0,0,0,0,0]' LIMIT 10;
DROP TABLE hnsw_plan;
