-- Flat IVF postings are half copies ranked by lower bounds; the executor re-checks exact distances (docs/ivf.md,
-- "Exactness"). The result set and order must be those of an exact search over the rows of the probed lists, for
-- every opclass, both AMs, data a half cannot hold (1e6 overflows, 1e-9 underflows) and near-ties half cannot tell
-- apart. Distances are compared, not ids, so equal distances may come in any order. Booleans only.
SET client_min_messages = warning;
SELECT setseed(0.5);
CREATE TABLE ivf_x (id int PRIMARY KEY, kind text, embedding vector(16));
-- 4 kinds of rows: ordinary, huge (beyond +-65504), tiny (below half's subnormals), and near-duplicates of one row
-- that differ by less than a half step
INSERT INTO ivf_x
  SELECT i, k.kind,
         array_agg((CASE k.kind WHEN 'plain' THEN (random() - 0.5) * 10
                                WHEN 'huge' THEN (random() - 0.5) * 2e6
                                WHEN 'tiny' THEN (random() - 0.5) * 2e-9
                                ELSE 1 + j * 0.001 + i * 1e-7 END)::real ORDER BY j)::vector(16)
  FROM generate_series(1, 1600) i
  JOIN (VALUES (0, 'plain'), (1, 'huge'), (2, 'tiny'), (3, 'near')) k(m, kind) ON k.m = i % 4,
  generate_series(1, 16) j
  GROUP BY i, k.kind;
CREATE TABLE ivf_xq (qid int, embedding vector(16));
INSERT INTO ivf_xq SELECT id, embedding FROM ivf_x WHERE id IN (4, 5, 6, 7, 8, 9, 10, 11);
INSERT INTO ivf_xq VALUES (100, (SELECT array_agg(3e5::real)::vector(16) FROM generate_series(1, 16))),
                          (101, (SELECT array_agg(1e-8::real * j)::vector(16) FROM generate_series(1, 16) j));
ANALYZE ivf_x;

-- Distances of the index scan in the order it returns rows, and the exact distances of the same candidate set:
-- without LIMIT the scan returns every row of the probed lists, so `cand` is exactly that set.
CREATE FUNCTION ivf_x_check(p_op text, p_limit int) RETURNS TABLE (qid int, all_rows_sorted bool, topk_exact bool, n bigint)
LANGUAGE plpgsql AS $$
DECLARE q record; got float8[]; want float8[]; cand int[];
BEGIN
  FOR q IN SELECT * FROM ivf_xq ORDER BY 1 LOOP
    EXECUTE format('SELECT array_agg(id ORDER BY o) FROM (SELECT id, row_number() OVER () AS o FROM (SELECT id FROM ivf_x ORDER BY embedding %s $1) s) t', p_op)
      INTO cand USING q.embedding;
    EXECUTE format('SELECT array_agg(d ORDER BY o) FROM (SELECT d, row_number() OVER () AS o FROM (SELECT embedding %s $1 AS d FROM ivf_x ORDER BY embedding %s $1) s) t', p_op, p_op)
      INTO got USING q.embedding;
    qid := q.qid;
    n := cardinality(cand);
    all_rows_sorted := (SELECT bool_and(a <= b) FROM unnest(got[1:n - 1], got[2:n]) u(a, b)) IS NOT FALSE;
    -- OFFSET 0 keeps the sort above the subquery, so this is a sort of exact distances, never an index scan
    EXECUTE format('SELECT array_agg(d ORDER BY d) FROM (SELECT embedding %s $1 AS d FROM ivf_x WHERE id = ANY($2) OFFSET 0) s', p_op)
      INTO want USING q.embedding, cand;
    EXECUTE format('SELECT array_agg(d ORDER BY o) FROM (SELECT d, row_number() OVER () AS o FROM (SELECT embedding %s $1 AS d FROM ivf_x ORDER BY embedding %s $1 LIMIT %s) s) t', p_op, p_op, p_limit)
      INTO got USING q.embedding;
    topk_exact := got = want[1:p_limit];
    RETURN NEXT;
  END LOOP;
END $$;

SET enable_seqscan = off;
-- ivfflat, every opclass, a few lists probed and all lists probed
CREATE INDEX ivf_x_l2 ON ivf_x USING ivfflat (embedding vector_l2_ops) WITH (lists = 8);
EXPLAIN (COSTS OFF) SELECT id FROM ivf_x ORDER BY embedding <-> (SELECT embedding FROM ivf_xq LIMIT 1) LIMIT 5;
SET ivfflat.probes = 2;
SELECT bool_and(all_rows_sorted) AS sorted, bool_and(topk_exact) AS exact, bool_and(n < 1600) AS probed_subset
  FROM ivf_x_check('<->', 10);
SET ivfflat.probes = 8;
SELECT bool_and(all_rows_sorted) AS sorted, bool_and(topk_exact) AS exact, bool_and(n = 1600) AS every_row
  FROM ivf_x_check('<->', 10);
-- all lists probed: the same rows and distances as a sequential scan
SELECT bool_and((SELECT array_agg(embedding <-> q.embedding) FROM (SELECT embedding FROM ivf_x ORDER BY embedding <-> q.embedding LIMIT 20) s) =
                (SELECT (array_agg(d ORDER BY d))[1:20] FROM (SELECT embedding <-> q.embedding AS d FROM ivf_x OFFSET 0) s)) AS equals_seqscan_order
  FROM ivf_xq q;
DROP INDEX ivf_x_l2;
CREATE INDEX ivf_x_ip ON ivf_x USING ivfflat (embedding vector_ip_ops) WITH (lists = 8);
SET ivfflat.probes = 3;
SELECT bool_and(all_rows_sorted) AS sorted, bool_and(topk_exact) AS exact FROM ivf_x_check('<#>', 10);
DROP INDEX ivf_x_ip;
CREATE INDEX ivf_x_cos ON ivf_x USING ivfflat (embedding vector_cosine_ops) WITH (lists = 8);
SELECT bool_and(all_rows_sorted) AS sorted, bool_and(topk_exact) AS exact FROM ivf_x_check('<=>', 10);
DROP INDEX ivf_x_cos;

-- ivf with quantizer = 'flat' behaves the same
CREATE INDEX ivf_x_flat ON ivf_x USING ivf (embedding) WITH (lists = 8, quantizer = 'flat');
SET ivf.probes = 3;
SELECT bool_and(all_rows_sorted) AS sorted, bool_and(topk_exact) AS exact FROM ivf_x_check('<->', 25);
-- rows inserted after the build are half copies too
INSERT INTO ivf_x SELECT id + 10000, kind, embedding + embedding FROM ivf_x WHERE id <= 400;
SELECT bool_and(all_rows_sorted) AS sorted, bool_and(topk_exact) AS exact FROM ivf_x_check('<->', 25);
DROP INDEX ivf_x_flat;

-- iterative scan under a filter: rows are exact in order within each batch of lists, the LIMIT is filled
CREATE INDEX ivf_x_it ON ivf_x USING ivfflat (embedding vector_l2_ops) WITH (lists = 8);
SET ivfflat.probes = 1;
SET ivfflat.iterative_scan = relaxed_order;
SELECT count(*) = 10 AS filled FROM (SELECT id FROM ivf_x WHERE kind = 'tiny' AND id % 7 = 0
  ORDER BY embedding <-> (SELECT embedding FROM ivf_xq WHERE qid = 4) LIMIT 10) s;
-- with max_probes = lists every matching row comes back, nearest first as an exact search
SET ivfflat.probes = 8;
SELECT (SELECT array_agg(d) FROM (SELECT embedding <-> q.embedding AS d FROM ivf_x WHERE id % 3 = 0 ORDER BY embedding <-> q.embedding LIMIT 10) s) =
       (SELECT (array_agg(d ORDER BY d))[1:10] FROM (SELECT embedding <-> q.embedding AS d FROM ivf_x WHERE id % 3 = 0 OFFSET 0) s) AS filtered_exact
  FROM ivf_xq q WHERE qid = 5;
RESET ivfflat.iterative_scan;
-- a zero query under cosine (every exact distance is NaN, ordered last) and a NULL query (generic plan: the exact
-- values are NULL) return rows, never "index returned tuples in wrong order"
CREATE INDEX ivf_x_cos0 ON ivf_x USING ivfflat (embedding vector_cosine_ops) WITH (lists = 8);
SELECT count(*) AS zero_query_rows FROM (SELECT id FROM ivf_x
  ORDER BY embedding <=> (SELECT array_agg(0::real)::vector(16) FROM generate_series(1, 16)) LIMIT 5) s;
DROP INDEX ivf_x_cos0;
SET plan_cache_mode = force_generic_plan;
PREPARE ivf_x_null(vector) AS SELECT count(*) AS null_query_rows FROM (SELECT id FROM ivf_x ORDER BY embedding <-> $1 LIMIT 5) s;
EXPLAIN (COSTS OFF) EXECUTE ivf_x_null(NULL);
EXECUTE ivf_x_null(NULL);
DEALLOCATE ivf_x_null;
RESET plan_cache_mode;
DROP INDEX ivf_x_it;  -- the checks below compare two queries that must use the same index

-- Exact copies (small integers: zero encoding error) come back with the operator's exact value and no recheck
-- (l2, ip; never cosine, whose copy is of x / |x|). Rows 1e-3 away from one of them are not exact (re-checked
-- bounds) and nearly tie with it, so an exact value that is off, or a bound returned above an exact value, shows
-- up as a wrong order or a wrong top-k.
TRUNCATE ivf_x, ivf_xq;
INSERT INTO ivf_x SELECT i, 'int', array_agg(floor(random() * 8)::real ORDER BY j)::vector(16)
  FROM generate_series(1, 1000) i, generate_series(1, 16) j GROUP BY i;
INSERT INTO ivf_x SELECT id + 1000, 'near',
    (SELECT array_agg(CASE WHEN j = 1 THEN x + 1e-3::real ELSE x END ORDER BY j) FROM unnest(embedding::real[]) WITH ORDINALITY u(x, j))::vector(16)
  FROM ivf_x WHERE id % 2 = 0;
INSERT INTO ivf_xq SELECT id, embedding FROM ivf_x WHERE id IN (4, 5, 6, 1004, 1006);
INSERT INTO ivf_xq SELECT 100 + i, array_agg((random() * 8)::real ORDER BY j)::vector(16)
  FROM generate_series(1, 3) i, generate_series(1, 16) j GROUP BY i;
ANALYZE ivf_x;
-- ivf_x_check under a fresh ivfflat index of each opclass
CREATE FUNCTION ivf_x_check_opclass(p_opclass text, p_op text, p_limit int) RETURNS TABLE (opclass text, sorted bool, exact bool)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE INDEX ivf_x_opc ON ivf_x USING ivfflat (embedding %s) WITH (lists = 8)', p_opclass);
  SELECT p_opclass, bool_and(c.all_rows_sorted), bool_and(c.topk_exact) INTO opclass, sorted, exact FROM ivf_x_check(p_op, p_limit) c;
  DROP INDEX ivf_x_opc;
  RETURN NEXT;
END $$;
SET ivfflat.probes = 3;
SELECT o.* FROM (VALUES ('vector_l2_ops', '<->', 10), ('vector_l2_ops', '<->', 40), ('vector_ip_ops', '<#>', 10),
                        ('vector_cosine_ops', '<=>', 10)) v(opc, op, k), ivf_x_check_opclass(opc, op, k) o;
-- after deletes and a VACUUM (posting pages compacted)
CREATE INDEX ivf_x_flat ON ivf_x USING ivf (embedding) WITH (lists = 8, quantizer = 'flat');
DELETE FROM ivf_x WHERE id % 5 = 1 AND id NOT IN (SELECT qid FROM ivf_xq);
VACUUM ivf_x;
SET ivf.probes = 3;
SELECT bool_and(all_rows_sorted) AS sorted, bool_and(topk_exact) AS exact FROM ivf_x_check('<->', 25);
RESET ivfflat.probes;
RESET ivf.probes;
RESET enable_seqscan;
DROP TABLE ivf_x, ivf_xq;
DROP FUNCTION ivf_x_check_opclass(text, text, int);
DROP FUNCTION ivf_x_check(text, int);
