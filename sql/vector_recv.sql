-- Binary input (vector_recv) rejects malformed payloads. A binary COPY file of a bytea column is framed exactly
-- like one of a vector column (int32 length + payload), so crafted bytea payloads reach vector_recv unchanged.
CREATE TABLE vr_payload (i int, p bytea);
CREATE TABLE vr_target (i int, v vector);
-- well-formed: dim 2, unused 0, 1.0, -2.0 (big-endian float4)
INSERT INTO vr_payload VALUES (1, '\x00020000' || '\x3f800000c0000000'::bytea);
\copy vr_payload TO 'results/vr_good.bin' WITH (FORMAT binary)
\copy vr_target FROM 'results/vr_good.bin' WITH (FORMAT binary)
SELECT * FROM vr_target;

\set VERBOSITY sqlstate
-- dim 3 but only two values
TRUNCATE vr_payload;
INSERT INTO vr_payload VALUES (2, '\x00030000' || '\x3f800000c0000000'::bytea);
\copy vr_payload TO 'results/vr_short.bin' WITH (FORMAT binary)
\copy vr_target FROM 'results/vr_short.bin' WITH (FORMAT binary)
\set VERBOSITY default
\copy vr_target FROM 'results/vr_short.bin' WITH (FORMAT binary)
-- dim 1 but two values
TRUNCATE vr_payload;
INSERT INTO vr_payload VALUES (3, '\x00010000' || '\x3f800000c0000000'::bytea);
\copy vr_payload TO 'results/vr_long.bin' WITH (FORMAT binary)
\copy vr_target FROM 'results/vr_long.bin' WITH (FORMAT binary)
-- a partial float
TRUNCATE vr_payload;
INSERT INTO vr_payload VALUES (4, '\x00010000' || '\x3f80'::bytea);
\copy vr_payload TO 'results/vr_partial.bin' WITH (FORMAT binary)
\copy vr_target FROM 'results/vr_partial.bin' WITH (FORMAT binary)
-- truncated header
TRUNCATE vr_payload;
INSERT INTO vr_payload VALUES (5, '\x0001'::bytea);
\copy vr_payload TO 'results/vr_header.bin' WITH (FORMAT binary)
\copy vr_target FROM 'results/vr_header.bin' WITH (FORMAT binary)
-- zero and negative dimensions, unused not zero, NaN, infinity
TRUNCATE vr_payload;
INSERT INTO vr_payload VALUES (6, '\x00000000'::bytea);
\copy vr_payload TO 'results/vr_zero.bin' WITH (FORMAT binary)
\copy vr_target FROM 'results/vr_zero.bin' WITH (FORMAT binary)
TRUNCATE vr_payload;
INSERT INTO vr_payload VALUES (7, '\xffff0000'::bytea);
\copy vr_payload TO 'results/vr_negative.bin' WITH (FORMAT binary)
\copy vr_target FROM 'results/vr_negative.bin' WITH (FORMAT binary)
TRUNCATE vr_payload;
INSERT INTO vr_payload VALUES (8, '\x00010001' || '\x3f800000'::bytea);
\copy vr_payload TO 'results/vr_unused.bin' WITH (FORMAT binary)
\copy vr_target FROM 'results/vr_unused.bin' WITH (FORMAT binary)
TRUNCATE vr_payload;
INSERT INTO vr_payload VALUES (9, '\x00010000' || '\x7fc00000'::bytea);
\copy vr_payload TO 'results/vr_nan.bin' WITH (FORMAT binary)
\copy vr_target FROM 'results/vr_nan.bin' WITH (FORMAT binary)
TRUNCATE vr_payload;
INSERT INTO vr_payload VALUES (10, '\x00010000' || '\x7f800000'::bytea);
\copy vr_payload TO 'results/vr_inf.bin' WITH (FORMAT binary)
\copy vr_target FROM 'results/vr_inf.bin' WITH (FORMAT binary)
-- typmod of the target column
CREATE TABLE vr_typed (i int, v vector(3));
\copy vr_typed FROM 'results/vr_good.bin' WITH (FORMAT binary)
-- nothing but the good row was stored
SELECT * FROM vr_target;
DROP TABLE vr_payload, vr_target, vr_typed;
