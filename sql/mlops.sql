-- MLOps on SQL transactions (docs/mlops.md): registry, artifacts, collections and versions, aliases, promote and
-- rollback, search by alias, comparison and evaluation, routing, admin views, and every error with its SQLSTATE
-- and HINT. Index-dependent parts (ANN index build, promotion gate passing, recall, generic-plan pruning) are in
-- mlops_index.sql.
\pset footer off
SET client_min_messages = warning;
-- Errors as one line each: SQLSTATE, message, HINT (no file/line locations, no PL/pgSQL context).
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

-- 1. Model registry ----------------------------------------------------------------------------------------------
SELECT vectorext.register_model('mx_emb', 3);
SELECT vectorext.register_model('mx_emb', 2, metric => 'ip', artifact => '\x0102030405'::bytea,
                                uri => 's3://models/emb-v2.bin', params => '{"pca": 2}', description => 'small');
SELECT name, version, dims, metric, size, sha256, aliases, uri, params, description, created_by = current_user AS by_me
FROM vectorext.models WHERE name = 'mx_emb' ORDER BY version;
SELECT vectorext.model_artifact('mx_emb', 2), vectorext.model_artifact('mx_emb', 1) IS NULL AS no_artifact;
SELECT pg_temp.err($$SELECT vectorext.register_model('', 3)$$);
SELECT pg_temp.err($$SELECT vectorext.register_model('mx_bad', 0)$$);
SELECT pg_temp.err($$SELECT vectorext.register_model('mx_bad', 16001)$$);
SELECT pg_temp.err($$SELECT vectorext.register_model('mx_bad', 3, metric => 'hamming')$$);
SELECT pg_temp.err($$SELECT vectorext.model_artifact('mx_nope', 1)$$);
SELECT pg_temp.err($$SELECT vectorext.model_artifact('mx_emb', 9)$$);
SELECT count(*) AS bad_models_left FROM vectorext.models WHERE name = 'mx_bad';

-- A 2.5 MB artifact is stored as three ~1 MB chunks and verified on the way out.
SELECT vectorext.register_model('mx_big', 4, artifact => decode(repeat('0123456789abcdef', 327680), 'hex')) AS v;
SELECT seq, length(data) FROM vectorext.artifact_chunk WHERE model = 'mx_big' ORDER BY seq;
SELECT size, sha256 = encode(sha256(decode(repeat('0123456789abcdef', 327680), 'hex')), 'hex') AS sha_ok
FROM vectorext.models WHERE name = 'mx_big';
SELECT md5(vectorext.model_artifact('mx_big', 1)) = md5(decode(repeat('0123456789abcdef', 327680), 'hex')) AS round_trip;
-- Corruption (a changed byte, a truncated chunk, a missing chunk) fails loudly with data_corrupted.
BEGIN;
UPDATE vectorext.artifact_chunk SET data = overlay(data PLACING '\xff'::bytea FROM 1000) WHERE model = 'mx_big' AND seq = 1;
SELECT pg_temp.err($$SELECT vectorext.model_artifact('mx_big', 1)$$);
ROLLBACK;
BEGIN;
UPDATE vectorext.artifact_chunk SET data = substring(data FROM 1 FOR 100) WHERE model = 'mx_big' AND seq = 2;
SELECT pg_temp.err($$SELECT vectorext.model_artifact('mx_big', 1)$$);
ROLLBACK;
BEGIN;
DELETE FROM vectorext.artifact_chunk WHERE model = 'mx_big' AND seq = 1;
SELECT pg_temp.err($$SELECT vectorext.model_artifact('mx_big', 1)$$);
ROLLBACK;
SELECT length(vectorext.model_artifact('mx_big', 1)) AS intact_again;
-- Registration is transactional too.
BEGIN;
SELECT vectorext.register_model('mx_big', 4, artifact => '\xdeadbeef');
ROLLBACK;
SELECT count(*) AS versions, (SELECT count(*) FROM vectorext.artifact_chunk WHERE model = 'mx_big') AS chunks
FROM vectorext.models WHERE name = 'mx_big';

-- 2. Collections of versioned embeddings ------------------------------------------------------------------------
CREATE TABLE mx_docs (id int PRIMARY KEY, body text);
INSERT INTO mx_docs SELECT i, 'document ' || i FROM generate_series(1, 8) i;
SELECT vectorext.create_collection('mx_docs_emb', 'mx_docs', 'mx_emb');
SELECT pg_temp.err($$SELECT vectorext.create_collection('mx_docs_emb', 'mx_docs', 'mx_emb')$$);
SELECT pg_temp.err($$SELECT vectorext.create_collection('mx_other', 'mx_docs', 'mx_nope')$$);
SELECT pg_temp.err($$SELECT vectorext.create_collection('mx_other', 'mx_docs', 'mx_emb', key_column => 'uuid')$$);
SELECT pg_temp.err($$SELECT vectorext.create_collection('', 'mx_docs', 'mx_emb')$$);
SELECT pg_temp.err($$SELECT vectorext.create_collection('mx_docs', 'mx_docs', 'mx_emb')$$);
CREATE TEMP TABLE mx_temp_docs (id int PRIMARY KEY);
SELECT pg_temp.err($$SELECT vectorext.create_collection('mx_other', 'mx_temp_docs', 'mx_emb')$$);
CREATE VIEW mx_docs_view AS SELECT * FROM mx_docs;
SELECT pg_temp.err($$SELECT vectorext.create_collection('mx_other', 'mx_docs_view', 'mx_emb')$$);
DROP VIEW mx_docs_view;
\d mx_docs_emb
SELECT vectorext.add_version('mx_docs_emb', 1);
SELECT vectorext.add_version('mx_docs_emb', 2);
SELECT pg_temp.err($$SELECT vectorext.add_version('mx_docs_emb', 2)$$);
SELECT pg_temp.err($$SELECT vectorext.add_version('mx_docs_emb', 7)$$);
SELECT pg_temp.err($$SELECT vectorext.add_version('mx_nope', 1)$$);

-- Rows are written with plain INSERT and COPY.
INSERT INTO mx_docs_emb (id, model_version, embedding)
  SELECT i, 1, format('[%s,%s,%s]', i, 10 - i, i % 3)::vector FROM generate_series(1, 7) i;
COPY mx_docs_emb (id, model_version, embedding) FROM STDIN;
1	2	[1,0]
2	2	[0.9,0.1]
3	2	[0.5,0.5]
4	2	[0.1,0.9]
5	2	[0,1]
\.
-- Refused: wrong dims, an unregistered version, a registered version without a partition, a key not in the source.
SELECT pg_temp.err($$INSERT INTO mx_docs_emb (id, model_version, embedding) VALUES (8, 1, '[1,2]')$$);
SELECT pg_temp.err($$INSERT INTO mx_docs_emb (id, model_version, embedding) VALUES (8, 2, '[1,2,3]')$$);
SELECT pg_temp.err($$INSERT INTO mx_docs_emb (id, model_version, embedding) VALUES (8, 9, '[1,2,3]')$$);
SELECT vectorext.register_model('mx_emb', 3) AS v3;
SELECT pg_temp.err($$INSERT INTO mx_docs_emb (id, model_version, embedding) VALUES (8, 3, '[1,2,3]')$$);
SELECT pg_temp.err($$INSERT INTO mx_docs_emb (id, model_version, embedding) VALUES (99, 1, '[1,2,3]')$$);
SELECT pg_temp.err($$UPDATE mx_docs_emb SET embedding = '[1,2]' WHERE id = 1 AND model_version = 1$$);
SELECT model_version, count(*) FROM mx_docs_emb GROUP BY 1 ORDER BY 1;
SELECT tableoid::regclass AS partition, count(*) FROM mx_docs_emb GROUP BY 1 ORDER BY 1;

-- Coverage: share of source rows embedded; stale rows are those whose source row changed after embedding.
SELECT * FROM vectorext.coverage('mx_docs_emb', 1);
UPDATE mx_docs SET body = 'edited' WHERE id = 3;
SELECT * FROM vectorext.coverage('mx_docs_emb', 1);
SELECT * FROM vectorext.pending('mx_docs_emb', 1);
-- Re-embedding the row clears its staleness.
UPDATE mx_docs_emb SET embedding = '[3,7,0.5]' WHERE id = 3 AND model_version = 1;
INSERT INTO mx_docs_emb (id, model_version, embedding) VALUES (8, 1, '[8,2,2]');
SELECT * FROM vectorext.coverage('mx_docs_emb', 1);
SELECT pg_temp.err($$SELECT vectorext.coverage('mx_docs_emb', 3)$$);
SELECT pg_temp.err($$SELECT vectorext.build_index('mx_docs_emb', 1, method => 'nope')$$);
SELECT pg_temp.err($$SELECT vectorext.build_index('mx_docs_emb', 1, method => 'btree')$$);
SELECT pg_temp.err($$SELECT vectorext.build_index('mx_docs_emb', 3)$$);

-- 3. Aliases, promote, rollback ---------------------------------------------------------------------------------
SELECT pg_temp.err($$SELECT vectorext.version_of('mx_emb')$$);
SELECT pg_temp.err($$SELECT vectorext.version_of('mx_nope')$$);
-- The promotion gate: every collection must have the version fully embedded and indexed.
SELECT pg_temp.err($$SELECT vectorext.promote('mx_emb', 2)$$);
SELECT pg_temp.err($$SELECT vectorext.promote('mx_emb', 3)$$);
SELECT pg_temp.err($$SELECT vectorext.promote('mx_emb', 1)$$);
SELECT pg_temp.err($$SELECT vectorext.promote('mx_emb', 5)$$);
SELECT pg_temp.err($$SELECT vectorext.promote('mx_nope', 1)$$);
SELECT vectorext.promote('mx_emb', 1, force => true);
SELECT vectorext.version_of('mx_emb'), vectorext.version_of('mx_emb', 'champion');
SELECT vectorext.set_alias('mx_emb', 'challenger', 2);
SELECT pg_temp.err($$SELECT vectorext.set_alias('mx_emb', '', 2)$$);
SELECT pg_temp.err($$SELECT vectorext.set_alias('mx_emb', 'canary', 8)$$);
SELECT pg_temp.err($$SELECT vectorext.rollback('mx_emb')$$);
SELECT pg_temp.err($$SELECT vectorext.rollback('mx_emb', 'canary')$$);

-- BEGIN; promote; ROLLBACK leaves alias and history as they were; so does a rolled-back rollback.
SELECT count(*) AS events_before FROM vectorext.alias_history WHERE model = 'mx_emb';
BEGIN;
SELECT vectorext.promote('mx_emb', 2, force => true);
SELECT vectorext.version_of('mx_emb') AS inside_transaction;
ROLLBACK;
SELECT vectorext.version_of('mx_emb') AS after_rollback,
       (SELECT count(*) FROM vectorext.alias_history WHERE model = 'mx_emb') AS events_after;
SELECT vectorext.promote('mx_emb', 2, force => true);
BEGIN;
SELECT vectorext.rollback('mx_emb');
ROLLBACK;
SELECT vectorext.version_of('mx_emb') AS still_2;
-- Promoting the serving version again is a no-op with a notice.
SET client_min_messages = notice;
SELECT vectorext.promote('mx_emb', 2, force => true);
SET client_min_messages = warning;
-- Rollback pops the history: 2 -> 1, then nothing earlier.
SELECT vectorext.rollback('mx_emb');
SELECT pg_temp.err($$SELECT vectorext.rollback('mx_emb')$$);
SELECT vectorext.promote('mx_emb', 2, force => true);
SELECT id - min(id) OVER () + 1 AS n, model, alias, action, from_version, to_version, forced, rolled_back,
       changed_by = current_user AS by_me, changed_at IS NOT NULL AS has_time
FROM vectorext.alias_history WHERE model = 'mx_emb' ORDER BY id;

-- Compare-and-set: promote only if the alias still serves the version the caller expects.
SELECT pg_temp.err($$SELECT vectorext.promote('mx_emb', 1, force => true, if_current => 1)$$);
SELECT vectorext.promote('mx_emb', 1, force => true, if_current => 2) AS promoted_from_2;
SELECT vectorext.rollback('mx_emb') AS back_to_2;

-- A REPEATABLE READ reader keeps the alias it started with while another session promotes.
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT format('dbname=%s port=%s host=%s', current_database(), current_setting('port'),
              split_part(current_setting('unix_socket_directories'), ',', 1)) AS conn \gset
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT vectorext.version_of('mx_emb') AS reader_sees;
SELECT * FROM dblink(:'conn', $$SELECT vectorext.promote('mx_emb', 1, force => true)$$) AS t(other_session_promoted int);
SELECT vectorext.version_of('mx_emb') AS reader_still_sees;
SELECT count(*) AS rows_of_that_version FROM mx_docs_emb WHERE model_version = vectorext.version_of('mx_emb');
COMMIT;
SELECT vectorext.version_of('mx_emb') AS new_statement_sees;
-- Two promoters: the second waits for the first's lock; under REPEATABLE READ it then fails instead of silently
-- overwriting a change it did not see.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT vectorext.version_of('mx_emb') AS snapshot_taken;
SELECT * FROM dblink(:'conn', $$SELECT vectorext.promote('mx_emb', 2, force => true)$$) AS t(other_session_promoted int);
SELECT pg_temp.err($$SELECT vectorext.promote('mx_emb', 1, force => true)$$);
ROLLBACK;
SELECT vectorext.version_of('mx_emb') AS winner;

-- 4. Search by alias --------------------------------------------------------------------------------------------
SELECT vectorext.version_of('mx_emb');
SELECT key, round(distance::numeric, 4) AS distance FROM vectorext.search('mx_docs_emb', '[0,1]', 3);
SELECT key, round(distance::numeric, 4) AS distance FROM vectorext.search('mx_docs_emb', '[0,1]', 3, 'challenger');
SELECT vectorext.set_alias('mx_emb', 'canary', 1);
SELECT key, round(distance::numeric, 4) AS distance FROM vectorext.search('mx_docs_emb', '[3,7,0]', 3, 'canary');
SELECT pg_temp.err($$SELECT * FROM vectorext.search('mx_docs_emb', '[3,7,0]', 3)$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.search('mx_docs_emb', '[0,1]', 0)$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.search('mx_docs_emb', NULL, 3)$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.search('mx_docs_emb', '[0,1]', 3, 'nope')$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.search('mx_nope', '[0,1]', 3)$$);
-- The plain-SQL form reads only the served version's partition.
SELECT id, round((embedding <#> '[0,1]')::numeric, 4) AS distance FROM mx_docs_emb
WHERE model_version = vectorext.version_of('mx_emb') ORDER BY embedding <#> '[0,1]', id LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM mx_docs_emb WHERE model_version = vectorext.version_of('mx_emb');
-- Also as a generic plan (what drivers and ORMs reuse): pruned at executor start-up, and the same prepared statement
-- follows the alias. (The ANN index scan of the surviving partition is shown in mlops_index.sql.)
SET plan_cache_mode = force_generic_plan;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
PREPARE mx_nearest(vector) AS
  SELECT id FROM mx_docs_emb WHERE model_version = vectorext.version_of('mx_emb') ORDER BY embedding <#> $1 LIMIT 2;
EXPLAIN (COSTS OFF) EXECUTE mx_nearest('[0,1]');
EXECUTE mx_nearest('[0,1]');
BEGIN;
SELECT vectorext.set_alias('mx_emb', 'champion', 1);
EXPLAIN (COSTS OFF) EXECUTE mx_nearest('[0,1]');
ROLLBACK;
DEALLOCATE mx_nearest;
RESET enable_bitmapscan;
RESET enable_indexscan;
RESET plan_cache_mode;

-- 5. Champion vs challenger -------------------------------------------------------------------------------------
SELECT vectorext.promote('mx_emb', 1, force => true);
SELECT * FROM vectorext.compare('mx_docs_emb',
  $$VALUES (1, '[1,9,1]'::vector, '[1,0]'::vector), (2, '[5,5,2]'::vector, '[0.5,0.5]'::vector)$$, k => 3);
SELECT pg_temp.err($$SELECT * FROM vectorext.compare('mx_docs_emb', 'SELECT 1, ''[1,2,3]''::vector, ''[1,2,3]''::vector', 3)$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.compare('mx_docs_emb', 'SELECT 1, ''[1,2,3]''::vector, ''[1,2]''::vector', 3, alias_b => 'nope')$$);
SELECT vectorext.rbo(ARRAY['a','b','c'], ARRAY['a','b','c']) AS same,
       round(vectorext.rbo(ARRAY['a','b','c'], ARRAY['c','b','a'])::numeric, 4) AS reversed,
       vectorext.rbo(ARRAY['a','b'], ARRAY['c','d']) AS disjoint,
       round(vectorext.rbo(ARRAY['a','b','c','d'], ARRAY['a','x','c'], 0.5)::numeric, 4) AS partial;
SELECT pg_temp.err($$SELECT vectorext.rbo(ARRAY['a'], ARRAY['a'], 1.5)$$);
-- Relevance judgments: (query id, key, relevance).
CREATE TABLE mx_judgments (query_id int, doc_id int, relevance int);
INSERT INTO mx_judgments VALUES (1, 1, 3), (1, 2, 1), (1, 5, 2), (2, 5, 1), (2, 6, 1);
SELECT * FROM vectorext.evaluate('mx_docs_emb', $$VALUES (1, '[1,9,1]'::vector), (2, '[5,5,2]'::vector)$$,
                                 'SELECT * FROM mx_judgments', k => 3);
SELECT alias_name, version, queries_evaluated, round(precision_at_k::numeric, 4) AS p_at_3, round(ndcg_at_k::numeric, 4) AS ndcg_at_3
FROM vectorext.evaluate('mx_docs_emb', $$VALUES (1, '[1,0]'::vector), (2, '[0.5,0.5]'::vector)$$,
                        'SELECT * FROM mx_judgments', k => 3, alias => 'challenger');
-- Traffic split: bucket = first 8 bytes of SHA-256('exp:unit') as big-endian uint64, mod 10000.
SELECT vectorext.create_experiment('mx_exp', 'mx_emb', 0.25);
SELECT vectorext.route_bucket('mx_exp', 'user-42') AS bucket,
       (('x' || left(encode(sha256(convert_to('mx_exp:user-42', 'UTF8')), 'hex'), 16))::bit(64)::bigint::numeric
         + CASE WHEN left(encode(sha256(convert_to('mx_exp:user-42', 'UTF8')), 'hex'), 1) >= '8' THEN 18446744073709551616 ELSE 0 END)
         % 10000 AS same_in_sql,
       vectorext.route('mx_exp', 'user-42') AS routed;
SELECT vectorext.route_bucket('checkout', 'user-1') AS documented_example;
SELECT vectorext.route('mx_exp', 'u' || i) AS arm, count(*) FROM generate_series(1, 2000) i GROUP BY 1 ORDER BY 1;
SELECT vectorext.create_experiment('mx_exp', 'mx_emb', 0);
SELECT count(*) FILTER (WHERE vectorext.route('mx_exp', 'u' || i) = 'challenger') AS challenger_at_0 FROM generate_series(1, 500) i;
SELECT pg_temp.err($$SELECT vectorext.create_experiment('mx_exp2', 'mx_emb', 1.5)$$);
SELECT pg_temp.err($$SELECT vectorext.create_experiment('mx_exp2', 'mx_nope', 0.5)$$);
SELECT pg_temp.err($$SELECT vectorext.route('mx_nope', 'user-1')$$);

-- 6. Seal and retire --------------------------------------------------------------------------------------------
SELECT vectorext.seal('mx_docs_emb', 2);
SELECT pg_temp.err($$INSERT INTO mx_docs_emb (id, model_version, embedding) VALUES (6, 2, '[1,1]')$$);
SELECT pg_temp.err($$DELETE FROM mx_docs_emb WHERE model_version = 2$$);
SELECT pg_temp.err($$TRUNCATE mx_docs_emb_v2$$);
SELECT count(*) AS still_5 FROM mx_docs_emb WHERE model_version = 2;
SET client_min_messages = notice;
SELECT vectorext.seal('mx_docs_emb', 2);
SET client_min_messages = warning;
SELECT pg_temp.err($$SELECT vectorext.retire_version('mx_docs_emb', 2)$$);
SELECT vectorext.set_alias('mx_emb', 'challenger', 1);
SELECT vectorext.retire_version('mx_docs_emb', 2);
SELECT to_regclass('mx_docs_emb_v2') AS dropped;
SELECT pg_temp.err($$SELECT vectorext.set_alias('mx_emb', 'challenger', 2)$$);
SELECT pg_temp.err($$SELECT vectorext.rollback('mx_emb', 'challenger')$$);
SELECT pg_temp.err($$SELECT vectorext.add_version('mx_docs_emb', 2)$$);
SELECT pg_temp.err($$INSERT INTO mx_docs_emb (id, model_version, embedding) VALUES (6, 2, '[1,1]')$$);

-- 8. A linear (PCA) embedding model whose weights are the registry artifact ------------------------------------
SELECT vectorext.register_model('mx_pca', 1, artifact => vectorext.pca_fit(
         ARRAY['[1,1,0]', '[2,2,0]', '[3,3,0]', '[4,4.5,0]']::vector[], 1)) AS v;
SELECT size FROM vectorext.models WHERE name = 'mx_pca';
SELECT round(x::numeric, 3) AS projected
FROM unnest(vectorext.linear_embed(vectorext.model_artifact('mx_pca', 1), '[5,5,0]'::vector::real[])) x;
SELECT abs(x) < 1e-4 AS mean_maps_to_zero
FROM unnest(vectorext.linear_embed(vectorext.model_artifact('mx_pca', 1), '[2.5,2.625,7]'::vector::real[])) x;
SELECT pg_temp.err($$SELECT vectorext.linear_embed(vectorext.model_artifact('mx_pca', 1), ARRAY[1,2]::real[])$$);
SELECT pg_temp.err($$SELECT vectorext.linear_embed('\x00', ARRAY[1,2]::real[])$$);
SELECT pg_temp.err($$SELECT vectorext.pca_fit(ARRAY['[1,2]']::vector[], 1)$$);
SELECT pg_temp.err($$SELECT vectorext.pca_fit(ARRAY['[1,2]', '[1,2,3]']::vector[], 1)$$);
SELECT pg_temp.err($$SELECT vectorext.pca_fit(ARRAY['[1,2]', '[2,1]']::vector[], 3)$$);

-- A partition detached by hand: the functions say so (42P01); the view still lists the collection.
ALTER TABLE mx_docs_emb DETACH PARTITION mx_docs_emb_v1;
SELECT pg_temp.err($$SELECT * FROM vectorext.search('mx_docs_emb', '[3,7,0]', 2)$$);
SELECT collection, version, state, rows FROM vectorext.collection_versions WHERE collection = 'mx_docs_emb' ORDER BY version;
ALTER TABLE mx_docs_emb ATTACH PARTITION mx_docs_emb_v1 FOR VALUES IN (1);

-- 7. Administration views ---------------------------------------------------------------------------------------
SELECT collection, model, version, dims, metric, state, partition, rows, index_name, coverage, missing, stale, aliases
FROM vectorext.collection_versions WHERE collection = 'mx_docs_emb' ORDER BY version;
SELECT collection, relation, source, model, key_column, key_type, live_versions, champion, challenger
FROM vectorext.collections WHERE collection = 'mx_docs_emb';
SELECT model, alias, version FROM vectorext.aliases WHERE model = 'mx_emb' ORDER BY alias;
SELECT name, version, aliases FROM vectorext.models WHERE name = 'mx_emb' ORDER BY version;
-- Privileges: any role can see which version serves and search by alias; changing the registry needs grant_admin.
CREATE ROLE mx_app;
CREATE ROLE mx_admin;
GRANT SELECT ON mx_docs_emb, mx_docs TO mx_app, mx_admin;
SET ROLE mx_app;
SELECT vectorext.version_of('mx_emb') AS app_sees;
SELECT key FROM vectorext.search('mx_docs_emb', '[3,7,0]', 2);
SELECT count(*) FROM mx_docs_emb WHERE model_version = vectorext.version_of('mx_emb', 'canary');
SELECT pg_temp.err($$SELECT vectorext.promote('mx_emb', 1, 'canary2')$$);
SELECT pg_temp.err($$SELECT vectorext.model_artifact('mx_pca', 1)$$);
RESET ROLE;
SELECT vectorext.grant_admin('mx_admin');
-- An extension admin may register new models (and owns them), but not touch other owners' models (docs/security.md);
-- the owner grants it per model.
SET ROLE mx_admin;
SELECT pg_temp.err($$SELECT vectorext.set_alias('mx_emb', 'canary2', 1)$$);
SELECT pg_temp.err($$SELECT vectorext.model_artifact('mx_pca', 1)$$);
SELECT pg_temp.err($$SELECT vectorext.register_model('mx_emb', 3)$$);
SELECT vectorext.register_model('mx_admins_own', 3) AS admin_registers_a_new_model;
RESET ROLE;
SELECT vectorext.grant_model('mx_emb', 'mx_admin', 'alias'), vectorext.grant_model('mx_emb', 'mx_admin', 'register'),
       vectorext.grant_model('mx_pca', 'mx_admin', 'artifact');
SET ROLE mx_admin;
SELECT vectorext.set_alias('mx_emb', 'canary2', 1);
SELECT length(vectorext.model_artifact('mx_pca', 1)) AS admin_reads_artifact;
SELECT vectorext.register_model('mx_emb', 3) AS admin_registers;
RESET ROLE;

-- Registry tables are dumped with the extension's data.
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) t(oid) JOIN pg_class c ON c.oid = t.oid
WHERE e.extname = 'vectorext' ORDER BY 1;

SELECT vectorext.drop_collection('mx_docs_emb');
SELECT to_regclass('mx_docs_emb') AS gone, (SELECT count(*) FROM vectorext.collection_version WHERE collection = 'mx_docs_emb') AS versions_left;
SELECT pg_temp.err($$SELECT vectorext.drop_collection('mx_docs_emb')$$);
DROP TABLE mx_docs, mx_judgments;
DELETE FROM vectorext.experiment WHERE name LIKE 'mx_%';
-- The alias history is append-only, also for superusers, unless they switch off triggers.
SET session_replication_role = replica;
DELETE FROM vectorext.alias_event WHERE model LIKE 'mx_%';
RESET session_replication_role;
DELETE FROM vectorext.model_head WHERE name LIKE 'mx_%';
DROP EXTENSION dblink;
SELECT vectorext.revoke_admin('mx_admin');
DROP ROLE mx_app, mx_admin;
