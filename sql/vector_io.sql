-- Text and binary I/O of the vector type, typmods, and every input error.
SELECT '[1,2,3]'::vector;
SELECT '  [ 1 , -2.5e0 ,3e-3 ]  '::vector;
SELECT '[1e-45,3.4028235e38,-0,1.2345679e-10,123456790]'::vector;
SELECT '[1,2,3]'::vector(3);
SELECT vector_send('[1,2,3]'::vector);
SELECT vector_send('[-0.5]'::vector);

-- errors with their SQLSTATEs
\set VERBOSITY sqlstate
SELECT '1,2,3]'::vector;
\set VERBOSITY default
SELECT '1,2,3]'::vector;
SELECT '[1,2,3] x'::vector;
SELECT '[1,2,3'::vector;
SELECT '[1,,3]'::vector;
SELECT '[1,a]'::vector;
SELECT '[]'::vector;
SELECT ''::vector;
SELECT '[NaN]'::vector;
SELECT '[Infinity]'::vector;
SELECT '[-inf]'::vector;
SELECT '[1,4e38]'::vector;
SELECT '[1,2,3]'::vector(2);
SELECT ('[' || array_to_string(array_fill(1, ARRAY[16001]), ',') || ']')::vector;
SELECT vector_dims_ok FROM (SELECT length(('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::vector::text) > 0 AS vector_dims_ok) s;
CREATE TABLE bad_typmod (v vector(0));
CREATE TABLE bad_typmod (v vector(16001));
CREATE TABLE bad_typmod (v vector(3, 2));

-- typmod is enforced on insert and nothing is stored on error
CREATE TABLE items (id int, v vector(3));
INSERT INTO items VALUES (1, '[1,2,3]');
INSERT INTO items VALUES (2, '[1,2]');
INSERT INTO items VALUES (2, '[1,2,3]'), (3, '[1,2,3,4]');
SELECT * FROM items ORDER BY id;
DROP TABLE items;

-- text round trip of random floats is bit-exact
CREATE TABLE rt AS
  SELECT i, ('[' || string_agg(((random() * 2 - 1) * 10 ^ (i % 60 - 30))::real::text, ',') || ']')::vector AS v
  FROM generate_series(1, 200) i, generate_series(1, 50) j GROUP BY i;
SELECT count(*) FILTER (WHERE vector_send(v::text::vector) <> vector_send(v)) AS text_mismatches FROM rt;

-- binary COPY round trip is bit-exact
\copy rt TO 'results/rt.bin' WITH (FORMAT binary)
CREATE TABLE rt2 (i int, v vector(50));
\copy rt2 FROM 'results/rt.bin' WITH (FORMAT binary)
SELECT count(*) AS rows, count(*) FILTER (WHERE vector_send(rt.v) <> vector_send(rt2.v)) AS binary_mismatches
FROM rt JOIN rt2 USING (i);
DROP TABLE rt, rt2;
