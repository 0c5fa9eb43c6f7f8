-- pgvector's bit operators: Hamming (<~>, hamming_distance) and Jaccard (<%>, jaccard_distance) on Postgres' `bit`,
-- checked against SQL's own bit_count at every length through several 64-byte kernel blocks and at 64,000 bits,
-- and the binary-quantization pattern: rank by Hamming distance of binary_quantize, re-rank by the exact distance.
SELECT hamming_distance('1111', '1111'), hamming_distance('1111', '1010'), hamming_distance('1111', '0000'),
       B'1010' <~> B'0101' AS op;
SELECT jaccard_distance('1111', '1111'), jaccard_distance('1111', '1100'), jaccard_distance('1100', '1010'),
       jaccard_distance('1111', '0000') AS no_common_bit, jaccard_distance('0000', '0000') AS both_empty,
       B'1100' <%> B'1000' AS op;
SELECT hamming_distance('', ''), jaccard_distance('', '') AS empty_strings;
-- varbit arguments are accepted when the lengths agree
SELECT hamming_distance('111', '000'::varbit(4)), jaccard_distance('1111', '0000'::varbit(5));
SELECT pg_typeof(B'1' <~> B'1'), pg_typeof(B'1' <%> B'1');

-- every length from 1 to 1100 bits: the popcount kernels against bit_count over SQL's own operators
CREATE TABLE bd_pairs AS
  SELECT n, (SELECT string_agg(((i * 7 + n * 3) % 5 < 2)::int::text, '' ORDER BY i) FROM generate_series(1, n) i)::varbit AS a,
            (SELECT string_agg(((i * 11 + n) % 3 = 0)::int::text, '' ORDER BY i) FROM generate_series(1, n) i)::varbit AS b
  FROM generate_series(1, 1100) n;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (a <~> b) <> bit_count(a # b)) AS hamming_bad,
       count(*) FILTER (WHERE hamming_distance(a, b) <> hamming_distance(b, a)) AS not_symmetric,
       count(*) FILTER (WHERE (a <%> b) IS DISTINCT FROM
                              CASE WHEN bit_count(a & b) = 0 THEN 1
                                   ELSE 1 - bit_count(a & b)::float8 / bit_count(a | b) END) AS jaccard_bad
FROM bd_pairs;
DROP TABLE bd_pairs;

-- 64,000 bits (the longest bit an index of pgvector's accepts) and beyond: no limit here
SELECT (repeat('1', 64000)::bit(64000) <~> repeat('0', 64000)::bit(64000)) AS all_differ,
       (repeat('10', 32000)::bit(64000) <%> repeat('11', 32000)::bit(64000)) AS half_common,
       (repeat('1', 100000)::varbit <~> repeat('0', 100000)::varbit) AS longer;

-- commutators declared
SELECT oprname, oprcode, oprcom::regoperator FROM pg_operator
WHERE oprname IN ('<~>', '<%>') AND oprleft = 'bit'::regtype ORDER BY oprname;

-- different lengths are an error (22000)
\set VERBOSITY sqlstate
SELECT B'111' <~> B'11';
\set VERBOSITY default
SELECT hamming_distance('111', '00');
SELECT jaccard_distance('1111', '000');
SELECT B'111' <~> '0000'::varbit(4);
SELECT B'1111' <%> '00000'::varbit(5);

-- binary quantization: candidates by Hamming distance of binary_quantize, re-ranked by the exact distance
CREATE TABLE bd_items (id int, embedding vector(16));
INSERT INTO bd_items
  SELECT i, (SELECT array_agg(sin(i * 0.7 + j * 1.3 + (i % 4) * 2.0) ORDER BY j) FROM generate_series(1, 16) j)::vector
  FROM generate_series(1, 400) i;
CREATE TEMP TABLE bd_query AS SELECT embedding AS q FROM bd_items WHERE id = 17;
-- exact top 5 by cosine distance, and the same through a 40-row Hamming shortlist
CREATE TEMP TABLE bd_exact AS
  SELECT id FROM bd_items, bd_query ORDER BY embedding <=> q LIMIT 5;
CREATE TEMP TABLE bd_reranked AS
  SELECT id FROM (
    SELECT id, embedding FROM bd_items, bd_query
    ORDER BY binary_quantize(embedding)::bit(16) <~> binary_quantize(q) LIMIT 40
  ) shortlist, bd_query ORDER BY embedding <=> q LIMIT 5;
SELECT (SELECT count(*) FROM bd_exact JOIN bd_reranked USING (id)) AS recall_of_5,
       (SELECT array_agg(id ORDER BY id) FROM bd_exact) AS exact;
SELECT pg_typeof(binary_quantize(embedding)), length(binary_quantize(embedding)) FROM bd_items LIMIT 1;
DROP TABLE bd_items;

-- NULL in, NULL out; IMMUTABLE STRICT PARALLEL SAFE as pgvector
SELECT hamming_distance(NULL, B'1'), B'1' <%> NULL;
SELECT p.oid::regprocedure AS function, provolatile = 'i' AS immutable, proisstrict AS strict, proparallel = 's' AS parallel_safe
FROM pg_proc p WHERE p.proname IN ('hamming_distance', 'jaccard_distance') ORDER BY 1::text;
