-- MLOps hooks of the tuning (docs/tuning.md, docs/mlops.md): build_index(..., target_recall) tunes the new index;
-- promote(..., min_recall) gates on the version's index meeting that recall at its tuned setting (measured now);
-- force, refusals, and an index the gate will not measure as the extension owner.
\pset footer off
SET client_min_messages = warning;
SET max_parallel_maintenance_workers = 0;
\i data/tune_helpers.sql
\set SHOW_CONTEXT never

-- 4,000 items; versions 1 and 2 embed them in 16 dimensions (clustered data, fixed seed)
SELECT setseed(0.58);
CREATE TABLE tm_centers AS
  SELECT c, ARRAY(SELECT random() * 2 FROM generate_series(1, 16) WHERE c >= 0) AS center FROM generate_series(0, 19) c;
CREATE TABLE tm_items (id int PRIMARY KEY, cluster int);
INSERT INTO tm_items SELECT i, i % 20 FROM generate_series(1, 4000) i;
SELECT vectorext.register_model('tm', 16) AS v1, vectorext.register_model('tm', 16) AS v2;
SELECT vectorext.create_collection('tm_emb', 'tm_items', 'tm');
SELECT vectorext.add_version('tm_emb', 1), vectorext.add_version('tm_emb', 2);
INSERT INTO tm_emb (id, model_version, embedding)
  SELECT id, v, pg_temp.cluster_point(center, 2, 6) FROM tm_items JOIN tm_centers ON c = cluster, generate_series(1, 2) v;

-- build_index tunes right after building: the index has its tuned ef_search and curve, the tuning row says 0.95
SELECT vectorext.build_index('tm_emb', 1, options => 'm = 8, ef_construction = 32', target_recall => 0.95) AS idx \gset
SELECT t.target_recall, t.target_met, t.recall >= 0.95 AS meets,
       (SELECT source FROM vectorext.search_params(:'idx')) AS scans_use,
       (SELECT reloptions FROM pg_class WHERE oid = :'idx'::regclass) @> ARRAY['ef_search=' || t.value] AS option_set
  FROM vectorext.index_tuning t WHERE t.index = :'idx'::regclass;
-- the gate passes at a recall the tuning reached, and measures afresh
SELECT vectorext.promote('tm', 1, min_recall => 0.9) AS champion;

-- version 2 indexed but not tuned: the recall gate refuses (55000) and says how to tune it
SELECT vectorext.build_index('tm_emb', 2, options => 'm = 8, ef_construction = 16') AS idx2 \gset
SELECT vectorext.promote('tm', 2, min_recall => 0.9);
-- without min_recall there is no recall gate
BEGIN;
SELECT vectorext.promote('tm', 2) AS promoted_without_gate;
ROLLBACK;
-- tuned to a low target: below a higher min_recall, refused
SELECT target_met FROM vectorext.tune(:'idx2', 0.5);
-- (the measured recall is in the message: checked by pattern)
DO $$
BEGIN
  PERFORM vectorext.promote('tm', 2, min_recall => 0.999);
  RAISE WARNING 'promoted although below min_recall';
EXCEPTION WHEN object_not_in_prerequisite_state THEN
  RAISE WARNING 'refused, recall in the message: %', SQLERRM ~ '^cannot promote version 2 of model "tm": the ANN index public.tm_emb_v2_hnsw_idx of collection "tm_emb" version 2 has recall 0\.\d+ at its tuned setting \(\d+\), below 0.999$';
END $$;
-- force promotes anyway (WARNING) and records it as forced
SET client_min_messages = error;
SELECT vectorext.promote('tm', 2, force => true, min_recall => 0.999) AS forced;
SET client_min_messages = warning;
SELECT action, to_version, forced FROM vectorext.alias_history WHERE model = 'tm' ORDER BY id DESC LIMIT 1;
SELECT vectorext.rollback('tm') AS back_to;
-- re-tuned high enough: the gate passes
SELECT target_met FROM vectorext.tune(:'idx2', 0.98);
SELECT vectorext.promote('tm', 2, min_recall => 0.95) AS promoted;

-- bad min_recall
SELECT vectorext.promote('tm', 1, min_recall => 1.5);
-- an expression index is not measured inside promote (it would run the expression as the extension owner)
DROP INDEX :idx;
CREATE INDEX tm_expr_idx ON tm_emb_v1 USING hnsw ((l2_normalize(embedding)) vector_l2_ops);
SELECT target_met IS NOT NULL AS tuned FROM vectorext.tune('tm_expr_idx', 0.9);
SELECT vectorext.promote('tm', 1, min_recall => 0.5);

SELECT vectorext.drop_collection('tm_emb');
DROP TABLE tm_items, tm_centers;
