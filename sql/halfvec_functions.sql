-- halfvec distance operators and functions, arithmetic, concatenation, scalar functions, comparison and btree.
-- Printed values are small integers or halves, so every kernel level (AVX-512 / AVX2+F16C / portable) sums them exactly.

-- distances
SELECT '[1,2,3]'::halfvec <-> '[4,5,6]', l2_distance('[1,2,3]'::halfvec, '[4,5,6]'), halfvec_l2_squared_distance('[1,2,3]', '[4,5,6]');
SELECT '[1,2,3]'::halfvec <#> '[4,5,6]', inner_product('[1,2,3]'::halfvec, '[4,5,6]'), halfvec_negative_inner_product('[1,2,3]', '[4,5,6]');
SELECT '[1,2,3]'::halfvec <=> '[4,5,6]', cosine_distance('[1,2,3]'::halfvec, '[4,5,6]');
SELECT '[1,2,3]'::halfvec <+> '[4,-5,6]', l1_distance('[1,2,3]'::halfvec, '[4,-5,6]');
SELECT '[1,1]'::halfvec <=> '[2,2]' AS same_direction, '[1,1]'::halfvec <=> '[-1,-1]' AS opposite, '[1,0]'::halfvec <=> '[0,1]' AS orthogonal;
SELECT '[0,0]'::halfvec <=> '[1,1]' AS zero_norm_is_nan;
SELECT halfvec_spherical_distance('[1,0]', '[0,1]'), halfvec_spherical_distance('[1,0]', '[1,0]'), halfvec_spherical_distance('[1,0]', '[-1,0]');
-- distances of the stored (rounded) values, accumulated in float: no overflow at the half range
SELECT '[1.1]'::halfvec <-> '[0]' AS rounded_element, '[65504,65504]'::halfvec <#> '[65504,65504]' AS beyond_half_range;

-- every distance of long vectors agrees with a double-precision reference over the same elements
CREATE TABLE hf_pairs AS
  SELECT i, array_agg(((i * 31 + j * 17) % 23 - 11) ORDER BY j)::halfvec AS a,
            array_agg(((i * 7 + j * 13) % 19 - 9) ORDER BY j)::halfvec AS b
  FROM generate_series(1, 20) i, generate_series(1, 3001) j GROUP BY i;
WITH e AS (
  SELECT p.i, x::float8 AS x, y::float8 AS y FROM hf_pairs p, unnest(a::real[], b::real[]) AS u(x, y)
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
       count(*) FILTER (WHERE halfvec_l2_squared_distance(a, b) <> round(l2 * l2)) AS l2sq_bad,
       count(*) FILTER (WHERE (a <-> b) <> (a::vector <-> b::vector) OR (a <=> b) <> (a::vector <=> b::vector)) AS differs_from_vector
FROM hf_pairs JOIN ref USING (i);
DROP TABLE hf_pairs;

-- commutators are declared, so the planner may flip either side
SELECT oprname, oprcode, oprcom::regoperator, oprnegate::regoperator, oprcanmerge FROM pg_operator
WHERE oprleft = 'halfvec'::regtype AND oprright = 'halfvec'::regtype ORDER BY oprname;

-- dimension mismatch is an error for every distance and arithmetic operator
\set VERBOSITY sqlstate
SELECT '[1,2,3]'::halfvec <-> '[1,2,3,4]';
\set VERBOSITY default
SELECT '[1,2,3]'::halfvec <-> '[1,2,3,4]';
SELECT '[1,2,3]'::halfvec <#> '[1,2,3,4]';
SELECT '[1,2,3]'::halfvec <=> '[1,2,3,4]';
SELECT '[1,2,3]'::halfvec <+> '[1,2,3,4]';
SELECT inner_product('[1,2,3]'::halfvec, '[1,2,3,4]');
SELECT halfvec_l2_squared_distance('[1,2,3]', '[1,2,3,4]');
SELECT halfvec_spherical_distance('[1,2,3]', '[1,2,3,4]');
SELECT '[1,2,3]'::halfvec + '[1,2,3,4]';
SELECT '[1,2,3]'::halfvec - '[1,2,3,4]';
SELECT '[1,2,3]'::halfvec * '[1,2,3,4]';

-- arithmetic: computed in float, rounded to half (round to nearest even)
SELECT '[1,2,3]'::halfvec + '[4,5,6]', halfvec_add('[1,2,3]', '[4,5,6]');
SELECT '[1,2,3]'::halfvec - '[4,5,6]', halfvec_sub('[1,2,3]', '[4,5,6]');
SELECT '[1,2,3]'::halfvec * '[4,5,6]', halfvec_mul('[1,2,3]', '[4,5,6]');
SELECT '[2048,1]'::halfvec + '[1,0.0001]' AS rounded_to_half, '[1e-3,0,-2,0]'::halfvec * '[1e-3,5,0,0]' AS zero_factors_are_fine;
SELECT '[65504]'::halfvec + '[15]' AS rounds_down_to_max;
\set VERBOSITY sqlstate
SELECT '[65504]'::halfvec + '[65504]';
\set VERBOSITY default
SELECT '[65504]'::halfvec + '[65504]';
SELECT '[-65504]'::halfvec - '[65504]';
SELECT '[300,1]'::halfvec * '[300,1]';
\set VERBOSITY sqlstate
SELECT '[1,1e-4]'::halfvec * '[1,1e-4]';
\set VERBOSITY default
SELECT '[1,1e-4]'::halfvec * '[1,1e-4]';

-- concatenation
SELECT '[1,2]'::halfvec || '[3]', halfvec_concat('[1]', '[2,3,4]');
SELECT vector_dims(array_fill(1, ARRAY[15999])::halfvec || '[2]') AS max_dims;
SELECT array_fill(1, ARRAY[16000])::halfvec || '[2]';

-- scalar functions
SELECT vector_dims('[1,2,3]'::halfvec), vector_dims('[0]'::halfvec);
SELECT l2_norm('[3,4]'::halfvec), l2_norm('[0,0]'::halfvec), l2_norm('[1,1,1,1]'::halfvec);
SELECT l2_norm('[65504,65504]'::halfvec) AS norm_in_double;
SELECT l2_normalize('[3,4]'::halfvec), l2_normalize('[0,0]'::halfvec) AS zero_stays_zero, l2_normalize('[-5]'::halfvec);
SELECT l2_normalize('[65504,65504]'::halfvec), l2_normalize('[1,1,1]'::halfvec) AS rounded, pg_typeof(l2_normalize('[1]'::halfvec));
SELECT abs(l2_norm(l2_normalize('[1,2,3,4,5,6,7]'::halfvec)) - 1) < 1e-3 AS unit_length;

-- subvector(v, start, count): 1-based, clipped like substring
SELECT subvector('[1,2,3,4,5]'::halfvec, 1, 3), subvector('[1,2,3,4,5]'::halfvec, 3, 2), subvector('[1,2,3,4,5]'::halfvec, 5, 1);
SELECT subvector('[1,2,3,4,5]'::halfvec, 4, 10) AS clipped_end, subvector('[1,2,3,4,5]'::halfvec, -1, 3) AS clipped_start,
       subvector('[1,2,3]'::halfvec, 2, 2147483647) AS no_overflow, subvector('[1,2,3]'::halfvec, -2147483645, 2147483647) AS no_overflow2;
\set VERBOSITY sqlstate
SELECT subvector('[1,2,3]'::halfvec, 1, 0);
\set VERBOSITY default
SELECT subvector('[1,2,3]'::halfvec, 1, 0);
SELECT subvector('[1,2,3]'::halfvec, 4, 1);
SELECT subvector('[1,2,3]'::halfvec, -5, 3);
SELECT subvector('[1,2,3]'::halfvec, 2147483647, 2147483647);

-- binary_quantize: bit i is set where element i > 0 (6e-8 is the smallest half above zero)
SELECT binary_quantize('[1,-2,0,3.5,-0.1,6e-8,-0,1e-8,2]'::halfvec);
SELECT binary_quantize('[1,2,-3]'::halfvec) = binary_quantize('[1,2,-3]'::vector) AS same_as_vector, pg_typeof(binary_quantize('[1]'::halfvec));

-- comparison: element by element as reals, then the shorter first; different dimensions are ordered
SELECT '[1,2,3]'::halfvec = '[1,2,3]', '[1,2,3]'::halfvec = '[1,2,4]', '[1,2,3]'::halfvec <> '[1,2,4]', '[1,2]'::halfvec <> '[1,2,0]';
SELECT '[1,2,3]'::halfvec < '[1,2,4]', '[1,2,3]'::halfvec <= '[1,2,3]', '[1,2,4]'::halfvec > '[1,2,3]', '[1,2,3]'::halfvec >= '[1,2,4]';
SELECT '[1,2]'::halfvec < '[1,2,0]' AS shorter_first, '[2]'::halfvec > '[1,9,9]' AS values_before_length;
SELECT '[-0]'::halfvec = '[0]' AS signed_zero_equal, '[1.0001]'::halfvec = '[1]' AS equal_after_rounding;
SELECT halfvec_cmp('[1,2]', '[1,3]'), halfvec_cmp('[1,3]', '[1,2]'), halfvec_cmp('[1,2]', '[1,2]'), halfvec_cmp('[1]', '[1,2]');
SELECT halfvec_lt('[1]', '[2]'), halfvec_le('[2]', '[2]'), halfvec_eq('[2]', '[2]'), halfvec_ne('[2]', '[2]'), halfvec_ge('[1]', '[2]'), halfvec_gt('[3]', '[2]');

-- btree: ORDER BY, DISTINCT, a unique index, an index scan, a merge join
CREATE TABLE hf_sorted (id int, v halfvec);
INSERT INTO hf_sorted VALUES (1, '[3,1]'), (2, '[1,2,3]'), (3, '[1,2]'), (4, '[-1,5]'), (5, '[1,2]'), (6, '[3,0.5]');
SELECT v FROM hf_sorted ORDER BY v, id;
SELECT DISTINCT v FROM hf_sorted ORDER BY v DESC;
SELECT v, count(*) FROM hf_sorted GROUP BY v ORDER BY v;
CREATE INDEX hf_sorted_v ON hf_sorted (v);
SELECT opcname FROM pg_opclass c JOIN pg_index i ON c.oid = i.indclass[0] WHERE i.indexrelid = 'hf_sorted_v'::regclass;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hf_sorted WHERE v = '[1,2]';
SELECT id FROM hf_sorted WHERE v = '[1,2]' ORDER BY id;
SELECT id FROM hf_sorted WHERE v > '[1,2]' AND v < '[3,1]' ORDER BY v;
RESET enable_seqscan;
CREATE UNIQUE INDEX hf_sorted_unique ON hf_sorted (v);
DELETE FROM hf_sorted WHERE id = 5;
CREATE UNIQUE INDEX hf_sorted_unique ON hf_sorted (v);
INSERT INTO hf_sorted VALUES (7, '[1,2]');
SET enable_hashjoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM hf_sorted a JOIN hf_sorted b ON a.v = b.v;
SELECT a.id, b.id FROM hf_sorted a JOIN hf_sorted b ON a.v = b.v ORDER BY a.id;
RESET enable_hashjoin; RESET enable_nestloop;
DROP TABLE hf_sorted;

-- exact nearest neighbours by each operator over a table
CREATE TABLE hf_items (id int, v halfvec(3));
INSERT INTO hf_items VALUES (1, '[1,1,1]'), (2, '[2,2,2]'), (3, '[1,1,2]'), (4, '[-1,0,3]'), (5, '[0.5,0.25,0.125]');
SELECT id, v <-> '[1,1,1]' AS l2 FROM hf_items ORDER BY v <-> '[1,1,1]', id;
SELECT id, v <#> '[1,1,1]' AS ip FROM hf_items ORDER BY v <#> '[1,1,1]', id;
SELECT id, round((v <=> '[1,1,1]')::numeric, 6) AS cos FROM hf_items ORDER BY v <=> '[1,1,1]', id;
SELECT id, v <+> '[1,1,1]' AS l1 FROM hf_items ORDER BY v <+> '[1,1,1]', id;
-- a vector query against a halfvec column: the implicit vector -> halfvec cast applies
SELECT id FROM hf_items ORDER BY v <-> '[2,2,2]'::vector LIMIT 1;
DROP TABLE hf_items;

-- NULL in, NULL out (STRICT), and the declared volatility/strictness/parallel safety (pgvector's: every one
-- IMMUTABLE STRICT PARALLEL SAFE)
SELECT NULL::halfvec <-> '[1]', '[1]'::halfvec + NULL, vector_dims(NULL::halfvec), subvector('[1,2]'::halfvec, NULL, 1), binary_quantize(NULL::halfvec);
SELECT p.oid::regprocedure AS function, provolatile = 'i' AS immutable, proisstrict AS strict, proparallel = 's' AS parallel_safe
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON d.refobjid = e.oid AND e.extname = 'vectorext'
WHERE p.prokind = 'f' AND ('halfvec'::regtype = ANY (p.proargtypes::oid[]) OR p.prorettype = 'halfvec'::regtype
                           OR p.proname LIKE 'halfvec%')
ORDER BY p.oid::regprocedure::text;
