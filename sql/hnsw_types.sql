-- hnsw over halfvec (halfvec_l2_ops, halfvec_ip_ops, halfvec_cosine_ops, halfvec_l1_ops), bit (bit_hamming_ops,
-- bit_jaccard_ops) and sparsevec (sparsevec_l2_ops, sparsevec_ip_ops, sparsevec_cosine_ops, sparsevec_l1_ops), on clustered data against exact search (fixed seed; booleans only, the figures differ between
-- SIMD levels). A hit is a returned row whose distance is at most the exact 10th distance, so ties (Hamming
-- distances are small integers) cannot make a correct index miss; a broken index (a random row of the right cluster:
-- 10 of 60) stays far below the 0.9 asked. Every operator class is tested with the index built over its rows (build
-- path) and created before them (insert path), then after deletes and VACUUM; then the errors, with pgvector's
-- messages and SQLSTATEs.
SET client_min_messages = warning;
-- enable_seqscan = off prices every plan above jit_above_cost: JIT would compile each of the ~1,000 queries (0.1 s each)
SET jit = off;
SELECT setseed(0.375);
CREATE TABLE hnt_centers AS
  SELECT c, array_agg((random() * 4 - 2)::real ORDER BY j) AS x FROM generate_series(1, 20) c, generate_series(1, 32) j
  GROUP BY c;
-- un-normalised halfvec rows around 20 centres; bit rows: 70 bits (not a whole number of bytes), the centre's signs
-- and again the first 38, each bit flipped at 12 %; sparsevec rows: 200 dimensions, nonzero at the centre's 10
-- positions (j % 20 = its number) around the centre's first 10 values, and at about 4 random other positions
CREATE TABLE hnt_src AS
  SELECT i, array_agg((c.x[1 + (j - 1) % 32] + (random() - 0.5) * 1.5)::real ORDER BY j) FILTER (WHERE j <= 32) AS x,
         string_agg(CASE WHEN (c.x[1 + (j - 1) % 32] > 0) <> (random() < 0.12) THEN '1' ELSE '0' END, '' ORDER BY j)
           FILTER (WHERE j <= 70) AS b,
         array_agg(CASE WHEN j % 20 = c.c % 20 THEN c.x[1 + j % 10] + (random() - 0.5) * 1.5
                        WHEN random() < 0.02 THEN random() * 2 ELSE 0 END::real ORDER BY j) AS sx
  FROM generate_series(1, 1200) i JOIN hnt_centers c ON c.c = 1 + i % 20, generate_series(1, 200) j GROUP BY i;
CREATE TABLE hnt (id int PRIMARY KEY, h halfvec(32), b bit(70), s sparsevec(200));
CREATE TABLE hnt_q AS
  SELECT i AS qid, x::halfvec(32) AS h, b::bit(70) AS b, sx::vector(200)::sparsevec(200) AS s FROM hnt_src WHERE i % 60 = 7;
SELECT count(*) AS queries, count(DISTINCT b) AS distinct_bit_queries FROM hnt_q;

-- hits / (10 x queries) of the top 10 the current plan returns, against the exact 10th distance over the table's
-- live rows (OFFSET 0: a sort of the exact distances, never an index scan)
CREATE FUNCTION hnt_recall(col text, p_op text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE hits bigint := 0; n bigint; kth float8; q record;
BEGIN
  FOR q IN SELECT qid FROM hnt_q ORDER BY qid LOOP
    EXECUTE format('SELECT max(d) FROM (SELECT d FROM (SELECT %1$I %2$s (SELECT %1$I FROM hnt_q WHERE qid = $1) AS d '
                   'FROM hnt OFFSET 0) s ORDER BY d LIMIT 10) t', col, p_op) INTO STRICT kth USING q.qid;
    EXECUTE format('SELECT count(*) FROM (SELECT %1$I %2$s (SELECT %1$I FROM hnt_q WHERE qid = $1) AS d FROM hnt '
                   'ORDER BY %1$I %2$s (SELECT %1$I FROM hnt_q WHERE qid = $1) LIMIT 10) t WHERE d <= $2', col, p_op)
      INTO STRICT n USING q.qid, kth;
    hits := hits + n;
  END LOOP;
  RETURN hits::float8 / (10 * (SELECT count(*) FROM hnt_q));
END $$;
-- whether the top 10 of every query has exactly the exact search's distances, in order
CREATE FUNCTION hnt_exact(col text, p_op text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE ok bool := true; got float8[]; want float8[]; q record;
BEGIN
  FOR q IN SELECT qid FROM hnt_q ORDER BY qid LOOP
    EXECUTE format('SELECT array_agg(d) FROM (SELECT %1$I %2$s (SELECT %1$I FROM hnt_q WHERE qid = $1) AS d FROM hnt '
                   'ORDER BY %1$I %2$s (SELECT %1$I FROM hnt_q WHERE qid = $1) LIMIT 10) s', col, p_op) INTO got USING q.qid;
    EXECUTE format('SELECT (array_agg(d ORDER BY d))[1:10] FROM (SELECT %1$I %2$s (SELECT %1$I FROM hnt_q WHERE qid = $1) '
                   'AS d FROM hnt OFFSET 0) s', col, p_op) INTO want USING q.qid;
    ok := ok AND got = want;
  END LOOP;
  RETURN ok;
END $$;
-- the plan of a query, to show the index is what answers
CREATE FUNCTION hnt_uses_index(col text, p_op text, p_index text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE line text; found bool := false;
BEGIN
  FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM hnt ORDER BY %1$I %2$s (SELECT %1$I FROM hnt_q LIMIT 1) LIMIT 10', col, p_op) LOOP
    found := found OR line LIKE '%Index Scan using ' || p_index || ' %';
  END LOOP;
  RETURN found;
END $$;
-- every operator class on the table: whether its index answers, and its recall
CREATE FUNCTION hnt_all() RETURNS TABLE (opclass text, uses_index bool, recall_ok bool) LANGUAGE plpgsql AS $$
DECLARE o record;
BEGIN
  FOR o IN SELECT * FROM (VALUES ('halfvec_l2_ops', 'h', '<->', 'hnt_l2'), ('halfvec_ip_ops', 'h', '<#>', 'hnt_ip'),
                                 ('halfvec_cosine_ops', 'h', '<=>', 'hnt_cos'), ('halfvec_l1_ops', 'h', '<+>', 'hnt_l1'),
                                 ('bit_hamming_ops', 'b', '<~>', 'hnt_ham'), ('bit_jaccard_ops', 'b', '<%>', 'hnt_jac'),
                                 ('sparsevec_l2_ops', 's', '<->', 'hnt_sl2'), ('sparsevec_ip_ops', 's', '<#>', 'hnt_sip'),
                                 ('sparsevec_cosine_ops', 's', '<=>', 'hnt_scos'), ('sparsevec_l1_ops', 's', '<+>', 'hnt_sl1'))
                         v(c, col, op, ix) LOOP
    opclass := o.c;
    uses_index := hnt_uses_index(o.col, o.op, o.ix);
    recall_ok := hnt_recall(o.col, o.op) >= 0.9;
    RETURN NEXT;
  END LOOP;
END $$;
CREATE PROCEDURE hnt_create_indexes() LANGUAGE plpgsql AS $$
BEGIN
  CREATE INDEX hnt_l2 ON hnt USING hnsw (h halfvec_l2_ops);
  CREATE INDEX hnt_ip ON hnt USING hnsw (h halfvec_ip_ops);
  CREATE INDEX hnt_cos ON hnt USING hnsw (h halfvec_cosine_ops);
  CREATE INDEX hnt_l1 ON hnt USING hnsw (h halfvec_l1_ops);
  CREATE INDEX hnt_ham ON hnt USING hnsw (b bit_hamming_ops);
  CREATE INDEX hnt_jac ON hnt USING hnsw (b bit_jaccard_ops);
  CREATE INDEX hnt_sl2 ON hnt USING hnsw (s sparsevec_l2_ops);
  CREATE INDEX hnt_sip ON hnt USING hnsw (s sparsevec_ip_ops);
  CREATE INDEX hnt_scos ON hnt USING hnsw (s sparsevec_cosine_ops);
  CREATE INDEX hnt_sl1 ON hnt USING hnsw (s sparsevec_l1_ops);
END $$;
-- index_check of every hnsw index on the table: live elements = rows, each reachable and each row indexed once
CREATE FUNCTION hnt_checked(p_rows bigint) RETURNS TABLE (index regclass, all_rows bool) LANGUAGE sql AS $$
  SELECT i.indexrelid::regclass, c.live = p_rows AND c.heap_rows = p_rows
  FROM pg_index i, LATERAL vectorext.index_check(i.indexrelid, true) c
  WHERE i.indrelid = 'hnt'::regclass AND i.indexrelid <> 'hnt_pkey'::regclass ORDER BY 1
$$;

SET enable_seqscan = off;
-- build path: rows first, then the indexes
INSERT INTO hnt SELECT i, x::halfvec(32), b::bit(70), sx::vector(200)::sparsevec(200) FROM hnt_src;
ANALYZE hnt;
CALL hnt_create_indexes();
SELECT * FROM hnt_all();
SELECT * FROM hnt_checked(1200);
EXPLAIN (COSTS OFF) SELECT id FROM hnt ORDER BY b <%> (SELECT b FROM hnt_q LIMIT 1) LIMIT 10;
-- the top 10 of a larger ef_search are the exact ones, distances and order (bit and sparsevec indexes return exact
-- distances: the values themselves are in the index; halfvec's are exact copies, or rechecked for cosine)
SET hnsw.ef_search = 200;
SELECT opclass, hnt_exact(col, op) AS exact
  FROM (VALUES ('halfvec_l2_ops', 'h', '<->'), ('halfvec_ip_ops', 'h', '<#>'), ('halfvec_cosine_ops', 'h', '<=>'),
               ('halfvec_l1_ops', 'h', '<+>'), ('bit_hamming_ops', 'b', '<~>'), ('bit_jaccard_ops', 'b', '<%>'),
               ('sparsevec_l2_ops', 's', '<->'), ('sparsevec_ip_ops', 's', '<#>'), ('sparsevec_cosine_ops', 's', '<=>'),
               ('sparsevec_l1_ops', 's', '<+>')) v(opclass, col, op);
RESET hnsw.ef_search;
DROP INDEX hnt_l2, hnt_ip, hnt_cos, hnt_l1, hnt_ham, hnt_jac, hnt_sl2, hnt_sip, hnt_scos, hnt_sl1;

-- insert path: the indexes created on the empty table, every row arrives by INSERT
TRUNCATE hnt;
CALL hnt_create_indexes();
INSERT INTO hnt SELECT i, x::halfvec(32), b::bit(70), sx::vector(200)::sparsevec(200) FROM hnt_src;
SELECT * FROM hnt_all();

-- deletes + VACUUM: a third of each cluster gone; every live row is still found (a full iterative scan returns each
-- live row once and no deleted one), index_check passes, recall over the live rows holds
DELETE FROM hnt WHERE id % 3 = 0;
VACUUM hnt;
SELECT * FROM hnt_checked((SELECT count(*) FROM hnt));
SET hnsw.iterative_scan = relaxed_order;
SET hnsw.max_scan_tuples = 100000;
SELECT (SELECT count(DISTINCT id) FROM (SELECT id FROM hnt ORDER BY h <=> (SELECT h FROM hnt_q LIMIT 1)) s) AS cosine_found,
       (SELECT count(DISTINCT id) FROM (SELECT id FROM hnt ORDER BY b <%> (SELECT b FROM hnt_q LIMIT 1)) s) AS jaccard_found,
       (SELECT count(*) FROM (SELECT id FROM hnt ORDER BY b <~> (SELECT b FROM hnt_q LIMIT 1)) s) AS hamming_rows,
       (SELECT count(DISTINCT id) FROM (SELECT id FROM hnt ORDER BY s <#> (SELECT s FROM hnt_q LIMIT 1)) s) AS sparse_ip_found,
       (SELECT count(*) FROM hnt) AS live;
RESET hnsw.iterative_scan;
RESET hnsw.max_scan_tuples;
SELECT * FROM hnt_all();
-- rows inserted after the VACUUM reuse the freed elements and are found as well
INSERT INTO hnt SELECT i, x::halfvec(32), b::bit(70), sx::vector(200)::sparsevec(200) FROM hnt_src WHERE i % 3 = 0;
SELECT * FROM hnt_checked(1200);
SELECT * FROM hnt_all();
RESET enable_seqscan;

-- binary quantization over a vector column, pgvector's documented pattern: the bits indexed, re-ranked by the exact
-- distance in SQL
CREATE TABLE hnt_v AS SELECT id, h::vector(32) AS v FROM hnt;
CREATE INDEX hnt_v_bq ON hnt_v USING hnsw ((binary_quantize(v)::bit(32)) bit_hamming_ops);
CREATE INDEX hnt_v_half ON hnt_v USING hnsw ((v::halfvec(32)) halfvec_l2_ops);
ANALYZE hnt_v;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hnt_v ORDER BY binary_quantize(v)::bit(32) <~> (SELECT binary_quantize(h) FROM hnt_q LIMIT 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM hnt_v ORDER BY v::halfvec(32) <-> (SELECT h FROM hnt_q LIMIT 1) LIMIT 10;
SET hnsw.ef_search = 100;
-- re-rank the 100 nearest by bits: the exact top 10 of the re-ranked candidates covers most of the true top 10
SELECT avg((SELECT count(*) FROM (SELECT id FROM (SELECT id, v FROM hnt_v ORDER BY binary_quantize(v)::bit(32) <~> binary_quantize(q.h::vector)
                                                   LIMIT 100) c ORDER BY v <-> q.h::vector LIMIT 10) r
            WHERE id IN (SELECT id FROM (SELECT id, v <-> q.h::vector AS d FROM hnt_v OFFSET 0) e ORDER BY d LIMIT 10))) >= 8
       AS reranked_recall_ok
  FROM hnt_q q;
RESET hnsw.ef_search;
RESET enable_seqscan;
DROP TABLE hnt_v;

-- wide bit strings: 64,000 bits (pgvector's limit) with m = 20, so that an element's record (16 + 8 m + 8 + 8,000
-- bytes) is wider than a page and spans two; every query's top 5 is the exact one (ef_search above the row count)
CREATE TABLE hnt_wide (id int, b bit(64000));
INSERT INTO hnt_wide SELECT i, ('x' || repeat(md5(i::text), 500))::bit(64000) FROM generate_series(1, 40) i;
CREATE INDEX hnt_wide_ham ON hnt_wide USING hnsw (b bit_hamming_ops) WITH (m = 20);
CREATE INDEX hnt_wide_jac ON hnt_wide USING hnsw (b bit_jaccard_ops) WITH (m = 20);
SET enable_seqscan = off;
SELECT bool_and((SELECT array_agg(d) FROM (SELECT b <~> q.b AS d FROM hnt_wide ORDER BY b <~> q.b LIMIT 5) s) =
                (SELECT (array_agg(d ORDER BY d))[1:5] FROM (SELECT b <~> q.b AS d FROM hnt_wide OFFSET 0) s))
       AS wide_hamming_exact,
       bool_and((SELECT array_agg(d) FROM (SELECT b <%> q.b AS d FROM hnt_wide ORDER BY b <%> q.b LIMIT 5) s) =
                (SELECT (array_agg(d ORDER BY d))[1:5] FROM (SELECT b <%> q.b AS d FROM hnt_wide OFFSET 0) s))
       AS wide_jaccard_exact
  FROM hnt_wide q WHERE q.id % 10 = 3;
INSERT INTO hnt_wide SELECT 100 + id, b FROM hnt_wide WHERE id <= 5;
SELECT c.live = 45 AS wide_all_rows FROM vectorext.index_check('hnt_wide_ham', true) c;
RESET enable_seqscan;
DROP TABLE hnt_wide;

-- errors
SET client_min_messages = notice;
-- halfvec up to its type's 16,000 dimensions (pgvector's hnsw: 4,000; records span pages, as for vector): a
-- 16,000-dimension index answers with the exact neighbours, in order
CREATE TABLE hnt_big (id int, h halfvec(16000), b bit(64001), vb varbit(8));
INSERT INTO hnt_big (id, h)
  SELECT i, (SELECT array_agg(sin(i * 0.7 + j * 0.013) ORDER BY j) FROM generate_series(1, 16000) j)::halfvec
  FROM generate_series(1, 30) i;
CREATE INDEX hnt_big_h ON hnt_big USING hnsw (h halfvec_l2_ops);
SET enable_seqscan = off;
SELECT array_agg(id) = (SELECT array_agg(id) FROM (SELECT id FROM hnt_big ORDER BY (h <-> (SELECT h FROM hnt_big WHERE id = 7)) + 0, id LIMIT 5) e)
       AS halfvec_16000_exact_neighbours, count(*)
FROM (SELECT id FROM hnt_big ORDER BY h <-> (SELECT h FROM hnt_big WHERE id = 7) LIMIT 5) a;
RESET enable_seqscan;
DROP INDEX hnt_big_h;
-- too many bits (54000): pgvector's 64,000
\set VERBOSITY default
CREATE INDEX ON hnt_big USING hnsw (b bit_hamming_ops);
-- varbit has no fixed length (0A000)
CREATE INDEX ON hnt_big USING hnsw (vb bit_jaccard_ops);
\set VERBOSITY sqlstate
CREATE INDEX ON hnt_big USING hnsw (b bit_jaccard_ops);
CREATE INDEX ON hnt_big USING hnsw (vb bit_hamming_ops);
DROP TABLE hnt_big;
-- sparsevec: pgvector's hnsw keeps at most 1,000 nonzeros; ours the type's own 16,000 (the rest in value pages,
-- sql/hnsw_sparse_wide.sql), at insert and at build
CREATE TABLE hnt_sbig (s sparsevec(2000));
CREATE INDEX hnt_sbig_idx ON hnt_sbig USING hnsw (s sparsevec_l2_ops);
\set VERBOSITY default
INSERT INTO hnt_sbig SELECT (array_fill(1.5::real, ARRAY[1001]) || array_fill(0::real, ARRAY[999]))::vector(2000)::sparsevec(2000);
\set VERBOSITY sqlstate
INSERT INTO hnt_sbig SELECT (array_fill(1.5::real, ARRAY[1000]) || array_fill(0::real, ARRAY[1000]))::vector(2000)::sparsevec(2000);
DROP INDEX hnt_sbig_idx;
INSERT INTO hnt_sbig SELECT (array_fill(1.5::real, ARRAY[1001]) || array_fill(0::real, ARRAY[999]))::vector(2000)::sparsevec(2000);
CREATE INDEX hnt_sbig_idx ON hnt_sbig USING hnsw (s sparsevec_cosine_ops);
SELECT c.live = 3 AS sbig_all_rows FROM vectorext.index_check('hnt_sbig_idx', true) c;
DROP TABLE hnt_sbig;
SET client_min_messages = warning;
-- a query of other dimensions (22000), the type's own message, query first as pgvector's hnsw computes it
SET enable_seqscan = off;
\set VERBOSITY default
SELECT id FROM hnt ORDER BY h <-> '[1,2,3]' LIMIT 1;
SELECT id FROM hnt ORDER BY b <~> B'101' LIMIT 1;
SELECT id FROM hnt ORDER BY b <%> B'101' LIMIT 1;
SELECT id FROM hnt ORDER BY s <=> '{1:1}/3' LIMIT 1;
\set VERBOSITY sqlstate
SELECT id FROM hnt ORDER BY h <=> '[1,2,3]' LIMIT 1;
SELECT id FROM hnt ORDER BY b <%> B'101' LIMIT 1;
-- a NULL query returns every row (pgvector's behaviour)
SELECT count(*) FROM (SELECT id FROM hnt ORDER BY h <-> NULL::halfvec) s;
SELECT count(*) FROM (SELECT id FROM hnt ORDER BY b <~> NULL::bit) s;
RESET enable_seqscan;
-- untyped columns: the first row fixes the dimensions, another row is refused (22000)
CREATE TABLE hnt_untyped (h halfvec);
CREATE INDEX ON hnt_untyped USING hnsw (h halfvec_l1_ops);
INSERT INTO hnt_untyped VALUES ('[1,2,3]');
\set VERBOSITY default
INSERT INTO hnt_untyped VALUES ('[1,2,3,4]');
\set VERBOSITY sqlstate
INSERT INTO hnt_untyped VALUES ('[1,2,3,4]');
\set VERBOSITY default
DROP TABLE hnt_untyped, hnt, hnt_q, hnt_src, hnt_centers;
DROP FUNCTION hnt_recall(text, text), hnt_exact(text, text), hnt_uses_index(text, text, text), hnt_all(),
  hnt_checked(bigint);
DROP PROCEDURE hnt_create_indexes();
