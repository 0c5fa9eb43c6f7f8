-- MLOps versions on another server (docs/scale-out.md "A model version on another server"), against a loopback
-- postgres_fdw server (this database, reached through a second connection; the "shard's" table is in schema
-- mxr_shard): the refusals of add_version, the catalog view a coordinator reads, the privileges of adding and reading
-- a remote version, what each function does with one, and that the gate's switch to the partition's owner cannot be
-- called by anyone else. test/t/042_scaleout_mlops_remote.pl runs the same on a real second server (stopped shard,
-- the shard's plans and index statistics, the gate refusing to lend the extension owner's credentials).
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

CREATE EXTENSION postgres_fdw;
DO $$
BEGIN
  EXECUTE format('CREATE SERVER mxr_loop FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host %L, port %L, dbname %L, '
                 'extensions %L, options %L)', split_part(current_setting('unix_socket_directories'), ',', 1),
                 current_setting('port'), current_database(), 'vectorext', '-c cursor_tuple_fraction=0.0001');
END
$$;
CREATE SERVER mxr_noship FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'mxr_nowhere');
CREATE ROLE mxr_owner LOGIN;
CREATE ROLE mxr_reader LOGIN;
CREATE ROLE mxr_nomap;
CREATE ROLE mxr_other;
CREATE SCHEMA mxr;
CREATE SCHEMA mxr_shard;
GRANT USAGE, CREATE ON SCHEMA mxr TO mxr_owner, mxr_other;
GRANT USAGE ON SCHEMA mxr TO mxr_reader, mxr_nomap;
GRANT USAGE ON SCHEMA mxr_shard TO mxr_owner, mxr_reader;
GRANT USAGE ON FOREIGN SERVER mxr_loop TO mxr_owner;
CREATE USER MAPPING FOR mxr_owner SERVER mxr_loop OPTIONS (user 'mxr_owner', password_required 'false');
CREATE USER MAPPING FOR mxr_reader SERVER mxr_loop OPTIONS (user 'mxr_reader', password_required 'false');
CREATE TABLE mxr.docs (id int PRIMARY KEY, body text);
INSERT INTO mxr.docs SELECT i, 'doc ' || i FROM generate_series(1, 40) i;
GRANT SELECT ON mxr.docs TO mxr_owner, mxr_reader, mxr_nomap, mxr_other;
-- The "shard's" table of version 2, owned there by the role the owner's mapping connects as.
CREATE TABLE mxr_shard.c_v2 (id int NOT NULL, model_version int NOT NULL CHECK (model_version = 2),
                             embedding vector(3) NOT NULL, source_digest text,
                             embedded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (id, model_version));
ALTER TABLE mxr_shard.c_v2 OWNER TO mxr_owner;
GRANT SELECT ON mxr_shard.c_v2 TO mxr_reader;
SELECT vectorext.register_model('mxr_m', 3) AS v1, vectorext.register_model('mxr_m', 3) AS v2,
       vectorext.register_model('mxr_m', 3) AS v3;
SELECT vectorext.set_model_owner('mxr_m', 'mxr_owner');
SELECT vectorext.grant_model('mxr_m', 'mxr_other', 'register');

-- 1. The catalog view every install has (what a coordinator reads of a shard): single-column ANN indexes only.
CREATE TABLE mxr_shard.t (id int, e vector(3), f vector(3));
CREATE INDEX mxr_t_l2 ON mxr_shard.t USING hnsw (e vector_l2_ops);
CREATE INDEX mxr_t_cos ON mxr_shard.t USING ivfflat (f vector_cosine_ops) WITH (lists = 1) WHERE id > 0;
CREATE INDEX mxr_t_expr ON mxr_shard.t USING hnsw ((e + f) vector_l2_ops);
CREATE INDEX mxr_t_btree ON mxr_shard.t (id);
SELECT table_name, column_name, index_name, method, opclass, valid, partial
FROM vectorext.ann_indexes WHERE schema_name = 'mxr_shard' ORDER BY index_name;
DROP TABLE mxr_shard.t;

-- 2. add_version's refusals, before anything is created.
SET ROLE mxr_owner;
SELECT vectorext.create_collection('mxr_c', 'mxr.docs', 'mxr_m');
SELECT vectorext.add_version('mxr_c', 1);
INSERT INTO mxr.mxr_c (id, model_version, embedding) SELECT i, 1, ARRAY[i, i % 5, 1]::real[]::vector FROM generate_series(1, 40) i;
SELECT vectorext.build_index('mxr_c', 1);
SELECT pg_temp.err($$SELECT vectorext.add_version('mxr_c', 2, remote_table => 'c_v2')$$);
SELECT pg_temp.err($$SELECT vectorext.add_version('mxr_c', 2, server => 'mxr_none')$$);
SELECT pg_temp.err($$SELECT vectorext.add_version('mxr_c', 2, server => 'mxr_noship')$$);
SELECT pg_temp.err($$SELECT vectorext.add_version('mxr_c', 2, server => 'mxr_loop')$$);
-- (still one partition with the key on the collection table: the failed attempts left nothing behind)
SELECT count(*) AS partitions, vectorext._key_on_collection(c) AS key_on_collection
FROM vectorext.collection c, pg_inherits i WHERE c.name = 'mxr_c' AND i.inhparent = c.relation GROUP BY c;
RESET ROLE;
-- A collection owner without USAGE on the server; a role that does not own the collection.
SET ROLE mxr_other;
SELECT vectorext.create_collection('mxr_c_other', 'mxr.docs', 'mxr_m');
SELECT pg_temp.err($$SELECT vectorext.add_version('mxr_c_other', 2, server => 'mxr_loop', remote_schema => 'mxr_shard', remote_table => 'c_v2')$$);
SELECT pg_temp.err($$SELECT vectorext.add_version('mxr_c', 2, server => 'mxr_loop', remote_schema => 'mxr_shard', remote_table => 'c_v2')$$);
SELECT vectorext.drop_collection('mxr_c_other');
RESET ROLE;

-- 3. The remote version: the key moves to the local partitions; rows are routed to the "shard" with the row check.
SET ROLE mxr_owner;
SELECT vectorext.add_version('mxr_c', 2, server => 'mxr_loop', remote_schema => 'mxr_shard', remote_table => 'c_v2');
SELECT c.relname, c.relkind, (SELECT string_agg(k.contype::text, ',') FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p') AS pk
FROM pg_class c WHERE c.relnamespace = 'mxr'::regnamespace AND c.relname LIKE 'mxr\_c%' AND c.relkind IN ('r', 'p', 'f') ORDER BY 1;
INSERT INTO mxr.mxr_c (id, model_version, embedding) SELECT i, 2, ARRAY[i, i % 5, 2]::real[]::vector FROM generate_series(1, 35) i;
SELECT pg_temp.err($$INSERT INTO mxr.mxr_c (id, model_version, embedding) VALUES (99, 2, '[1,2,3]')$$);
SELECT pg_temp.err($$INSERT INTO mxr.mxr_c (id, model_version, embedding) VALUES (1, 2, '[1,2]')$$);
SELECT pg_temp.err($$INSERT INTO mxr.mxr_c (id, model_version, embedding) VALUES (1, 1, '[1,2,3]') ON CONFLICT (id, model_version) DO NOTHING$$);
SELECT pg_temp.err($$INSERT INTO mxr.mxr_c (id, model_version, embedding) VALUES (1, 2, '[1,2,3]') ON CONFLICT DO NOTHING$$);
SELECT count(*) AS rows_on_shard, count(source_digest) AS with_digest FROM mxr_shard.c_v2;
SELECT source_rows, embedded, missing, stale FROM vectorext.coverage('mxr_c', 2);
SELECT count(*) AS pending FROM vectorext.pending('mxr_c', 2);
-- The index: refused here with what to run there; listed once it is built there.
SELECT pg_temp.err($$SELECT vectorext.build_index('mxr_c', 2, options => 'm = 8')$$);
SELECT * FROM vectorext.remote_ann_indexes('mxr.mxr_c_v2');
RESET ROLE;

-- 4. The gate (run by the superuser, who has no user mapping: it reads as the partition's owner): missing rows, no
--    index on the "shard", then promoted. Its switch to the partition's owner is callable by nobody else.
SELECT vectorext.promote('mxr_m', 1);
SELECT pg_temp.err($$SELECT count(*) FROM mxr.mxr_c_v2$$);
SELECT pg_temp.err($$SELECT vectorext.promote('mxr_m', 2)$$);
SET ROLE mxr_owner;
INSERT INTO mxr.mxr_c (id, model_version, embedding) SELECT i, 2, ARRAY[i, i % 5, 2]::real[]::vector FROM generate_series(36, 40) i;
RESET ROLE;
SELECT pg_temp.err($$SELECT vectorext.promote('mxr_m', 2)$$);
CREATE INDEX c_v2_hnsw ON mxr_shard.c_v2 USING hnsw (embedding vector_l2_ops);
SET ROLE mxr_owner;
SELECT server, remote_table, column_name, index_name, method, opclass, valid FROM vectorext.remote_ann_indexes('mxr.mxr_c_v2');
RESET ROLE;
SELECT pg_temp.err($$SELECT vectorext.promote('mxr_m', 2, min_recall => 0.9)$$);
SELECT vectorext.promote('mxr_m', 2);
SET ROLE mxr_reader;
SELECT pg_temp.err($$SELECT * FROM vectorext._remote_readiness('mxr.mxr_c_v2', 'mxr_c', 2)$$);
SELECT pg_temp.err($$SELECT * FROM vectorext._gate_ready_remote('mxr_c', (SELECT x FROM vectorext.collection_version x WHERE x.collection = 'mxr_c' AND x.version = 2))$$);
RESET ROLE;

-- 5. Readers: through their own user mapping; without one, only the local versions answer.
GRANT SELECT ON mxr.mxr_c TO mxr_reader, mxr_nomap;
SET ROLE mxr_reader;
SELECT key, round(distance::numeric, 3) AS distance FROM vectorext.search('mxr_c', '[3.2,3,2]', 3);
SELECT round(vectorext.recall('mxr_c', 2, 10, 3)::numeric, 1) AS recall_of_remote;
SELECT version, state, rows, index_name, coverage, server FROM vectorext.collection_versions WHERE collection = 'mxr_c' ORDER BY version;
RESET ROLE;
SET ROLE mxr_nomap;
SELECT pg_temp.err($$SELECT * FROM vectorext.search('mxr_c', '[3.2,3,2]', 3)$$);
SELECT key FROM vectorext._search_version('mxr_c', 1, '[3.2,3,1]', 2);
SELECT version, rows, coverage, server FROM vectorext.collection_versions WHERE collection = 'mxr_c' ORDER BY version;
RESET ROLE;

-- 6. seal, rollback, retire.
SET ROLE mxr_owner;
SELECT vectorext.seal('mxr_c', 2);
SELECT pg_temp.err($$UPDATE mxr.mxr_c SET embedding = embedding WHERE model_version = 2 AND id = 1$$);
SELECT pg_temp.err($$DELETE FROM mxr.mxr_c WHERE model_version = 2 AND id = 1$$);
SELECT pg_temp.err($$TRUNCATE mxr.mxr_c$$);
SELECT pg_temp.err($$SELECT vectorext.retire_version('mxr_c', 2)$$);
SELECT vectorext.rollback('mxr_m');
SELECT pg_temp.err($$SELECT vectorext.retire_version('mxr_c', 2)$$);
SELECT version, state, partition, server FROM vectorext.collection_versions WHERE collection = 'mxr_c' ORDER BY version;
SELECT count(*) AS rows_left_on_shard FROM mxr_shard.c_v2;
-- A local version added later gets its key on its own partition.
SELECT vectorext.add_version('mxr_c', 3);
SELECT count(*) AS v3_key FROM pg_constraint k WHERE k.conrelid = 'mxr.mxr_c_v3'::regclass AND k.contype = 'p';
RESET ROLE;

-- Clean up.
SELECT vectorext.drop_collection('mxr_c');
DROP SCHEMA mxr CASCADE;
DROP SCHEMA mxr_shard CASCADE;
SET session_replication_role = replica;
DELETE FROM vectorext.alias_event WHERE model = 'mxr_m';
RESET session_replication_role;
DELETE FROM vectorext.model_head WHERE name = 'mxr_m';
DROP EXTENSION postgres_fdw CASCADE;
DROP ROLE mxr_owner, mxr_reader, mxr_nomap, mxr_other;
