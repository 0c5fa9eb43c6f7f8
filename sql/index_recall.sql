-- vectorext.index_recall: recall@k of an index against exact search. The measurement must equal the recall of the
-- very queries an application runs (ORDER BY ... LIMIT k through the index, compared with exact search by SQL), for
-- every access method and operator class, partial and expression indexes, filters; and refuse what it must.
SET client_min_messages = warning;
SET max_parallel_maintenance_workers = 0;  -- single-threaded builds: the same graph every run
\i data/tune_helpers.sql
SELECT setseed(0.4242);
CREATE TABLE ir_centers AS
  SELECT c, ARRAY(SELECT random() * 2 - 0.5 FROM generate_series(1, 24) WHERE c >= 0) AS center FROM generate_series(0, 19) c;
CREATE TABLE ir (id int PRIMARY KEY, v vector(24), category int);
INSERT INTO ir SELECT i, pg_temp.cluster_point(center, 1.5, 8), i % 100 FROM generate_series(1, 3000) i JOIN ir_centers ON c = i % 20;
CREATE TABLE ir_q AS SELECT q, pg_temp.cluster_point(center, 1.5, 8) AS v, q % 100 AS category FROM generate_series(1, 40) q JOIN ir_centers ON c = (q * 7) % 20;

-- Recall the SQL way: each query through the planner (only one ANN index exists at a time; seqscan off) against an
-- exact ORDER BY on an expression no index provides. `expr` is the indexed expression, `pred` a WHERE condition.
CREATE FUNCTION ir_sql_recall(op text, expr text DEFAULT 'v', pred text DEFAULT 'true', k int DEFAULT 10,
                              qexpr text DEFAULT 'q.v', tbl text DEFAULT 'ir') RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
  r record;
  ann int[];
  exact int[];
  hits int := 0;
  total int := 0;
BEGIN
  SET LOCAL enable_seqscan = off;
  FOR r IN EXECUTE format('SELECT %s AS v, q.category FROM ir_q q ORDER BY q.q', qexpr) LOOP
    EXECUTE format('SELECT array(SELECT id FROM %s WHERE %s ORDER BY %s %s $1 LIMIT %s)', tbl, pred, expr, op, k)
      INTO ann USING r.v, r.category;
    EXECUTE format('SELECT array(SELECT id FROM %s WHERE %s ORDER BY (%s %s $1) + 0 LIMIT %s)', tbl, pred, expr, op, k)
      INTO exact USING r.v, r.category;
    hits := hits + (SELECT count(*) FROM unnest(ann) a WHERE a = ANY (exact));
    total := total + cardinality(exact);
  END LOOP;
  RETURN hits::float8 / total;
END $$;
CREATE FUNCTION ir_same(a float8, b float8) RETURNS boolean LANGUAGE sql AS $$ SELECT abs(a - b) < 1e-9 $$;

-- hnsw, every operator class, at a low ef_search so that recall is well below 1
SET hnsw.ef_search = 10;
CREATE INDEX ir_idx ON ir USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 10);
SELECT vectorext.index_recall('ir_idx', queries => 'SELECT v FROM public.ir_q ORDER BY q') AS r \gset
SELECT :r < 0.99 AS below_one, ir_same(:r, ir_sql_recall('<->')) AS l2_matches_sql;
-- deterministic: the same sample every time; a higher ef_search measures higher
SELECT vectorext.index_recall('ir_idx') = vectorext.index_recall('ir_idx') AS deterministic,
       vectorext.index_recall('ir_idx', perturb => 0.2) AS low \gset
SET hnsw.ef_search = 200;
SELECT :'deterministic' AS deterministic, vectorext.index_recall('ir_idx', perturb => 0.2) > :low AS rises_with_ef;
SET hnsw.ef_search = 10;
DROP INDEX ir_idx;
CREATE INDEX ir_idx ON ir USING hnsw (v vector_ip_ops) WITH (m = 4, ef_construction = 10);
SELECT ir_same(vectorext.index_recall('ir_idx', queries => 'SELECT v FROM public.ir_q ORDER BY q'), ir_sql_recall('<#>')) AS ip_matches_sql;
DROP INDEX ir_idx;
CREATE INDEX ir_idx ON ir USING hnsw (v vector_cosine_ops) WITH (m = 4, ef_construction = 10);
SELECT ir_same(vectorext.index_recall('ir_idx', queries => 'SELECT v FROM public.ir_q ORDER BY q'), ir_sql_recall('<=>')) AS cosine_matches_sql;
DROP INDEX ir_idx;
CREATE INDEX ir_idx ON ir USING hnsw (v vector_l1_ops) WITH (m = 4, ef_construction = 10);
SELECT ir_same(vectorext.index_recall('ir_idx', queries => 'SELECT v FROM public.ir_q ORDER BY q'), ir_sql_recall('<+>')) AS l1_matches_sql;
DROP INDEX ir_idx;

-- partial and expression indexes (normalised vectors: inner product on unit vectors)
CREATE INDEX ir_idx ON ir USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 10) WHERE category < 30;
SELECT ir_same(vectorext.index_recall('ir_idx', queries => 'SELECT v FROM public.ir_q ORDER BY q'),
               ir_sql_recall('<->', pred => 'category < 30')) AS partial_matches_sql;
DROP INDEX ir_idx;
CREATE INDEX ir_idx ON ir USING hnsw ((l2_normalize(v)) vector_ip_ops) WITH (m = 4, ef_construction = 10);
SELECT ir_same(vectorext.index_recall('ir_idx', queries => 'SELECT public.l2_normalize(v) FROM public.ir_q ORDER BY q'),
               ir_sql_recall('<#>', expr => 'l2_normalize(v)', qexpr => 'l2_normalize(q.v)')) AS expression_matches_sql;
SELECT vectorext.index_recall('ir_idx') > 0 AS expression_sample;
DROP INDEX ir_idx;

-- a filter at 1% selectivity, its parameter from the queries' second column, with an iterative scan
CREATE INDEX ir_idx ON ir USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 10);
SET hnsw.iterative_scan = relaxed_order;
SELECT ir_same(vectorext.index_recall('ir_idx', queries => 'SELECT v, category FROM public.ir_q ORDER BY q',
                                      filter => 'WHERE category = $1'),
               ir_sql_recall('<->', pred => 'category = $2')) AS filter_matches_sql;
SET hnsw.iterative_scan = off;
-- without an iterative scan ef_search 10 rows rarely hold one of the category: recall collapses (and is measured so)
SELECT vectorext.index_recall('ir_idx', queries => 'SELECT v, category FROM public.ir_q ORDER BY q',
                              filter => 'category = $1') < 0.3 AS filter_without_iterative_scan;
SELECT vectorext.index_recall('ir_idx', filter => 'category = 7') IS NOT NULL AS constant_filter;
RESET hnsw.ef_search;
DROP INDEX ir_idx;

-- ivfflat, ivf with sq8 and pq (re-ranked), against SQL
CREATE INDEX ir_idx ON ir USING ivfflat (v vector_l2_ops) WITH (lists = 30);
SET ivfflat.probes = 2;
SELECT ir_same(vectorext.index_recall('ir_idx', queries => 'SELECT v FROM public.ir_q ORDER BY q'), ir_sql_recall('<->')) AS ivfflat_matches_sql;
DROP INDEX ir_idx;
CREATE INDEX ir_idx ON ir USING ivfflat (v vector_cosine_ops) WITH (lists = 30);
SELECT ir_same(vectorext.index_recall('ir_idx', queries => 'SELECT v FROM public.ir_q ORDER BY q'), ir_sql_recall('<=>')) AS ivfflat_cosine_matches_sql;
DROP INDEX ir_idx;
RESET ivfflat.probes;
SET ivf.probes = 3;
CREATE INDEX ir_idx ON ir USING ivf (v vector_l2_ops) WITH (lists = 30, quantizer = 'sq8', rerank = 12);
SELECT ir_same(vectorext.index_recall('ir_idx', queries => 'SELECT v FROM public.ir_q ORDER BY q'), ir_sql_recall('<->')) AS sq8_matches_sql;
DROP INDEX ir_idx;
CREATE INDEX ir_idx ON ir USING ivf (v vector_ip_ops) WITH (lists = 30, quantizer = 'pq', pq_m = 6, rerank = 12);
SELECT ir_same(vectorext.index_recall('ir_idx', queries => 'SELECT v FROM public.ir_q ORDER BY q'), ir_sql_recall('<#>')) AS pq_matches_sql;
RESET ivf.probes;

-- an index created on the empty table and filled by INSERT; deletes + VACUUM
CREATE TABLE ir_ins (id int, v vector(24));
CREATE INDEX ir_ins_idx ON ir_ins USING hnsw (v vector_cosine_ops);
SELECT vectorext.index_recall('ir_ins_idx') IS NULL AS empty_is_null;
INSERT INTO ir_ins SELECT id, v FROM ir;
DELETE FROM ir_ins WHERE id % 2 = 0;
VACUUM ir_ins;
SELECT ir_same(vectorext.index_recall('ir_ins_idx', queries => 'SELECT v FROM public.ir_q ORDER BY q'),
               ir_sql_recall('<=>', tbl => 'ir_ins')) AS insert_built_matches_sql;

-- refusals
SELECT vectorext.index_recall('ir');
SELECT vectorext.index_recall('ir_pkey');
SELECT vectorext.index_recall('ir_idx', k => 0);
SELECT vectorext.index_recall('ir_idx', sample => 100000);
SELECT vectorext.index_recall('ir_idx', perturb => -1);
SELECT vectorext.index_recall('ir_idx', queries => 'SELECT id FROM public.ir');
-- queries and filter are the caller's code: their names resolve in the caller's search_path
SELECT vectorext.index_recall('ir_idx', queries => 'SELECT v FROM ir_q', filter => 'l2_distance(v, v) = 0') > 0 AS callers_path;
SET search_path = pg_catalog;
SELECT vectorext.index_recall('public.ir_idx', queries => 'SELECT v FROM ir_q');
RESET search_path;
SELECT vectorext.index_recall('ir_idx', queries => 'DELETE FROM public.ir RETURNING v');
SELECT vectorext.index_recall('ir_idx', queries => 'SELECT NULL::public.vector');
SELECT vectorext.index_recall('ir_idx', filter => 'category = (SELECT 1)');
SELECT vectorext.index_recall('ir_idx', filter => 'category = 1) UNION (SELECT 1');
SELECT vectorext.index_recall('ir_idx', filter => 'nosuchcolumn = 1');
SELECT vectorext.index_recall('ir_idx', filter => 'category = $1');
SELECT vectorext.index_recall('ir_idx', filter => 'count(*) > 0');
-- privileges: SELECT on the table is required; a table with row-level security in force is refused
CREATE ROLE ir_reader;
GRANT USAGE ON SCHEMA vectorext TO ir_reader;
SET ROLE ir_reader;
SELECT vectorext.index_recall('ir_idx');
RESET ROLE;
GRANT SELECT ON ir TO ir_reader;
ALTER TABLE ir ENABLE ROW LEVEL SECURITY;
CREATE POLICY ir_some ON ir USING (category < 50);
SET ROLE ir_reader;
SELECT vectorext.index_recall('ir_idx');
RESET ROLE;
ALTER TABLE ir DISABLE ROW LEVEL SECURITY;
SET ROLE ir_reader;
SELECT vectorext.index_recall('ir_idx') > 0 AS reader_measures;
-- the queries text runs with the caller's rights
SELECT vectorext.index_recall('ir_idx', queries => 'SELECT v FROM public.ir_q');
RESET ROLE;

DROP TABLE ir, ir_q, ir_centers, ir_ins;
DROP FUNCTION ir_sql_recall(text, text, text, int, text, text), ir_same(float8, float8);
REVOKE ALL ON SCHEMA vectorext FROM ir_reader;
DROP ROLE ir_reader;
