-- MLOps with ANN indexes (needs the hnsw access method): build_index per version, the promotion gate passing,
-- search through the served version's index, recall, and run-time partition pruning of the plain-SQL form with a
-- generic plan.
\pset footer off
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; h text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, h = PG_EXCEPTION_HINT;
  RETURN st || ': ' || msg || coalesce(E'\n  HINT: ' || nullif(h, ''), '');
END
$$;

-- 2000 items in 6 clusters; v1 and v2 embed them in 8 dimensions (a retrained model), v3 in 4 (another model).
CREATE TABLE mxi_items (id int PRIMARY KEY, cluster int);
INSERT INTO mxi_items SELECT i, i % 6 FROM generate_series(1, 2000) i;
SELECT vectorext.register_model('mxi', 8) AS v1, vectorext.register_model('mxi', 8) AS v2,
       vectorext.register_model('mxi', 4, metric => 'cosine') AS v3;
SELECT vectorext.create_collection('mxi_emb', 'mxi_items', 'mxi');
SELECT vectorext.add_version('mxi_emb', 1), vectorext.add_version('mxi_emb', 2), vectorext.add_version('mxi_emb', 3);
INSERT INTO mxi_emb (id, model_version, embedding)
SELECT id, v, ARRAY(SELECT (CASE WHEN j = cluster THEN 10 ELSE 0 END) + sin(id * 7.1 + j * 3.3 + v)
                    FROM generate_series(0, 7) j)::real[]::vector
FROM mxi_items, generate_series(1, 2) v;
INSERT INTO mxi_emb (id, model_version, embedding)
SELECT id, 3, ARRAY(SELECT (CASE WHEN j = cluster % 4 THEN 5 ELSE 0.5 END) + 0.3 * cos(id * 1.7 + j)
                    FROM generate_series(0, 3) j)::real[]::vector
FROM mxi_items;
ANALYZE mxi_emb;

-- The gate refuses an unindexed version, then passes once the index exists.
SELECT pg_temp.err($$SELECT vectorext.promote('mxi', 1)$$);
SELECT vectorext.build_index('mxi_emb', 1);
SELECT vectorext.build_index('mxi_emb', 2);
SELECT vectorext.build_index('mxi_emb', 3, options => 'm = 8, ef_construction = 32');
-- Rebuilding replaces the version's index.
SELECT vectorext.build_index('mxi_emb', 1, options => 'm = 12');
SELECT count(*) AS ann_indexes_on_v1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_am am ON am.oid = c.relam WHERE i.indrelid = 'mxi_emb_v1'::regclass AND am.amname = 'hnsw';
SELECT pg_temp.err($$SELECT vectorext.build_index('mxi_emb', 1, options => 'm = 1')$$) ~ '^22023' AS bad_option_refused;
SELECT vectorext.promote('mxi', 1);
SELECT vectorext.promote('mxi', 3, 'challenger');

SELECT collection, version, dims, metric, state, rows, index_name, index_method, coverage, aliases
FROM vectorext.collection_versions WHERE collection = 'mxi_emb' ORDER BY version;

-- Search by alias goes through the served version's index (recall is measured below against exact search).
SELECT key FROM vectorext.search('mxi_emb', (SELECT embedding FROM mxi_emb WHERE id = 7 AND model_version = 1), 5);
SELECT count(*) FILTER (WHERE i.cluster = 1) AS same_cluster_of_10
FROM vectorext.search('mxi_emb', (SELECT embedding FROM mxi_emb WHERE id = 7 AND model_version = 3), 10, 'challenger') s
JOIN mxi_items i ON i.id = s.key::int;
-- v3's 4-d points are closer than half copies resolve (its graph is built on floats, the scan walks the copies):
-- at ef_search 40 a beam of half-distance ties drops true neighbours (recall 0.89 with lists topped up to 2m,
-- 1.0 at ef_search 100; docs/hnsw.md, Build)
SET hnsw.ef_search = 100;
SELECT vectorext.recall('mxi_emb', 1, sample => 20, k => 10) >= 0.9 AS v1_recall_ok,
       vectorext.recall('mxi_emb', 3, sample => 20, k => 10) >= 0.9 AS v3_recall_ok;
RESET hnsw.ef_search;

-- The plain-SQL form with a generic plan (as ORMs and drivers prepare it): pruned at executor start-up to the one
-- partition the alias serves, which is read through that version's own ANN index.
SET plan_cache_mode = force_generic_plan;
PREPARE mxi_plain(vector) AS
  SELECT id FROM mxi_emb WHERE model_version = vectorext.version_of('mxi', 'champion')
  ORDER BY embedding <-> $1 LIMIT 5;
EXPLAIN (COSTS OFF) EXECUTE mxi_plain('[10,0,0,0,0,0,0,0]');
EXECUTE mxi_plain('[0,10,0,0,0,0,0,0]');
-- The same prepared statement after a promote serves the other version (same plan, other partition).
SELECT vectorext.promote('mxi', 2);
EXPLAIN (COSTS OFF) EXECUTE mxi_plain('[10,0,0,0,0,0,0,0]');
EXECUTE mxi_plain('[0,10,0,0,0,0,0,0]');
-- ... and inside BEGIN ... ROLLBACK the rollback is undone as well.
BEGIN;
SELECT vectorext.rollback('mxi');
EXPLAIN (COSTS OFF) EXECUTE mxi_plain('[10,0,0,0,0,0,0,0]');
EXECUTE mxi_plain('[0,10,0,0,0,0,0,0]');
ROLLBACK;
SELECT vectorext.version_of('mxi') AS still_2;
-- A query vector of the wrong dims is an error, never a silent wrong answer.
SELECT vectorext.promote('mxi', 3);
SELECT pg_temp.err($$EXECUTE mxi_plain('[10,0,0,0,0,0,0,0]')$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.search('mxi_emb', '[10,0,0,0,0,0,0,0]', 5)$$);
RESET plan_cache_mode;
DEALLOCATE mxi_plain;

SELECT pg_temp.err($$SELECT vectorext.recall('mxi_emb', 1, sample => 0, k => 10)$$);
SELECT vectorext.add_version('mxi_emb', vectorext.register_model('mxi', 8)) AS v4_partition;
SELECT pg_temp.err($$SELECT vectorext.recall('mxi_emb', 4, sample => 5, k => 5)$$);

SELECT vectorext.drop_collection('mxi_emb');
DROP TABLE mxi_items;
SET session_replication_role = replica;
DELETE FROM vectorext.alias_event WHERE model = 'mxi';
RESET session_replication_role;
DELETE FROM vectorext.model_head WHERE name = 'mxi';
