-- Every error of the vector type's SQL surface, once each, with its SQLSTATE: the table in
-- docs/reference/vector.md is checked against this output.
CREATE FUNCTION vx_errors_try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE vx_errors_bin (p bytea);
CREATE TABLE vx_errors_vec (v vector);
CREATE TEMP TABLE vx_errors_cases (n serial, stmt text);
INSERT INTO vx_errors_cases (stmt) VALUES
  -- text input and typmod
  ($$SELECT 'x'::vector$$),
  ($$SELECT '[1,2] x'::vector$$),
  ($$SELECT '[1,,2]'::vector$$),
  ($$SELECT '[1e39]'::vector$$),
  ($$SELECT '[]'::vector$$),
  ($$SELECT ('[' || array_to_string(array_fill(0, ARRAY[16001]), ',') || ']')::vector$$),
  ($$SELECT '[NaN]'::vector$$),
  ($$SELECT '[Infinity]'::vector$$),
  ($$SELECT '[1,2]'::vector(3)$$),
  ($$CREATE TEMP TABLE vx_errors_t (v vector(1, 2))$$),
  ($$CREATE TEMP TABLE vx_errors_t (v vector(0))$$),
  ($$CREATE TEMP TABLE vx_errors_t (v vector(16001))$$),
  -- binary input (vector_recv through a bytea payload)
  ($$SELECT vector_recv_check('\x00010001' || '\x3f800000'::bytea)$$),
  ($$SELECT vector_recv_check('\x00020000' || '\x3f800000'::bytea)$$),
  ($$SELECT vector_recv_check('\x00'::bytea)$$),
  -- functions and operators
  ($$SELECT '[1,2]'::vector <-> '[1,2,3]'$$),
  ($$SELECT '[3e38]'::vector + '[3e38]'$$),
  ($$SELECT '[1e-30]'::vector * '[1e-30]'$$),
  ($$SELECT subvector('[1,2]'::vector, 3, 1)$$),
  ($$SELECT array_fill(1, ARRAY[16000])::vector || '[1]'$$),
  -- casts
  ($$SELECT '{{1},{2}}'::int[]::vector$$),
  ($$SELECT '{1,NULL}'::int[]::vector$$),
  ($$SELECT '{1e39}'::numeric[]::vector$$),
  -- aggregates and their state functions
  ($$SELECT avg(v) FROM (VALUES ('[1]'::vector), ('[1,2]')) t(v)$$),
  ($$SELECT sum(v) FROM (VALUES ('[1]'::vector), ('[1,2]')) t(v)$$),
  ($$SELECT vector_avg('{1}')$$),
  ($$SELECT vector_accum('{}', '[1]')$$),
  ($$SELECT vector_combine('{1,NULL}', '{1,2}')$$),
  ($$SELECT vector_avg('{{1,2},{3,4}}')$$);

-- vector_recv cannot be called from SQL (its first argument is internal): go through binary COPY instead
CREATE FUNCTION vector_recv_check(payload bytea) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE vx_errors_bin;
  INSERT INTO vx_errors_bin VALUES (payload);
  -- a binary COPY file of one bytea column is framed exactly like one of a vector column
  EXECUTE format('COPY vx_errors_bin TO %L WITH (FORMAT binary)', current_setting('data_directory') || '/vx_errors.bin');
  EXECUTE format('COPY vx_errors_vec FROM %L WITH (FORMAT binary)', current_setting('data_directory') || '/vx_errors.bin');
END $$;

SELECT n, vx_errors_try(stmt) AS error FROM vx_errors_cases ORDER BY n;

DROP FUNCTION vx_errors_try(text), vector_recv_check(bytea);
DROP TABLE vx_errors_bin, vx_errors_vec;
