-- Every error of the halfvec type's SQL surface, once each, with its SQLSTATE: the table in
-- docs/reference/halfvec.md is checked against this output. Messages and SQLSTATEs are pgvector's.
CREATE FUNCTION hx_errors_try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE hx_errors_bin (p bytea);
CREATE TABLE hx_errors_vec (v halfvec);
-- halfvec_recv cannot be called from SQL (its first argument is internal): go through binary COPY instead
CREATE FUNCTION halfvec_recv_check(payload bytea) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE hx_errors_bin;
  INSERT INTO hx_errors_bin VALUES (payload);
  EXECUTE format('COPY hx_errors_bin TO %L WITH (FORMAT binary)', current_setting('data_directory') || '/hx_errors.bin');
  EXECUTE format('COPY hx_errors_vec FROM %L WITH (FORMAT binary)', current_setting('data_directory') || '/hx_errors.bin');
END $$;
CREATE TEMP TABLE hx_errors_cases (n serial, stmt text);
INSERT INTO hx_errors_cases (stmt) VALUES
  -- text input and typmod
  ($$SELECT 'x'::halfvec$$),
  ($$SELECT '[1,2] x'::halfvec$$),
  ($$SELECT '[1,,2]'::halfvec$$),
  ($$SELECT '[65520]'::halfvec$$),
  ($$SELECT '[70000,abc]'::halfvec$$),
  ($$SELECT '[1e39]'::halfvec$$),
  ($$SELECT '[]'::halfvec$$),
  ($$SELECT ('[' || array_to_string(array_fill(0, ARRAY[16001]), ',') || ']')::halfvec$$),
  ($$SELECT '[NaN]'::halfvec$$),
  ($$SELECT '[-Infinity]'::halfvec$$),
  ($$SELECT '[1,2]'::halfvec(3)$$),
  ($$CREATE TEMP TABLE hx_errors_t (v halfvec(1, 2))$$),
  ($$CREATE TEMP TABLE hx_errors_t (v halfvec(0))$$),
  ($$CREATE TEMP TABLE hx_errors_t (v halfvec(16001))$$),
  -- binary input
  ($$SELECT halfvec_recv_check('\x00010001' || '\x3c00'::bytea)$$),
  ($$SELECT halfvec_recv_check('\x00020000' || '\x3c00'::bytea)$$),
  ($$SELECT halfvec_recv_check('\x00'::bytea)$$),
  ($$SELECT halfvec_recv_check('\x00010000' || '\x7c01'::bytea)$$),
  ($$SELECT halfvec_recv_check('\x00010000' || '\x7c00'::bytea)$$),
  -- functions and operators
  ($$SELECT '[1,2]'::halfvec <-> '[1,2,3]'$$),
  ($$SELECT '[65504]'::halfvec + '[65504]'$$),
  ($$SELECT '[1e-4]'::halfvec * '[1e-4]'$$),
  ($$SELECT subvector('[1,2]'::halfvec, 3, 1)$$),
  ($$SELECT array_fill(1, ARRAY[16000])::halfvec || '[1]'$$),
  -- casts
  ($$SELECT '[70000]'::vector::halfvec$$),
  ($$SELECT '[1,2]'::vector::halfvec(3)$$),
  ($$SELECT '{{1},{2}}'::int[]::halfvec$$),
  ($$SELECT '{1,NULL}'::int[]::halfvec$$),
  ($$SELECT '{}'::int[]::halfvec$$),
  ($$SELECT '{70000}'::int[]::halfvec$$),
  ($$SELECT '{1e300}'::float8[]::halfvec$$),
  ($$SELECT '{NaN}'::real[]::halfvec$$),
  ($$SELECT '{1e39}'::numeric[]::halfvec$$),
  ($$SELECT array_fill(1, ARRAY[16001])::halfvec$$),
  ($$SELECT '[1,2]'::halfvec::vector(3)$$),
  -- aggregates and their state functions
  ($$SELECT avg(v) FROM (VALUES ('[1]'::halfvec), ('[1,2]')) t(v)$$),
  ($$SELECT sum(v) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) t(v)$$),
  ($$SELECT halfvec_avg('{1}')$$),
  ($$SELECT halfvec_accum('{}', '[1]')$$),
  ($$SELECT halfvec_avg('{{1,2},{3,4}}')$$);
SELECT n, hx_errors_try(stmt) AS error FROM hx_errors_cases ORDER BY n;
-- nothing was stored by a failing COPY
SELECT count(*) FROM hx_errors_vec;
DROP FUNCTION hx_errors_try(text), halfvec_recv_check(bytea);
DROP TABLE hx_errors_bin, hx_errors_vec;
