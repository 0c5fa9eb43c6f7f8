-- Replays the attacks of issue 11 on the MLOps layer (docs/security.md "Threat model"), as an unprivileged role, an
-- extension admin and an application role. Each one worked before the fix (noted per section) and must fail now:
--  1. SQL stored in the registry and run by whoever calls a function that reads it;
--  2. operators and functions planted in a schema ahead of pg_catalog on the caller's search_path;
--  3. a shadow source table found through the caller's search_path;
--  4. an admin moving other owners' aliases and rewriting the alias history;
--  5. reads that a role with SELECT on its collection could not do; input that raised XX000.
-- The canary: role mxa_evil (the attacker) must never become superuser, and its traps must never run.
\pset footer off
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  st text; msg text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  RETURN st || ': ' || msg;
END
$$;

CREATE ROLE mxa_evil;                 -- the attacker: no grants but its own schema
CREATE ROLE mxa_admin;                -- an extension admin (vectorext.grant_admin)
CREATE ROLE mxa_app;                  -- an application role: SELECT on its collection and source
CREATE ROLE mxa_writer;               -- writes embeddings: INSERT on the collection, SELECT on the source
SELECT vectorext.grant_admin('mxa_admin');
CREATE TABLE mxa_docs (id int PRIMARY KEY, body text);
INSERT INTO mxa_docs SELECT i, 'doc ' || i FROM generate_series(1, 6) i;
SELECT vectorext.register_model('mxa_m', 2) AS v1, vectorext.register_model('mxa_m', 2) AS v2;
SELECT vectorext.create_collection('mxa_emb', 'mxa_docs', 'mxa_m');
SELECT vectorext.add_version('mxa_emb', 1), vectorext.add_version('mxa_emb', 2);
INSERT INTO mxa_emb (id, model_version, embedding) SELECT i, v, ARRAY[i, v]::real[]::vector FROM generate_series(1, 6) i, generate_series(1, 2) v;
SELECT vectorext.build_index('mxa_emb', 1), vectorext.build_index('mxa_emb', 2);
SELECT vectorext.promote('mxa_m', 1);
GRANT SELECT ON mxa_emb, mxa_docs TO mxa_app;
GRANT SELECT, INSERT, UPDATE ON mxa_emb TO mxa_writer;
GRANT SELECT ON mxa_docs TO mxa_writer;
CREATE SCHEMA mxa_evil AUTHORIZATION mxa_evil;
GRANT USAGE ON SCHEMA mxa_evil TO PUBLIC;
SET ROLE mxa_evil;
CREATE TABLE mxa_evil.fired (who name, trap text);
GRANT INSERT ON mxa_evil.fired TO PUBLIC;
RESET ROLE;
CREATE VIEW pg_temp.canary AS
  SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = 'mxa_evil') AS evil_is_superuser,
         (SELECT count(*) FROM mxa_evil.fired) AS traps_fired;

-- 1. Stored SQL ------------------------------------------------------------------------------------------------------
-- Before: an admin stored `<partition> FOR EACH STATEMENT EXECUTE FUNCTION ...; ALTER ROLE ... SUPERUSER; --` in
-- collection_version.partition (admins could UPDATE the registry) and it ran when a superuser called seal.
-- Now no role but the extension owner may write any registry table, and relations are OIDs (regclass).
SET ROLE mxa_admin;
SELECT t AS registry_table, pg_temp.err(format('INSERT INTO vectorext.%I DEFAULT VALUES', t)) AS insert_,
       pg_temp.err(format('UPDATE vectorext.%I SET %I = %I', t, c, c)) AS update_,
       pg_temp.err(format('DELETE FROM vectorext.%I', t)) AS delete_
FROM (VALUES ('admin', 'role'), ('model_head', 'owner'), ('model_grant', 'grantee'), ('model', 'uri'),
             ('artifact_chunk', 'data'), ('collection', 'source'), ('collection_version', 'partition'),
             ('alias', 'version'), ('alias_event', 'changed_by'), ('experiment', 'model')) AS x(t, c);
SELECT pg_temp.err($$TRUNCATE vectorext.alias_event$$) AS truncate_history;
RESET ROLE;
-- Even a superuser (or a hand-edited dump) cannot put SQL where a relation goes: those columns are regclass.
SELECT pg_temp.err($$UPDATE vectorext.collection_version SET partition = 'mxa_emb_v1 FOR EACH STATEMENT EXECUTE FUNCTION mxa_evil.f(); ALTER ROLE mxa_evil SUPERUSER; --' WHERE collection = 'mxa_emb'$$) AS sql_as_partition;
SELECT pg_temp.err($$UPDATE vectorext.collection SET source = 'mxa_docs; ALTER ROLE mxa_evil SUPERUSER' WHERE name = 'mxa_emb'$$) AS sql_as_source;
-- Text columns that name things are only ever quoted (%I, %L) or bound as parameters. A superuser-edited key column
-- or collection name makes the functions fail with 42703 / 42704, never run it.
BEGIN;
UPDATE vectorext.collection SET key_column = 'id") t; ALTER ROLE mxa_evil SUPERUSER; --' WHERE name = 'mxa_emb';
SELECT f AS reader, pg_temp.err(q) AS result FROM (VALUES
  ('search', $$SELECT * FROM vectorext.search('mxa_emb', '[1,1]', 2)$$),
  ('coverage', $$SELECT * FROM vectorext.coverage('mxa_emb', 1)$$),
  ('pending', $$SELECT * FROM vectorext.pending('mxa_emb', 1)$$),
  ('recall', $$SELECT vectorext.recall('mxa_emb', 1, 2, 2)$$),
  ('compare', $$SELECT * FROM vectorext.compare('mxa_emb', 'SELECT 1, ''[1,1]''::vector, ''[1,1]''::vector', 2, 'champion', 'champion')$$),
  ('evaluate', $$SELECT * FROM vectorext.evaluate('mxa_emb', 'SELECT 1, ''[1,1]''::vector', 'SELECT 1, 1, 1', 2)$$),
  ('collection_versions', $$SELECT * FROM vectorext.collection_versions WHERE collection = 'mxa_emb'$$),
  -- (the row check keeps what it read of the registry for the trigger: it ran earlier in this session)
  ('row check trigger', $$INSERT INTO mxa_emb (id, model_version, embedding) VALUES (1, 1, '[1,1]') ON CONFLICT DO NOTHING$$),
  ('promote gate', $$SELECT vectorext.promote('mxa_m', 2)$$)) AS x(f, q);
ROLLBACK;
-- The row check's trigger arguments name only the collection and version; the source comes from the registry by
-- OID. A trigger created by hand with SQL in its arguments is refused (39P01), not run.
CREATE TABLE mxa_own (id int, model_version int, embedding vector, source_digest text, embedded_at timestamptz);
CREATE TRIGGER t BEFORE INSERT ON mxa_own FOR EACH ROW
  EXECUTE FUNCTION vectorext._row_check('mxa_emb', '1; ALTER ROLE mxa_evil SUPERUSER');
SELECT pg_temp.err($$INSERT INTO mxa_own VALUES (1, 1, '[1,1]')$$) AS hand_made_trigger;
DROP TRIGGER t ON mxa_own;
CREATE TRIGGER t BEFORE INSERT ON mxa_own FOR EACH ROW
  EXECUTE FUNCTION vectorext._row_check('mxa_emb', '1', 'public.mxa_docs s; ALTER ROLE mxa_evil SUPERUSER; --', 'id');
SELECT pg_temp.err($$INSERT INTO mxa_own VALUES (1, 1, '[1,1]')$$) AS six_argument_trigger;
CREATE TRIGGER u AFTER INSERT ON mxa_own FOR EACH ROW EXECUTE FUNCTION vectorext._row_check('mxa_emb', '1');
DROP TRIGGER t ON mxa_own;
SELECT pg_temp.err($$INSERT INTO mxa_own VALUES (1, 1, '[1,1]')$$) AS after_trigger;
DROP TABLE mxa_own;
-- Names full of quotes through the whole lifecycle are just names.
CREATE TABLE "mxa_src'; DROP TABLE mxa_docs; --" ("key"")--" int PRIMARY KEY);
INSERT INTO "mxa_src'; DROP TABLE mxa_docs; --" VALUES (1), (2);
SELECT vectorext.register_model('mxa_m''); DROP TABLE mxa_docs; --', 2);
SELECT vectorext.create_collection('mxa_c"; DROP TABLE mxa_docs; --', '"mxa_src''; DROP TABLE mxa_docs; --"',
                                   'mxa_m''); DROP TABLE mxa_docs; --', key_column => 'key")--');
SELECT vectorext.add_version('mxa_c"; DROP TABLE mxa_docs; --', 1);
INSERT INTO "mxa_c""; DROP TABLE mxa_docs; --" ("key"")--", model_version, embedding) VALUES (1, 1, '[1,0]'), (2, 1, '[0,1]');
SELECT vectorext.build_index('mxa_c"; DROP TABLE mxa_docs; --', 1);
SELECT vectorext.promote('mxa_m''); DROP TABLE mxa_docs; --', 1, alias => 'x''); DROP TABLE mxa_docs; --');
SELECT * FROM vectorext.search('mxa_c"; DROP TABLE mxa_docs; --', '[1,0]', 1, alias => 'x''); DROP TABLE mxa_docs; --');
SELECT * FROM vectorext.coverage('mxa_c"; DROP TABLE mxa_docs; --', 1);
SELECT vectorext.seal('mxa_c"; DROP TABLE mxa_docs; --', 1);
SELECT vectorext.drop_collection('mxa_c"; DROP TABLE mxa_docs; --');
DROP TABLE "mxa_src'; DROP TABLE mxa_docs; --";
SELECT to_regclass('mxa_docs') IS NOT NULL AS mxa_docs_still_there, * FROM pg_temp.canary;

-- 2. search_path hijack -------------------------------------------------------------------------------------------
-- Before: no function pinned its search_path. The attacker, able to create objects in a schema on the caller's path
-- ahead of pg_catalog (public in databases created before PG 15), planted exact-match operators and functions; a
-- DBA running coverage ran them as superuser, an application calling route ran them as itself.
-- Each trap records who ran it and tries to make the attacker superuser.
SET ROLE mxa_evil;
CREATE FUNCTION mxa_evil.fire(trap text) RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO mxa_evil.fired VALUES (current_user, trap);
  BEGIN
    EXECUTE 'ALTER ROLE mxa_evil SUPERUSER';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
END
$$;
DO $$
DECLARE
  t record;
BEGIN
  -- Operators: (name, left, right, result, the pg_catalog expression computing the right answer).
  FOR t IN SELECT * FROM (VALUES
      ('=', 'text', 'text', 'boolean'), ('=', 'integer', 'integer', 'boolean'), ('=', 'bigint', 'bigint', 'boolean'),
      ('=', 'oid', 'oid', 'boolean'), ('=', 'name', 'name', 'boolean'), ('=', 'name', 'text', 'boolean'),
      ('=', 'oid', 'regclass', 'boolean'), ('=', 'regclass', 'oid', 'boolean'), ('<>', 'text', 'text', 'boolean'),
      ('<', 'integer', 'double precision', 'boolean'), ('<', 'bigint', 'integer', 'boolean'),
      ('>', 'bigint', 'integer', 'boolean'), ('>', 'double precision', 'integer', 'boolean'),
      ('>', 'integer', 'integer', 'boolean'), ('<=', 'bigint', 'integer', 'boolean'),
      ('/', 'numeric', 'bigint', 'numeric'), ('/', 'double precision', 'integer', 'double precision'),
      ('/', 'double precision', 'bigint', 'double precision'), ('*', 'double precision', 'integer', 'double precision'),
      ('+', 'bigint', 'integer', 'bigint'), ('+', 'integer', 'integer', 'integer'), ('-', 'bigint', 'bigint', 'bigint'),
      ('||', 'text', 'integer', 'text'), ('||', 'text', 'text', 'text'), ('~~', 'name', 'text', 'boolean'),
      ('->', 'jsonb', 'text', 'jsonb'), ('->>', 'jsonb', 'text', 'text')) AS x(op, l, r, res) LOOP
    EXECUTE format('CREATE FUNCTION mxa_evil.%I(a %s, b %s) RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog AS $f$
                    BEGIN PERFORM mxa_evil.fire(%L); RETURN a OPERATOR(pg_catalog.%s) b; END $f$',
                   'op_' || md5(t.op || t.l || t.r), t.l, t.r, t.res, t.op || '(' || t.l || ',' || t.r || ')', t.op);
    EXECUTE format('CREATE OPERATOR mxa_evil.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = mxa_evil.%I)',
                   t.op, t.l, t.r, 'op_' || md5(t.op || t.l || t.r));
  END LOOP;
  -- Functions: (name, arguments, result, the call computing the right answer).
  FOR t IN SELECT * FROM (VALUES
      ('format', 'a text, b text', 'text', 'format(a, b)'), ('format', 'a text, b text, c text', 'text', 'format(a, b, c)'),
      ('format', 'a text, b regclass', 'text', 'format(a, b)'), ('format', 'a text, b name', 'text', 'format(a, b)'),
      ('md5', 'a text', 'text', 'md5(a)'), ('log', 'a integer, b bigint', 'numeric', 'log(a, b)'),
      ('log', 'a integer, b double precision', 'double precision', 'log(a, b)'),
      ('round', 'a numeric, b integer', 'numeric', 'round(a, b)'), ('lower', 'a text', 'text', 'lower(a)'),
      ('btrim', 'a text, b text', 'text', 'btrim(a, b)'), ('quote_ident', 'a text', 'text', 'quote_ident(a)'),
      ('to_regclass', 'a text', 'regclass', 'to_regclass(a)'), ('has_table_privilege', 'a regclass, b text', 'boolean', 'has_table_privilege(a, b)'),
      ('has_table_privilege', 'a oid, b regclass, c text', 'boolean', 'has_table_privilege(a, b, c)'),
      ('pg_get_userbyid', 'a oid', 'name', 'pg_get_userbyid(a)'), ('pg_has_role', 'a oid, b oid, c text', 'boolean', 'pg_has_role(a, b, c)'),
      ('set_config', 'a text, b text, c boolean', 'text', 'set_config(a, b, c)'), ('current_setting', 'a text', 'text', 'current_setting(a)'),
      ('string_to_array', 'a text, b text', 'text[]', 'string_to_array(a, b)'), ('regexp_match', 'a text, b text', 'text[]', 'regexp_match(a, b)'),
      ('array_to_string', 'a text[], b text', 'text', 'array_to_string(a, b)'), ('cardinality', 'a text[]', 'integer', 'cardinality(a)'),
      ('pg_relation_size', 'a oid', 'bigint', 'pg_relation_size(a)'), ('pg_size_pretty', 'a bigint', 'text', 'pg_size_pretty(a)'),
      ('format_type', 'a oid, b integer', 'text', 'format_type(a, b)'), ('strpos', 'a text, b text', 'integer', 'strpos(a, b)'),
      ('now', '', 'timestamptz', 'now()'), ('left', 'a text, b integer', 'text', '"left"(a, b)'),
      ('jsonb_each_text', 'a jsonb', 'SETOF record', NULL), ('unnest', 'a text[]', 'SETOF text', 'unnest(a)'),
      ('pg_get_expr', 'a pg_node_tree, b oid', 'text', 'pg_get_expr(a, b)')) AS x(f, args, res, body) LOOP
    CONTINUE WHEN t.body IS NULL;
    IF t.res LIKE 'SETOF %' THEN
      EXECUTE format('CREATE FUNCTION mxa_evil.%I(%s) RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog AS $f$
                      BEGIN PERFORM mxa_evil.fire(%L); RETURN QUERY SELECT %s; END $f$', t.f, t.args, t.res, t.f || '(' || t.args || ')', t.body);
    ELSE
      EXECUTE format('CREATE FUNCTION mxa_evil.%I(%s) RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog AS $f$
                      BEGIN PERFORM mxa_evil.fire(%L); RETURN %s; END $f$', t.f, t.args, t.res, t.f || '(' || t.args || ')', t.body);
    END IF;
  END LOOP;
END
$$;
RESET ROLE;
SELECT count(*) AS traps FROM pg_proc WHERE pronamespace = 'mxa_evil'::regnamespace;
-- The traps work: a query of the caller's own, with the hostile path, runs them (as mxa_app, which cannot grant
-- superuser).
SET ROLE mxa_app;
SET search_path = mxa_evil, pg_catalog, public;
SELECT 'a'::text = 'a'::text AS caller_own_query;
RESET search_path;
RESET ROLE;
SELECT who, trap FROM mxa_evil.fired;
SET ROLE mxa_evil;
DELETE FROM mxa_evil.fired;
RESET ROLE;

-- Every MLOps function, with the hostile path ahead of pg_catalog, as a superuser (the full lifecycle) ...
SET search_path = mxa_evil, pg_catalog, public;
SELECT vectorext.register_model('mxa_h', 2, artifact => '\x0102030405') AS v1;
SELECT vectorext.register_model('mxa_h', 2) AS v2;
SELECT vectorext.create_collection('mxa_h_emb', 'public.mxa_docs', 'mxa_h');
SELECT vectorext.add_version('mxa_h_emb', 1);
SELECT vectorext.add_version('mxa_h_emb', 2);
INSERT INTO public.mxa_h_emb (id, model_version, embedding)
  VALUES (1, 1, '[1,0]'), (2, 1, '[0,1]'), (3, 1, '[1,1]'), (4, 1, '[2,1]'), (5, 1, '[1,2]'), (6, 1, '[2,2]'), (1, 2, '[1,0]');
SELECT vectorext.build_index('mxa_h_emb', 1, options => 'm = 8, ef_construction = 16');
SELECT vectorext.build_index('mxa_h_emb', 2, 'ivfflat', 'lists = 1');
SELECT * FROM vectorext.coverage('mxa_h_emb', 1);
SELECT * FROM vectorext.pending('mxa_h_emb', 2);
SELECT vectorext.promote('mxa_h', 1);
SELECT vectorext.promote('mxa_h', 2, force => true);
SELECT vectorext.rollback('mxa_h');
SELECT vectorext.set_alias('mxa_h', 'challenger', 2);
SELECT vectorext.version_of('mxa_h'), vectorext.version_of('mxa_h', 'challenger');
SELECT * FROM vectorext.search('mxa_h_emb', '[1,0]', 2);
SELECT * FROM vectorext.compare('mxa_h_emb', $$VALUES (1, '[1,0]'::public.vector, '[1,0]'::public.vector)$$, 1);
SELECT vectorext.recall('mxa_h_emb', 1, 2, 2);
SELECT * FROM vectorext.evaluate('mxa_h_emb', $$VALUES (1, '[1,0]'::public.vector)$$, $$VALUES (1, 1, 1)$$, 2);
SELECT vectorext.create_experiment('mxa_h_exp', 'mxa_h', 0.5);
SELECT vectorext.route('mxa_h_exp', 'user-1');
SELECT vectorext.rbo(ARRAY['a', 'b'], ARRAY['b', 'a']), vectorext.route_bucket('e', 'u');
SELECT length(vectorext.pca_fit(ARRAY['[1,0]', '[0,1]', '[1,1]']::public.vector[], 1));
SELECT vectorext.linear_embed(vectorext.pca_fit(ARRAY['[1,0]', '[0,1]', '[1,1]']::public.vector[], 1), ARRAY[1, 1]::real[]) IS NOT NULL AS embedded;
SELECT vectorext.model_artifact('mxa_h', 1);
SELECT vectorext.grant_model('mxa_h', 'mxa_app', 'artifact'), vectorext.revoke_model('mxa_h', 'mxa_app', 'artifact');
SELECT vectorext.grant_model('mxa_h', 'mxa_admin', 'alias');
SELECT vectorext.has_model_privilege('mxa_h', 'alias');
SELECT vectorext.set_model_owner('mxa_h', 'mxa_admin');
SELECT vectorext.seal('mxa_h_emb', 1);
SELECT collection, version, state, rows, coverage FROM vectorext.collection_versions;
SELECT collection, live_versions FROM vectorext.collections;
SELECT name, version, aliases, owner FROM vectorext.models;
SELECT model, alias, version FROM vectorext.aliases;
SELECT model, action, from_version, to_version, rolled_back FROM vectorext.alias_history;
SELECT model, owner, grantee, privilege FROM vectorext.model_grants;
SELECT vectorext.register_model('mxa_h', 2) AS v3;
SELECT vectorext.add_version('mxa_h_emb', 3);
SELECT vectorext.retire_version('mxa_h_emb', 3);
SELECT vectorext.create_collection('mxa_h_tmp', 'public.mxa_docs', 'mxa_h');
SELECT vectorext.drop_collection('mxa_h_tmp');
SELECT vectorext.grant_admin('mxa_writer'), vectorext.revoke_admin('mxa_writer');
RESET search_path;
SELECT * FROM pg_temp.canary;
-- ... as the extension admin (it owns mxa_h now and has 'alias' granted) ...
SET ROLE mxa_admin;
SET search_path = mxa_evil, pg_catalog, public;
SELECT vectorext.register_model('mxa_admins', 2) AS admins_own_model;
SELECT vectorext.register_model('mxa_h', 2) AS v4;
SELECT vectorext.set_alias('mxa_h', 'canary', 1);
SELECT vectorext.promote('mxa_h', 1, alias => 'canary2');
SELECT vectorext.set_alias('mxa_h', 'canary2', 2);
SELECT vectorext.rollback('mxa_h', 'canary2');
SELECT vectorext.create_experiment('mxa_h_exp', 'mxa_h', 0.25);
SELECT vectorext.grant_model('mxa_h', 'mxa_app', 'alias');
SELECT vectorext.model_artifact('mxa_h', 1);
SELECT vectorext.version_of('mxa_h', 'canary');
RESET search_path;
RESET ROLE;
SELECT * FROM pg_temp.canary;
-- ... and as the application role (SELECT on the collection and source) and the writer.
GRANT SELECT ON mxa_h_emb TO mxa_app;
GRANT SELECT, INSERT, UPDATE ON mxa_h_emb TO mxa_writer;
SET ROLE mxa_app;
SET search_path = mxa_evil, pg_catalog, public;
SELECT vectorext.version_of('mxa_h');
SELECT vectorext.route('mxa_h_exp', 'user-2');
SELECT * FROM vectorext.search('mxa_h_emb', '[1,0]', 2);
SELECT * FROM vectorext.compare('mxa_h_emb', $$VALUES (1, '[1,0]'::public.vector, '[1,0]'::public.vector)$$, 1);
SELECT * FROM vectorext.evaluate('mxa_h_emb', $$VALUES (1, '[1,0]'::public.vector)$$, $$VALUES (1, 1, 1)$$, 2);
SELECT vectorext.recall('mxa_h_emb', 1, 2, 2);
SELECT * FROM vectorext.coverage('mxa_h_emb', 1);
SELECT * FROM vectorext.pending('mxa_h_emb', 2);
SELECT collection, version, state, rows, coverage FROM vectorext.collection_versions;
SELECT vectorext.set_alias('mxa_h', 'app_canary', 2);
SELECT vectorext.has_model_privilege('mxa_h', 'register');
RESET search_path;
SET ROLE mxa_writer;
SET search_path = mxa_evil, pg_catalog, public;
-- (No operator in these statements of the writer's own: its path would run the traps itself.)
INSERT INTO public.mxa_h_emb (id, model_version, embedding) VALUES (1, 2, '[3,3]'), (2, 2, '[0,1]')
  ON CONFLICT (id, model_version) DO UPDATE SET embedding = excluded.embedding;
RESET search_path;
RESET ROLE;
SELECT * FROM pg_temp.canary;
SELECT who, trap FROM mxa_evil.fired;

-- 3. Shadow source table --------------------------------------------------------------------------------------------
-- Before: the source was stored as text ('mxa_docs') and looked up through the session's search_path: a table of
-- that name earlier on the path let key 9999 in and reported coverage 1/1 instead of 6/6; a writer without the
-- source's schema on its path could not insert at all.
CREATE SCHEMA mxa_shadow AUTHORIZATION mxa_evil;
GRANT USAGE ON SCHEMA mxa_shadow TO PUBLIC;
SET ROLE mxa_evil;
CREATE TABLE mxa_shadow.mxa_docs (id int PRIMARY KEY, body text);
INSERT INTO mxa_shadow.mxa_docs VALUES (9999, 'shadow');
GRANT SELECT ON mxa_shadow.mxa_docs TO PUBLIC;
RESET ROLE;
SELECT vectorext.create_collection('mxa_s', 'mxa_docs', 'mxa_m');
SELECT vectorext.add_version('mxa_s', 1);
GRANT SELECT, INSERT ON mxa_s TO mxa_writer;
SET ROLE mxa_writer;
SET search_path = mxa_shadow, public;
-- (not through pg_temp.err, whose own search_path would hide the shadow table)
INSERT INTO public.mxa_s (id, model_version, embedding) VALUES (9999, 1, '[9,9]');
RESET ROLE;
SELECT source_rows, embedded, coverage FROM vectorext.coverage('mxa_s', 1);
-- A writer whose path does not contain the source's schema at all can write.
SET ROLE mxa_writer;
SET search_path = pg_catalog;
INSERT INTO public.mxa_s (id, model_version, embedding) VALUES (3, 1, '[1,1]');
RESET search_path;
RESET ROLE;
SELECT source_rows, embedded, coverage FROM vectorext.coverage('mxa_s', 1);
SELECT vectorext.drop_collection('mxa_s');

-- 4. Alias control and the alias history ---------------------------------------------------------------------------
-- Before: any admin could move any model's aliases (set_alias, or a direct UPDATE skipping the gate) and rewrite
-- alias_event.changed_by. Now: only the model's owner or a role granted 'alias' on it; the history is append-only.
SET ROLE mxa_admin;
SELECT pg_temp.err($$SELECT vectorext.set_alias('mxa_m', 'champion', 2)$$) AS other_owners_alias;
SELECT pg_temp.err($$SELECT vectorext.promote('mxa_m', 2, force => true)$$) AS other_owners_promote;
SELECT pg_temp.err($$SELECT vectorext.rollback('mxa_m')$$) AS other_owners_rollback;
SELECT pg_temp.err($$SELECT vectorext.create_experiment('mxa_h_exp', 'mxa_m', 0.5)$$) AS move_experiment_to_other_model;
SELECT pg_temp.err($$UPDATE vectorext.alias SET version = 2 WHERE model = 'mxa_m'$$) AS direct_update;
SELECT pg_temp.err($$UPDATE vectorext.alias_event SET changed_by = 'someone_else'$$) AS rewrite_history;
RESET ROLE;
SELECT pg_temp.err($$UPDATE vectorext.alias_event SET changed_by = 'someone_else', changed_at = now() - interval '1 year'$$) AS superuser_rewrite;
SELECT pg_temp.err($$DELETE FROM vectorext.alias_event WHERE model = 'mxa_h'$$) AS superuser_delete;
SELECT model, alias, action, from_version, to_version, undoes IS NOT NULL AS undoes_one, rolled_back,
       CASE WHEN changed_by = current_user THEN 'the superuser' ELSE changed_by END AS changed_by
FROM vectorext.alias_history WHERE model LIKE 'mxa%' ORDER BY id;
SELECT vectorext.version_of('mxa_m') AS mxa_m_champion_unmoved;

-- vector_index_order_value: before, a role that could read only a view over a table learnt exact distances and
-- heap TIDs of the table's rows by calling it in a query over the view. Now it answers only roles that may read the
-- indexed column themselves; through the view the values are recomputed and identical.
-- (the query point [3,0.9] has one nearest row, 3: at [3,1] rows 3 and 4 tied and the index decided which came first)
CREATE TABLE mxa_secret (id int, embedding vector(2), secret text);
INSERT INTO mxa_secret SELECT i, ARRAY[i, i % 3]::real[]::vector, 'secret ' || i FROM generate_series(1, 50) i;
CREATE INDEX ON mxa_secret USING hnsw (embedding vector_l2_ops);
CREATE VIEW mxa_nearest AS SELECT id, embedding <-> '[3,0.9]' AS d FROM mxa_secret ORDER BY embedding <-> '[3,0.9]' LIMIT 3;
GRANT SELECT ON mxa_nearest TO mxa_app;
SET enable_seqscan = off;
SELECT id, round(d::numeric, 4) AS d FROM mxa_nearest;
SELECT (SELECT ctid FROM mxa_secret WHERE id = 3) AS row3_tid \gset
SET ROLE mxa_app;
SELECT pg_temp.err('SELECT * FROM mxa_secret') AS reads_table;
SELECT v.id, round(v.d::numeric, 4) AS d,
       vector_index_order_value(:'row3_tid', 'mxa_secret_embedding_idx'::regclass,
                                'l2_distance(vector,vector)'::regprocedure, '[3,0.9]') AS disclosed
FROM mxa_nearest v;
RESET ROLE;
SELECT v.id, vector_index_order_value(:'row3_tid', 'mxa_secret_embedding_idx'::regclass,
                                      'l2_distance(vector,vector)'::regprocedure, '[3,0.9]') IS NOT NULL AS owner_may_read
FROM mxa_nearest v WHERE v.id = 3;
-- A role that reads the table itself gets the values; one whose rows row-level security filters does not.
GRANT SELECT ON mxa_secret TO mxa_app;
SET ROLE mxa_app;
SELECT s.id, vector_index_order_value(s.ctid, 'mxa_secret_embedding_idx'::regclass, 'l2_distance(vector,vector)'::regprocedure,
                                      '[3,0.9]') IS NOT NULL AS own_scan_answered
FROM (SELECT ctid, id FROM mxa_secret ORDER BY embedding <-> '[3,0.9]' LIMIT 1) s;
RESET ROLE;
ALTER TABLE mxa_secret ENABLE ROW LEVEL SECURITY;
CREATE POLICY odd ON mxa_secret FOR SELECT USING (id % 2 = 1);
SET ROLE mxa_app;
SELECT s.id, vector_index_order_value(s.ctid, 'mxa_secret_embedding_idx'::regclass, 'l2_distance(vector,vector)'::regprocedure,
                                      '[3,0.9]') IS NOT NULL AS rls_scan_answered
FROM (SELECT ctid, id FROM mxa_secret ORDER BY embedding <-> '[3,0.9]' LIMIT 1) s;
RESET ROLE;
RESET enable_seqscan;
DROP VIEW mxa_nearest;
DROP TABLE mxa_secret;

-- 5. Reads for a role with SELECT on its collection; XX000 from input ---------------------------------------------
-- Before: collection_versions, recall, pending and coverage read partitions directly: 42501 for mxa_app.
SET ROLE mxa_app;
SELECT collection, version, rows, coverage FROM vectorext.collection_versions WHERE collection = 'mxa_emb' ORDER BY version;
SELECT vectorext.recall('mxa_emb', 1, 3, 2) AS recall, (SELECT count(*) FROM vectorext.pending('mxa_emb', 1)) AS pending,
       (SELECT coverage FROM vectorext.coverage('mxa_emb', 1)) AS coverage;
RESET ROLE;
-- A role without SELECT on the collection sees the registry, with NULL counts, and is refused the data (42501).
SET ROLE mxa_evil;
SELECT collection, version, rows, coverage FROM vectorext.collection_versions WHERE collection = 'mxa_emb' ORDER BY version;
SELECT pg_temp.err($$SELECT * FROM vectorext.search('mxa_emb', '[1,1]', 2)$$) AS search_without_select;
SELECT pg_temp.err($$SELECT vectorext.model_artifact('mxa_h', 1)$$) AS artifact_without_grant;
RESET ROLE;
-- Before: pca_fit on 16000-dimensional input allocated 1.08 GB, then raised XX000. Now refused up front (54000)
-- unless maintenance_work_mem allows it, and rbo refuses rankings it would spend minutes on.
SELECT pg_temp.err($$SELECT vectorext.pca_fit(ARRAY[array_fill(1, ARRAY[16000])::vector, array_fill(2, ARRAY[16000])::vector], 16000)$$) AS wide_pca;
SELECT pg_temp.err($$SELECT vectorext.rbo(ARRAY(SELECT i::text FROM generate_series(1, 10001) i), ARRAY['1'])$$) AS long_rbo;
SELECT pg_temp.err($$SELECT * FROM vectorext.compare('mxa_emb', 'SELECT 1, ''[1,1]''::vector, ''[1,1]''::vector', 10001, 'champion', 'champion')$$) AS huge_k;

-- Clean up.
SELECT * FROM pg_temp.canary;
SELECT vectorext.drop_collection('mxa_h_emb'), vectorext.drop_collection('mxa_emb');
DROP TABLE mxa_docs;
DELETE FROM vectorext.experiment WHERE name LIKE 'mxa%';
SET session_replication_role = replica;
DELETE FROM vectorext.alias_event WHERE model LIKE 'mxa%';
RESET session_replication_role;
DELETE FROM vectorext.model_head WHERE name LIKE 'mxa%';
SELECT vectorext.revoke_admin('mxa_admin');
DROP SCHEMA mxa_evil, mxa_shadow CASCADE;
DROP ROLE mxa_evil, mxa_admin, mxa_app, mxa_writer;
