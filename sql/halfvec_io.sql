-- halfvec text and binary I/O, typmod and storage: pgvector's formats. Text is read as real then rounded to half
-- (round to nearest even); output is the shortest text of the stored half as a real, so it reads back exactly.
SELECT '[1,2,3]'::halfvec, '  [ 1 , -2.5 ]  '::halfvec, '[1.1,2.2,3.3]'::halfvec;
-- the largest half, values that round to it, subnormals, underflow to zero, negative zero
SELECT '[65504]'::halfvec, '[65519.99]'::halfvec, '[-65519]'::halfvec;
SELECT '[6e-8]'::halfvec, '[1e-8]'::halfvec, '[1e-50]'::halfvec, '[-0]'::halfvec;
SELECT '[1,2]'::halfvec(2), vector_dims('[1,2]'::halfvec(2));
-- 16000 dimensions is the limit
SELECT vector_dims(('[' || array_to_string(array_fill(0.5, ARRAY[16000]), ',') || ']')::halfvec);

-- every finite half reads back from its own output bit for bit (65,536 - 2,048 patterns through text)
CREATE TABLE hio_all AS
  SELECT h, '\x00010000'::bytea || int2send(h::int2) AS payload
  FROM generate_series(-32768, 32767) h
  WHERE (h & 31744) <> 31744;  -- exponent 31: infinity and NaN, never stored
CREATE TABLE hio_bin (p bytea);
CREATE TABLE hio_vec (v halfvec);
INSERT INTO hio_bin SELECT payload FROM hio_all;
\copy hio_bin TO 'results/hio_all.bin' WITH (FORMAT binary)
\copy hio_vec FROM 'results/hio_all.bin' WITH (FORMAT binary)
SELECT count(*) AS stored,
       count(*) FILTER (WHERE v::text::halfvec::text <> v::text) AS text_mismatch,
       count(*) FILTER (WHERE halfvec_send(v::text::halfvec) <> halfvec_send(v)) AS bits_mismatch,
       count(DISTINCT halfvec_send(v)) AS distinct_bits
FROM hio_vec;
DROP TABLE hio_all, hio_bin, hio_vec;

-- binary format: int16 dim, int16 unused, big-endian halves; send and receive agree with the layout
SELECT halfvec_send('[1,-2,0.5,65504,6e-8]');
CREATE TABLE hio_payload (i int, p bytea);
CREATE TABLE hio_target (i int, v halfvec);
INSERT INTO hio_payload VALUES (1, '\x00030000' || '\x3c00c0003800'::bytea);
\copy hio_payload TO 'results/hio_good.bin' WITH (FORMAT binary)
\copy hio_target FROM 'results/hio_good.bin' WITH (FORMAT binary)
SELECT * FROM hio_target;
-- COPY BINARY out and back in is byte-identical
\copy hio_target TO 'results/hio_roundtrip.bin' WITH (FORMAT binary)
CREATE TABLE hio_again (i int, v halfvec(3));
\copy hio_again FROM 'results/hio_roundtrip.bin' WITH (FORMAT binary)
SELECT a.v = t.v AS same, halfvec_send(a.v) = halfvec_send(t.v) AS same_bits FROM hio_again a, hio_target t;

-- malformed payloads are rejected, nothing half-stored
\set VERBOSITY sqlstate
TRUNCATE hio_payload;
INSERT INTO hio_payload VALUES (2, '\x00030000' || '\x3c00c000'::bytea);  -- dim 3, two values
\copy hio_payload TO 'results/hio_short.bin' WITH (FORMAT binary)
\copy hio_target FROM 'results/hio_short.bin' WITH (FORMAT binary)
\set VERBOSITY default
\copy hio_target FROM 'results/hio_short.bin' WITH (FORMAT binary)
TRUNCATE hio_payload;
INSERT INTO hio_payload VALUES (3, '\x00010000' || '\x3c00c000'::bytea);  -- dim 1, two values
\copy hio_payload TO 'results/hio_long.bin' WITH (FORMAT binary)
\copy hio_target FROM 'results/hio_long.bin' WITH (FORMAT binary)
TRUNCATE hio_payload;
INSERT INTO hio_payload VALUES (4, '\x00010000' || '\x3c'::bytea);  -- a partial half
\copy hio_payload TO 'results/hio_partial.bin' WITH (FORMAT binary)
\copy hio_target FROM 'results/hio_partial.bin' WITH (FORMAT binary)
TRUNCATE hio_payload;
INSERT INTO hio_payload VALUES (5, '\x0001'::bytea);  -- truncated header
\copy hio_payload TO 'results/hio_header.bin' WITH (FORMAT binary)
\copy hio_target FROM 'results/hio_header.bin' WITH (FORMAT binary)
TRUNCATE hio_payload;
INSERT INTO hio_payload VALUES (6, '\x00000000'::bytea);  -- zero dimensions
\copy hio_payload TO 'results/hio_zero.bin' WITH (FORMAT binary)
\copy hio_target FROM 'results/hio_zero.bin' WITH (FORMAT binary)
TRUNCATE hio_payload;
INSERT INTO hio_payload VALUES (7, '\x3e810000'::bytea);  -- 16001 dimensions
\copy hio_payload TO 'results/hio_big.bin' WITH (FORMAT binary)
\copy hio_target FROM 'results/hio_big.bin' WITH (FORMAT binary)
TRUNCATE hio_payload;
INSERT INTO hio_payload VALUES (8, '\x00010001' || '\x3c00'::bytea);  -- unused not zero
\copy hio_payload TO 'results/hio_unused.bin' WITH (FORMAT binary)
\copy hio_target FROM 'results/hio_unused.bin' WITH (FORMAT binary)
TRUNCATE hio_payload;
INSERT INTO hio_payload VALUES (9, '\x00010000' || '\x7e00'::bytea);  -- NaN
\copy hio_payload TO 'results/hio_nan.bin' WITH (FORMAT binary)
\copy hio_target FROM 'results/hio_nan.bin' WITH (FORMAT binary)
TRUNCATE hio_payload;
INSERT INTO hio_payload VALUES (10, '\x00010000' || '\xfc00'::bytea);  -- -infinity
\copy hio_payload TO 'results/hio_inf.bin' WITH (FORMAT binary)
\copy hio_target FROM 'results/hio_inf.bin' WITH (FORMAT binary)
CREATE TABLE hio_typed (i int, v halfvec(2));
\copy hio_typed FROM 'results/hio_good.bin' WITH (FORMAT binary)
SELECT * FROM hio_target;
DROP TABLE hio_payload, hio_target, hio_again, hio_typed;

-- storage: 8 bytes of header + 2 per dimension, inline (STORAGE main, like vector)
SELECT typname, typlen, typstorage, typalign, typmodin::regproc, typreceive::regproc, typsend::regproc
FROM pg_type WHERE typname = 'halfvec';
SELECT pg_column_size('[1,2,3]'::halfvec), pg_column_size(array_fill(0.25, ARRAY[16000])::halfvec);
-- a 3,000-dimension row of incompressible values stays in the heap row: nothing goes to TOAST
CREATE TABLE hio_size (v halfvec);
INSERT INTO hio_size SELECT array_agg(((i * 7919) % 1000 / 7.0)::real)::halfvec FROM generate_series(1, 3000) i;
SELECT vector_dims(v), pg_column_size(v) FROM hio_size;
SELECT pg_relation_size(reltoastrelid) AS toast_bytes FROM pg_class WHERE oid = 'hio_size'::regclass;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'hio_size'::regclass AND attname = 'v';
CREATE TABLE hio_typmod (v halfvec(16000));
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'hio_typmod'::regclass AND attname = 'v';
DROP TABLE hio_size, hio_typmod;
