-- The privilege matrix of docs/security.md: every MLOps action as every role. 'ok' where docs/security.md allows
-- it, the SQLSTATE (42501: insufficient_privilege) where it does not. Each action runs in a subtransaction that is
-- rolled back, so every cell starts from the same state.
--   superuser  the session user            owner     owns model mxp_m and the collection table mxp.mxp_c
--   admin      vectorext.grant_admin       deployer  granted 'alias' on mxp_m
--   writer     SELECT, INSERT, UPDATE on mxp.mxp_c, SELECT on the source
--   reader     SELECT on mxp.mxp_c and the source        nobody    no grant at all
\pset footer off
SET client_min_messages = error;
CREATE ROLE mxp_admin;
CREATE ROLE mxp_owner;
CREATE ROLE mxp_deployer;
CREATE ROLE mxp_writer;
CREATE ROLE mxp_reader;
CREATE ROLE mxp_nobody;
CREATE SCHEMA mxp;
GRANT USAGE, CREATE ON SCHEMA mxp TO mxp_admin, mxp_owner, mxp_deployer, mxp_writer, mxp_reader, mxp_nobody;
SELECT vectorext.grant_admin('mxp_admin');
CREATE TABLE mxp.docs (id int PRIMARY KEY, body text);
INSERT INTO mxp.docs SELECT i, 'doc ' || i FROM generate_series(1, 8) i;
GRANT SELECT ON mxp.docs TO mxp_owner, mxp_writer, mxp_reader;
SELECT vectorext.register_model('mxp_m', 2, artifact => '\x0102') AS v1, vectorext.register_model('mxp_m', 2) AS v2,
       vectorext.register_model('mxp_m', 2) AS v3;
SELECT vectorext.set_model_owner('mxp_m', 'mxp_owner');
SELECT vectorext.grant_model('mxp_m', 'mxp_deployer', 'alias');
SET ROLE mxp_owner;
SELECT vectorext.create_collection('mxp_c', 'mxp.docs', 'mxp_m');
SELECT vectorext.add_version('mxp_c', 1), vectorext.add_version('mxp_c', 2);
INSERT INTO mxp.mxp_c (id, model_version, embedding)
  SELECT i, v, ARRAY[i, i % 3]::real[]::vector FROM generate_series(1, 8) i, generate_series(1, 2) v;
SELECT vectorext.build_index('mxp_c', 1), vectorext.build_index('mxp_c', 2);
SELECT vectorext.promote('mxp_m', 2), vectorext.promote('mxp_m', 1);
SELECT vectorext.create_experiment('mxp_exp', 'mxp_m', 0.2);
GRANT SELECT, INSERT, UPDATE ON mxp.mxp_c TO mxp_writer;
GRANT SELECT ON mxp.mxp_c TO mxp_reader;
RESET ROLE;

CREATE FUNCTION pg_temp.try(r name, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    EXECUTE format('SET LOCAL ROLE %I', r);
    EXECUTE q;
    RAISE EXCEPTION USING ERRCODE = 'VXOK0';  -- undo what the action did
  EXCEPTION WHEN OTHERS THEN
    RETURN CASE WHEN SQLSTATE = 'VXOK0' THEN 'ok' ELSE SQLSTATE END;
  END;
END
$$;

SELECT a.action, pg_temp.try(session_user, a.q) AS superuser, pg_temp.try('mxp_admin', a.q) AS admin,
       pg_temp.try('mxp_owner', a.q) AS owner, pg_temp.try('mxp_deployer', a.q) AS deployer,
       pg_temp.try('mxp_writer', a.q) AS writer, pg_temp.try('mxp_reader', a.q) AS reader,
       pg_temp.try('mxp_nobody', a.q) AS nobody
FROM (VALUES
  (1, 'register_model, new model', $$SELECT vectorext.register_model('mxp_new', 2)$$),
  (2, 'register_model, new version', $$SELECT vectorext.register_model('mxp_m', 2)$$),
  (3, 'model_artifact', $$SELECT vectorext.model_artifact('mxp_m', 1)$$),
  (4, 'create_collection', $$SELECT vectorext.create_collection('mxp_c2', 'mxp.docs', 'mxp_m')$$),
  (5, 'add_version', $$SELECT vectorext.add_version('mxp_c', 3)$$),
  (6, 'build_index', $$SELECT vectorext.build_index('mxp_c', 2)$$),
  (7, 'seal', $$SELECT vectorext.seal('mxp_c', 2)$$),
  (8, 'retire_version', $$SELECT vectorext.retire_version('mxp_c', 2)$$),
  (9, 'drop_collection', $$SELECT vectorext.drop_collection('mxp_c')$$),
  (10, 'set_alias', $$SELECT vectorext.set_alias('mxp_m', 'challenger', 2)$$),
  (11, 'promote', $$SELECT vectorext.promote('mxp_m', 2)$$),
  (12, 'rollback', $$SELECT vectorext.rollback('mxp_m')$$),
  (13, 'create_experiment', $$SELECT vectorext.create_experiment('mxp_exp', 'mxp_m', 0.1)$$),
  (14, 'grant_model', $$SELECT vectorext.grant_model('mxp_m', 'mxp_reader', 'artifact')$$),
  (15, 'revoke_model', $$SELECT vectorext.revoke_model('mxp_m', 'mxp_deployer', 'alias')$$),
  (16, 'set_model_owner', $$SELECT vectorext.set_model_owner('mxp_m', 'mxp_owner')$$),
  (17, 'grant_admin', $$SELECT vectorext.grant_admin('mxp_nobody')$$),
  (18, 'write embeddings', $$INSERT INTO mxp.mxp_c (id, model_version, embedding) VALUES (1, 2, '[5,5]')
                              ON CONFLICT (id, model_version) DO UPDATE SET embedding = excluded.embedding$$),
  (19, 'search', $$SELECT * FROM vectorext.search('mxp_c', '[1,1]', 3)$$),
  (20, 'compare', $$SELECT * FROM vectorext.compare('mxp_c', 'SELECT 1, ''[1,1]''::vector, ''[1,1]''::vector', 2, 'champion', 'champion')$$),
  (21, 'evaluate', $$SELECT * FROM vectorext.evaluate('mxp_c', 'SELECT 1, ''[1,1]''::vector', 'SELECT 1, 1, 1', 2)$$),
  (22, 'recall', $$SELECT vectorext.recall('mxp_c', 1, 2, 2)$$),
  (23, 'coverage', $$SELECT * FROM vectorext.coverage('mxp_c', 1)$$),
  (24, 'pending', $$SELECT * FROM vectorext.pending('mxp_c', 1)$$),
  (25, 'version_of, route', $$SELECT vectorext.version_of('mxp_m'), vectorext.route('mxp_exp', 'u')$$),
  (26, 'views', $$SELECT * FROM vectorext.collection_versions, vectorext.models, vectorext.alias_history, vectorext.model_grants$$),
  (27, 'pca_fit, linear_embed', $$SELECT vectorext.linear_embed(vectorext.pca_fit(ARRAY['[1,0]', '[0,1]']::vector[], 1), '{1,1}')$$),
  (28, 'UPDATE alias directly', $$UPDATE vectorext.alias SET version = 2 WHERE model = 'mxp_m'$$),
  (29, 'UPDATE alias history', $$UPDATE vectorext.alias_event SET changed_by = 'someone' WHERE model = 'mxp_m'$$),
  (30, 'DELETE alias history', $$DELETE FROM vectorext.alias_event WHERE model = 'mxp_m'$$),
  (31, 'read artifact_chunk', $$SELECT * FROM vectorext.artifact_chunk$$),
  (32, 'write model_grant', $$INSERT INTO vectorext.model_grant (model, grantee, privilege, granted_by) VALUES ('mxp_m', 'mxp_nobody', 'alias', 'x')$$)
) AS a(n, action, q)
ORDER BY a.n;

-- collection_versions works for every role; rows and coverage only for roles that may read the tables.
CREATE FUNCTION pg_temp.seen(r name) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  s text;
BEGIN
  EXECUTE format('SET LOCAL ROLE %I', r);
  SELECT string_agg(format('v%s: %s rows, coverage %s', version, coalesce(rows::text, '-'), coalesce(coverage::text, '-')), '; ' ORDER BY version)
    INTO s FROM vectorext.collection_versions WHERE collection = 'mxp_c';
  RESET ROLE;
  RETURN s;
END
$$;
SELECT r AS role, pg_temp.seen(r) AS sees FROM (VALUES ('mxp_owner'), ('mxp_reader'), ('mxp_nobody')) AS x(r);

-- A model owned by a group role: its members act for it.
CREATE ROLE mxp_team;
CREATE ROLE mxp_member IN ROLE mxp_team;
SELECT vectorext.set_model_owner('mxp_m', 'mxp_team');
SELECT pg_temp.try('mxp_member', $$SELECT vectorext.set_alias('mxp_m', 'challenger', 2)$$) AS member_of_owning_role,
       pg_temp.try('mxp_owner', $$SELECT vectorext.set_alias('mxp_m', 'challenger', 2)$$) AS former_owner,
       pg_temp.try('mxp_member', $$SELECT vectorext.set_model_owner('mxp_m', 'mxp_nobody')$$) AS give_to_non_member;
-- A dropped grantee's privileges go with it (its OID stays in the registry, granting nothing).
REVOKE ALL ON SCHEMA mxp FROM mxp_deployer;
DROP ROLE mxp_deployer;
SELECT (SELECT count(*) FROM vectorext.model_grant g WHERE g.model = 'mxp_m') AS grants_left,
       (SELECT count(*) FROM vectorext.model_grant g, pg_roles r
        WHERE g.model = 'mxp_m' AND NOT r.rolsuper AND vectorext._acts_as(r.oid, g.grantee)) AS roles_acting_as_it;

-- Clean up.
SELECT vectorext.drop_collection('mxp_c');
DROP SCHEMA mxp CASCADE;
SET session_replication_role = replica;
DELETE FROM vectorext.alias_event WHERE model = 'mxp_m';
RESET session_replication_role;
DELETE FROM vectorext.model_head WHERE name = 'mxp_m';
SELECT vectorext.revoke_admin('mxp_admin');
DROP ROLE mxp_admin, mxp_owner, mxp_writer, mxp_reader, mxp_nobody, mxp_member, mxp_team;
