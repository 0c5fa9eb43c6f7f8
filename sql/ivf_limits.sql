-- ivfflat and ivf at pgvector's dimension limits: halfvec(4000) (centroids stored as halves) and bit(64000)
-- (centroids and postings as packed bits), on clustered data against exact search (booleans only; the measured
-- figures are in the comments). A hit is a returned row whose distance is at most the exact 10th distance. Build
-- path (rows, then the index), insert path (index trained on a third of the rows, the rest inserted; and an index
-- created on the empty table), index_check with heapallindexed; then 4001 / 64001 refused with pgvector's error.
SET client_min_messages = warning;
-- enable_seqscan = off makes every plan cost 1e10, past the JIT thresholds: compiling each query costs far more than
-- running it
SET jit = off;
-- 300 rows in 10 clusters of 30. halfvec: row i is centre i % 10 plus noise vector i / 10 (30 of them, random()
-- after setseed, correlated with their number by the join), so every row is distinct; bit: deterministic md5 bits of
-- (centre or row, block), each row its centre with the bits of three random masks ANDed (12.5 %) flipped
SELECT setseed(0.25);
CREATE TABLE ivfl_parts AS
  SELECT p, array_agg(CASE WHEN p < 10 THEN random() * 2 - 1 ELSE (random() - 0.5) * 0.8 END::real ORDER BY j) AS x
  FROM generate_series(0, 39) p, generate_series(1, 4000) j GROUP BY p;
CREATE TABLE ivfl_src (i int PRIMARY KEY, h halfvec(4000), b bit(64000));
INSERT INTO ivfl_src (i, h)
  SELECT i, (c.x::vector(4000) + n.x::vector(4000))::halfvec(4000)
  FROM generate_series(1, 300) i JOIN ivfl_parts c ON c.p = i % 10 JOIN ivfl_parts n ON n.p = 10 + (i / 10) % 30;
CREATE FUNCTION ivfl_bits(seed text) RETURNS bit(64000) LANGUAGE sql IMMUTABLE AS $$
  SELECT ('x' || string_agg(md5(seed || ':' || k), '' ORDER BY k))::bit(64000) FROM generate_series(1, 500) k $$;
UPDATE ivfl_src SET b = ivfl_bits('centre' || i % 10) #
                        (ivfl_bits('a' || i) & ivfl_bits('b' || i) & ivfl_bits('c' || i));
SELECT count(*) AS rows, count(DISTINCT b) AS distinct_bits, min(length(b)) AS bits, min(vector_dims(h)) AS dims
  FROM ivfl_src;
-- queries: one row of each cluster
CREATE TABLE ivfl_q AS SELECT i AS qid, h, b FROM ivfl_src WHERE i % 30 = 7;
CREATE TABLE ivfl_kth AS
  SELECT o.op, q.qid,
         (SELECT max(d) FROM (SELECT CASE o.op WHEN '<->' THEN s.h <-> q.h WHEN '<#>' THEN s.h <#> q.h
                                               WHEN '<=>' THEN s.h <=> q.h ELSE s.b <~> q.b END AS d
                              FROM ivfl_src s ORDER BY 1 LIMIT 10) t) AS kth
  FROM ivfl_q q, (VALUES ('<->'), ('<#>'), ('<=>'), ('<~>')) o(op);
CREATE TABLE ivfl (id int PRIMARY KEY, h halfvec(4000), b bit(64000));

-- hits / (10 x queries) of the top 10 the current plan returns
CREATE FUNCTION ivfl_recall(p_op text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE hits bigint := 0; n bigint; q record; col text := CASE p_op WHEN '<~>' THEN 'b' ELSE 'h' END;
BEGIN
  FOR q IN SELECT qid FROM ivfl_q ORDER BY qid LOOP
    EXECUTE format('SELECT count(*) FROM (SELECT %1$I %2$s (SELECT %1$I FROM ivfl_q WHERE qid = $1) AS d FROM ivfl '
                   'ORDER BY %1$I %2$s (SELECT %1$I FROM ivfl_q WHERE qid = $1) LIMIT 10) t WHERE d <= $2', col, p_op)
      INTO STRICT n USING q.qid, (SELECT kth FROM ivfl_kth k WHERE k.op = p_op AND k.qid = q.qid);
    hits := hits + n;
  END LOOP;
  RETURN hits::float8 / (10 * (SELECT count(*) FROM ivfl_q));
END $$;
-- whether the top 10 of every query has exactly the exact search's distances, in order
CREATE FUNCTION ivfl_exact(p_op text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE ok bool := true; got float8[]; want float8[]; q record; col text := CASE p_op WHEN '<~>' THEN 'b' ELSE 'h' END;
BEGIN
  FOR q IN SELECT qid FROM ivfl_q ORDER BY qid LOOP
    EXECUTE format('SELECT array_agg(d ORDER BY o) FROM (SELECT d, row_number() OVER () AS o FROM (SELECT %1$I %2$s '
                   '(SELECT %1$I FROM ivfl_q WHERE qid = $1) AS d FROM ivfl ORDER BY %1$I %2$s (SELECT %1$I FROM ivfl_q '
                   'WHERE qid = $1) LIMIT 10) s) t', col, p_op) INTO got USING q.qid;
    EXECUTE format('SELECT (array_agg(d ORDER BY d))[1:10] FROM (SELECT %1$I %2$s (SELECT %1$I FROM ivfl_q WHERE qid = $1) '
                   'AS d FROM ivfl OFFSET 0) s', col, p_op) INTO want USING q.qid;
    ok := ok AND got = want;
  END LOOP;
  RETURN ok;
END $$;
CREATE FUNCTION ivfl_uses_index(p_op text, p_index text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE line text; found bool := false; col text := CASE p_op WHEN '<~>' THEN 'b' ELSE 'h' END;
BEGIN
  FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM ivfl ORDER BY %1$I %2$s (SELECT %1$I FROM ivfl_q LIMIT 1) LIMIT 10', col, p_op) LOOP
    found := found OR line LIKE '%Index Scan using ' || p_index || ' %';
  END LOOP;
  RETURN found;
END $$;
-- rows a one-list probe returns (without LIMIT): fewer than the table, so recall is the lists' doing
CREATE FUNCTION ivfl_one_list_rows(p_op text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint; col text := CASE p_op WHEN '<~>' THEN 'b' ELSE 'h' END;
BEGIN
  EXECUTE format('SELECT count(*) FROM (SELECT id FROM ivfl ORDER BY %1$I %2$s (SELECT %1$I FROM ivfl_q LIMIT 1)) s', col, p_op) INTO n;
  RETURN n;
END $$;

SET enable_seqscan = off;
-- build path: 10 lists, 3 probed (a random assignment would find ~30 %); measured 1.0 for every operator
INSERT INTO ivfl SELECT i, h, b FROM ivfl_src;
ANALYZE ivfl;
CREATE INDEX ivfl_idx ON ivfl USING ivfflat (h halfvec_l2_ops) WITH (lists = 10);
SET ivfflat.probes = 1;
SELECT ivfl_uses_index('<->', 'ivfl_idx') AS uses_index, ivfl_one_list_rows('<->') < 300 AS probed_subset;
SET ivfflat.probes = 3;
SELECT ivfl_recall('<->') >= 0.9 AS halfvec_4000_l2_recall;
SET ivfflat.probes = 10;
SELECT ivfl_exact('<->') AS halfvec_4000_l2_exact;
SELECT method, live = 300 AS all_rows, heap_rows = 300 AS heap_all_indexed FROM vectorext.index_check('ivfl_idx', true);
DROP INDEX ivfl_idx;
CREATE INDEX ivfl_idx ON ivfl USING ivfflat (h halfvec_cosine_ops) WITH (lists = 10);
SET ivfflat.probes = 3;
SELECT ivfl_uses_index('<=>', 'ivfl_idx') AS uses_index, ivfl_recall('<=>') >= 0.9 AS halfvec_4000_cosine_recall;
DROP INDEX ivfl_idx;
CREATE INDEX ivfl_idx ON ivfl USING ivfflat (b bit_hamming_ops) WITH (lists = 10);
SET ivfflat.probes = 1;
SELECT ivfl_uses_index('<~>', 'ivfl_idx') AS uses_index, ivfl_one_list_rows('<~>') < 300 AS probed_subset;
SET ivfflat.probes = 3;
SELECT ivfl_recall('<~>') >= 0.9 AS bit_64000_hamming_recall;
SET ivfflat.probes = 10;
SELECT ivfl_exact('<~>') AS bit_64000_hamming_exact;
SELECT method, live = 300 AS all_rows, heap_rows = 300 AS heap_all_indexed FROM vectorext.index_check('ivfl_idx', true);
DROP INDEX ivfl_idx;

-- ivf: flat codes (exact), sq8 and pq re-ranked from the table at 4,000 dimensions; bit columns keep packed bits
CREATE INDEX ivfl_idx ON ivfl USING ivf (h halfvec_ip_ops) WITH (lists = 10, quantizer = 'flat');
SET ivf.probes = 3;
SELECT ivfl_uses_index('<#>', 'ivfl_idx') AS uses_index, ivfl_recall('<#>') >= 0.9 AS ivf_flat_ip_recall;
SET ivf.probes = 10;
SELECT ivfl_exact('<#>') AS ivf_flat_ip_exact;
DROP INDEX ivfl_idx;
CREATE INDEX ivfl_idx ON ivfl USING ivf (h halfvec_l2_ops) WITH (lists = 10, quantizer = 'sq8');
SET ivf.probes = 3;
SELECT ivfl_uses_index('<->', 'ivfl_idx') AS uses_index, ivfl_recall('<->') >= 0.9 AS ivf_sq8_l2_recall;
SELECT method, live = 300 AS all_rows FROM vectorext.index_check('ivfl_idx', true);
DROP INDEX ivfl_idx;
CREATE INDEX ivfl_idx ON ivfl USING ivf (h halfvec_l2_ops) WITH (lists = 10, quantizer = 'pq', pq_m = 500);
SELECT ivfl_uses_index('<->', 'ivfl_idx') AS uses_index, ivfl_recall('<->') >= 0.9 AS ivf_pq_l2_recall;
DROP INDEX ivfl_idx;
CREATE INDEX ivfl_idx ON ivfl USING ivf (b bit_hamming_ops) WITH (lists = 10);
SELECT ivfl_uses_index('<~>', 'ivfl_idx') AS uses_index, ivfl_recall('<~>') >= 0.9 AS ivf_bit_hamming_recall;
SET ivf.probes = 10;
SELECT ivfl_exact('<~>') AS ivf_bit_hamming_exact;
DROP INDEX ivfl_idx;

-- insert path: indexes trained on the first 100 rows (every cluster), the other 200 inserted
TRUNCATE ivfl;
INSERT INTO ivfl SELECT i, h, b FROM ivfl_src WHERE i <= 100;
CREATE INDEX ivfl_h ON ivfl USING ivfflat (h halfvec_l2_ops) WITH (lists = 10);
CREATE INDEX ivfl_b ON ivfl USING ivfflat (b bit_hamming_ops) WITH (lists = 10);
INSERT INTO ivfl SELECT i, h, b FROM ivfl_src WHERE i > 100;
SET ivfflat.probes = 3;
SELECT ivfl_uses_index('<->', 'ivfl_h') AS uses_index, ivfl_recall('<->') >= 0.9 AS inserted_halfvec_4000_recall;
SELECT ivfl_uses_index('<~>', 'ivfl_b') AS uses_index, ivfl_recall('<~>') >= 0.9 AS inserted_bit_64000_recall;
SELECT i.indexrelid::regclass AS index, c.live = 300 AS all_rows, c.heap_rows = 300 AS heap_all_indexed
  FROM pg_index i, LATERAL vectorext.index_check(i.indexrelid, true) c WHERE i.indrelid = 'ivfl'::regclass
  AND i.indexrelid <> 'ivfl_pkey'::regclass ORDER BY 1;
DROP INDEX ivfl_h, ivfl_b;
-- created on the empty table (one list of flat codes until REINDEX): every row by INSERT, exact
TRUNCATE ivfl;
CREATE INDEX ivfl_h ON ivfl USING ivfflat (h halfvec_l2_ops) WITH (lists = 10);
CREATE INDEX ivfl_b ON ivfl USING ivf (b bit_hamming_ops) WITH (lists = 1);
INSERT INTO ivfl SELECT i, h, b FROM ivfl_src;
SET ivfflat.probes = 1;
SET ivf.probes = 1;
SELECT ivfl_uses_index('<->', 'ivfl_h') AS uses_index, ivfl_exact('<->') AS empty_then_inserted_halfvec_exact;
SELECT ivfl_uses_index('<~>', 'ivfl_b') AS uses_index, ivfl_exact('<~>') AS empty_then_inserted_bit_exact;
-- REINDEX trains on the rows now there
REINDEX INDEX ivfl_b;
SET ivf.probes = 3;
SELECT ivfl_recall('<~>') >= 0.9 AS reindexed_bit_recall;
DROP INDEX ivfl_h, ivfl_b;
RESET ivfflat.probes;
RESET ivf.probes;
RESET enable_seqscan;
RESET jit;

-- limits: pgvector's messages and SQLSTATE (54000); vector stays at 2,000
SET client_min_messages = notice;
CREATE TABLE ivfl_big (h halfvec(4001), b bit(64001), v vector(2001), hu halfvec, vb varbit(64001));
\set VERBOSITY default
CREATE INDEX ON ivfl_big USING ivfflat (h halfvec_l2_ops);
CREATE INDEX ON ivfl_big USING ivf (h halfvec_cosine_ops);
CREATE INDEX ON ivfl_big USING ivfflat (b bit_hamming_ops);
CREATE INDEX ON ivfl_big USING ivf (b bit_hamming_ops);
CREATE INDEX ON ivfl_big USING ivfflat (v vector_l2_ops);
CREATE INDEX ON ivfl_big USING ivfflat ((vb::bit(64001)) bit_hamming_ops);
-- a column without typmod: the first row fixes the dimensions, and is refused above the limit
CREATE INDEX ivfl_big_hu ON ivfl_big USING ivfflat (hu halfvec_l2_ops) WITH (lists = 1);
INSERT INTO ivfl_big (hu) SELECT array_fill(1, ARRAY[4001])::halfvec;
\set VERBOSITY sqlstate
CREATE INDEX ON ivfl_big USING ivfflat (h halfvec_l2_ops);
CREATE INDEX ON ivfl_big USING ivfflat (b bit_hamming_ops);
INSERT INTO ivfl_big (hu) SELECT array_fill(1, ARRAY[4001])::halfvec;
\set VERBOSITY default
-- at the limit, an untyped column takes the row
INSERT INTO ivfl_big (hu) SELECT array_fill(1, ARRAY[4000])::halfvec;
-- ivf keeps bit columns as packed bits: sq8 and pq are refused for them (0A000)
CREATE INDEX ON ivfl USING ivf (b bit_hamming_ops) WITH (quantizer = 'sq8');
CREATE INDEX ON ivfl USING ivf (b bit_hamming_ops) WITH (quantizer = 'pq');
\set VERBOSITY sqlstate
CREATE INDEX ON ivfl USING ivf (b bit_hamming_ops) WITH (quantizer = 'sq8');
\set VERBOSITY default
DROP TABLE ivfl_big, ivfl, ivfl_q, ivfl_kth, ivfl_src, ivfl_parts;
DROP FUNCTION ivfl_recall(text), ivfl_exact(text), ivfl_uses_index(text, text), ivfl_one_list_rows(text), ivfl_bits(text);
