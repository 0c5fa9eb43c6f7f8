-- Every error of the sparsevec type's SQL surface, once each, with its SQLSTATE: the table in
-- docs/reference/sparsevec.md is checked against this output. Messages and SQLSTATEs are pgvector's (binary input
-- errors are in sparsevec_io).
CREATE FUNCTION sx_errors_try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE TEMP TABLE sx_errors_cases (n serial, stmt text);
INSERT INTO sx_errors_cases (stmt) VALUES
  -- text input and typmod
  ($$SELECT '[1,2]'::sparsevec$$),
  ($$SELECT '{1:1}'::sparsevec$$),
  ($$SELECT '{1:1}/2 x'::sparsevec$$),
  ($$SELECT '{1:1,}/2'::sparsevec$$),
  ($$SELECT '{1:1e39}/2'::sparsevec$$),
  ($$SELECT '{1:1e-50}/2'::sparsevec$$),
  ($$SELECT '{1:NaN}/2'::sparsevec$$),
  ($$SELECT '{1:-Infinity}/2'::sparsevec$$),
  ($$SELECT '{1:1,1:2}/2'::sparsevec$$),
  ($$SELECT '{0:1}/2'::sparsevec$$),
  ($$SELECT '{3:1}/2'::sparsevec$$),
  ($$SELECT '{1:1}/0'::sparsevec$$),
  ($$SELECT '{1:1}/1000000001'::sparsevec$$),
  ($$SELECT ('{' || string_agg(i || ':1', ',') || '}/20000')::sparsevec FROM generate_series(1, 16001) i$$),
  ($$SELECT '{1:1}/3'::sparsevec(2)$$),
  ($$CREATE TEMP TABLE sx_errors_t (v sparsevec(1, 2))$$),
  ($$CREATE TEMP TABLE sx_errors_t (v sparsevec(0))$$),
  ($$CREATE TEMP TABLE sx_errors_t (v sparsevec(1000000001))$$),
  -- functions and operators
  ($$SELECT '{1:1}/2'::sparsevec <-> '{1:1}/3'$$),
  -- casts
  ($$SELECT '{1:70000}/2'::sparsevec::halfvec$$),
  ($$SELECT '{1:1}/16001'::sparsevec::vector$$),
  ($$SELECT '{1:1}/16001'::sparsevec::halfvec$$),
  ($$SELECT '{1:1}/3'::sparsevec::vector(2)$$),
  ($$SELECT '[1,2,3]'::vector::sparsevec(2)$$),
  ($$SELECT array_fill(1, ARRAY[16001])::sparsevec$$),
  ($$SELECT '{NaN,0}'::real[]::sparsevec$$),
  ($$SELECT '{1e300,0}'::float8[]::sparsevec$$),
  ($$SELECT '{{1,0}}'::int[]::sparsevec$$),
  ($$SELECT '{1,NULL}'::int[]::sparsevec$$),
  ($$SELECT '{}'::int[]::sparsevec$$),
  ($$SELECT '{1e39}'::numeric[]::sparsevec$$);
SELECT n, sx_errors_try(stmt) AS error FROM sx_errors_cases ORDER BY n;
DROP FUNCTION sx_errors_try(text);
