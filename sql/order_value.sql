-- ORDER BY values handed from hnsw scans to the projection (docs/hnsw.md "ORDER BY values from the index"): the
-- planner rewrites the scan's recomputation of `embedding <-> q` into
-- COALESCE(vector_index_order_value(ctid, index, function, q), embedding <-> q), and the function returns the value
-- the scan computed for that very row (same index, operator and query), else NULL. Results must equal exact search
-- however the value arrives.
SET client_min_messages = warning;
-- 600 dims of small integers, mostly zeros: half copies are exact (the index hands values over) and rows
-- (2.4 KB) are stored pglz-compressed inline, so a query vector read from the table arrives compressed.
CREATE TABLE ov (id int PRIMARY KEY, grp int, embedding vector(600)) WITH (fillfactor = 50);  -- room for HOT updates
INSERT INTO ov SELECT i, i % 10, ARRAY(SELECT CASE WHEN j % 10 = i % 10 THEN (i * 7 + j * 13) % 5 + 1 ELSE 0 END
                                        FROM generate_series(1, 600) j)::vector
  FROM generate_series(1, 400) i;
CREATE INDEX ov_l2 ON ov USING hnsw (embedding vector_l2_ops);
CREATE TABLE ovq (q int, v vector(600));
INSERT INTO ovq SELECT q, ARRAY(SELECT CASE WHEN j % 10 = q % 10 THEN (q * 3 + j) % 4 ELSE 0 END
                                FROM generate_series(1, 600) j)::vector FROM generate_series(1, 3) q;
SELECT pg_column_compression(v) FROM ovq WHERE q = 1;
SET hnsw.ef_search = 1000;  -- the search finds every row: index order = exact order
SET enable_seqscan = off;

-- the rewrite: in the index scan's output and filter, not in its Order By
PREPARE ov_p(vector) AS
  SELECT id, embedding <-> $1 AS d FROM ov WHERE embedding <-> $1 < 1e9 ORDER BY embedding <-> $1 LIMIT 5;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE ov_p('[1]');

-- through the index (generic plan) and exactly (sort): the same distances in the same order, each row's distance
-- its own (recomputed from the table), and with k = every row also the same rows (below that, ties at the k-th
-- distance may pick different rows)
CREATE FUNCTION ov_same(tbl text, qv vector, k int) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE da float8[]; db float8[]; ia int[]; ib int[]; pairs boolean; q text;
BEGIN
  q := format('SELECT array_agg(d ORDER BY d, id), array_agg(id ORDER BY d, id) FROM
                 (SELECT id, embedding <-> $1 AS d FROM %I ORDER BY embedding <-> $1 LIMIT %s) s', tbl, k);
  SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = on; SET LOCAL plan_cache_mode = force_generic_plan;
  EXECUTE q INTO da, ia USING qv;
  SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off;
  EXECUTE q INTO db, ib USING qv;
  EXECUTE format('SELECT bool_and(x.d = t.embedding <-> $1) AND count(*) = cardinality($2)
                  FROM unnest($2, $3) x(id, d) JOIN %I t USING (id)', tbl) INTO pairs USING qv, ia, da;
  IF da IS DISTINCT FROM db OR NOT pairs THEN RAISE NOTICE 'index % % / exact % %', ia, da, ib, db; END IF;
  RETURN da = db AND pairs AND (k < (SELECT count(*) FROM ov) OR ia = ib);
END $$;
SELECT q, ov_same('ov', v, 10) AS same_10, ov_same('ov', v, 400) AS same_all FROM ovq ORDER BY q;

-- the function itself: while the scan below is open, the row it just returned gets the scan's value for the same
-- query (compressed or not), NULL for another query, another row, another index or another operator (the three
-- rows are tied copies: which ones come first depends on the index, so no ids are shown)
SELECT vector_index_order_value(s.ctid, 'ov_l2'::regclass, 'l2_distance(vector,vector)'::regprocedure, (SELECT v FROM ovq WHERE q = 1))
         = s.d AS hit_compressed_query,
       vector_index_order_value(s.ctid, 'ov_l2'::regclass, 'l2_distance(vector,vector)'::regprocedure, s.qv) = s.d AS hit_plain_query,
       vector_index_order_value(s.ctid, 'ov_l2'::regclass, 'l2_distance(vector,vector)'::regprocedure, (SELECT v FROM ovq WHERE q = 2))
         IS NULL AS other_query_null,
       vector_index_order_value('(99999,1)', 'ov_l2'::regclass, 'l2_distance(vector,vector)'::regprocedure, s.qv) IS NULL AS other_row_null,
       vector_index_order_value(s.ctid, 'ov'::regclass, 'l2_distance(vector,vector)'::regprocedure, s.qv) IS NULL AS other_index_null,
       vector_index_order_value(s.ctid, 'ov_l2'::regclass, 'l1_distance(vector,vector)'::regprocedure, s.qv) IS NULL AS other_op_null
FROM (SELECT ctid, id, embedding <-> (SELECT v FROM ovq WHERE q = 1) AS d, (SELECT v FROM ovq WHERE q = 1)::text::vector AS qv
      FROM ov ORDER BY embedding <-> (SELECT v FROM ovq WHERE q = 1) LIMIT 3) s;
-- no scan open: nothing to hand over
SELECT vector_index_order_value(ctid, 'ov_l2'::regclass, 'l2_distance(vector,vector)'::regprocedure, embedding) IS NULL AS closed
FROM ov WHERE id = 1;

-- two scans of the same index at once with different queries (LATERAL): each row gets its own scan's value
CREATE FUNCTION ov_pairs(use_index boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  IF use_index THEN SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = on;
  ELSE SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = off; END IF;
  SELECT string_agg(a.id || '>' || b.id || ':' || b.d, ',' ORDER BY a.id, b.d, b.id) INTO r
  FROM (SELECT id, embedding FROM ov ORDER BY embedding <-> (SELECT v FROM ovq WHERE q = 3) LIMIT 4) a,
       LATERAL (SELECT id, embedding <-> a.embedding AS d FROM ov ORDER BY embedding <-> a.embedding LIMIT 3) b;
  RETURN r;
END $$;
SELECT ov_pairs(true) = ov_pairs(false) AS lateral_same;

-- a cursor's scan stays open while other scans of the same index run and end: each keeps its own values
BEGIN;
DECLARE ov_c CURSOR FOR SELECT id, embedding <-> (SELECT v FROM ovq WHERE q = 1) AS d FROM ov
  ORDER BY embedding <-> (SELECT v FROM ovq WHERE q = 1) LIMIT 6;
CREATE TEMP TABLE ov_fetched (id int, d float8);
CREATE FUNCTION ov_fetch(n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE r record; c refcursor := 'ov_c';
BEGIN
  FOR i IN 1..n LOOP
    FETCH c INTO r;
    INSERT INTO ov_fetched VALUES (r.id, r.d);
  END LOOP;
END $$;
SELECT ov_fetch(3);
SELECT count(*) FROM (SELECT id, embedding <-> (SELECT v FROM ovq WHERE q = 2) FROM ov
                      ORDER BY embedding <-> (SELECT v FROM ovq WHERE q = 2) LIMIT 5) s;
SELECT ov_fetch(3);
CLOSE ov_c;
SELECT count(*) AS fetched, bool_and(f.d = o.embedding <-> (SELECT v FROM ovq WHERE q = 1)) AS cursor_values_right
FROM ov_fetched f JOIN ov o USING (id);
COMMIT;
DROP FUNCTION ov_fetch(int);

-- HOT updates (the heap row's TID differs from the indexed root TID: no hand-over, computed instead), rows
-- inserted after the build, and a partitioned table (one index scan per partition under a Merge Append)
UPDATE ov SET grp = grp + 100 WHERE id % 3 = 0;
SELECT pg_stat_force_next_flush();
SELECT pg_stat_get_tuples_hot_updated('ov'::regclass) > 100 AS hot_updates;
INSERT INTO ov SELECT 1000 + i, 0, (SELECT embedding FROM ov WHERE id = i) + (SELECT embedding FROM ov WHERE id = i + 1)
  FROM generate_series(1, 20) i;
SELECT q, ov_same('ov', v, 10) AS same_10, ov_same('ov', v, 420) AS same_all FROM ovq ORDER BY q;
CREATE TABLE ovp (id int, part int, embedding vector(600)) PARTITION BY LIST (part);
CREATE TABLE ovp0 PARTITION OF ovp FOR VALUES IN (0);
CREATE TABLE ovp1 PARTITION OF ovp FOR VALUES IN (1);
INSERT INTO ovp SELECT id, id % 2, embedding FROM ov;
CREATE INDEX ON ovp USING hnsw (embedding vector_l2_ops);
PREPARE ovp_p(vector) AS SELECT id, embedding <-> $1 AS d FROM ovp ORDER BY embedding <-> $1 LIMIT 6;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE ovp_p('[1]');
SELECT q, ov_same('ovp', v, 10) AS same_10, ov_same('ovp', v, 420) AS same_all FROM ovq ORDER BY q;

-- ivfflat and ivf hand over the exact values of exact (flat, l2/ip) copies the same way, and ivf sq8/pq the values
-- it re-ranked with the table's vectors (l2/ip: the operator's own kernel; not cosine, ranked on normalised copies)
CREATE TABLE ovi (id int, grp int, embedding vector(600));
INSERT INTO ovi SELECT id, grp, embedding FROM ov;
CREATE INDEX ovi_flat ON ovi USING ivfflat (embedding vector_l2_ops) WITH (lists = 4);
SET ivfflat.probes = 4;  -- every list: index order = exact order
PREPARE ovi_p(vector) AS SELECT id, embedding <-> $1 AS d FROM ovi ORDER BY embedding <-> $1 LIMIT 3;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE ovi_p('[1]');
SELECT q, ov_same('ovi', v, 10) AS same_10, ov_same('ovi', v, 420) AS same_all FROM ovq ORDER BY q;
CREATE FUNCTION ovi_hits(idx regclass, op text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT string_agg(CASE WHEN h IS NULL THEN ''miss'' WHEN h = d THEN ''hit'' ELSE ''WRONG'' END, '','')
                  FROM (SELECT vector_index_order_value(s.ctid, %L::regclass, %L::regprocedure, s.qv) AS h, s.d
                        FROM (SELECT ctid, embedding %s $1 AS d, $1::text::vector AS qv
                              FROM ovi ORDER BY embedding %s $1 LIMIT 3) s) t',
                 idx, CASE op WHEN '<->' THEN 'l2_distance(vector,vector)' WHEN '<#>' THEN 'vector_negative_inner_product(vector,vector)'
                              ELSE 'cosine_distance(vector,vector)' END, op, op)
    INTO r USING (SELECT v FROM ovq WHERE q = 2);
  RETURN r;
END $$;
SELECT ovi_hits('ovi_flat', '<->') AS ivfflat_l2;
DROP INDEX ovi_flat;
SET ivf.probes = 4;
CREATE INDEX ovi_pq ON ovi USING ivf (embedding vector_l2_ops) WITH (lists = 4, quantizer = 'pq', rerank = 1000);
SELECT q, ov_same('ovi', v, 10) AS same_10 FROM ovq ORDER BY q;
SELECT ovi_hits('ovi_pq', '<->') AS pq_l2;
DROP INDEX ovi_pq;
CREATE INDEX ovi_sq8_ip ON ovi USING ivf (embedding vector_ip_ops) WITH (lists = 4, quantizer = 'sq8', rerank = 1000);
SELECT ovi_hits('ovi_sq8_ip', '<#>') AS sq8_ip;
DROP INDEX ovi_sq8_ip;
CREATE INDEX ovi_pq_cos ON ovi USING ivf (embedding vector_cosine_ops) WITH (lists = 4, quantizer = 'pq', rerank = 1000);
SELECT ovi_hits('ovi_pq_cos', '<=>') AS pq_cosine;
DROP TABLE ovi;

-- only vectorext's own function goes into plans: a same-named SQL function is ignored (the plan keeps the plain
-- expression), and ours is used again once restored
ALTER EXTENSION vectorext DROP FUNCTION vector_index_order_value(tid, regclass, regprocedure, vector);
DROP FUNCTION vector_index_order_value(tid, regclass, regprocedure, vector);
CREATE FUNCTION vector_index_order_value(tid, regclass, regprocedure, vector) RETURNS float8
  LANGUAGE sql AS 'SELECT 0::float8';
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, embedding <-> '[1]' FROM ov ORDER BY embedding <-> '[1]' LIMIT 1;
DROP FUNCTION vector_index_order_value(tid, regclass, regprocedure, vector);
CREATE FUNCTION vector_index_order_value(tid, regclass, regprocedure, vector) RETURNS float8
  AS '$libdir/vectorext', 'vx_index_order_value' LANGUAGE C STABLE STRICT PARALLEL SAFE;
ALTER EXTENSION vectorext ADD FUNCTION vector_index_order_value(tid, regclass, regprocedure, vector);
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, embedding <-> '[1]' FROM ov ORDER BY embedding <-> '[1]' LIMIT 1;

-- a role that may not execute vector_index_order_value gets plans without it (not a permission error)
CREATE ROLE regress_ov_reader;
GRANT SELECT ON ov TO regress_ov_reader;
REVOKE EXECUTE ON FUNCTION vector_index_order_value(tid, regclass, regprocedure, vector) FROM PUBLIC;
SET ROLE regress_ov_reader;
SET enable_seqscan = off;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, embedding <-> '[1]' FROM ov ORDER BY embedding <-> '[1]' LIMIT 1;
SELECT count(*) FROM (SELECT id, embedding <-> (SELECT embedding FROM ov WHERE id = 1) FROM ov
                      ORDER BY embedding <-> (SELECT embedding FROM ov WHERE id = 1) LIMIT 3) s;
RESET ROLE;
GRANT EXECUTE ON FUNCTION vector_index_order_value(tid, regclass, regprocedure, vector) TO PUBLIC;
DROP OWNED BY regress_ov_reader;
DROP ROLE regress_ov_reader;

-- a new session whose first statement loads the library while it is being planned (nothing before the planner
-- touches a vector function): that plan missed the planner hook, so it is rewritten at executor start
\c
SET enable_seqscan = off;
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT id, embedding <-> (SELECT embedding FROM ov WHERE id = 1) AS d FROM ov
  ORDER BY embedding <-> (SELECT embedding FROM ov WHERE id = 1) LIMIT 1;
SELECT count(*) FROM pg_proc WHERE proname = 'vector_index_order_value';  -- (a plain query: nothing to rewrite)
