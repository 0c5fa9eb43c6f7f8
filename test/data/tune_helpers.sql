-- Helpers of the recall and tuning tests (sql/index_recall.sql, sql/tune.sql, sql/tune_fashion_mnist.sql), created
-- in pg_temp (private to the session, gone with it; call them as pg_temp.name). Loaded with \i data/tune_helpers.sql.

-- A point of a Gaussian-like cluster around `center` whose spread decays over the dimensions (real embeddings have a
-- low intrinsic dimension). VOLATILE: call setseed() first for fixed data.
CREATE FUNCTION pg_temp.cluster_point(center float8[], spread float8, decay float8) RETURNS vector LANGUAGE sql VOLATILE AS $$
  SELECT ('[' || string_agg((x + (random() + random() + random() - 1.5) * spread * exp(-o / decay))::real::text, ',' ORDER BY o) || ']')::vector
  FROM unnest(center) WITH ORDINALITY AS u(x, o) $$;

-- vectorext.tune's sweep ladder (core/recall.cpp sweep_ladder): 1 1.2 1.5 2 2.5 3 4 5 6 8 x 10^n within [lo, hi],
-- lo and hi included, numbered by step.
CREATE FUNCTION pg_temp.sweep_ladder(lo int, hi int) RETURNS TABLE (step int, value int) LANGUAGE sql AS $$
  SELECT (row_number() OVER (ORDER BY v))::int, v FROM (
    SELECT DISTINCT v FROM (
      SELECT lo AS v UNION ALL SELECT hi
      UNION ALL SELECT m FROM unnest(ARRAY[1, 2, 3, 4, 5, 6, 8]) m
      UNION ALL SELECT m * d / 10 FROM unnest(ARRAY[10, 12, 15, 20, 25, 30, 40, 50, 60, 80]) m,
                                       (VALUES (10), (100), (1000), (10000)) d(d)) s
    WHERE v BETWEEN lo AND hi) l $$;

-- Recall of `queries` at every ladder value, the setting set explicitly.
CREATE FUNCTION pg_temp.heldout_curve(idx regclass, setting text, lo int, hi int, queries text, filter text DEFAULT NULL)
RETURNS TABLE (step int, value int, recall float8) LANGUAGE plpgsql AS $$
DECLARE
  l record;
BEGIN
  FOR l IN SELECT * FROM pg_temp.sweep_ladder(lo, hi) LOOP
    PERFORM set_config(setting, l.value::text, true);
    step := l.step;
    value := l.value;
    recall := vectorext.index_recall(idx, queries => queries, filter => filter);
    RETURN NEXT;
  END LOOP;
  PERFORM set_config(setting, NULL, true);
END $$;

-- Tunes idx to target on tuning_queries and judges the choice on the held-out curve of idx in the temp table
-- heldout (idx text, step, value, recall) measured with n queries: it meets the target within two standard errors
-- of the difference of two recall estimates from n queries each, and is at most one ladder step above the cheapest
-- value that meets it on the held-out queries.
CREATE FUNCTION pg_temp.judge(idx regclass, target float8, tuning_queries text, n int)
RETURNS TABLE (target_met boolean, heldout_meets boolean, within_one_step boolean) LANGUAGE plpgsql AS $$
DECLARE
  t record;
  chosen_step int;
  cheapest_step int;
BEGIN
  SELECT * INTO t FROM vectorext.tune(idx, target, queries => tuning_queries);
  SELECT h.step INTO chosen_step FROM heldout h WHERE h.idx = judge.idx::text AND h.value = t.value;
  SELECT min(h.step) INTO cheapest_step FROM heldout h WHERE h.idx = judge.idx::text AND h.recall >= target;
  target_met := t.target_met;
  heldout_meets := (SELECT h.recall FROM heldout h WHERE h.idx = judge.idx::text AND h.step = chosen_step)
                   >= target - 2 * sqrt(2 * target * (1 - target) / n);
  within_one_step := chosen_step <= cheapest_step + 1;
  RETURN NEXT;
END $$;

-- Rows an ORDER BY <-> scan of tbl returns up to `lim` (seqscan off): an hnsw scan without iterative scan returns
-- exactly ef_search rows, an ivfflat one the rows of its probed lists, so the count shows what the scan used.
CREATE FUNCTION pg_temp.scan_rows(tbl regclass, query vector, lim int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  SET LOCAL enable_seqscan = off;
  EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %s ORDER BY v <-> $1 LIMIT %s) s', tbl, lim) INTO n USING query;
  RETURN n;
END $$;
