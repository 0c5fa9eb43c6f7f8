-- hnsw over sparsevec values wider than a record keeps (issue 13: at least 16,000 nonzeros; pgvector refuses more
-- than 1,000): records hold 300 nonzeros inline, wider values keep theirs in value pages (docs/hnsw.md, "Wide sparse
-- values"). Clustered sparse data (12 clusters, each a run of indices; rows of 40-300 nonzeros and wide rows of 301,
-- 450, 1,001, 2,000, 5,000 and 16,000), every operator class, built both ways (CREATE INDEX over the rows, and INSERT
-- into indexes created first), against exact search; the wide rows found by their own value; exact distances in
-- order; index_check; DELETE + VACUUM + INSERT of wide rows reusing the freed value pages; the type's limit (54000).
-- Fixed seed, booleans only. Measured: recall@10 at ef_search 40 1.0 for every class built over the rows; inserted
-- l2 1.0, ip 0.983, cosine 0.9875, l1 0.992 (the floor is 0.9; an index that lost the wide rows' nonzeros fails the
-- exact-value and self-lookup columns). The l2 index: 476 pages (70 of them value pages) for 1,212 rows.
SET client_min_messages = warning;
SET jit = off;
-- A row of cluster c: nnz nonzeros at indices (c * 997 + (j + shift) * 7) mod 30000 (7 is prime to 30000, so they
-- are distinct; rows of a cluster share a run), weights decaying along the run, times a per-row random factor (the
-- function is called once per row: random() is evaluated for each row and nonzero).
CREATE FUNCTION sw_vec(cluster int, shift int, nnz int) RETURNS sparsevec LANGUAGE sql VOLATILE AS $$
  SELECT ('{' || string_agg(k::text || ':' || w::text, ',' ORDER BY k) || '}/30000')::sparsevec
  FROM (SELECT (cluster * 997 + (j + shift) * 7) % 30000 + 1 AS k,
               ((1.0 + ((cluster * 31 + j * 17) % 10) / 10.0) / (1.0 + j / 50.0) * (0.7 + 0.6 * random()))::real AS w
        FROM generate_series(0, nnz - 1) j) t
$$;
SELECT setseed(0.25);
CREATE TABLE sw_src AS
  SELECT i AS id, sw_vec(i % 12, i % 5, 40 + (i * 37) % 261) AS s FROM generate_series(1, 1200) i;
INSERT INTO sw_src
  SELECT 1200 + n, sw_vec(((1200 + n) % 12)::int, (n % 5)::int, w) FROM unnest(ARRAY[301, 450, 1001, 1001, 1001, 2000, 5000, 5000, 5000,
                                                                    16000, 16000, 16000]) WITH ORDINALITY u(w, n);
-- 24 queries: new rows of each cluster (other shifts and noise), 6 of them wide
CREATE TABLE sw_q AS
  SELECT q AS qid, sw_vec(q % 12, 5 + q % 3, CASE WHEN q <= 18 THEN 50 + q * 12
                                                  ELSE (ARRAY[1001, 5000, 16000, 2000, 16000, 5000])[q - 18] END) AS s
  FROM generate_series(1, 24) q;
SELECT count(*) AS rows, count(*) FILTER (WHERE nnz > 300) AS wide_rows, max(nnz) AS max_nnz
FROM (SELECT (length(s::text) - length(replace(s::text, ':', ''))) AS nnz FROM sw_src) t;
CREATE TABLE sw (id int PRIMARY KEY, s sparsevec(30000));

-- hits / (10 x queries) of the top 10 the index returns, against the exact 10th distance (OFFSET 0: a sort)
CREATE FUNCTION sw_recall(p_op text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE hits bigint := 0; n bigint; kth float8; q record;
BEGIN
  FOR q IN SELECT qid FROM sw_q ORDER BY qid LOOP
    EXECUTE format('SELECT max(d) FROM (SELECT d FROM (SELECT s %1$s (SELECT s FROM sw_q WHERE qid = $1) AS d '
                   'FROM sw OFFSET 0) s ORDER BY d LIMIT 10) t', p_op) INTO STRICT kth USING q.qid;
    EXECUTE format('SELECT count(*) FROM (SELECT s %1$s (SELECT s FROM sw_q WHERE qid = $1) AS d FROM sw '
                   'ORDER BY s %1$s (SELECT s FROM sw_q WHERE qid = $1) LIMIT 10) t WHERE d <= $2', p_op)
      INTO STRICT n USING q.qid, kth;
    hits := hits + n;
  END LOOP;
  RETURN hits::float8 / (10 * (SELECT count(*) FROM sw_q));
END $$;
-- whether every query's top 10 through the index comes with exact values in order: the ORDER BY value the scan
-- hands over (s <op> q) equals the distance function computed apart (an expression the planner does not rewrite),
-- for every row, and never decreases (a value from truncated nonzeros would differ for the wide rows)
CREATE FUNCTION sw_exact(p_op text, p_fn text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE ok bool := true; got float8[]; apart float8[]; q record;
BEGIN
  FOR q IN SELECT qid FROM sw_q ORDER BY qid LOOP
    EXECUTE format('SELECT array_agg(d ORDER BY n), array_agg(f ORDER BY n) FROM (SELECT d, f, row_number() OVER () AS n '
                   'FROM (SELECT s %1$s (SELECT s FROM sw_q WHERE qid = $1) AS d, %2$s AS f FROM sw '
                   'ORDER BY s %1$s (SELECT s FROM sw_q WHERE qid = $1) LIMIT 10) t) u', p_op,
                   format(p_fn, 's', '(SELECT s FROM sw_q WHERE qid = $1)')) INTO got, apart USING q.qid;
    ok := ok AND got = apart AND got = (SELECT array_agg(x ORDER BY x) FROM unnest(got) x) AND cardinality(got) = 10;
  END LOOP;
  RETURN ok;
END $$;
-- wide rows (over 300 nonzeros) whose own value does not find them first (a distance of 0 under l2, l1, cosine)
CREATE FUNCTION sw_wide_missed(p_op text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE missed bigint := 0; found int; r record;
BEGIN
  FOR r IN SELECT id FROM sw WHERE id > 1200 ORDER BY id LOOP
    EXECUTE format('SELECT id FROM sw ORDER BY s %s (SELECT s FROM sw WHERE id = $1) LIMIT 1', p_op) INTO found USING r.id;
    IF found IS DISTINCT FROM r.id THEN missed := missed + 1; END IF;
  END LOOP;
  RETURN missed;
END $$;
-- per operator class: the plan uses its index, recall@10 (>= 0.9), exact values in order, every wide row found by
-- its own value at ef_search 200 (not for inner product, under which a row need not be its own nearest)
CREATE FUNCTION sw_all() RETURNS TABLE (opclass text, uses_index bool, recall_ok bool, exact bool, wide_missed bigint)
LANGUAGE plpgsql AS $$
DECLARE o record; line text;
BEGIN
  FOR o IN SELECT * FROM (VALUES ('sparsevec_l2_ops', '<->', 'sw_l2', 'l2_distance(%s, %s)'),
                                 ('sparsevec_ip_ops', '<#>', 'sw_ip', '(-inner_product(%s, %s))'),
                                 ('sparsevec_cosine_ops', '<=>', 'sw_cos', 'cosine_distance(%s, %s)'),
                                 ('sparsevec_l1_ops', '<+>', 'sw_l1', 'l1_distance(%s, %s)'))
                         v(c, op, ix, fn) LOOP
    opclass := o.c;
    uses_index := false;
    FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM sw ORDER BY s %s (SELECT s FROM sw_q LIMIT 1) LIMIT 10',
                               o.op) LOOP
      uses_index := uses_index OR line LIKE '%Index Scan using ' || o.ix || ' %';
    END LOOP;
    recall_ok := sw_recall(o.op) >= 0.9;
    exact := sw_exact(o.op, o.fn);
    PERFORM set_config('hnsw.ef_search', '200', true);
    wide_missed := CASE WHEN o.op = '<#>' THEN NULL ELSE sw_wide_missed(o.op) END;
    PERFORM set_config('hnsw.ef_search', '40', true);
    RETURN NEXT;
  END LOOP;
END $$;
CREATE PROCEDURE sw_create_indexes() LANGUAGE plpgsql AS $$
BEGIN
  CREATE INDEX sw_l2 ON sw USING hnsw (s sparsevec_l2_ops);
  CREATE INDEX sw_ip ON sw USING hnsw (s sparsevec_ip_ops);
  CREATE INDEX sw_cos ON sw USING hnsw (s sparsevec_cosine_ops);
  CREATE INDEX sw_l1 ON sw USING hnsw (s sparsevec_l1_ops);
END $$;
CREATE FUNCTION sw_checked(p_rows bigint) RETURNS TABLE (index regclass, all_rows bool) LANGUAGE sql AS $$
  SELECT i.indexrelid::regclass, c.live = p_rows AND c.heap_rows = p_rows
  FROM pg_index i, LATERAL vectorext.index_check(i.indexrelid, true) c
  WHERE i.indrelid = 'sw'::regclass AND i.indexrelid <> 'sw_pkey'::regclass ORDER BY 1
$$;

SET enable_seqscan = off;
-- build path: rows first, then the indexes (in memory; wide values' nonzeros written to value pages after the
-- upper pages)
INSERT INTO sw SELECT id, s FROM sw_src;
ANALYZE sw;
CALL sw_create_indexes();
SELECT * FROM sw_all();
SELECT * FROM sw_checked(1212);
-- the page-level build (the rows do not fit maintenance_work_mem): the insert code, value pages and all
DROP INDEX sw_l2;
SET maintenance_work_mem = '1MB';
CREATE INDEX sw_l2 ON sw USING hnsw (s sparsevec_l2_ops);
RESET maintenance_work_mem;
SELECT * FROM sw_all() WHERE opclass = 'sparsevec_l2_ops';
SELECT * FROM sw_checked(1212) WHERE index = 'sw_l2'::regclass;

-- insert path: indexes on the empty table, rows inserted in batches (a third of the clusters, then the wide rows
-- with the second third, then the rest)
TRUNCATE sw;
INSERT INTO sw SELECT id, s FROM sw_src WHERE id <= 1200 AND id % 12 < 4;
INSERT INTO sw SELECT id, s FROM sw_src WHERE id > 1200 OR (id % 12 >= 4 AND id % 12 < 8);
INSERT INTO sw SELECT id, s FROM sw_src WHERE id <= 1200 AND id % 12 >= 8;
ANALYZE sw;
SELECT * FROM sw_all();
SELECT * FROM sw_checked(1212);
-- one more wide row of 16,000 nonzeros, inserted into the built indexes
INSERT INTO sw SELECT 2000, sw_vec(3, 4, 16000);
SELECT (SELECT id FROM sw ORDER BY s <-> (SELECT s FROM sw WHERE id = 2000) LIMIT 1) = 2000 AS found_16000_l2,
       (SELECT id FROM sw ORDER BY s <=> (SELECT s FROM sw WHERE id = 2000) LIMIT 1) = 2000 AS found_16000_cos;
SELECT * FROM sw_checked(1213);
DROP TABLE sw;

-- DELETE + VACUUM then inserts reuse the freed value pages. 60 small rows and 6 wide ones (2 x 5,000 nonzeros: 5
-- value pages each; 4 x 16,000: 16 each, so 74 value pages), index created first; then four rounds of deleting the
-- wide rows, VACUUM (their ids recycled, their chains freed) and inserting 6 new wide rows of the same widths. Each
-- new chain takes the pages of a freed one, and each new element a recycled id: from the first round on, the index
-- keeps its size (without the free list it grows by 74 pages a round; the bound allows none).
CREATE TABLE sw_churn (id int PRIMARY KEY, s sparsevec(30000));
CREATE INDEX sw_churn_l2 ON sw_churn USING hnsw (s sparsevec_l2_ops);
INSERT INTO sw_churn SELECT i, sw_vec(i % 12, i % 5, 40 + i) FROM generate_series(1, 60) i;
CREATE TABLE sw_sizes (round int, pages bigint);
CREATE PROCEDURE sw_churn_round(r int) LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sw_churn SELECT 1000 * r + n::int, sw_vec((n % 12)::int, r % 5, w)
    FROM unnest(ARRAY[5000, 5000, 16000, 16000, 16000, 16000]) WITH ORDINALITY u(w, n);
  INSERT INTO sw_sizes SELECT r, pg_relation_size('sw_churn_l2') / current_setting('block_size')::int;
END $$;
CALL sw_churn_round(1);
DELETE FROM sw_churn WHERE id > 1000;
VACUUM sw_churn;
CALL sw_churn_round(2);
DELETE FROM sw_churn WHERE id > 1000;
VACUUM sw_churn;
CALL sw_churn_round(3);
DELETE FROM sw_churn WHERE id > 1000;
VACUUM sw_churn;
CALL sw_churn_round(4);
SELECT (SELECT pages FROM sw_sizes WHERE round = 1) >= 74 AS value_pages_counted,
       (SELECT max(pages) FROM sw_sizes) = (SELECT pages FROM sw_sizes WHERE round = 1) AS no_growth;
SELECT c.live = 66 AND c.heap_rows = 66 AS churn_checked FROM vectorext.index_check('sw_churn_l2', true) c;
SELECT count(*) = 6 AS wide_found FROM sw_churn w
WHERE w.id > 1000 AND (SELECT x.id FROM sw_churn x ORDER BY x.s <-> w.s LIMIT 1) = w.id;
DROP TABLE sw_churn, sw_sizes;
DROP PROCEDURE sw_churn_round(int);

-- the first element of an empty index is wide (written under the meta page's lock, its chain before), on a column
-- without typmod (the first value fixes the dims), for cosine; then small and wide rows
CREATE TABLE sw_first (id int PRIMARY KEY, s sparsevec);
CREATE INDEX sw_first_cos ON sw_first USING hnsw (s sparsevec_cosine_ops);
INSERT INTO sw_first SELECT 1, sw_vec(2, 0, 16000);
INSERT INTO sw_first SELECT i, sw_vec(i % 12, i % 5, CASE WHEN i % 10 = 0 THEN 3000 ELSE 40 + i END) FROM generate_series(2, 80) i;
SELECT c.live = 80 AND c.heap_rows = 80 AS first_checked FROM vectorext.index_check('sw_first_cos', true) c;
SELECT count(*) = 9 AS wide_found FROM sw_first w
WHERE length(w.s::text) - length(replace(w.s::text, ':', '')) > 300
  AND (SELECT x.id FROM sw_first x ORDER BY x.s <=> w.s LIMIT 1) = w.id;
DROP TABLE sw_first;

-- above the limit: the type itself holds at most 16,000 nonzeros (54000), so the index takes every sparsevec
\set VERBOSITY default
SELECT ('{' || string_agg(j::text || ':1', ',' ORDER BY j) || '}/30000')::sparsevec FROM generate_series(1, 16001) j;
\set VERBOSITY sqlstate
SELECT ('{' || string_agg(j::text || ':1', ',' ORDER BY j) || '}/30000')::sparsevec FROM generate_series(1, 16001) j;
\set VERBOSITY default

RESET enable_seqscan;
DROP FUNCTION sw_all(), sw_recall(text), sw_exact(text, text), sw_wide_missed(text), sw_checked(bigint), sw_vec(int, int, int);
DROP PROCEDURE sw_create_indexes();
DROP TABLE sw_src, sw_q;
