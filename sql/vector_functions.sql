-- Distance operators and functions, arithmetic, concatenation, scalar functions, comparison and btree.
-- Values are small integers where the result is printed, so every SIMD level sums them exactly.

-- distances
SELECT '[1,2,3]'::vector <-> '[4,5,6]', l2_distance('[1,2,3]'::vector, '[4,5,6]'), vector_l2_squared_distance('[1,2,3]', '[4,5,6]');
SELECT '[1,2,3]'::vector <#> '[4,5,6]', inner_product('[1,2,3]'::vector, '[4,5,6]'), vector_negative_inner_product('[1,2,3]', '[4,5,6]');
SELECT '[1,2,3]'::vector <=> '[4,5,6]', cosine_distance('[1,2,3]'::vector, '[4,5,6]');
SELECT '[1,2,3]'::vector <+> '[4,-5,6]', l1_distance('[1,2,3]'::vector, '[4,-5,6]');
SELECT '[1,1]'::vector <=> '[2,2]' AS same_direction, '[1,1]'::vector <=> '[-1,-1]' AS opposite, '[1,0]'::vector <=> '[0,1]' AS orthogonal;
SELECT '[0,0]'::vector <=> '[1,1]' AS zero_norm_is_nan;
SELECT vector_spherical_distance('[1,0]', '[0,1]'), vector_spherical_distance('[1,0]', '[1,0]'), vector_spherical_distance('[1,0]', '[-1,0]');
SELECT vector_spherical_distance('[1.0000001,0]', '[1.0000001,0]') AS clamped;
SELECT '[3e38]'::vector <-> '[-3e38]' AS l2_overflows_to_inf;

-- every distance of long vectors agrees with a double-precision reference computed in SQL
CREATE TABLE vf_pairs AS
  SELECT i, ('[' || string_agg(((i * 31 + j * 17) % 23 - 11)::text, ',' ORDER BY j) || ']')::vector AS a,
            ('[' || string_agg(((i * 7 + j * 13) % 19 - 9)::text, ',' ORDER BY j) || ']')::vector AS b
  FROM generate_series(1, 20) i, generate_series(1, 301) j GROUP BY i;
WITH e AS (
  SELECT p.i, a, b, x::float8 AS x, y::float8 AS y
  FROM vf_pairs p, unnest(a::real[], b::real[]) AS u(x, y)
), ref AS (
  SELECT i, sqrt(sum((x - y) ^ 2)) AS l2, sum(x * y) AS ip, sum(abs(x - y)) AS l1,
         1 - sum(x * y) / sqrt(sum(x * x) * sum(y * y)) AS cos
  FROM e GROUP BY i
)
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE abs((a <-> b) - l2) > 1e-9 * l2) AS l2_bad,
       count(*) FILTER (WHERE (a <#> b) <> -ip OR inner_product(a, b) <> ip) AS ip_bad,
       count(*) FILTER (WHERE (a <+> b) <> l1) AS l1_bad,
       count(*) FILTER (WHERE abs((a <=> b) - cos) > 1e-6) AS cos_bad,
       count(*) FILTER (WHERE vector_l2_squared_distance(a, b) <> round(l2 * l2)) AS l2sq_bad
FROM vf_pairs JOIN ref USING (i);
DROP TABLE vf_pairs;

-- commutators are declared, so the planner may flip either side
SELECT oprname, oprcode, oprcom::regoperator FROM pg_operator
WHERE oprleft = 'vector'::regtype AND oprright = 'vector'::regtype ORDER BY oprname;

-- dimension mismatch is an error for every distance and arithmetic operator
\set VERBOSITY sqlstate
SELECT '[1,2,3]'::vector <-> '[1,2,3,4]';
\set VERBOSITY default
SELECT '[1,2,3]'::vector <-> '[1,2,3,4]';
SELECT '[1,2,3]'::vector <#> '[1,2,3,4]';
SELECT '[1,2,3]'::vector <=> '[1,2,3,4]';
SELECT '[1,2,3]'::vector <+> '[1,2,3,4]';
SELECT l2_distance('[1,2,3]'::vector, '[1,2,3,4]');
SELECT inner_product('[1,2,3]'::vector, '[1,2,3,4]');
SELECT cosine_distance('[1,2,3]'::vector, '[1,2,3,4]');
SELECT l1_distance('[1,2,3]'::vector, '[1,2,3,4]');
SELECT vector_l2_squared_distance('[1,2,3]', '[1,2,3,4]');
SELECT vector_negative_inner_product('[1,2,3]', '[1,2,3,4]');
SELECT vector_spherical_distance('[1,2,3]', '[1,2,3,4]');
SELECT '[1,2,3]'::vector + '[1,2,3,4]';
SELECT '[1,2,3]'::vector - '[1,2,3,4]';
SELECT '[1,2,3]'::vector * '[1,2,3,4]';

-- arithmetic
SELECT '[1,2,3]'::vector + '[4,5,6]', vector_add('[1,2,3]', '[4,5,6]');
SELECT '[1,2,3]'::vector - '[4,5,6]', vector_sub('[1,2,3]', '[4,5,6]');
SELECT '[1,2,3]'::vector * '[4,5,6]', vector_mul('[1,2,3]', '[4,5,6]');
SELECT '[1e-3,0,-2,0]'::vector * '[1e-3,5,0,0]' AS zero_factors_are_fine;
\set VERBOSITY sqlstate
SELECT '[3e38]'::vector + '[3e38]';
\set VERBOSITY default
SELECT '[3e38]'::vector + '[3e38]';
SELECT '[-3e38]'::vector - '[3e38]';
SELECT '[1e20,1]'::vector * '[1e20,1]';
\set VERBOSITY sqlstate
SELECT '[1,1e-30]'::vector * '[1,1e-30]';
\set VERBOSITY default
SELECT '[1,1e-30]'::vector * '[1,1e-30]';

-- concatenation
SELECT '[1,2]'::vector || '[3]', vector_concat('[1]', '[2,3,4]');
SELECT vector_dims(('[' || array_to_string(array_fill(1, ARRAY[15999]), ',') || ']')::vector || '[2]') AS max_dims;
\set VERBOSITY sqlstate
SELECT ('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::vector || '[2]';
\set VERBOSITY default
SELECT ('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::vector || '[2]';

-- scalar functions
SELECT vector_dims('[1,2,3]'::vector), vector_dims('[0]'::vector);
SELECT vector_norm('[3,4]'), vector_norm('[0,0]'), vector_norm('[1,1,1,1]');
SELECT vector_norm('[3e38,3e38]') AS norm_in_double_does_not_overflow;
SELECT l2_normalize('[3,4]'::vector), l2_normalize('[0,0]'::vector) AS zero_stays_zero, l2_normalize('[-5]'::vector);
SELECT l2_normalize('[3e38,3e38]'::vector), l2_normalize('[1e-45,0]'::vector) AS subnormal;
SELECT abs(vector_norm(l2_normalize('[1,2,3,4,5,6,7]'::vector)) - 1) < 1e-6 AS unit_length;

-- subvector(v, start, count): 1-based, clipped like substring
SELECT subvector('[1,2,3,4,5]'::vector, 1, 3), subvector('[1,2,3,4,5]'::vector, 3, 2), subvector('[1,2,3,4,5]'::vector, 5, 1);
SELECT subvector('[1,2,3,4,5]'::vector, 4, 10) AS clipped_end, subvector('[1,2,3,4,5]'::vector, 0, 3) AS clipped_start,
       subvector('[1,2,3,4,5]'::vector, -1, 3) AS clipped_start2, subvector('[1,2,3,4,5]'::vector, -100, 1000) AS whole;
SELECT subvector('[1,2,3]'::vector, 2, 2147483647) AS no_overflow, subvector('[1,2,3]'::vector, -2147483645, 2147483647) AS no_overflow2;
\set VERBOSITY sqlstate
SELECT subvector('[1,2,3]'::vector, 1, 0);
\set VERBOSITY default
SELECT subvector('[1,2,3]'::vector, 1, 0);
SELECT subvector('[1,2,3]'::vector, 2, -1);
SELECT subvector('[1,2,3]'::vector, 4, 1);
SELECT subvector('[1,2,3]'::vector, 2147483647, 1);
SELECT subvector('[1,2,3]'::vector, -5, 3);
SELECT subvector('[1,2,3]'::vector, 0, 1);
SELECT subvector('[1,2,3]'::vector, -2147483648, 2147483647);

-- binary_quantize: bit i is set where element i > 0
SELECT binary_quantize('[1,-2,0,3.5,-0.1]'::vector);
SELECT binary_quantize('[1,1,1,1,1,1,1,1]'::vector), binary_quantize('[0,0,0,0,0,0,0,0,1]'::vector), binary_quantize('[-1]'::vector);
SELECT pg_typeof(binary_quantize('[1]'::vector)), length(binary_quantize(subvector(('[' || array_to_string(array_fill(1, ARRAY[100]), ',') || ']')::vector, 1, 77)));

-- comparison: element by element, then the shorter first; different dimensions are ordered, not an error
SELECT '[1,2,3]'::vector = '[1,2,3]', '[1,2,3]'::vector = '[1,2,4]', '[1,2,3]'::vector <> '[1,2,4]', '[1,2]'::vector <> '[1,2,0]';
SELECT '[1,2,3]'::vector < '[1,2,4]', '[1,2,3]'::vector <= '[1,2,3]', '[1,2,4]'::vector > '[1,2,3]', '[1,2,3]'::vector >= '[1,2,4]';
SELECT '[1,2]'::vector < '[1,2,0]' AS shorter_first, '[2]'::vector > '[1,9,9]' AS values_before_length;
SELECT '[-0]'::vector = '[0]' AS signed_zero_equal;
SELECT vector_cmp('[1,2]', '[1,3]'), vector_cmp('[1,3]', '[1,2]'), vector_cmp('[1,2]', '[1,2]'), vector_cmp('[1]', '[1,2]');
SELECT vector_lt('[1]', '[2]'), vector_le('[2]', '[2]'), vector_eq('[2]', '[2]'), vector_ne('[2]', '[2]'), vector_ge('[1]', '[2]'), vector_gt('[3]', '[2]');

-- btree: ORDER BY, DISTINCT, a unique index, an index scan, a merge join
CREATE TABLE vf_sorted (id int, v vector);
INSERT INTO vf_sorted VALUES (1, '[3,1]'), (2, '[1,2,3]'), (3, '[1,2]'), (4, '[-1,5]'), (5, '[1,2]'), (6, '[3,0.5]');
SELECT v FROM vf_sorted ORDER BY v, id;
SELECT DISTINCT v FROM vf_sorted ORDER BY v DESC;
SELECT v, count(*) FROM vf_sorted GROUP BY v ORDER BY v;
CREATE INDEX vf_sorted_v ON vf_sorted (v);
SELECT opcname FROM pg_opclass c JOIN pg_index i ON c.oid = i.indclass[0] WHERE i.indexrelid = 'vf_sorted_v'::regclass;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM vf_sorted WHERE v = '[1,2]';
SELECT id FROM vf_sorted WHERE v = '[1,2]' ORDER BY id;
SELECT id FROM vf_sorted WHERE v > '[1,2]' AND v < '[3,1]' ORDER BY v;
RESET enable_seqscan;
CREATE UNIQUE INDEX vf_sorted_unique ON vf_sorted (v);
DELETE FROM vf_sorted WHERE id = 5;
CREATE UNIQUE INDEX vf_sorted_unique ON vf_sorted (v);
INSERT INTO vf_sorted VALUES (7, '[1,2]');
SET enable_hashjoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM vf_sorted a JOIN vf_sorted b ON a.v = b.v;
SELECT a.id, b.id FROM vf_sorted a JOIN vf_sorted b ON a.v = b.v ORDER BY a.id;
RESET enable_hashjoin; RESET enable_nestloop;
DROP TABLE vf_sorted;

-- NULL in, NULL out (STRICT), and the declared volatility/strictness/parallel safety
SELECT NULL::vector <-> '[1]', '[1]'::vector + NULL, vector_dims(NULL::vector), subvector('[1,2]'::vector, NULL, 1), binary_quantize(NULL::vector);
SELECT p.proname, count(*) AS n, bool_and(provolatile = 'i') AS immutable, bool_and(proisstrict) AS strict,
       bool_and(proparallel = 's') AS parallel_safe
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON d.refobjid = e.oid AND e.extname = 'vectorext'
WHERE p.prokind = 'f' AND (p.proargtypes[0] = 'vector'::regtype OR p.prorettype = 'vector'::regtype
                           OR p.proname IN ('vector_accum', 'vector_combine', 'vector_avg'))
GROUP BY p.proname ORDER BY p.proname;
