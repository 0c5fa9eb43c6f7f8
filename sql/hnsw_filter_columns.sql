-- Filter columns in the hnsw index (issue 14 item 3): `hnsw (v <opclass>, c, c2)` stores the integer columns in each
-- element's record and the scan evaluates `c = ...`, `c = ANY(...)` and ranges on them (Index Cond), so rows that
-- fail are never returned and cost no heap visit. Two paths: a walk of the graph through the failing elements, and,
-- when a sample says the walk would evaluate a tenth of the graph or more, a read of every element's filter values
-- (on these 20,000 rows: 30%, `c2 < 15`, walks; 10% and below read every element). On clustered data (64 centres;
-- the category is a hash of the row id, so it is independent of the clusters) at 30%, 10%, 1% and 0.1% selectivity
-- (6,000 / 2,000 / 200 / 20 of 20,000 rows):
-- every query gets its 10 rows (k rows exist), none of them fails the condition, and recall@10 against the exact
-- answer over the matching rows is >= 0.95, for every vector opclass, halfvec, the index filled by INSERT and by
-- CREATE INDEX, each iterative mode, NULL filter values, = ANY, ranges over several filter columns, and after
-- deletes + VACUUM. An index that ignored the condition returns failing rows (bad > 0); one that dropped matching
-- elements from the walk misses rows (recall, rows_ok).
SET client_min_messages = warning;
SET max_parallel_maintenance_workers = 0;  -- one build thread: the same graph in every run
SELECT setseed(0.31);
-- c: 1 = 10%, 2 = 1%, 3 = 0.1% of the rows, 0 the rest, NULL every 97th of those; c8 = c * 1000 + i % 7; c2 = i % 50
CREATE FUNCTION hfc_cat(i int) RETURNS int4 LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN (i * 7919) % 1000 = 7 THEN 3 WHEN (i * 7919) % 100 = 3 THEN 2 WHEN (i * 7919) % 10 = 1 THEN 1
              WHEN i % 97 = 0 THEN NULL ELSE 0 END $$;
CREATE TABLE hfc (i int4 PRIMARY KEY, c int4, c8 int8, c2 int2, v vector(16), h halfvec(16));
-- the index exists before the rows: every element goes in through aminsert
CREATE INDEX hfc_ins ON hfc USING hnsw (v vector_l2_ops, c, c2);
INSERT INTO hfc (i, c, c8, c2, v, h)
  SELECT i, hfc_cat(i), hfc_cat(i) * 1000 + i % 7, (i % 50)::int2, a::vector, a::halfvec
  FROM (SELECT i, ARRAY(SELECT ((hashint4(i) & 63) * 37 + d * 11) % 17 / 17.0 + 0.1 * random() + 0 * i
                        FROM generate_series(1, 16) d) AS a
        FROM generate_series(1, 20000) i) s;
SELECT c, count(*) FROM hfc GROUP BY c ORDER BY c;
-- queries near the centres (not rows of the table), each its own noise
CREATE TABLE hfc_q AS
  SELECT q, ARRAY(SELECT ((q * 5 & 63) * 37 + d * 11) % 17 / 17.0 + 0.1 * random() + 0 * q
                  FROM generate_series(1, 16) d)::vector(16) AS v FROM generate_series(1, 12) q;
ANALYZE hfc;

-- Per condition: the fewest rows a query got with the index (all queries must get least(10, matching rows)), the
-- returned rows that fail the condition, and recall@10 against the exact answer (ORDER BY distance + 0: no index order).
CREATE FUNCTION hfc_run(p_cond text, p_op text, p_col text DEFAULT 'v', p_mode text DEFAULT 'off')
RETURNS TABLE (cond text, op text, mode text, rows_ok bool, bad bigint, recall_ok bool) LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  EXECUTE format('SET LOCAL hnsw.iterative_scan = %s', p_mode);
  SET LOCAL enable_seqscan = off;
  EXECUTE format($q$
    SELECT bool_and(n = least(10, total)) AS rows_ok, sum(n - hits_cond) AS bad,
           coalesce(sum(hit)::float8 / nullif(sum(least(10, total)), 0), 1) AS recall FROM (
      SELECT ex.total,
        (SELECT count(*) FROM (SELECT i FROM hfc WHERE %1$s ORDER BY %3$s %2$s q.v::%4$s LIMIT 10) a) AS n,
        (SELECT count(*) FROM (SELECT i FROM hfc WHERE %1$s ORDER BY %3$s %2$s q.v::%4$s LIMIT 10) a
           WHERE EXISTS (SELECT 1 FROM hfc WHERE i = a.i AND (%1$s))) AS hits_cond,
        (SELECT count(*) FROM (SELECT i FROM hfc WHERE %1$s ORDER BY %3$s %2$s q.v::%4$s LIMIT 10) a
           WHERE a.i = ANY (ex.ids)) AS hit
      FROM hfc_q q, LATERAL (
        SELECT (SELECT count(*) FROM hfc WHERE %1$s) AS total,
               (SELECT array_agg(i) FROM (SELECT i FROM hfc WHERE %1$s ORDER BY (%3$s %2$s q.v::%4$s) + 0 LIMIT 10) e)
                 AS ids) ex) s $q$, p_cond, p_op, p_col, CASE WHEN p_col = 'h' THEN 'halfvec' ELSE 'vector' END)
    INTO r;
  cond := p_cond; op := p_op; mode := p_mode;
  rows_ok := r.rows_ok; bad := r.bad; recall_ok := r.recall >= 0.95;
  IF NOT recall_ok THEN RAISE WARNING 'recall % for % % % %', r.recall, p_cond, p_op, p_col, p_mode; END IF;
  RETURN NEXT;
END $$;

-- the condition is an Index Cond of the hnsw scan, not a Filter over its rows
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT i FROM hfc WHERE c = 3 ORDER BY v <-> (SELECT v FROM hfc_q WHERE q = 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT i FROM hfc WHERE c = ANY (ARRAY[2, 3]) ORDER BY v <-> (SELECT v FROM hfc_q WHERE q = 1) LIMIT 10;
-- IS NULL, or an expression over the column, is not an index condition: the executor filters
EXPLAIN (COSTS OFF) SELECT i FROM hfc WHERE c IS NULL ORDER BY v <-> (SELECT v FROM hfc_q WHERE q = 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT i FROM hfc WHERE c + 0 = 3 ORDER BY v <-> (SELECT v FROM hfc_q WHERE q = 1) LIMIT 10;
-- without ORDER BY a distance the index answers nothing: never used for the condition alone
EXPLAIN (COSTS OFF) SELECT i FROM hfc WHERE c = 3;
RESET enable_seqscan;

-- filled by INSERT, every iterative mode, 10% / 1% / 0.1%
SELECT r.* FROM (VALUES ('off'), ('relaxed_order'), ('strict_order')) modes(m),
  unnest(ARRAY['c = 1', 'c = 2', 'c = 3', 'c2 < 15']) cond, LATERAL hfc_run(cond, '<->', 'v', m) r ORDER BY r.mode, r.cond;
-- = ANY, a NULL in the array, a NULL value never matches, no matching row at all
SELECT * FROM hfc_run('c = ANY (ARRAY[2, 3])', '<->');
SELECT * FROM hfc_run('c = ANY (ARRAY[3, NULL])', '<->');
-- c >= 0 holds for every row but the 183 NULLs, which lie all over the clusters: 1,000 rows, none of them NULL
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) AS rows, count(*) FILTER (WHERE c IS NULL) AS null_rows_returned FROM (
  SELECT i FROM hfc WHERE c >= 0 ORDER BY v <-> (SELECT v FROM hfc_q WHERE q = 1) LIMIT 1000) a JOIN hfc USING (i);
RESET hnsw.iterative_scan;
SELECT count(*) AS no_match FROM (SELECT i FROM hfc WHERE c = 42 ORDER BY v <-> (SELECT v FROM hfc_q WHERE q = 1) LIMIT 10) a;
SELECT count(*) AS null_param FROM (
  SELECT i FROM hfc WHERE c = (SELECT NULL::int) ORDER BY v <-> (SELECT v FROM hfc_q WHERE q = 1) LIMIT 10) a;
SELECT * FROM vectorext.index_check('hfc_ins', true);

-- CREATE INDEX (bulk build) for every opclass of vector, and halfvec
DROP INDEX hfc_ins;
CREATE INDEX hfc_l2 ON hfc USING hnsw (v vector_l2_ops, c, c2);
SELECT r.* FROM unnest(ARRAY['c = 1', 'c = 2', 'c = 3', 'c2 < 15']) cond, LATERAL hfc_run(cond, '<->') r;
DROP INDEX hfc_l2;
CREATE INDEX hfc_ip ON hfc USING hnsw (v vector_ip_ops, c, c2);
-- inner product over these un-normalised vectors: the 10 best of a query lie within 1-2% of each other, and at the
-- default ef_search (40) a walk at 10% found 0.67 of them (the executor-filtered scan of an index without the filter
-- column 0.56, relaxed_order); a wider beam finds them (10% and below read every element here: exact)
SET hnsw.ef_search = 200;
SELECT r.* FROM unnest(ARRAY['c = 1', 'c = 2', 'c = 3', 'c2 < 15']) cond, LATERAL hfc_run(cond, '<#>') r;
RESET hnsw.ef_search;
DROP INDEX hfc_ip;
CREATE INDEX hfc_cos ON hfc USING hnsw (v vector_cosine_ops, c, c2);
SELECT r.* FROM unnest(ARRAY['c = 1', 'c = 2', 'c = 3', 'c2 < 15']) cond, LATERAL hfc_run(cond, '<=>') r;
DROP INDEX hfc_cos;
CREATE INDEX hfc_l1 ON hfc USING hnsw (v vector_l1_ops, c, c2);
SELECT r.* FROM unnest(ARRAY['c = 1', 'c = 2', 'c = 3', 'c2 < 15']) cond, LATERAL hfc_run(cond, '<+>') r;
DROP INDEX hfc_l1;
CREATE INDEX hfc_half ON hfc USING hnsw (h halfvec_l2_ops, c, c2);
SELECT r.* FROM unnest(ARRAY['c = 1', 'c = 2', 'c = 3', 'c2 < 15']) cond, LATERAL hfc_run(cond, '<->', 'h') r;
SELECT * FROM vectorext.index_check('hfc_half', true);
DROP INDEX hfc_half;

-- several filter columns of each integer type: ranges, cross-type comparisons, conditions on two columns
CREATE INDEX hfc_multi ON hfc USING hnsw (v vector_l2_ops, c, c8, c2);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT i FROM hfc WHERE c8 >= 2000 AND c8 < 4000 AND c2 < 25::int8
  ORDER BY v <-> (SELECT v FROM hfc_q WHERE q = 1) LIMIT 10;
RESET enable_seqscan;
SELECT * FROM hfc_run('c8 >= 2000 AND c8 < 4000', '<->');
SELECT * FROM hfc_run('c8 > 2999 AND c2 <= 25', '<->');
SELECT * FROM hfc_run('c = 1 AND c2 >= 40::int8', '<->', 'v', 'relaxed_order');
SELECT * FROM hfc_run('c8 = 3002::int2', '<->');
SELECT * FROM hfc_run('c2 = ANY (ARRAY[9, 19]::int8[]) AND c = 1', '<->');
SELECT * FROM hfc_run('c8 < ANY (ARRAY[1003, 2003])', '<->');
SELECT * FROM hfc_run('c = ANY (ARRAY[]::int[])', '<->');
-- the array as a parameter of a generic plan
PREPARE hfc_any(int[], vector) AS SELECT i FROM hfc WHERE c = ANY ($1) ORDER BY v <-> $2 LIMIT 10;
SET plan_cache_mode = force_generic_plan;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) EXECUTE hfc_any('{2,3}', '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]');
CREATE TEMP TABLE hfc_any_rows AS EXECUTE hfc_any('{2,3}', '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]');
SELECT count(*) AS rows, bool_and(c IN (2, 3)) AS all_match FROM hfc_any_rows JOIN hfc USING (i);
DEALLOCATE hfc_any;
RESET enable_seqscan;
RESET plan_cache_mode;

-- deletes + VACUUM: half the 0.1% rows go; the other 10 still come back, all of them
DELETE FROM hfc WHERE c = 3 AND i % 2000 < 1000;
DELETE FROM hfc WHERE c = 1 AND i % 3 = 0;
VACUUM hfc;
SELECT r.* FROM (VALUES ('off'), ('strict_order')) modes(m), generate_series(1, 3) s,
  LATERAL hfc_run('c = ' || s, '<->', 'v', m) r ORDER BY r.mode, r.cond;
-- rows inserted after the VACUUM reuse the freed elements: their filter values are theirs
INSERT INTO hfc (i, c, c8, c2, v)
  SELECT i, 3, 3000, 0, ARRAY(SELECT ((hashint4(i) & 63) * 37 + d * 11) % 17 / 17.0 + 0.1 * random() + 0 * i
                               FROM generate_series(1, 16) d)
  FROM generate_series(20001, 20100) i;
SELECT * FROM hfc_run('c = 3', '<->');
SELECT * FROM vectorext.index_check('hfc_multi', true);

-- sparsevec beyond its 300 inline nonzeros (value pages) with a filter column: filled by INSERT, VACUUMed, re-filled
-- into freed elements, rebuilt; the rows of the filter only, the exact answer's (ties broken alike: distinct vectors)
CREATE TABLE hfc_sp (i int, c int8, s sparsevec(2000));
CREATE INDEX hfc_sp_idx ON hfc_sp USING hnsw (s sparsevec_l2_ops, c);
CREATE FUNCTION hfc_sp_val(i int) RETURNS sparsevec LANGUAGE sql IMMUTABLE AS $$
  SELECT ('{' || string_agg(d || ':' || ((i * d) % 7 + 1 + i / 1000.0), ',') || '}/2000')::sparsevec
  FROM generate_series(1 + i % 3, 1900, 3) d $$;
-- the index's 5 nearest of category 3 are the exact answer's
CREATE FUNCTION hfc_sp_same() RETURNS bool LANGUAGE sql AS $$
  SELECT (SELECT array_agg(i) FROM (SELECT i FROM hfc_sp WHERE c = 3 ORDER BY s <-> hfc_sp_val(13) LIMIT 5) a) =
         (SELECT array_agg(i) FROM (SELECT i FROM hfc_sp WHERE c = 3 ORDER BY (s <-> hfc_sp_val(13)) + 0 LIMIT 5) e) $$;
INSERT INTO hfc_sp SELECT i, i % 10, hfc_sp_val(i) FROM generate_series(1, 300) i;
DELETE FROM hfc_sp WHERE i % 2 = 0;
VACUUM hfc_sp;
INSERT INTO hfc_sp SELECT i, i % 10, hfc_sp_val(i) FROM generate_series(301, 400) i;
SELECT * FROM vectorext.index_check('hfc_sp_idx', true);
SET enable_seqscan = off;
SELECT hfc_sp_same() AS same_as_exact;
RESET enable_seqscan;
DROP INDEX hfc_sp_idx;
CREATE INDEX hfc_sp_idx ON hfc_sp USING hnsw (s sparsevec_l2_ops, c);
SELECT * FROM vectorext.index_check('hfc_sp_idx', true);
SET enable_seqscan = off;
SELECT hfc_sp_same() AS same_as_exact;
RESET enable_seqscan;
DROP TABLE hfc_sp;
DROP FUNCTION hfc_sp_same, hfc_sp_val;

-- what is refused: more than 4 filter columns (54011), a filter column of another type (0A000, or 42704 for a type
-- hnsw has no operator class for), the filter column first
\set VERBOSITY sqlstate
CREATE INDEX ON hfc USING hnsw (v vector_l2_ops, c, c8, c2, i, c);
CREATE INDEX ON hfc USING hnsw (v vector_l2_ops, h halfvec_l2_ops);
CREATE INDEX ON hfc USING hnsw (v vector_l2_ops, (c::float8));
CREATE INDEX ON hfc USING hnsw (c, v vector_l2_ops);
\set VERBOSITY default
CREATE INDEX ON hfc USING hnsw (v vector_l2_ops, c, c8, c2, i, c);
CREATE INDEX ON hfc USING hnsw (v vector_l2_ops, h halfvec_l2_ops);
CREATE INDEX ON hfc USING hnsw (c, v vector_l2_ops);

DROP TABLE hfc, hfc_q;

-- a less-trusted role under row-level security: it reads through the filter-column index (the array condition an
-- Index Cond of the ordered scan), and rows the policy hides never come back, even when its own condition asks for them
CREATE TABLE hfr (i int4, c int4, v vector(4));
INSERT INTO hfr SELECT i, i % 10, ARRAY[sin(i), cos(i * 0.7), sin(i * 1.3), cos(i * 2.1)]::real[]::vector
  FROM generate_series(1, 2000) i;
CREATE INDEX hfr_idx ON hfr USING hnsw (v vector_l2_ops, c);
ANALYZE hfr;
ALTER TABLE hfr ENABLE ROW LEVEL SECURITY;
CREATE POLICY hfr_hide3 ON hfr FOR SELECT USING (c <> 3);
CREATE ROLE hfc_reader;
GRANT SELECT ON hfr TO hfc_reader;
SET ROLE hfc_reader;
SET enable_seqscan = off;
SET hnsw.iterative_scan = relaxed_order;  -- the policy's filter drops c = 3 rows after the scan
EXPLAIN (COSTS OFF) SELECT i FROM hfr WHERE c = ANY('{1,3}') ORDER BY v <-> '[0.5,0.5,0.5,0.5]' LIMIT 20;
SELECT count(*) AS rows, count(*) FILTER (WHERE c = 3) AS hidden_rows, count(*) FILTER (WHERE c = 1) AS c1_rows
  FROM (SELECT c FROM hfr WHERE c = ANY('{1,3}') ORDER BY v <-> '[0.5,0.5,0.5,0.5]' LIMIT 20) s;
SELECT count(*) AS rows FROM (SELECT c FROM hfr WHERE c = 3 ORDER BY v <-> '[0.5,0.5,0.5,0.5]' LIMIT 20) s;
RESET enable_seqscan;
RESET hnsw.iterative_scan;
RESET ROLE;
DROP TABLE hfr;
DROP ROLE hfc_reader;
DROP FUNCTION hfc_run, hfc_cat;
RESET max_parallel_maintenance_workers;
