-- MLOps on SQL transactions: two embedding models of the Fashion-MNIST sample, side by side in one collection,
-- evaluated against the class labels; the better one is promoted, then rolled back. Reference: docs/mlops.md.
\pset footer off
SET client_min_messages = warning;
SELECT EXISTS (SELECT 1 FROM pg_am WHERE amname = 'hnsw') AS has_hnsw \gset

-- The source table: one row per catalog item (its key is what the embeddings refer to).
CREATE TABLE catalog (id int PRIMARY KEY, label int);
INSERT INTO catalog SELECT id, label FROM fashion_raw WHERE split = 'base';

\echo '== 1. Model v1: raw pixels (784 dimensions, L2). Register it, create the collection, embed, index, promote.'
SELECT vectorext.register_model('fashion', 784, 'l2', description => 'raw pixels', params => '{"kind": "identity"}') AS version;
SELECT vectorext.create_collection('catalog_emb', 'catalog', 'fashion') AS collection;
SELECT vectorext.add_version('catalog_emb', 1) AS partition;
-- Plain INSERT (or COPY) of (key, model_version, embedding): what any application or ORM writes.
INSERT INTO catalog_emb (id, model_version, embedding)
  SELECT id, 1, embedding FROM fashion_raw WHERE split = 'base';
\if :has_hnsw
SELECT vectorext.build_index('catalog_emb', 1) AS index;
\else
\echo '(this build has no hnsw access method yet: no ANN index, promotions below are forced past the gate)'
\endif
SELECT vectorext.promote('fashion', 1, force => NOT :'has_hnsw'::bool) AS champion;

\echo '== 2. Model v2: a PCA projection to 32 dimensions compared by cosine; the projection matrix is the stored artifact.'
SELECT vectorext.register_model('fashion', 32, 'cosine',
         artifact => vectorext.pca_fit((SELECT array_agg(embedding ORDER BY id) FROM fashion_raw WHERE split = 'base'), 32),
         description => 'PCA-32 of the pixels', params => '{"kind": "pca", "components": 32}') AS version;
SELECT name, version, dims, metric, description, pg_size_pretty(size) AS artifact, left(sha256, 16) || '...' AS sha256, aliases
FROM vectorext.models WHERE name = 'fashion' ORDER BY version;
SELECT vectorext.add_version('catalog_emb', 2) AS partition;
-- Embed with the artifact (read once, SHA-256 verified).
INSERT INTO catalog_emb (id, model_version, embedding)
  SELECT f.id, 2, vectorext.linear_embed(m.w, f.embedding::real[])::vector
  FROM fashion_raw f, (SELECT vectorext.model_artifact('fashion', 2) AS w) m
  WHERE f.split = 'base';
\echo 'Wrong dimensions are refused (a v1 vector written as v2):'
\set ON_ERROR_STOP off
INSERT INTO catalog_emb (id, model_version, embedding) SELECT id, 2, embedding FROM fashion_raw WHERE split = 'base' LIMIT 1;
\set ON_ERROR_STOP on
\if :has_hnsw
SELECT vectorext.build_index('catalog_emb', 2) AS index;
\endif
ANALYZE catalog_emb;   -- planner statistics after the bulk load, as after any backfill
SELECT vectorext.set_alias('fashion', 'challenger', 2) AS challenger;
\echo 'The state at a glance:'
SELECT collection, version, dims, state, rows, index_name, index_method, index_size, coverage, aliases
FROM vectorext.collection_versions WHERE collection = 'catalog_emb' ORDER BY version;

\echo '== 3. Champion vs challenger on the 100 query images; relevant = same class as the query.'
-- Each arm embeds the queries with its own model.
CREATE VIEW query_embeddings AS
  SELECT f.id, f.embedding AS v1, vectorext.linear_embed(m.w, f.embedding::real[])::vector AS v2
  FROM fashion_raw f, (SELECT vectorext.model_artifact('fashion', 2) AS w) m
  WHERE f.split = 'query';
CREATE VIEW judgments AS
  SELECT q.id AS query_id, c.id AS item_id, 1 AS relevance
  FROM fashion_raw q JOIN catalog c USING (label) WHERE q.split = 'query';
CREATE TABLE evaluation AS
  SELECT * FROM vectorext.evaluate('catalog_emb', 'SELECT id, v1 FROM query_embeddings', 'SELECT * FROM judgments',
                                   k => 10, alias => 'champion')
  UNION ALL
  SELECT * FROM vectorext.evaluate('catalog_emb', 'SELECT id, v2 FROM query_embeddings', 'SELECT * FROM judgments',
                                   k => 10, alias => 'challenger');
SELECT alias_name AS alias, version, queries_evaluated AS queries,
       round(precision_at_k::numeric, 3) AS precision_at_10, round(ndcg_at_k::numeric, 3) AS ndcg_at_10
FROM evaluation ORDER BY version;
\echo 'How different are their answers? (overlap@10 and rank-biased overlap, averaged over the queries)'
SELECT round(avg(overlap)::numeric, 3) AS overlap_at_10, round(avg(rbo)::numeric, 3) AS rbo
FROM vectorext.compare('catalog_emb', 'SELECT id, v1, v2 FROM query_embeddings', k => 10);
\if :has_hnsw
\echo 'ANN recall of each version''s index against exact search:'
SELECT vectorext.recall('catalog_emb', 1, sample => 50, k => 10) AS recall_v1,
       vectorext.recall('catalog_emb', 2, sample => 50, k => 10) AS recall_v2;
\endif
\echo 'A 10% traffic experiment: which arm serves which user (a documented hash; reproducible anywhere):'
SELECT vectorext.create_experiment('fashion-ab', 'fashion', challenger_share => 0.1);
SELECT u AS user_id, vectorext.route_bucket('fashion-ab', u) AS bucket, vectorext.route('fashion-ab', u) AS arm
FROM unnest(ARRAY['user-1', 'user-2', 'user-3', 'user-4', 'user-5']) u;

\echo '== 4. Promote the better version (by precision@10), in one transaction.'
SELECT version AS better FROM evaluation ORDER BY precision_at_k DESC, version DESC LIMIT 1 \gset
BEGIN;
SELECT vectorext.promote('fashion', :better, force => NOT :'has_hnsw'::bool) AS champion;
COMMIT;
\echo 'Search by alias: the 5 nearest items to query image 1, from the champion''s partition and index.'
SELECT s.key AS item_id, c.label, round(s.distance::numeric, 3) AS distance
FROM vectorext.search('catalog_emb',
                      (SELECT CASE WHEN vectorext.version_of('fashion') = 1 THEN v1 ELSE v2 END FROM query_embeddings WHERE id = 1),
                      5) s
JOIN catalog c ON c.id = s.key::int;
\echo 'The same through plain SQL, as an application prepares it (generic plan, pruned at run time to the champion):'
SELECT CASE WHEN vectorext.version_of('fashion') = 1 THEN v1 ELSE v2 END AS q FROM query_embeddings WHERE id = 1 \gset
-- The operator is the served version's metric (<-> l2, <=> cosine, <#> inner product, <+> l1).
SELECT vectorext._metric_operator(metric) AS op FROM vectorext.models
WHERE name = 'fashion' AND version = vectorext.version_of('fashion') \gset
SET plan_cache_mode = force_generic_plan;
PREPARE nearest(vector) AS
  SELECT id FROM catalog_emb WHERE model_version = vectorext.version_of('fashion')
  ORDER BY embedding :op $1 LIMIT 5;
EXPLAIN (COSTS OFF) EXECUTE nearest(:'q');
EXECUTE nearest(:'q');
RESET plan_cache_mode;

\echo '== 5. Roll back: the alias returns to the previous version; embeddings, indexes and history stay.'
SELECT vectorext.rollback('fashion') AS champion;
SELECT id, alias, action, from_version, to_version, forced, rolled_back, changed_by
FROM vectorext.alias_history WHERE model = 'fashion' ORDER BY id;
SELECT collection, version, dims, state, rows, coverage, aliases
FROM vectorext.collection_versions WHERE collection = 'catalog_emb' ORDER BY version;
