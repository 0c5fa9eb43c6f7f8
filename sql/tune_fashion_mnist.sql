-- vectorext.tune on real data: 2,000 Fashion-MNIST training images indexed, 500 test images to tune on, 500 other
-- test images held out (test/data/fashion-mnist-tune.tsv.gz: scripts/make_sample.py DATA OUT 2000 1000). At targets
-- 0.90 / 0.95 / 0.99 the chosen setting meets the target on the held-out images, within two standard errors of the
-- difference of two recall estimates from n = 500 queries each, 2 * sqrt(2 t (1 - t) / n) (0.038 / 0.028 / 0.013:
-- recall varies per query, and the ten neighbours of one query are not independent), and is at most one sweep step
-- above the cheapest setting that does. A deliberately small graph (m 4, ef_construction 8) and 40 lists make the
-- curves span the targets.
SET client_min_messages = warning;
SET max_parallel_maintenance_workers = 0;
\i data/tune_helpers.sql
CREATE TABLE fm_all (split text, id int, label int, v vector(784));
\copy fm_all FROM PROGRAM 'gzip -dc data/fashion-mnist-tune.tsv.gz'
CREATE TABLE fm AS SELECT id, label, v FROM fm_all WHERE split = 'base';
CREATE TABLE fm_q AS SELECT id, label, v, id <= 500 AS tuning FROM fm_all WHERE split = 'query';
SELECT count(*) AS base, (SELECT count(*) FROM fm_q) AS queries FROM fm;
CREATE INDEX fm_hnsw ON fm USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 8);
CREATE TABLE fm_copy AS SELECT * FROM fm;
CREATE INDEX fm_ivf ON fm_copy USING ivfflat (v vector_l2_ops) WITH (lists = 40);

CREATE TEMP TABLE heldout AS
  SELECT 'fm_hnsw' AS idx, * FROM pg_temp.heldout_curve('fm_hnsw', 'hnsw.ef_search', 10, 1000, 'SELECT v FROM public.fm_q WHERE NOT tuning')
  UNION ALL
  SELECT 'fm_ivf', * FROM pg_temp.heldout_curve('fm_ivf', 'ivfflat.probes', 1, 40, 'SELECT v FROM public.fm_q WHERE NOT tuning');
SELECT idx, min(recall) < 0.9 AS starts_low, max(recall) >= 0.995 AS ends_high FROM heldout GROUP BY idx ORDER BY idx;

SELECT idx, target, j.* FROM (VALUES ('fm_hnsw'), ('fm_ivf')) i(idx), (VALUES (0.90), (0.95), (0.99)) t(target),
  LATERAL pg_temp.judge(idx::regclass, target, 'SELECT v FROM public.fm_q WHERE tuning', 500) j ORDER BY idx, target;

-- tuned on a sample of the indexed images themselves, perturbed (no query set at hand): near the held-out images'
-- requirement (tolerance 0.03: self-queries differ from new images even with noise)
SELECT t.target_met, (SELECT h.recall FROM heldout h WHERE h.idx = 'fm_hnsw' AND h.value = t.value) >= 0.95 - 0.03 AS heldout_near
  FROM vectorext.tune('fm_hnsw', 0.95, sample => 500, perturb => 0.3) t;

-- a filter on the class label (10% selectivity) with an iterative scan
SET hnsw.iterative_scan = relaxed_order;
SELECT target_met FROM vectorext.tune('fm_hnsw', 0.95, queries => 'SELECT v, label FROM public.fm_q WHERE tuning', filter => 'label = $1');
SELECT vectorext.index_recall('fm_hnsw', queries => 'SELECT v, label FROM public.fm_q WHERE NOT tuning', filter => 'label = $1')
  >= 0.95 - 2 * sqrt(2 * 0.95 * 0.05 / 500) AS filtered_heldout_meets;
RESET hnsw.iterative_scan;

DROP TABLE fm_all, fm, fm_q, fm_copy, heldout;
