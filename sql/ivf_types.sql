-- ivfflat and ivf over halfvec (halfvec_l2_ops, halfvec_ip_ops, halfvec_cosine_ops) and bit (bit_hamming_ops), on
-- clustered data against exact search (fixed seed; booleans only). A hit is a returned row whose distance is at most
-- the exact 10th distance, so ties (Hamming distances are small integers) cannot make a correct index miss. Every
-- operator class is tested with the index built over its rows (build path) and created before them (insert path);
-- then the same at pgvector's dimension limits (4,000 halfvec dimensions, 64,000 bits) and at halfvec's own 16,000;
-- then the errors, with pgvector's messages and SQLSTATEs.
SET client_min_messages = warning;
-- enable_seqscan = off makes every plan cost 1e10, past the JIT thresholds: compiling each query costs far more than
-- running it
SET jit = off;
SELECT setseed(0.125);
CREATE TABLE ivft_centers AS
  SELECT c, array_agg((random() * 4 - 2)::real ORDER BY j) AS x FROM generate_series(1, 20) c, generate_series(1, 32) j
  GROUP BY c;
-- un-normalised halfvec rows around 20 centres; bit rows: the centre's signs twice (64 bits), each bit flipped at 12 %
CREATE TABLE ivft_src AS
  SELECT i, array_agg((c.x[1 + (j - 1) % 32] + (random() - 0.5) * 1.5)::real ORDER BY j) FILTER (WHERE j <= 32) AS x,
         string_agg(CASE WHEN (c.x[1 + (j - 1) % 32] > 0) <> (random() < 0.12) THEN '1' ELSE '0' END, '' ORDER BY j) AS b
  FROM generate_series(1, 4000) i JOIN ivft_centers c ON c.c = 1 + i % 20, generate_series(1, 64) j GROUP BY i;
CREATE TABLE ivft (id int PRIMARY KEY, h halfvec(32), b bit(64));
CREATE TABLE ivft_q AS SELECT i AS qid, x::halfvec(32) AS h, b::bit(64) AS b FROM ivft_src WHERE i % 200 = 7;
SELECT count(*) AS queries, count(DISTINCT b) AS distinct_bit_queries FROM ivft_q;

-- the exact 10th distance per query and operator (a sequential scan over the source rows)
CREATE TABLE ivft_kth AS
  SELECT o.op, q.qid,
         (SELECT max(d) FROM (SELECT CASE o.op WHEN '<->' THEN s.x::halfvec(32) <-> q.h
                                               WHEN '<#>' THEN s.x::halfvec(32) <#> q.h
                                               WHEN '<=>' THEN s.x::halfvec(32) <=> q.h
                                               ELSE s.b::bit(64) <~> q.b END AS d
                              FROM ivft_src s ORDER BY 1 LIMIT 10) t) AS kth
  FROM ivft_q q, (VALUES ('<->'), ('<#>'), ('<=>'), ('<~>')) o(op);

-- The helpers read the tables <prefix> (id, h, b), <prefix>_q (qid, h, b) and <prefix>_kth (op, qid, kth): ivft here,
-- ivfl for the data at the dimension limits below.
-- hits / (10 x queries) of the top 10 the current plan returns
CREATE FUNCTION ivft_recall(p_op text, p_prefix text DEFAULT 'ivft') RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE hits bigint := 0; n bigint; kth float8; q record; col text := CASE p_op WHEN '<~>' THEN 'b' ELSE 'h' END;
        qt text := p_prefix || '_q';
BEGIN
  FOR q IN EXECUTE format('SELECT qid FROM %I ORDER BY qid', qt) LOOP
    EXECUTE format('SELECT kth FROM %I WHERE op = $1 AND qid = $2', p_prefix || '_kth') INTO STRICT kth USING p_op, q.qid;
    EXECUTE format('SELECT count(*) FROM (SELECT %1$I %2$s (SELECT %1$I FROM %4$I WHERE qid = $1) AS d FROM %3$I '
                   'ORDER BY %1$I %2$s (SELECT %1$I FROM %4$I WHERE qid = $1) LIMIT 10) t WHERE d <= $2', col, p_op,
                   p_prefix, qt)
      INTO STRICT n USING q.qid, kth;
    hits := hits + n;
  END LOOP;
  EXECUTE format('SELECT count(*) FROM %I', qt) INTO n;
  RETURN hits::float8 / (10 * n);
END $$;
-- whether the top 10 of every query has exactly the exact search's distances, in order (every list probed)
CREATE FUNCTION ivft_exact(p_op text, p_prefix text DEFAULT 'ivft') RETURNS bool LANGUAGE plpgsql AS $$
DECLARE ok bool := true; got float8[]; want float8[]; q record; col text := CASE p_op WHEN '<~>' THEN 'b' ELSE 'h' END;
        qt text := p_prefix || '_q';
BEGIN
  FOR q IN EXECUTE format('SELECT qid FROM %I ORDER BY qid', qt) LOOP
    EXECUTE format('SELECT array_agg(d ORDER BY o) FROM (SELECT d, row_number() OVER () AS o FROM (SELECT %1$I %2$s '
                   '(SELECT %1$I FROM %4$I WHERE qid = $1) AS d FROM %3$I ORDER BY %1$I %2$s (SELECT %1$I FROM %4$I '
                   'WHERE qid = $1) LIMIT 10) s) t', col, p_op, p_prefix, qt) INTO got USING q.qid;
    -- OFFSET 0: a sort of the exact distances, never an index scan
    EXECUTE format('SELECT (array_agg(d ORDER BY d))[1:10] FROM (SELECT %1$I %2$s (SELECT %1$I FROM %4$I WHERE qid = $1) '
                   'AS d FROM %3$I OFFSET 0) s', col, p_op, p_prefix, qt) INTO want USING q.qid;
    ok := ok AND got = want;
  END LOOP;
  RETURN ok;
END $$;
-- the plan of a query, to show the index is what answers
CREATE FUNCTION ivft_uses_index(p_op text, p_index text, p_prefix text DEFAULT 'ivft') RETURNS bool LANGUAGE plpgsql AS $$
DECLARE line text; found bool := false; col text := CASE p_op WHEN '<~>' THEN 'b' ELSE 'h' END;
BEGIN
  FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM %3$I ORDER BY %1$I %2$s (SELECT %1$I FROM %4$I LIMIT 1) LIMIT 10',
                             col, p_op, p_prefix, p_prefix || '_q') LOOP
    found := found OR line LIKE '%Index Scan using ' || p_index || ' %';
  END LOOP;
  RETURN found;
END $$;
-- rows a one-list probe returns (without LIMIT): fewer than the table, so recall is the lists' doing
CREATE FUNCTION ivft_one_list_rows(p_op text, p_prefix text DEFAULT 'ivft') RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint; col text := CASE p_op WHEN '<~>' THEN 'b' ELSE 'h' END;
BEGIN
  EXECUTE format('SELECT count(*) FROM (SELECT id FROM %3$I ORDER BY %1$I %2$s (SELECT %1$I FROM %4$I LIMIT 1)) s',
                 col, p_op, p_prefix, p_prefix || '_q') INTO n;
  RETURN n;
END $$;

SET enable_seqscan = off;
-- build path: rows first, then the index (20 lists); recall at 4 of 20 lists probed, exact with all of them
INSERT INTO ivft SELECT i, x::halfvec(32), b::bit(64) FROM ivft_src;
ANALYZE ivft;
CREATE INDEX ivft_idx ON ivft USING ivfflat (h halfvec_l2_ops) WITH (lists = 20);
SELECT ivft_uses_index('<->', 'ivft_idx') AS uses_index;
-- one list probed: the scan returns that list's rows only (without LIMIT), so the recall below is the lists' doing
SET ivfflat.probes = 1;
SELECT ivft_one_list_rows('<->') < 4000 AS probed_subset;
SET ivfflat.probes = 4;
SELECT ivft_recall('<->') >= 0.9 AS l2_recall;
SET ivfflat.probes = 20;
SELECT ivft_exact('<->') AS l2_exact;
DROP INDEX ivft_idx;
CREATE INDEX ivft_idx ON ivft USING ivfflat (h halfvec_ip_ops) WITH (lists = 20);
SET ivfflat.probes = 4;
SELECT ivft_uses_index('<#>', 'ivft_idx') AS uses_index, ivft_recall('<#>') >= 0.9 AS ip_recall;
SET ivfflat.probes = 20;
SELECT ivft_exact('<#>') AS ip_exact;
DROP INDEX ivft_idx;
CREATE INDEX ivft_idx ON ivft USING ivfflat (h halfvec_cosine_ops) WITH (lists = 20);
SET ivfflat.probes = 4;
SELECT ivft_uses_index('<=>', 'ivft_idx') AS uses_index, ivft_recall('<=>') >= 0.9 AS cosine_recall;
SET ivfflat.probes = 20;
SELECT ivft_exact('<=>') AS cosine_exact;
DROP INDEX ivft_idx;
CREATE INDEX ivft_idx ON ivft USING ivfflat (b bit_hamming_ops) WITH (lists = 20);
SET ivfflat.probes = 1;
SELECT ivft_uses_index('<~>', 'ivft_idx') AS uses_index,
       ivft_one_list_rows('<~>') < 4000 AS probed_subset;
SET ivfflat.probes = 4;
SELECT ivft_recall('<~>') >= 0.9 AS hamming_recall;
SET ivfflat.probes = 20;
SELECT ivft_exact('<~>') AS hamming_exact;
SELECT method, live = 4000 AS all_rows, heap_rows = 4000 AS heap_all_indexed FROM vectorext.index_check('ivft_idx', true);
DROP INDEX ivft_idx;

-- ivf: flat codes (exact like ivfflat), and sq8 re-ranked from the table
CREATE INDEX ivft_idx ON ivft USING ivf (h halfvec_l2_ops) WITH (lists = 20, quantizer = 'flat');
SET ivf.probes = 20;
SELECT ivft_uses_index('<->', 'ivft_idx') AS uses_index, ivft_exact('<->') AS ivf_flat_l2_exact;
DROP INDEX ivft_idx;
CREATE INDEX ivft_idx ON ivft USING ivf (h halfvec_cosine_ops) WITH (lists = 20, quantizer = 'sq8');
SET ivf.probes = 4;
SELECT ivft_uses_index('<=>', 'ivft_idx') AS uses_index, ivft_recall('<=>') >= 0.9 AS ivf_sq8_cosine_recall;
DROP INDEX ivft_idx;
CREATE INDEX ivft_idx ON ivft USING ivf (b bit_hamming_ops) WITH (lists = 20, quantizer = 'flat');
SELECT ivft_uses_index('<~>', 'ivft_idx') AS uses_index, ivft_recall('<~>') >= 0.9 AS ivf_hamming_recall;
SET ivf.probes = 20;
SELECT ivft_exact('<~>') AS ivf_hamming_exact;
DROP INDEX ivft_idx;

-- insert path: indexes created on the empty table (nothing to train on), every row arrives by INSERT; then one
-- trained on the first 1,000 rows that receives the other 3,000 by INSERT
TRUNCATE ivft;
CREATE INDEX ivft_l2 ON ivft USING ivfflat (h halfvec_l2_ops) WITH (lists = 20);
CREATE INDEX ivft_ham ON ivft USING ivfflat (b bit_hamming_ops) WITH (lists = 20);
CREATE INDEX ivft_ip ON ivft USING ivf (h halfvec_ip_ops) WITH (lists = 1, quantizer = 'flat');
INSERT INTO ivft SELECT i, x::halfvec(32), b::bit(64) FROM ivft_src;
SET ivfflat.probes = 4;
SELECT ivft_uses_index('<->', 'ivft_l2') AS uses_index, ivft_recall('<->') >= 0.9 AS inserted_l2_recall;
SELECT ivft_uses_index('<~>', 'ivft_ham') AS uses_index, ivft_recall('<~>') >= 0.9 AS inserted_hamming_recall;
SET ivf.probes = 1;
SELECT ivft_uses_index('<#>', 'ivft_ip') AS uses_index, ivft_exact('<#>') AS inserted_ip_exact;
SELECT i.indexrelid::regclass AS index, c.live = 4000 AS all_rows
  FROM pg_index i, LATERAL vectorext.index_check(i.indexrelid, true) c WHERE i.indrelid = 'ivft'::regclass
  AND i.indexrelid <> 'ivft_pkey'::regclass ORDER BY 1;
DROP INDEX ivft_l2, ivft_ham, ivft_ip;
TRUNCATE ivft;
INSERT INTO ivft SELECT i, x::halfvec(32), b::bit(64) FROM ivft_src WHERE i <= 1000;
CREATE INDEX ivft_cos ON ivft USING ivfflat (h halfvec_cosine_ops) WITH (lists = 20);
CREATE INDEX ivft_ham ON ivft USING ivfflat (b bit_hamming_ops) WITH (lists = 20);
INSERT INTO ivft SELECT i, x::halfvec(32), b::bit(64) FROM ivft_src WHERE i > 1000;
SET ivfflat.probes = 4;
SELECT ivft_uses_index('<=>', 'ivft_cos') AS uses_index, ivft_recall('<=>') >= 0.9 AS trained_then_inserted_cosine_recall;
SELECT ivft_uses_index('<~>', 'ivft_ham') AS uses_index, ivft_recall('<~>') >= 0.9 AS trained_then_inserted_hamming_recall;
DROP INDEX ivft_cos, ivft_ham;
-- pgvector's expression patterns over a vector column: a halfvec index and a binary-quantized one, queried through
-- the same expressions; every list probed, the top 10 distances are the exact ones
CREATE TABLE ivft_v AS SELECT id, h::vector(32) AS v FROM ivft;
CREATE INDEX ivft_v_half ON ivft_v USING ivfflat ((v::halfvec(32)) halfvec_l2_ops) WITH (lists = 20);
CREATE INDEX ivft_v_bq ON ivft_v USING ivfflat ((binary_quantize(v)::bit(32)) bit_hamming_ops) WITH (lists = 20);
ANALYZE ivft_v;
SET ivfflat.probes = 20;
EXPLAIN (COSTS OFF) SELECT id FROM ivft_v ORDER BY v::halfvec(32) <-> (SELECT h FROM ivft_q LIMIT 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM ivft_v ORDER BY binary_quantize(v)::bit(32) <~> (SELECT binary_quantize(h) FROM ivft_q LIMIT 1) LIMIT 10;
SELECT bool_and((SELECT array_agg(d) FROM (SELECT v::halfvec(32) <-> q.h AS d FROM ivft_v ORDER BY v::halfvec(32) <-> q.h LIMIT 10) s) =
                (SELECT (array_agg(d ORDER BY d))[1:10] FROM (SELECT v::halfvec(32) <-> q.h AS d FROM ivft_v OFFSET 0) s)) AS halfvec_expression_exact,
       bool_and((SELECT array_agg(d) FROM (SELECT binary_quantize(v)::bit(32) <~> binary_quantize(q.h) AS d FROM ivft_v
                                           ORDER BY binary_quantize(v)::bit(32) <~> binary_quantize(q.h) LIMIT 10) s) =
                (SELECT (array_agg(d ORDER BY d))[1:10] FROM (SELECT binary_quantize(v)::bit(32) <~> binary_quantize(q.h) AS d FROM ivft_v OFFSET 0) s)) AS quantized_expression_exact
  FROM ivft_q q;
DROP TABLE ivft_v;

-- at pgvector's dimension limits: halfvec(4000) (centroids stored as halves) and bit(64000) (centroids and postings
-- as packed bits); measured recall 1.0 for every case below at 3 of 10 lists probed (a random assignment of rows to
-- lists finds ~30 %), with the index built over the rows, trained on a third of them and given the rest by INSERT,
-- and created on the empty table (sql/ivf_types.sql's own tables: ivfl*)
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

SET enable_seqscan = off;
-- build path: 10 lists, 3 probed (a random assignment would find ~30 %); measured 1.0 for every operator
INSERT INTO ivfl SELECT i, h, b FROM ivfl_src;
ANALYZE ivfl;
CREATE INDEX ivfl_idx ON ivfl USING ivfflat (h halfvec_l2_ops) WITH (lists = 10);
SET ivfflat.probes = 1;
SELECT ivft_uses_index('<->', 'ivfl_idx', 'ivfl') AS uses_index, ivft_one_list_rows('<->', 'ivfl') < 300 AS probed_subset;
SET ivfflat.probes = 3;
SELECT ivft_recall('<->', 'ivfl') >= 0.9 AS halfvec_4000_l2_recall;
SET ivfflat.probes = 10;
SELECT ivft_exact('<->', 'ivfl') AS halfvec_4000_l2_exact;
SELECT method, live = 300 AS all_rows, heap_rows = 300 AS heap_all_indexed FROM vectorext.index_check('ivfl_idx', true);
DROP INDEX ivfl_idx;
CREATE INDEX ivfl_idx ON ivfl USING ivfflat (h halfvec_cosine_ops) WITH (lists = 10);
SET ivfflat.probes = 3;
SELECT ivft_uses_index('<=>', 'ivfl_idx', 'ivfl') AS uses_index, ivft_recall('<=>', 'ivfl') >= 0.9 AS halfvec_4000_cosine_recall;
DROP INDEX ivfl_idx;
CREATE INDEX ivfl_idx ON ivfl USING ivfflat (b bit_hamming_ops) WITH (lists = 10);
SET ivfflat.probes = 1;
SELECT ivft_uses_index('<~>', 'ivfl_idx', 'ivfl') AS uses_index, ivft_one_list_rows('<~>', 'ivfl') < 300 AS probed_subset;
SET ivfflat.probes = 3;
SELECT ivft_recall('<~>', 'ivfl') >= 0.9 AS bit_64000_hamming_recall;
SET ivfflat.probes = 10;
SELECT ivft_exact('<~>', 'ivfl') AS bit_64000_hamming_exact;
SELECT method, live = 300 AS all_rows, heap_rows = 300 AS heap_all_indexed FROM vectorext.index_check('ivfl_idx', true);
DROP INDEX ivfl_idx;

-- ivf: flat codes (exact), sq8 and pq re-ranked from the table at 4,000 dimensions; bit columns keep packed bits
CREATE INDEX ivfl_idx ON ivfl USING ivf (h halfvec_ip_ops) WITH (lists = 10, quantizer = 'flat');
SET ivf.probes = 3;
SELECT ivft_uses_index('<#>', 'ivfl_idx', 'ivfl') AS uses_index, ivft_recall('<#>', 'ivfl') >= 0.9 AS ivf_flat_ip_recall;
SET ivf.probes = 10;
SELECT ivft_exact('<#>', 'ivfl') AS ivf_flat_ip_exact;
DROP INDEX ivfl_idx;
CREATE INDEX ivfl_idx ON ivfl USING ivf (h halfvec_l2_ops) WITH (lists = 10, quantizer = 'sq8');
SET ivf.probes = 3;
SELECT ivft_uses_index('<->', 'ivfl_idx', 'ivfl') AS uses_index, ivft_recall('<->', 'ivfl') >= 0.9 AS ivf_sq8_l2_recall;
SELECT method, live = 300 AS all_rows FROM vectorext.index_check('ivfl_idx', true);
DROP INDEX ivfl_idx;
CREATE INDEX ivfl_idx ON ivfl USING ivf (h halfvec_l2_ops) WITH (lists = 10, quantizer = 'pq', pq_m = 500);
SELECT ivft_uses_index('<->', 'ivfl_idx', 'ivfl') AS uses_index, ivft_recall('<->', 'ivfl') >= 0.9 AS ivf_pq_l2_recall;
DROP INDEX ivfl_idx;
CREATE INDEX ivfl_idx ON ivfl USING ivf (b bit_hamming_ops) WITH (lists = 10);
SELECT ivft_uses_index('<~>', 'ivfl_idx', 'ivfl') AS uses_index, ivft_recall('<~>', 'ivfl') >= 0.9 AS ivf_bit_hamming_recall;
SET ivf.probes = 10;
SELECT ivft_exact('<~>', 'ivfl') AS ivf_bit_hamming_exact;
DROP INDEX ivfl_idx;

-- insert path: indexes trained on the first 100 rows (every cluster), the other 200 inserted
TRUNCATE ivfl;
INSERT INTO ivfl SELECT i, h, b FROM ivfl_src WHERE i <= 100;
CREATE INDEX ivfl_h ON ivfl USING ivfflat (h halfvec_l2_ops) WITH (lists = 10);
CREATE INDEX ivfl_b ON ivfl USING ivfflat (b bit_hamming_ops) WITH (lists = 10);
INSERT INTO ivfl SELECT i, h, b FROM ivfl_src WHERE i > 100;
SET ivfflat.probes = 3;
SELECT ivft_uses_index('<->', 'ivfl_h', 'ivfl') AS uses_index, ivft_recall('<->', 'ivfl') >= 0.9 AS inserted_halfvec_4000_recall;
SELECT ivft_uses_index('<~>', 'ivfl_b', 'ivfl') AS uses_index, ivft_recall('<~>', 'ivfl') >= 0.9 AS inserted_bit_64000_recall;
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
SELECT ivft_uses_index('<->', 'ivfl_h', 'ivfl') AS uses_index, ivft_exact('<->', 'ivfl') AS empty_then_inserted_halfvec_exact;
SELECT ivft_uses_index('<~>', 'ivfl_b', 'ivfl') AS uses_index, ivft_exact('<~>', 'ivfl') AS empty_then_inserted_bit_exact;
-- REINDEX trains on the rows now there
REINDEX INDEX ivfl_b;
SET ivf.probes = 3;
SELECT ivft_recall('<~>', 'ivfl') >= 0.9 AS reindexed_bit_recall;
DROP INDEX ivfl_h, ivfl_b;

RESET enable_seqscan;
-- at halfvec's own limit, 16,000 dimensions (pgvector: 4,000): a centroid (32,000 bytes of halves) spans a run of 4
-- pages, and a flat posting (a half copy: 32,008 bytes) would not fit a page, so postings keep the heap TID alone and
-- scans re-rank every candidate of the probed lists from the table (quantizer heap, docs/ivf-internals.md); sq8 too
-- (16,000 bytes a code). 60 rows in 3 clusters of 20: row i is centre i % 3 plus noise vector (i - 1) / 3 (random()
-- after setseed, correlated with their number by the join), every row distinct. 3 lists, 1 probed: a random
-- assignment of rows to lists finds ~1/3 of the top 10; measured 1.0 for every case below.
SELECT setseed(0.375);
CREATE TABLE ivfw_parts AS
  SELECT p, array_agg(CASE WHEN p < 3 THEN random() * 2 - 1 ELSE (random() - 0.5) * 0.8 END::real ORDER BY j) AS x
  FROM generate_series(0, 22) p, generate_series(1, 16000) j GROUP BY p;
CREATE TABLE ivfw_src (i int PRIMARY KEY, h halfvec(16000));
INSERT INTO ivfw_src
  SELECT i, (c.x::vector(16000) + n.x::vector(16000))::halfvec(16000)
  FROM generate_series(1, 60) i JOIN ivfw_parts c ON c.p = i % 3 JOIN ivfw_parts n ON n.p = 3 + (i - 1) / 3;
SELECT count(*) AS rows, count(DISTINCT h) AS distinct_rows, min(vector_dims(h)) AS dims FROM ivfw_src;
-- queries: one row of each cluster
CREATE TABLE ivfw_q AS SELECT i AS qid, h FROM ivfw_src WHERE i % 20 = 7;
CREATE TABLE ivfw_kth AS
  SELECT o.op, q.qid,
         (SELECT max(d) FROM (SELECT CASE o.op WHEN '<->' THEN s.h <-> q.h WHEN '<#>' THEN s.h <#> q.h
                                               ELSE s.h <=> q.h END AS d
                              FROM ivfw_src s ORDER BY 1 LIMIT 10) t) AS kth
  FROM ivfw_q q, (VALUES ('<->'), ('<#>'), ('<=>')) o(op);
CREATE TABLE ivfw (id int PRIMARY KEY, h halfvec(16000));
SET enable_seqscan = off;
-- build path
INSERT INTO ivfw SELECT i, h FROM ivfw_src;
ANALYZE ivfw;
CREATE INDEX ivfw_idx ON ivfw USING ivfflat (h halfvec_l2_ops) WITH (lists = 3);
SET ivfflat.probes = 1;
SELECT ivft_uses_index('<->', 'ivfw_idx', 'ivfw') AS uses_index, ivft_one_list_rows('<->', 'ivfw') < 60 AS probed_subset,
       ivft_recall('<->', 'ivfw') >= 0.9 AS halfvec_16000_l2_recall;
SET ivfflat.probes = 3;
SELECT ivft_exact('<->', 'ivfw') AS halfvec_16000_l2_exact;
SELECT method, live = 60 AS all_rows, heap_rows = 60 AS heap_all_indexed FROM vectorext.index_check('ivfw_idx', true);
DROP INDEX ivfw_idx;
CREATE INDEX ivfw_idx ON ivfw USING ivfflat (h halfvec_cosine_ops) WITH (lists = 3);
SET ivfflat.probes = 1;
SELECT ivft_uses_index('<=>', 'ivfw_idx', 'ivfw') AS uses_index, ivft_recall('<=>', 'ivfw') >= 0.9 AS halfvec_16000_cosine_recall;
DROP INDEX ivfw_idx;
CREATE INDEX ivfw_idx ON ivfw USING ivf (h halfvec_ip_ops) WITH (lists = 3, quantizer = 'flat');
SET ivf.probes = 1;
SELECT ivft_uses_index('<#>', 'ivfw_idx', 'ivfw') AS uses_index, ivft_recall('<#>', 'ivfw') >= 0.9 AS ivf_flat_16000_ip_recall;
SET ivf.probes = 3;
SELECT ivft_exact('<#>', 'ivfw') AS ivf_flat_16000_ip_exact;
DROP INDEX ivfw_idx;
CREATE INDEX ivfw_idx ON ivfw USING ivf (h halfvec_l2_ops) WITH (lists = 3, quantizer = 'sq8', rerank = 5);
SET ivf.probes = 1;
SELECT ivft_uses_index('<->', 'ivfw_idx', 'ivfw') AS uses_index, ivft_recall('<->', 'ivfw') >= 0.9 AS ivf_sq8_16000_l2_recall;
SELECT method, live = 60 AS all_rows, heap_rows = 60 AS heap_all_indexed FROM vectorext.index_check('ivfw_idx', true);
DROP INDEX ivfw_idx;
-- insert path: trained on the first 21 rows (7 of each cluster), the other 39 inserted
TRUNCATE ivfw;
INSERT INTO ivfw SELECT i, h FROM ivfw_src WHERE i <= 21;
CREATE INDEX ivfw_flat ON ivfw USING ivfflat (h halfvec_l2_ops) WITH (lists = 3);
CREATE INDEX ivfw_ivf ON ivfw USING ivf (h halfvec_cosine_ops) WITH (lists = 3);
INSERT INTO ivfw SELECT i, h FROM ivfw_src WHERE i > 21;
SET ivfflat.probes = 1;
SET ivf.probes = 1;
SELECT ivft_uses_index('<->', 'ivfw_flat', 'ivfw') AS uses_index, ivft_recall('<->', 'ivfw') >= 0.9 AS inserted_halfvec_16000_l2_recall;
SELECT ivft_uses_index('<=>', 'ivfw_ivf', 'ivfw') AS uses_index, ivft_recall('<=>', 'ivfw') >= 0.9 AS inserted_halfvec_16000_cosine_recall;
SET ivfflat.probes = 3;
SELECT ivft_exact('<->', 'ivfw') AS inserted_halfvec_16000_l2_exact;
SELECT i.indexrelid::regclass AS index, c.live = 60 AS all_rows, c.heap_rows = 60 AS heap_all_indexed
  FROM pg_index i, LATERAL vectorext.index_check(i.indexrelid, true) c WHERE i.indrelid = 'ivfw'::regclass
  AND i.indexrelid <> 'ivfw_pkey'::regclass ORDER BY 1;
DROP INDEX ivfw_flat, ivfw_ivf;
-- created on the empty table (one list until REINDEX), and on a column without typmod (the first row fixes 16,000
-- dimensions): every row by INSERT, exact; REINDEX then trains 3 lists
TRUNCATE ivfw;
CREATE INDEX ivfw_flat ON ivfw USING ivfflat (h halfvec_l2_ops) WITH (lists = 3);
CREATE TABLE ivfw_untyped (id int PRIMARY KEY, h halfvec);
CREATE INDEX ivfw_untyped_idx ON ivfw_untyped USING ivf (h halfvec_l2_ops) WITH (lists = 1);
INSERT INTO ivfw SELECT i, h FROM ivfw_src;
INSERT INTO ivfw_untyped SELECT i, h FROM ivfw_src;
SET ivfflat.probes = 1;
SELECT ivft_uses_index('<->', 'ivfw_flat', 'ivfw') AS uses_index, ivft_exact('<->', 'ivfw') AS empty_then_inserted_16000_exact;
SELECT bool_and((SELECT array_agg(d) FROM (SELECT u.h <-> q.h AS d FROM ivfw_untyped u ORDER BY u.h <-> q.h LIMIT 10) s) =
                (SELECT (array_agg(d ORDER BY d))[1:10] FROM (SELECT u.h <-> q.h AS d FROM ivfw_untyped u OFFSET 0) s))
       AS untyped_16000_exact
  FROM ivfw_q q;
SELECT c.method, c.live = 60 AS all_rows, c.heap_rows = 60 AS heap_all_indexed
  FROM vectorext.index_check('ivfw_untyped_idx', true) c;
REINDEX INDEX ivfw_flat;
SELECT ivft_recall('<->', 'ivfw') >= 0.9 AS reindexed_16000_recall;
SELECT method, live = 60 AS all_rows, heap_rows = 60 AS heap_all_indexed FROM vectorext.index_check('ivfw_flat', true);
DROP TABLE ivfw, ivfw_untyped, ivfw_q, ivfw_kth, ivfw_src, ivfw_parts;

RESET ivfflat.probes;
RESET ivf.probes;
RESET enable_seqscan;
RESET jit;

-- errors
SET client_min_messages = notice;
-- too many dimensions (54000): pgvector's 64,000 (bit); halfvec(4001) is taken (halfvec stops at the type's 16,000)
CREATE TABLE ivft_big (h halfvec(4001), b bit(64001), vb varbit(8), h2 halfvec(4000), b2 bit(64000));
CREATE INDEX ON ivft_big USING ivfflat (h2 halfvec_l2_ops);
CREATE INDEX ON ivft_big USING ivfflat (b2 bit_hamming_ops);
\set VERBOSITY default
CREATE INDEX ON ivft_big USING ivfflat (h halfvec_l2_ops);
CREATE INDEX ON ivft_big USING ivfflat (b bit_hamming_ops);
CREATE INDEX ON ivft_big USING ivf (h halfvec_l2_ops);
-- varbit has no fixed length (0A000)
CREATE INDEX ON ivft_big USING ivfflat (vb bit_hamming_ops);
\set VERBOSITY sqlstate
CREATE INDEX ON ivft_big USING ivfflat (b bit_hamming_ops);
CREATE INDEX ON ivft_big USING ivfflat (vb bit_hamming_ops);
DROP TABLE ivft_big;
-- at the limits' edge, as pgvector: 64001 bits refused (54000) for both access methods; vector stays at 2,000;
-- halfvec(4001) is taken (pgvector refuses it)
CREATE TABLE ivfl_big (h halfvec(4001), b bit(64001), v vector(2001), hu halfvec, vb varbit(64001));
\set VERBOSITY default
CREATE INDEX ON ivfl_big USING ivfflat (h halfvec_l2_ops);
CREATE INDEX ON ivfl_big USING ivf (h halfvec_cosine_ops);
CREATE INDEX ON ivfl_big USING ivfflat (b bit_hamming_ops);
CREATE INDEX ON ivfl_big USING ivf (b bit_hamming_ops);
CREATE INDEX ON ivfl_big USING ivfflat (v vector_l2_ops);
CREATE INDEX ON ivfl_big USING ivfflat ((vb::bit(64001)) bit_hamming_ops);
-- a column without typmod: the first row fixes the dimensions; above 16,000 the type itself refuses the value
CREATE INDEX ivfl_big_hu ON ivfl_big USING ivfflat (hu halfvec_l2_ops) WITH (lists = 1);
INSERT INTO ivfl_big (hu) SELECT array_fill(1, ARRAY[16001])::halfvec;
\set VERBOSITY sqlstate
CREATE INDEX ON ivfl_big USING ivfflat (b bit_hamming_ops);
INSERT INTO ivfl_big (hu) SELECT array_fill(1, ARRAY[16001])::halfvec;
\set VERBOSITY default
-- at the limit, an untyped column takes the row
INSERT INTO ivfl_big (hu) SELECT array_fill(1, ARRAY[16000])::halfvec;
-- ivf keeps bit columns as packed bits: sq8 and pq are refused for them (0A000)
CREATE INDEX ON ivfl USING ivf (b bit_hamming_ops) WITH (quantizer = 'sq8');
CREATE INDEX ON ivfl USING ivf (b bit_hamming_ops) WITH (quantizer = 'pq');
\set VERBOSITY sqlstate
CREATE INDEX ON ivfl USING ivf (b bit_hamming_ops) WITH (quantizer = 'sq8');
\set VERBOSITY default
SET client_min_messages = warning;
-- a query of other dimensions (22000), the type's own message
CREATE INDEX ivft_idx ON ivft USING ivfflat (h halfvec_l2_ops) WITH (lists = 4);
CREATE INDEX ivft_bidx ON ivft USING ivfflat (b bit_hamming_ops) WITH (lists = 4);
SET enable_seqscan = off;
\set VERBOSITY default
SELECT id FROM ivft ORDER BY h <-> '[1,2,3]' LIMIT 1;
SELECT id FROM ivft ORDER BY b <~> B'101' LIMIT 1;
\set VERBOSITY sqlstate
SELECT id FROM ivft ORDER BY h <-> '[1,2,3]' LIMIT 1;
SELECT id FROM ivft ORDER BY b <~> B'101' LIMIT 1;
-- a NULL query returns every row (pgvector's behaviour)
SELECT count(*) FROM (SELECT id FROM ivft ORDER BY h <-> NULL::halfvec) s;
SELECT count(*) FROM (SELECT id FROM ivft ORDER BY b <~> NULL::bit) s;
RESET enable_seqscan;
-- an untyped halfvec column: the first row fixes the dimensions, another row is refused (22000)
CREATE TABLE ivft_untyped (h halfvec);
CREATE INDEX ON ivft_untyped USING ivfflat (h halfvec_l2_ops) WITH (lists = 1);
INSERT INTO ivft_untyped VALUES ('[1,2,3]');
\set VERBOSITY default
INSERT INTO ivft_untyped VALUES ('[1,2]');
\set VERBOSITY sqlstate
INSERT INTO ivft_untyped VALUES ('[1,2]');
\set VERBOSITY default
-- operator classes of another type than the column's are refused by Postgres, as for pgvector
CREATE INDEX ON ivft USING ivfflat (h bit_hamming_ops);
DROP TABLE ivft_untyped;
DROP TABLE ivft, ivft_q, ivft_kth, ivft_src, ivft_centers, ivfl_big, ivfl, ivfl_q, ivfl_kth, ivfl_src, ivfl_parts;
DROP FUNCTION ivft_recall(text, text), ivft_exact(text, text), ivft_uses_index(text, text, text),
  ivft_one_list_rows(text, text), ivfl_bits(text);
