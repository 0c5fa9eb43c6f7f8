-- avg(halfvec) and sum(halfvec), and the casts of halfvec (vector, arrays), with their results and rounding.
SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::halfvec), ('[3,5,7]'), ('[2,2,2]')) t(v);
SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::halfvec), (NULL), ('[3,5,7]'), (NULL)) t(v);
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM (SELECT '[1]'::halfvec AS v WHERE false) t;
-- avg sums in double and rounds the mean to half once; sum rounds after each addition, like halfvec + halfvec
SELECT avg(v), sum(v) FROM (VALUES ('[0.1]'::halfvec), ('[0.2]'), ('[0.3]')) t(v);
SELECT avg(v) FROM (VALUES ('[60000,-60000]'::halfvec), ('[65504,-65504]')) t(v);
SELECT g, avg(v), sum(v) FROM (VALUES (1, '[1,1]'::halfvec), (2, '[5]'), (1, '[3,5]'), (2, '[6]')) t(g, v) GROUP BY g ORDER BY g;
SELECT pg_typeof(avg(v)), pg_typeof(sum(v)) FROM (VALUES ('[1]'::halfvec)) t(v);
\set VERBOSITY sqlstate
SELECT avg(v) FROM (VALUES ('[1,2,3]'::halfvec), ('[1,2,3,4]')) t(v);
SELECT sum(v) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) t(v);
\set VERBOSITY default
SELECT avg(v) FROM (VALUES ('[1,2,3]'::halfvec), ('[1,2,3,4]')) t(v);
SELECT sum(v) FROM (VALUES ('[1,2,3]'::halfvec), ('[1,2,3,4]')) t(v);
SELECT sum(v) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) t(v);

-- parallel aggregation: partial aggregates in workers, combined in the leader (halfvec_combine = vector_combine)
CREATE TABLE ha_par AS
  SELECT i, ARRAY[i % 7, i % 11 - 5, (i % 3) * 0.5]::halfvec AS v FROM generate_series(1, 30000) i;
ANALYZE ha_par;
ALTER TABLE ha_par SET (parallel_workers = 2);
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v) FROM ha_par;
CREATE TEMP TABLE ha_parallel AS SELECT avg(v) AS a, count(v) AS n FROM ha_par;
SET max_parallel_workers_per_gather = 0;
SELECT p.a = s.a AS avg_equal, p.n, s.a FROM ha_parallel p, (SELECT avg(v) AS a FROM ha_par) s;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE ha_par, ha_parallel;

-- the state functions are callable directly
SELECT halfvec_accum('{0}', '[1,2]'), halfvec_accum(halfvec_accum('{0}', '[1,2]'), '[3,4.5]');
SELECT halfvec_combine('{2,4,6}', '{1,1,1}'), halfvec_avg('{2,3,5}'), halfvec_avg('{0}') IS NULL AS empty;
WITH s(st) AS (SELECT '{1,1,1}'::float8[]) SELECT halfvec_accum(st, '[1,1]'), st FROM s;

-- casts: halfvec <-> vector (vector -> halfvec implicit, back by assignment), arrays -> halfvec (assignment),
-- halfvec -> real[] (assignment); rounding to half is round to nearest even
SELECT '[1,2.5]'::halfvec::vector, '[1.1,-2,3e-3]'::vector::halfvec, '[1,2.5]'::halfvec::real[];
SELECT '{1,2,3}'::int[]::halfvec, '{1.1,-2,3e-3}'::real[]::halfvec, '{1.1,-2,3e-3}'::float8[]::halfvec, '{1.1,-2,0.003}'::numeric[]::halfvec;
SELECT ARRAY[1,2,3]::halfvec(3), '[1,2]'::vector(2)::halfvec(2), '[1,2]'::halfvec(2)::vector(2);
SELECT '{2049}'::int[]::halfvec AS ties_to_even, '{65519}'::int[]::halfvec AS largest, '{1e-8}'::float8[]::halfvec AS underflow_to_zero;
SELECT array_to_halfvec('{4,5}'::int[], -1, true), halfvec_to_vector('[1]', -1, false), vector_to_halfvec('[1]', 1, false), halfvec_to_float4('[7]', -1, true);
SELECT pg_typeof('[1]'::halfvec::real[]), pg_typeof('[1]'::vector::halfvec);
SELECT '[2:4]={7,8,9}'::int[]::halfvec AS lower_bound_ignored;
SELECT array_fill(1, ARRAY[16000])::halfvec(16000)::vector(16000)::halfvec IS NOT NULL AS max_dims_round_trip;
-- a vector column's values compared as halfvec: the pgvector pattern for half-precision expression indexes
CREATE TABLE hc_items (v vector(3));
INSERT INTO hc_items VALUES ('[1,2,3]'), ('[1.0001,2,3]'), ('[4,5,6]');
SELECT v, v::halfvec(3) AS h, v::halfvec(3) <-> '[1,2,3]' AS l2 FROM hc_items ORDER BY v::halfvec(3) <-> '[1,2,3]', v;
-- assignment casts apply on INSERT; typmod is enforced
CREATE TABLE hc_typed (v halfvec(3));
INSERT INTO hc_typed VALUES (ARRAY[1,2,3]), ('{4,5,6}'::real[]), (ARRAY[7,8,9]::float8[]), (ARRAY[1.5,2.5,3.5]), ('[1,1,1]'::vector);
SELECT * FROM hc_typed;
INSERT INTO hc_typed VALUES (ARRAY[1,2]);
INSERT INTO hc_typed VALUES ('[1,2]'::vector);
DROP TABLE hc_items, hc_typed;
