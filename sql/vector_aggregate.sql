-- avg(vector) and sum(vector): results, NULL handling, empty input, mismatched dimensions, overflow, parallel
-- aggregation (partial + combine) equal to the serial result, and the state functions called directly.
SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::vector), ('[3,5,7]'), ('[2,2,2]')) t(v);
SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::vector), (NULL), ('[3,5,7]'), (NULL)) t(v);
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM (VALUES (NULL::vector), (NULL)) t(v);
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM (SELECT '[1]'::vector AS v WHERE false) t;
SELECT avg(v) FROM (VALUES ('[1]'::vector), ('[2]')) t(v);
SELECT avg(v) FROM (VALUES ('[0.1]'::vector), ('[0.2]'), ('[0.3]')) t(v);
SELECT avg(DISTINCT v), sum(DISTINCT v) FROM (VALUES ('[1,2]'::vector), ('[1,2]'), ('[3,4]')) t(v);
-- grouped, and as window aggregates
SELECT g, avg(v), sum(v) FROM (VALUES (1, '[1,1]'::vector), (2, '[5]'), (1, '[3,5]'), (2, '[6]')) t(g, v) GROUP BY g ORDER BY g;
SELECT i, avg(v) OVER (ORDER BY i), sum(v) OVER (ORDER BY i ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
FROM (VALUES (1, '[1,10]'::vector), (2, '[3,20]'), (3, '[5,60]')) t(i, v) ORDER BY i;

-- mismatched dimensions are an error, never a wrong number
\set VERBOSITY sqlstate
SELECT avg(v) FROM (VALUES ('[1,2,3]'::vector), ('[1,2,3,4]')) t(v);
SELECT sum(v) FROM (VALUES ('[1,2,3]'::vector), ('[1,2,3,4]')) t(v);
\set VERBOSITY default
SELECT avg(v) FROM (VALUES ('[1,2,3]'::vector), ('[1,2,3,4]')) t(v);
SELECT sum(v) FROM (VALUES ('[1,2,3]'::vector), ('[1,2,3,4]')) t(v);
SELECT avg(v) FROM (VALUES ('[1,2,3,4]'::vector), (NULL), ('[1,2,3]')) t(v);

-- sum adds in float4 and overflows like vector + vector; avg sums in float8 and does not
\set VERBOSITY sqlstate
SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) t(v);
\set VERBOSITY default
SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) t(v);
SELECT avg(v) FROM (VALUES ('[3e38,-3e38]'::vector), ('[3e38,-3e38]'), ('[3e38,-3e38]')) t(v);

-- parallel aggregation: partial aggregates in workers, combined in the leader
CREATE TABLE va_par AS
  SELECT i, ('[' || (i % 7)::text || ',' || (i % 11 - 5)::text || ',' || (i % 3)::text || ']')::vector AS v
  FROM generate_series(1, 30000) i;
INSERT INTO va_par VALUES (0, NULL);
ANALYZE va_par;
ALTER TABLE va_par SET (parallel_workers = 2);
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM va_par;
CREATE TEMP TABLE va_parallel AS SELECT avg(v) AS a, sum(v) AS s, count(v) AS n FROM va_par;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM va_par;
SELECT p.a = s.a AS avg_equal, p.s = s.s AS sum_equal, p.n, s.a, s.s
FROM va_parallel p, (SELECT avg(v) AS a, sum(v) AS s FROM va_par) s;
-- a mismatched row is an error in parallel too, whether a worker's transition or the leader's combine sees it
-- (which process meets it first decides the order of the numbers in the message, so show the SQLSTATE only)
INSERT INTO va_par VALUES (30001, '[1,2]');
SET max_parallel_workers_per_gather = 2;
\set VERBOSITY sqlstate
SELECT avg(v) FROM va_par;
SELECT sum(v) FROM va_par;
\set VERBOSITY default
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE va_par, va_parallel;

-- the state functions are callable directly and never modify their arguments outside an aggregate
SELECT vector_accum('{0}', '[1,2]');
SELECT vector_accum(vector_accum('{0}', '[1,2]'), '[3,4]');
SELECT vector_combine('{2,4,6}', '{1,1,1}'), vector_combine('{0}', '{1,1,1}'), vector_combine('{1,1,1}', '{0}');
SELECT vector_avg('{2,4,6}'), vector_avg('{0}') IS NULL AS empty;
WITH s(st) AS (SELECT '{1,1,1}'::float8[]) SELECT vector_accum(st, '[1,1]'), vector_combine(st, st), st FROM s;
SELECT vector_combine('{1,1,1}', '{1,1}');
SELECT vector_accum('{1,1,1}', '[1]');
SELECT vector_accum('{}', '[1]');
SELECT vector_avg('{{1,2},{3,4}}');
SELECT vector_combine('{1,NULL}', '{1,2}');
-- malformed states are the caller's error (22023), never an internal one; states over 16,000 dims are refused
\set VERBOSITY sqlstate
SELECT vector_accum('{}', '[1]');
SELECT vector_avg('{{1,2},{3,4}}');
SELECT vector_combine('{1,NULL}', '{1,2}');
SELECT vector_combine(array_fill(1::float8, ARRAY[16002]), '{0}');
SELECT vector_combine('{0}', array_fill(1::float8, ARRAY[16002]));
SELECT vector_combine(array_fill(1::float8, ARRAY[16002]), array_fill(1::float8, ARRAY[16002]));
\set VERBOSITY default
SELECT vector_combine(array_fill(1::float8, ARRAY[16002]), '{0}');
SELECT vector_combine('{0}', '{0}') AS two_empty_states, vector_avg(vector_combine('{0}', '{0}')) IS NULL AS avg_null;
SELECT vector_dims(vector_avg(vector_combine(array_fill(1::float8, ARRAY[16001]), '{0}'))) AS max_dims;
