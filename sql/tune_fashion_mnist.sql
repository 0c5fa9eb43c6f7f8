-- vectorext.tune on real data: 2,000 Fashion-MNIST training images indexed, 500 test images to tune on, 500 other
-- test images held out (test/data/fashion-mnist-tune.tsv.gz: scripts/make_sample.py DATA OUT 2000 1000). At targets
-- 0.90 / 0.95 / 0.99 the chosen setting meets the target on the held-out images, within two standard errors of the
-- difference of two recall estimates from n = 500 queries each, 2 * sqrt(2 t (1 - t) / n) (0.038 / 0.028 / 0.013:
-- recall varies per query, and the ten neighbours of one query are not independent), and is at most one sweep step
-- above the cheapest setting that does. A deliberately small graph (m 4, ef_construction 8) and 40 lists make the
-- curves span the targets.
SET client_min_messages = warning;
SET max_parallel_maintenance_workers = 0;
CREATE TABLE fm_all (split text, id int, label int, v vector(784));
\copy fm_all FROM PROGRAM 'gzip -dc data/fashion-mnist-tune.tsv.gz'
CREATE TABLE fm AS SELECT id, label, v FROM fm_all WHERE split = 'base';
CREATE TABLE fm_q AS SELECT id, label, v, id <= 500 AS tuning FROM fm_all WHERE split = 'query';
SELECT count(*) AS base, (SELECT count(*) FROM fm_q) AS queries FROM fm;
CREATE INDEX fm_hnsw ON fm USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 8);
CREATE TABLE fm_copy AS SELECT * FROM fm;
CREATE INDEX fm_ivf ON fm_copy USING ivfflat (v vector_l2_ops) WITH (lists = 40);

CREATE FUNCTION fm_ladder(lo int, hi int) RETURNS TABLE (step int, value int) LANGUAGE sql AS $$
  SELECT (row_number() OVER (ORDER BY v))::int, v FROM (
    SELECT DISTINCT v FROM (
      SELECT lo AS v UNION ALL SELECT hi
      UNION ALL SELECT m FROM unnest(ARRAY[1, 2, 3, 4, 5, 6, 8]) m
      UNION ALL SELECT m * d / 10 FROM unnest(ARRAY[10, 12, 15, 20, 25, 30, 40, 50, 60, 80]) m, (VALUES (10), (100), (1000)) d(d)) s
    WHERE v BETWEEN lo AND hi) l $$;
CREATE FUNCTION fm_heldout_curve(idx regclass, setting text, lo int, hi int)
RETURNS TABLE (step int, value int, recall float8) LANGUAGE plpgsql AS $$
DECLARE
  l record;
BEGIN
  FOR l IN SELECT * FROM fm_ladder(lo, hi) LOOP
    PERFORM set_config(setting, l.value::text, true);
    step := l.step;
    value := l.value;
    recall := vectorext.index_recall(idx, queries => 'SELECT v FROM public.fm_q WHERE NOT tuning');
    RETURN NEXT;
  END LOOP;
  PERFORM set_config(setting, NULL, true);
END $$;
CREATE TEMP TABLE fm_curve AS SELECT 'fm_hnsw' AS idx, * FROM fm_heldout_curve('fm_hnsw', 'hnsw.ef_search', 10, 1000)
  UNION ALL SELECT 'fm_ivf', * FROM fm_heldout_curve('fm_ivf', 'ivfflat.probes', 1, 40);
SELECT idx, min(recall) < 0.9 AS starts_low, max(recall) >= 0.995 AS ends_high FROM fm_curve GROUP BY idx ORDER BY idx;

CREATE FUNCTION fm_judge(idx text, target float8) RETURNS TABLE (target_met boolean, heldout_meets boolean, within_one_step boolean)
LANGUAGE plpgsql AS $$
DECLARE
  t record;
  chosen_step int;
  cheapest_step int;
BEGIN
  SELECT * INTO t FROM vectorext.tune(idx::regclass, target, queries => 'SELECT v FROM public.fm_q WHERE tuning');
  SELECT c.step INTO chosen_step FROM fm_curve c WHERE c.idx = fm_judge.idx AND c.value = t.value;
  SELECT min(c.step) INTO cheapest_step FROM fm_curve c WHERE c.idx = fm_judge.idx AND c.recall >= target;
  target_met := t.target_met;
  heldout_meets := (SELECT c.recall FROM fm_curve c WHERE c.idx = fm_judge.idx AND c.step = chosen_step)
                   >= target - 2 * sqrt(2 * target * (1 - target) / 500);
  within_one_step := chosen_step <= cheapest_step + 1;
  RETURN NEXT;
END $$;
SELECT idx, target, j.* FROM (VALUES ('fm_hnsw'), ('fm_ivf')) i(idx), (VALUES (0.90), (0.95), (0.99)) t(target),
  LATERAL fm_judge(idx, target) j ORDER BY idx, target;

-- tuned on a sample of the indexed images themselves, perturbed (no query set at hand): near the held-out images'
-- requirement (tolerance 0.03: self-queries differ from new images even with noise)
SELECT t.target_met, (SELECT c.recall FROM fm_curve c WHERE c.idx = 'fm_hnsw' AND c.value = t.value) >= 0.95 - 0.03 AS heldout_near
  FROM vectorext.tune('fm_hnsw', 0.95, sample => 500, perturb => 0.3) t;

-- a filter on the class label (10% selectivity) with an iterative scan
SET hnsw.iterative_scan = relaxed_order;
SELECT target_met FROM vectorext.tune('fm_hnsw', 0.95, queries => 'SELECT v, label FROM public.fm_q WHERE tuning', filter => 'label = $1');
SELECT vectorext.index_recall('fm_hnsw', queries => 'SELECT v, label FROM public.fm_q WHERE NOT tuning', filter => 'label = $1')
  >= 0.95 - 2 * sqrt(2 * 0.95 * 0.05 / 500) AS filtered_heldout_meets;
RESET hnsw.iterative_scan;

DROP TABLE fm_all, fm, fm_q, fm_copy, fm_curve;
DROP FUNCTION fm_ladder(int, int), fm_heldout_curve(regclass, text, int, int), fm_judge(text, float8);
