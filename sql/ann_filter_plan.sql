-- Filtered ANN queries with a btree on the filter column (issue 14 item 3; docs/tuning.md "Filtered search"): the
-- planner picks the exact plan (bitmap / index scan on the btree + sort: k rows, the exact answer) for a filter that
-- keeps 0.05% of the rows and the ANN index for one that keeps 50%, for hnsw and ivfflat, with iterative scans off and
-- on. 30,000 rows: ANALYZE reads them all (no sampling noise); the two ends are 1,000x apart in selectivity, far
-- from the measured crossover (~3%), so the plans do not depend on small cost changes.
SET client_min_messages = warning;
CREATE TABLE afp (id int4 PRIMARY KEY, c int4 NOT NULL, v vector(16));
-- clustered: 60 centres, each row near its centre (noise from the row's own id)
INSERT INTO afp
SELECT i, CASE WHEN i % 2000 = 0 THEN 1 WHEN i % 2 = 1 THEN 2 ELSE 0 END,
       (SELECT array_agg(sin((i % 60) * 7.1 + j * 1.3) + 0.15 * sin(i * 12.9898 + j * 78.233))::real[]
          FROM generate_series(1, 16) j)::vector
  FROM generate_series(1, 30000) i;
CREATE INDEX afp_c ON afp (c);
CREATE TABLE afp_q (q int4 PRIMARY KEY, v vector(16));
INSERT INTO afp_q SELECT q, (SELECT array_agg(sin((q * 7) % 60 * 7.1 + j * 1.3) + 0.2 * cos(q * 3.7 + j))::real[]
                               FROM generate_series(1, 16) j)::vector
  FROM generate_series(1, 5) q;
ANALYZE afp, afp_q;
SELECT c, count(*) FROM afp GROUP BY c ORDER BY c;

-- the exact answers: a sequential scan + sort
SET enable_indexscan = off;
SET enable_bitmapscan = off;
CREATE TABLE afp_truth AS
SELECT q.q, cat.c, ARRAY(SELECT id FROM afp WHERE afp.c = cat.c ORDER BY afp.v <-> q.v, id LIMIT 10) AS ids
  FROM afp_q q, (VALUES (1), (2)) cat(c);
RESET enable_indexscan;
RESET enable_bitmapscan;

-- the plan of the application's query for category :c (a literal, as a custom plan sees it)
CREATE FUNCTION afp_plan(cat int4) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM afp WHERE c = %s ORDER BY v <-> %L LIMIT 10',
                             cat, (SELECT v FROM afp_q WHERE q = 1)::text) LOOP
    -- node names and the index used; not the query vector
    IF line ~ 'Scan|Sort$|Limit' THEN RETURN NEXT regexp_replace(line, '\s+$', ''); END IF;
  END LOOP;
END $$;
-- each query's answer under the planner's plan (the application's query, the plan afp_plan shows): k rows, and the
-- exact ids in order
CREATE FUNCTION afp_check(cat int4, OUT queries int, OUT all_k_rows bool, OUT exact bool) LANGUAGE plpgsql AS $$
DECLARE t record; ids int4[];
BEGIN
  queries := 0; all_k_rows := true; exact := true;
  FOR t IN SELECT afp_truth.ids, afp_q.v FROM afp_truth JOIN afp_q USING (q) WHERE c = cat ORDER BY q LOOP
    -- literals, as afp_plan: a parameter would make the planner use one selectivity for every category
    EXECUTE format('SELECT ARRAY(SELECT id FROM afp WHERE c = %s ORDER BY v <-> %L LIMIT 10)', cat, t.v::text) INTO ids;
    queries := queries + 1;
    all_k_rows := all_k_rows AND cardinality(ids) = 10;
    exact := exact AND ids = t.ids;
  END LOOP;
END $$;

-- both ends under one iterative mode: the plans at 0.05% and 50%, then the answers at 0.05%
CREATE FUNCTION afp_ends(guc text, mode text) RETURNS TABLE (sel text, plan_or_check text) LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config(guc, mode, false);
  RETURN QUERY SELECT '0.05%', p FROM afp_plan(1) p;
  RETURN QUERY SELECT '50%', p FROM afp_plan(2) p;
  RETURN QUERY SELECT '0.05%', format('%s queries: k rows %s, exact ids %s', queries, all_k_rows, exact)
                 FROM afp_check(1);
END $$;

-- hnsw: the btree + sort at 0.05%, the hnsw index at 50%
CREATE INDEX afp_hnsw ON afp USING hnsw (v vector_l2_ops);
SELECT * FROM afp_ends('hnsw.iterative_scan', 'off');
SELECT * FROM afp_ends('hnsw.iterative_scan', 'relaxed_order');
SELECT * FROM afp_ends('hnsw.iterative_scan', 'strict_order');
RESET hnsw.iterative_scan;
DROP INDEX afp_hnsw;

-- ivfflat: the same ends
CREATE INDEX afp_ivfflat ON afp USING ivfflat (v vector_l2_ops) WITH (lists = 100);
SELECT * FROM afp_ends('ivfflat.iterative_scan', 'off');
SELECT * FROM afp_ends('ivfflat.iterative_scan', 'relaxed_order');
RESET ivfflat.iterative_scan;

DROP TABLE afp, afp_q, afp_truth;
DROP FUNCTION afp_plan(int4), afp_check(int4), afp_ends(text, text);
