-- sparsevec text and binary I/O, typmod and storage: pgvector's formats. Text "{1:1.5,3:2}/5": 1-based indices in
-- any order (stored sorted), zeros dropped, "/dim" required; values read as real.
SELECT '{1:1.5,3:2}/5'::sparsevec, '{}/3'::sparsevec AS empty, ' { 3 : 2 , 1 : 1.5 } / 5 '::sparsevec AS spaces_and_order;
SELECT '{1:0,2:1,3:-0}/3'::sparsevec AS zeros_dropped, '{1:1.1,2:1e-45,3:3e38}/3'::sparsevec AS real_values;
SELECT '{1:1}/1000000000'::sparsevec AS max_dims, '{1:1}/3'::sparsevec(3);
-- 16,000 nonzero elements is the limit; the dimension may be far larger
SELECT l2_norm(('{' || string_agg(i || ':1', ',') || '}/1000000000')::sparsevec) FROM generate_series(1, 16000) i;

-- text round trip of random vectors, and binary COPY out and back in byte-identical
CREATE TABLE sio_items AS
  SELECT g, ('{' || string_agg(((g * 7919 + k * 104729) % 5000 + 1) || ':' || (((g * 31 + k * 17) % 200) - 100) / 7.0, ',') || '}/5000')::sparsevec AS v
  FROM generate_series(1, 50) g, generate_series(1, 40) k GROUP BY g;
SELECT count(*) AS n, count(*) FILTER (WHERE v::text::sparsevec::text <> v::text) AS text_mismatch,
       count(*) FILTER (WHERE sparsevec_send(v::text::sparsevec) <> sparsevec_send(v)) AS bits_mismatch FROM sio_items;
\copy sio_items TO 'results/sio_items.bin' WITH (FORMAT binary)
CREATE TABLE sio_again (g int, v sparsevec(5000));
\copy sio_again FROM 'results/sio_items.bin' WITH (FORMAT binary)
SELECT count(*) AS rows, count(*) FILTER (WHERE a.v = i.v AND sparsevec_send(a.v) = sparsevec_send(i.v)) AS identical
FROM sio_again a JOIN sio_items i USING (g);
DROP TABLE sio_items, sio_again;

-- binary format: int32 dim, int32 nnz, int32 unused, nnz 0-based int32 indices, nnz float4 values
SELECT sparsevec_send('{1:1.5,3:-2}/5'), sparsevec_send('{}/1');
CREATE TABLE sio_payload (i int, p bytea);
CREATE TABLE sio_target (i int, v sparsevec);
INSERT INTO sio_payload VALUES (1, '\x00000005000000020000000000000000000000023fc00000c0000000'::bytea);
\copy sio_payload TO 'results/sio_good.bin' WITH (FORMAT binary)
\copy sio_target FROM 'results/sio_good.bin' WITH (FORMAT binary)
SELECT * FROM sio_target;

-- malformed payloads are rejected, nothing half-stored
CREATE FUNCTION sio_recv(payload bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE sio_payload;
  INSERT INTO sio_payload VALUES (0, payload);
  EXECUTE format('COPY sio_payload TO %L WITH (FORMAT binary)', current_setting('data_directory') || '/sio.bin');
  EXECUTE format('COPY sio_target FROM %L WITH (FORMAT binary)', current_setting('data_directory') || '/sio.bin');
  RETURN 'stored';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT sio_recv('\x00000005000000020000000000000000000000023fc00000'::bytea) AS short;
SELECT sio_recv('\x000000050000000100000000000000003fc00000c0000000'::bytea) AS long;
SELECT sio_recv('\x00000005000000'::bytea) AS truncated_header;
SELECT sio_recv('\x000000000000000000000000'::bytea) AS zero_dims;
SELECT sio_recv('\x3b9aca010000000000000000'::bytea) AS too_many_dims;
SELECT sio_recv('\x00000005ffffffff00000000'::bytea) AS negative_nnz;
SELECT sio_recv('\x0000ffff00003e8100000000'::bytea) AS nnz_over_16000;
SELECT sio_recv('\x000000050000000600000000'::bytea) AS nnz_over_dims;
SELECT sio_recv('\x000000050000000100000001000000003fc00000'::bytea) AS unused;
SELECT sio_recv('\x000000050000000100000000000000053fc00000'::bytea) AS index_out_of_bounds;
SELECT sio_recv('\x00000005000000020000000000000002000000013fc000003fc00000'::bytea) AS descending;
SELECT sio_recv('\x00000005000000020000000000000001000000013fc000003fc00000'::bytea) AS duplicate;
SELECT sio_recv('\x0000000500000001000000000000000000000000'::bytea) AS zero_value;
SELECT sio_recv('\x000000050000000100000000000000007fc00000'::bytea) AS nan;
SELECT sio_recv('\x00000005000000010000000000000000ff800000'::bytea) AS infinity;
CREATE TABLE sio_typed (i int, v sparsevec(4));
\copy sio_typed FROM 'results/sio_good.bin' WITH (FORMAT binary)
SELECT * FROM sio_target;
DROP FUNCTION sio_recv(bytea);
DROP TABLE sio_payload, sio_target, sio_typed;

-- storage: 16 bytes of header + 8 per nonzero element (STORAGE main, like vector)
SELECT typname, typlen, typstorage, typalign, typmodin::regproc, typreceive::regproc, typsend::regproc
FROM pg_type WHERE typname = 'sparsevec';
SELECT pg_column_size('{1:1.5,3:2}/5'::sparsevec), pg_column_size('{}/1000000000'::sparsevec);
CREATE TABLE sio_typmod (v sparsevec(30522));
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'sio_typmod'::regclass AND attname = 'v';
DROP TABLE sio_typmod;
