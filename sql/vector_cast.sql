-- Casts: integer[], real[], double precision[], numeric[] -> vector (assignment casts, typmod enforced) and
-- vector -> real[] (implicit), with every error.
SELECT '{1,2,3}'::int[]::vector, '{1.5,-2,3e-3}'::real[]::vector, '{1.5,-2,3e-3}'::float8[]::vector, '{1.5,-2,0.001}'::numeric[]::vector;
SELECT ARRAY[1,2,3]::vector(3), ARRAY[1.5,2.5]::vector(2), ARRAY[1,2]::float8[]::vector(2), ARRAY[1,2]::real[]::vector(2);
SELECT array_to_vector('{4,5}'::int[], -1, true), array_to_vector('{4,5}'::real[], 2, false), vector_to_float4('[1,2]', -1, true);
SELECT '[1,2,3.5]'::vector::real[], pg_typeof('[1]'::vector::real[]);
SELECT '{1.23456789012345}'::float8[]::vector AS rounds_to_float4, '{16777217}'::int[]::vector AS int_rounds;
SELECT ('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::vector::real[]::vector = ('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::vector AS max_dims_round_trip;
SELECT array_fill(1, ARRAY[16000])::vector(16000) IS NOT NULL AS max_dims_ok;
SELECT '[2:4]={7,8,9}'::int[]::vector AS lower_bound_ignored;

-- assignment casts apply on INSERT; typmod is enforced
CREATE TABLE vc_items (v vector(3));
INSERT INTO vc_items VALUES (ARRAY[1,2,3]), ('{4,5,6}'::real[]), (ARRAY[7,8,9]::float8[]), (ARRAY[1.5,2.5,3.5]);
SELECT * FROM vc_items;
INSERT INTO vc_items VALUES (ARRAY[1,2]);
SELECT array_agg(x ORDER BY x) FROM vc_items, unnest(v::real[]) x;
DROP TABLE vc_items;

-- errors
\set VERBOSITY sqlstate
SELECT '{1,2,3}'::int[]::vector(2);
SELECT '{{1,2},{3,4}}'::int[]::vector;
SELECT '{1,NULL,3}'::int[]::vector;
SELECT '{}'::int[]::vector;
SELECT '{NaN}'::float8[]::vector;
SELECT '{Infinity}'::real[]::vector;
SELECT array_fill(1, ARRAY[16001])::vector;
\set VERBOSITY default
SELECT '{1,2,3}'::int[]::vector(2);
SELECT '{1,2,3}'::real[]::vector(2);
SELECT '{1,2,3}'::float8[]::vector(4);
SELECT '{1,2,3}'::numeric[]::vector(1);
SELECT '{{1,2},{3,4}}'::int[]::vector;
SELECT '{{1,2},{3,4}}'::real[]::vector;
SELECT '{1,NULL,3}'::int[]::vector;
SELECT '{NULL}'::float8[]::vector;
SELECT '{1,NULL}'::numeric[]::vector;
SELECT '{}'::int[]::vector;
SELECT '{}'::numeric[]::vector;
SELECT '{NaN}'::float8[]::vector;
SELECT '{NaN}'::real[]::vector;
SELECT '{NaN}'::numeric[]::vector;
SELECT '{Infinity}'::real[]::vector;
SELECT '{-Infinity}'::float8[]::vector;
SELECT '{1e39}'::float8[]::vector;
SELECT '{Infinity}'::numeric[]::vector;
SELECT '{1e39}'::numeric[]::vector;
SELECT array_fill(1, ARRAY[16001])::vector;
SELECT array_to_vector('{a}'::text[]::int[], -1, false);
SELECT ARRAY['1']::text[]::vector;
