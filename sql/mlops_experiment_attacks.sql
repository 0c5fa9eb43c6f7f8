-- Attacks on the experiment layer (docs/experiments.md#privileges, docs/security.md "Threat model"), in the style of
-- mlops_attacks.sql. An experiment's evidence moves an alias (conclude, promote's thresholds), so forging it is an
-- attack on what users are served:
--  1. forged evidence: writing exposures, outcomes, decisions, runs or evidence around the functions, calling the
--     owner-side functions directly, logging or deciding for a model one holds nothing on, hijacking an experiment;
--  2. stored text: experiment, metric, unit and alias names, the SELECT texts of evaluation runs and threshold keys
--     full of SQL are data, never executed (a SELECT text runs once, as the role that recorded the run);
--  3. a hostile operator in public, ahead of pg_catalog, while every experiment function runs as a superuser, the
--     model's owner, a deployer ('alias') and an application role ('log').
-- The canary: role mxe_evil (the attacker, an extension admin with a model of its own) never becomes superuser, and
-- nothing of its runs.
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
CREATE FUNCTION pg_temp.err_as(r name, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text;
BEGIN
  EXECUTE format('SET LOCAL ROLE %I', r);
  EXECUTE q;
  RAISE EXCEPTION USING ERRCODE = 'VXOK0';  -- undo what it did
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  RETURN CASE WHEN st = 'VXOK0' THEN 'no error' ELSE st || ': ' || msg END;
END
$$;

CREATE ROLE mxe_evil;        -- the attacker: an extension admin owning model mxe_evil_m, nothing on mxe_m
CREATE ROLE mxe_owner;       -- owns model mxe_m
CREATE ROLE mxe_deployer;    -- 'alias' on mxe_m, SELECT on its collection
CREATE ROLE mxe_app;         -- 'log' on mxe_m (grant_logger), SELECT on its collection
SELECT vectorext.grant_admin('mxe_evil');
CREATE TABLE mxe_docs (id int PRIMARY KEY);
INSERT INTO mxe_docs SELECT generate_series(1, 6);
SELECT vectorext.register_model('mxe_m', 2) AS v1, vectorext.register_model('mxe_m', 2) AS v2;
SELECT vectorext.create_collection('mxe_emb', 'mxe_docs', 'mxe_m');
SELECT vectorext.add_version('mxe_emb', 1), vectorext.add_version('mxe_emb', 2);
INSERT INTO mxe_emb (id, model_version, embedding)
  SELECT i, v, ARRAY[i * v, 1]::real[]::vector FROM generate_series(1, 6) i, generate_series(1, 2) v;
SELECT vectorext.build_index('mxe_emb', 1), vectorext.build_index('mxe_emb', 2);
SELECT vectorext.promote('mxe_m', 1), vectorext.set_alias('mxe_m', 'challenger', 2);
SELECT vectorext.set_model_owner('mxe_m', 'mxe_owner');
SET ROLE mxe_owner;
SELECT vectorext.grant_model('mxe_m', 'mxe_deployer', 'alias'), vectorext.grant_logger('mxe_m', 'mxe_app');
SELECT vectorext.create_experiment('mxe_x', 'mxe_m', 0.5);
SELECT vectorext.define_metric('mxe_x', 'click', min_units => 2);
RESET ROLE;
GRANT SELECT ON mxe_emb TO mxe_deployer, mxe_app;
CREATE SCHEMA mxe_evil AUTHORIZATION mxe_evil;
GRANT USAGE ON SCHEMA mxe_evil TO PUBLIC;
SET ROLE mxe_evil;
CREATE TABLE mxe_evil.fired (who name, trap text);
GRANT INSERT ON mxe_evil.fired TO PUBLIC;
-- Each trap records who ran it and tries to make the attacker superuser.
CREATE FUNCTION mxe_evil.fire(trap text) RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO mxe_evil.fired VALUES (current_user, trap);
  BEGIN
    EXECUTE 'ALTER ROLE mxe_evil SUPERUSER';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
END
$$;
CREATE FUNCTION mxe_evil.fire_row(trap text) RETURNS int LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM mxe_evil.fire(trap); RETURN 1; END $$;
SELECT vectorext.register_model('mxe_evil_m', 2) AS evil_model;
SELECT vectorext.set_alias('mxe_evil_m', 'champion', 1), vectorext.set_alias('mxe_evil_m', 'challenger', 1);
SELECT vectorext.create_experiment('mxe_evil_x', 'mxe_evil_m', 0.5);
RESET ROLE;
CREATE VIEW pg_temp.canary AS
  SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = 'mxe_evil') AS evil_is_superuser,
         (SELECT count(*) FROM mxe_evil.fired) AS traps_fired;
-- Some traffic: 40 units, the challenger's get clicked.
SET ROLE mxe_app;
SELECT count(vectorext.expose('mxe_x', 'u' || i)) AS exposed FROM generate_series(1, 40) i;
SELECT count(*) FILTER (WHERE vectorext.log_outcome('mxe_x', 'u' || i, 'click')) AS clicks
FROM generate_series(1, 40) i WHERE vectorext.route('mxe_x', 'u' || i) = 'challenger' OR i % 4 = 0;
RESET ROLE;

-- 1. Forged evidence -----------------------------------------------------------------------------------------------
-- Before (issue 16 before the security model): grant_logger gave INSERT on exposures and outcomes and grant_admin
-- write access to decisions and evidence, so an application role could insert exposures with any arm and version,
-- and an admin could link made-up evidence to any alias change. Now no role but the extension owner writes them.
SELECT r AS role, t AS experiment_table,
       pg_temp.err_as(r, format('INSERT INTO vectorext.%I DEFAULT VALUES', t)) AS insert_,
       pg_temp.err_as(r, format('UPDATE vectorext.%I SET %I = %I', t, c, c)) AS update_,
       pg_temp.err_as(r, format('DELETE FROM vectorext.%I', t)) AS delete_
FROM (VALUES ('experiment_metric', 'min_units'), ('experiment_exposure', 'arm'), ('experiment_outcome', 'value'),
             ('experiment_decision', 'promoted'), ('evaluation_run', 'metrics'), ('alias_evidence', 'p_value'),
             ('shadow_log', 'overlap')) AS x(t, c),
     (VALUES ('mxe_app'), ('mxe_deployer'), ('mxe_evil')) AS y(r)
ORDER BY 1, 2;
-- Exposures and outcomes name users: the logger reads them only aggregated (experiment_results).
SET ROLE mxe_app;
SELECT pg_temp.err($$SELECT unit FROM vectorext.experiment_exposure$$) AS read_units;
SELECT metric, arm, units FROM vectorext.experiment_results('mxe_x') ORDER BY arm DESC;
-- The owner-side functions and promote's body cannot be called with a caller of one's choosing.
SELECT pg_temp.err($$SELECT vectorext._owner_conclude('mxe_owner'::regrole, 'mxe_x', 'click', 0, 0.05)$$) AS owner_conclude;
SELECT pg_temp.err($$SELECT vectorext._owner_log_outcome('mxe_owner'::regrole, 'mxe_x', 'u1', 'click', 1e9)$$) AS owner_log;
SELECT pg_temp.err($$SELECT vectorext._promote('mxe_owner'::regrole, 'mxe_m', 2, 'champion', true, NULL, NULL, NULL)$$) AS promote_body;
SELECT pg_temp.err($$SELECT vectorext._link_evaluations(1, '[]')$$) AS link_evidence;
SELECT pg_temp.err($$SELECT * FROM vectorext._compare_arms('mxe_x', ('mxe_x', 'click', 'rate', true, 2)::vectorext.experiment_metric, 0.05)$$) AS read_arms;
-- A logger logs; it does not decide, define success, delete evidence or store runs.
SELECT pg_temp.err($$SELECT * FROM vectorext.conclude('mxe_x', 'click')$$) AS logger_concludes;
SELECT pg_temp.err($$SELECT vectorext.define_metric('mxe_x', 'click', 'rate', min_units => 2)$$) AS logger_redefines;
SELECT pg_temp.err($$SELECT * FROM vectorext.prune_experiment('mxe_x')$$) AS logger_prunes;
SELECT pg_temp.err($$SELECT vectorext._record_evaluation_run('evaluate', 'mxe_emb', 2, NULL, 'golden', 10, 100, '{"ndcg_at_k": 1}', NULL, NULL)$$) AS logger_forges_run;
RESET ROLE;
-- The attacker, admin and owner of a model of its own, holds nothing on mxe_m: it may not log for its experiment,
-- decide it, take it over (re-creating it on its own model) or grant itself.
SET ROLE mxe_evil;
SELECT pg_temp.err($$SELECT vectorext.expose('mxe_x', 'u-evil')$$) AS expose_other;
SELECT pg_temp.err($$SELECT vectorext.log_outcome('mxe_x', 'u1', 'click', 1000)$$) AS log_other;
SELECT pg_temp.err($$SELECT * FROM vectorext.experiment_results('mxe_x')$$) AS results_other;
SELECT pg_temp.err($$SELECT * FROM vectorext.conclude('mxe_x', 'click')$$) AS conclude_other;
SELECT pg_temp.err($$SELECT vectorext.create_experiment('mxe_x', 'mxe_evil_m', 0.5)$$) AS take_over;
SELECT pg_temp.err($$SELECT vectorext.grant_logger('mxe_m', 'mxe_evil')$$) AS grant_self;
SELECT pg_temp.err($$SELECT vectorext._record_evaluation_run('evaluate', 'mxe_emb', 2, NULL, 'golden', 10, 100, '{"ndcg_at_k": 1}', NULL, NULL)$$) AS forge_run;
SELECT pg_temp.err($$SELECT * FROM vectorext.shadow_search('mxe_emb', '[1,1]', '[1,1]', 2)$$) AS shadow_other;
SELECT pg_temp.err($$SELECT * FROM vectorext.shadow_results('mxe_emb')$$) AS shadow_results_other;
SELECT pg_temp.err($$SELECT vectorext.prune_shadow_log('mxe_emb')$$) AS prune_shadow_other;
-- Its own experiment works, and concerns only its own model.
SELECT vectorext.define_metric('mxe_evil_x', 'click'), vectorext.expose('mxe_evil_x', 'u1') AS own_arm;
RESET ROLE;
SELECT name AS experiment, model FROM vectorext.experiment WHERE name LIKE 'mxe%' ORDER BY 1;
SELECT vectorext.version_of('mxe_m') AS mxe_m_champion_unmoved, * FROM pg_temp.canary;

-- 2. Stored text ---------------------------------------------------------------------------------------------------
-- Names full of SQL through the whole experiment lifecycle are just names.
SET ROLE mxe_owner;
SELECT vectorext.create_experiment('mxe_x''); ALTER ROLE mxe_evil SUPERUSER; --', 'mxe_m', 0.5);
SELECT vectorext.define_metric('mxe_x''); ALTER ROLE mxe_evil SUPERUSER; --', 'c"; DROP TABLE mxe_docs; --', 'total', min_units => 100);
RESET ROLE;
SET ROLE mxe_app;
SELECT count(vectorext.expose('mxe_x''); ALTER ROLE mxe_evil SUPERUSER; --', 'u''); DROP TABLE mxe_docs; --' || i)) AS exposed
FROM generate_series(1, 6) i;
SELECT count(vectorext.log_outcome('mxe_x''); ALTER ROLE mxe_evil SUPERUSER; --', 'u''); DROP TABLE mxe_docs; --' || i,
                                   'c"; DROP TABLE mxe_docs; --', i)) AS logged
FROM generate_series(1, 6) i;
SELECT metric, arm, units FROM vectorext.experiment_results('mxe_x''); ALTER ROLE mxe_evil SUPERUSER; --') ORDER BY arm DESC;
RESET ROLE;
SET ROLE mxe_deployer;
SELECT promoted, reason FROM vectorext.conclude('mxe_x''); ALTER ROLE mxe_evil SUPERUSER; --', 'c"; DROP TABLE mxe_docs; --');
RESET ROLE;
SET ROLE mxe_owner;
SELECT * FROM vectorext.prune_experiment('mxe_x''); ALTER ROLE mxe_evil SUPERUSER; --');
RESET ROLE;
-- The SELECT texts of an evaluation run are the recording role's code: they run once, with its rights, when it
-- records the run ...
SET ROLE mxe_deployer;
SELECT vectorext.record_evaluate('mxe_emb', $$SELECT 'q1', '[1,1]'::public.vector FROM mxe_evil.fire_row('queries_sql') f$$,
                                 $$SELECT 'q1', 1, 1 FROM mxe_evil.fire_row('judgments_sql') f$$, 'golden', k => 2,
                                 alias => 'challenger') > 0 AS recorded;
SELECT vectorext.record_evaluate('mxe_emb', $$SELECT 'q1', '[1,1]'::public.vector$$, $$SELECT 'q1', 1, 1$$, 'golden',
                                 k => 2) > 0 AS baseline_recorded;
RESET ROLE;
SELECT who, trap FROM mxe_evil.fired ORDER BY trap;
SET ROLE mxe_evil;
DELETE FROM mxe_evil.fired;
RESET ROLE;
-- ... and never again: not by promote's thresholds gate, why_serving or the views, also after a superuser puts SQL
-- where provenance text goes; threshold keys are only looked up.
UPDATE vectorext.evaluation_run SET queries_sql = 'SELECT mxe_evil.fire(''stored''); ALTER ROLE mxe_evil SUPERUSER'
WHERE model = 'mxe_m';
SELECT pg_temp.err($$SELECT vectorext.promote('mxe_m', 2, thresholds => '{"ndcg_at_k''); SELECT mxe_evil.fire(''key''); --": {"threshold": 0}}', query_set => 'golden')$$) AS key_is_data;
SELECT vectorext.promote('mxe_m', 2, thresholds => '{"ndcg_at_k": {"min_absolute_change": -1}}', query_set => 'golden') AS promoted;
SELECT action, to_version, evidence, metric, query_set FROM vectorext.why_serving('mxe_m');
SELECT count(*) AS runs, count(*) FILTER (WHERE queries_sql LIKE '%fire%') AS stored_sql FROM vectorext.evaluation_run WHERE model = 'mxe_m';
SELECT vectorext.rollback('mxe_m');
SELECT * FROM pg_temp.canary;

-- 3. A hostile operator in public ----------------------------------------------------------------------------------
-- Before: the experiment functions of issue 16 were pinned, but grant_logger and grant_admin ran EXECUTE with the
-- caller's rights and record_evaluate / record_compare ran unpinned. Now every function resolves only pg_catalog and
-- our schema. The attacker may create in public (as every role could before PostgreSQL 15) and plants exact-match
-- operators, functions and aggregates there that a caller's path `public, pg_catalog` would prefer.
GRANT CREATE ON SCHEMA public TO mxe_evil;
SET ROLE mxe_evil;
DO $$
DECLARE
  t record;
BEGIN
  -- Operators: (name, left (NULL: prefix), right, result).
  FOR t IN SELECT * FROM (VALUES
      ('=', 'text', 'text', 'boolean'), ('=', 'integer', 'integer', 'boolean'), ('=', 'bigint', 'bigint', 'boolean'),
      ('=', 'name', 'name', 'boolean'), ('=', 'oid', 'oid', 'boolean'), ('<>', 'text', 'text', 'boolean'),
      ('=', 'double precision', 'double precision', 'boolean'), ('<>', 'double precision', 'double precision', 'boolean'),
      ('<', 'double precision', 'double precision', 'boolean'), ('<=', 'double precision', 'double precision', 'boolean'),
      ('>', 'double precision', 'double precision', 'boolean'), ('>=', 'double precision', 'double precision', 'boolean'),
      ('<', 'integer', 'double precision', 'boolean'), ('<', 'bigint', 'integer', 'boolean'), ('>=', 'bigint', 'integer', 'boolean'),
      ('>', 'bigint', 'integer', 'boolean'), ('<', 'interval', 'interval', 'boolean'), ('>=', 'integer', 'integer', 'boolean'),
      ('-', 'double precision', 'double precision', 'double precision'), ('+', 'double precision', 'double precision', 'double precision'),
      ('*', 'double precision', 'double precision', 'double precision'), ('/', 'double precision', 'double precision', 'double precision'),
      ('*', 'double precision', 'integer', 'double precision'), ('/', 'double precision', 'integer', 'double precision'),
      ('/', 'double precision', 'bigint', 'double precision'), ('-', 'bigint', 'bigint', 'bigint'), ('+', 'integer', 'integer', 'integer'),
      ('-', NULL, 'double precision', 'double precision'), ('-', 'timestamp with time zone', 'interval', 'timestamp with time zone'),
      ('-', 'timestamp with time zone', 'timestamp with time zone', 'interval'),
      ('<', 'timestamp with time zone', 'timestamp with time zone', 'boolean'),
      ('>=', 'timestamp with time zone', 'timestamp with time zone', 'boolean'),
      ('||', 'text', 'text', 'text'), ('||', 'text[]', 'text', 'text[]'), ('||', 'jsonb', 'jsonb', 'jsonb'),
      ('?', 'jsonb', 'text', 'boolean'), ('->', 'jsonb', 'text', 'jsonb'), ('->>', 'jsonb', 'text', 'text')) AS x(op, l, r, res) LOOP
    IF t.l IS NULL THEN
      EXECUTE format('CREATE FUNCTION public.%I(b %s) RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog AS $f$
                      BEGIN PERFORM mxe_evil.fire(%L); RETURN OPERATOR(pg_catalog.%s) b; END $f$',
                     'mxe_op_' || md5(t.op || t.r), t.r, t.res, t.op || '(' || t.r || ')', t.op);
      EXECUTE format('CREATE OPERATOR public.%s (RIGHTARG = %s, FUNCTION = public.%I)', t.op, t.r, 'mxe_op_' || md5(t.op || t.r));
    ELSE
      EXECUTE format('CREATE FUNCTION public.%I(a %s, b %s) RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog AS $f$
                      BEGIN PERFORM mxe_evil.fire(%L); RETURN a OPERATOR(pg_catalog.%s) b; END $f$',
                     'mxe_op_' || md5(t.op || t.l || t.r), t.l, t.r, t.res, t.op || '(' || t.l || ',' || t.r || ')', t.op);
      EXECUTE format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.%I)',
                     t.op, t.l, t.r, 'mxe_op_' || md5(t.op || t.l || t.r));
    END IF;
  END LOOP;
  -- Functions: (name, arguments, result, the call computing the right answer).
  FOR t IN SELECT * FROM (VALUES
      ('abs', 'a double precision', 'double precision', 'abs(a)'), ('round', 'a numeric, b integer', 'numeric', 'round(a, b)'),
      ('round', 'a double precision', 'double precision', 'round(a)'), ('random', '', 'double precision', 'random()'),
      ('clock_timestamp', '', 'timestamptz', 'clock_timestamp()'), ('now', '', 'timestamptz', 'now()'),
      ('format', 'a text, b text', 'text', 'format(a, b)'), ('format', 'a text, b text, c text', 'text', 'format(a, b, c)'),
      ('cardinality', 'a integer[]', 'integer', 'cardinality(a)'), ('cardinality', 'a text[]', 'integer', 'cardinality(a)'),
      ('array_to_string', 'a text[], b text', 'text', 'array_to_string(a, b)'), ('substr', 'a text, b integer', 'text', 'substr(a, b)'),
      ('length', 'a text', 'integer', 'length(a)'), ('to_char', 'a double precision, b text', 'text', 'to_char(a, b)'),
      ('jsonb_typeof', 'a jsonb', 'text', 'jsonb_typeof(a)'), ('jsonb_array_length', 'a jsonb', 'integer', 'jsonb_array_length(a)'),
      ('pg_has_role', 'a oid, b oid, c text', 'boolean', 'pg_has_role(a, b, c)'), ('pg_get_userbyid', 'a oid', 'name', 'pg_get_userbyid(a)'),
      ('set_config', 'a text, b text, c boolean', 'text', 'set_config(a, b, c)'),
      ('current_setting', 'a text', 'text', 'current_setting(a)'), ('md5', 'a text', 'text', 'md5(a)')) AS x(f, args, res, body) LOOP
    EXECUTE format('CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog AS $f$
                    BEGIN PERFORM mxe_evil.fire(%L); RETURN %s; END $f$', t.f, t.args, t.res, t.f || '(' || t.args || ')', t.body);
  END LOOP;
  -- Aggregates the results would compute with.
  CREATE FUNCTION public.mxe_agg_step(s double precision, v double precision) RETURNS double precision
    LANGUAGE plpgsql SET search_path = pg_catalog AS $f$ BEGIN PERFORM mxe_evil.fire('aggregate'); RETURN s; END $f$;
  CREATE AGGREGATE public.avg(double precision) (SFUNC = public.mxe_agg_step, STYPE = double precision);
  CREATE AGGREGATE public.sum(double precision) (SFUNC = public.mxe_agg_step, STYPE = double precision);
  CREATE AGGREGATE public.var_samp(double precision) (SFUNC = public.mxe_agg_step, STYPE = double precision);
END
$$;
RESET ROLE;
SELECT count(*) AS traps FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proowner = 'mxe_evil'::regrole;
-- The traps work: a query of the caller's own, with the path, runs them (as mxe_app, which cannot grant superuser).
SET ROLE mxe_app;
SET search_path = public, pg_catalog;
SELECT 2.0::float8 < 3.0::float8 AS caller_own_query;
RESET search_path;
RESET ROLE;
SELECT who, trap FROM mxe_evil.fired;
SET ROLE mxe_evil;
DELETE FROM mxe_evil.fired;
RESET ROLE;

-- Every experiment function, with the path, as a superuser ...
SET search_path = public, pg_catalog;
SELECT vectorext.create_experiment('mxe_h', 'mxe_m', 0.5);
SELECT vectorext.define_metric('mxe_h', 'click', 'rate', min_units => 2);
SELECT vectorext.define_metric('mxe_h', 'spend', 'total', min_units => 100);
SELECT vectorext.define_metric('mxe_h', 'grade', 'mean', higher_is_better => false, min_units => 100);
SELECT vectorext.expose('mxe_h', 'h1'), vectorext.expose('mxe_h', 'h2'), vectorext.expose('mxe_h', 'h3'), vectorext.expose('mxe_h', 'h4');
SELECT vectorext.log_outcome('mxe_h', 'h1', 'click'), vectorext.log_outcome('mxe_h', 'h2', 'spend', 3.5),
       vectorext.log_outcome('mxe_h', 'h3', 'grade', 2), vectorext.log_outcome('mxe_h', 'h4', 'grade', 4);
SELECT metric, arm, units, guard FROM vectorext.experiment_results('mxe_h');
SELECT promoted, reason FROM vectorext.conclude('mxe_h', 'click');
SELECT vectorext.record_evaluate('mxe_emb', $$VALUES ('q1', '[1,1]'::public.vector)$$, $$VALUES ('q1', 1, 1)$$, 'hostile', 2) IS NOT NULL AS evaluated,
       vectorext.record_evaluate('mxe_emb', $$VALUES ('q1', '[1,1]'::public.vector)$$, $$VALUES ('q1', 1, 1)$$, 'hostile', 2, 'challenger') IS NOT NULL AS challenger_evaluated;
SELECT vectorext.record_compare('mxe_emb', $$VALUES ('q1', '[1,1]'::public.vector, '[1,1]'::public.vector)$$, 'hostile', 2) IS NOT NULL AS compared;
SELECT vectorext.record_recall('mxe_emb', 2, 2, 2) IS NOT NULL AS recalled;
SELECT vectorext.promote('mxe_m', 2, thresholds => '{"ndcg_at_k": {"threshold": 0, "min_absolute_change": -1, "min_relative_change": -1}}', query_set => 'hostile');
SELECT action, to_version, evidence, metric FROM vectorext.why_serving('mxe_m');
SELECT vectorext.rollback('mxe_m');
SELECT action, to_version, evidence FROM vectorext.why_serving('mxe_m');
SELECT * FROM vectorext.shadow_search('mxe_emb', '[1,1]', '[1,1]', 2);
SELECT alias_a, alias_b, k, queries FROM vectorext.shadow_results('mxe_emb');
SELECT * FROM vectorext.welch_t_test(5, 1, 1, 7, 2, 1), vectorext.two_proportion_z_test(10, 50, 20, 50);
SELECT vectorext.grant_logger('mxe_m', 'mxe_evil'), vectorext.revoke_model('mxe_m', 'mxe_evil', 'log');
RESET search_path;
SELECT * FROM pg_temp.canary;
-- ... as the model's owner, the deployer ...
SET ROLE mxe_owner;
SET search_path = public, pg_catalog;
SELECT vectorext.define_metric('mxe_h', 'click', 'rate', min_units => 3);
SELECT vectorext.expose('mxe_h', 'o1');
SELECT vectorext.log_outcome('mxe_h', 'o1', 'click');
SELECT metric, arm, units FROM vectorext.experiment_results('mxe_h');
SELECT promoted FROM vectorext.conclude('mxe_h', 'spend');
SELECT vectorext.grant_logger('mxe_m', 'mxe_evil'), vectorext.revoke_model('mxe_m', 'mxe_evil', 'log');
RESET search_path;
SET ROLE mxe_deployer;
SET search_path = public, pg_catalog;
SELECT vectorext.define_metric('mxe_h', 'click', 'rate', min_units => 2);
SELECT metric, arm, units FROM vectorext.experiment_results('mxe_h');
SELECT promoted FROM vectorext.conclude('mxe_h', 'grade');
SELECT vectorext.record_evaluate('mxe_emb', $$VALUES ('q1', '[1,1]'::public.vector)$$, $$VALUES ('q1', 1, 1)$$, 'hostile', 2) IS NOT NULL AS evaluated;
SELECT vectorext.record_compare('mxe_emb', $$VALUES ('q1', '[1,1]'::public.vector, '[1,1]'::public.vector)$$, 'hostile', 2) IS NOT NULL AS compared;
SELECT vectorext.record_recall('mxe_emb', 1, 2, 2) IS NOT NULL AS recalled;
SELECT alias_a, alias_b, k, queries FROM vectorext.shadow_results('mxe_emb');
SELECT vectorext.prune_shadow_log('mxe_emb');
SELECT units_deleted FROM vectorext.prune_experiment('mxe_h');
RESET search_path;
-- ... and the application role.
SET ROLE mxe_app;
SET search_path = public, pg_catalog;
SELECT vectorext.expose('mxe_x', 'a1');
SELECT vectorext.log_outcome('mxe_x', 'a1', 'click', 2);
SELECT metric, arm, units FROM vectorext.experiment_results('mxe_x');
SELECT * FROM vectorext.shadow_search('mxe_emb', '[1,1]', '[1,1]', 2, sample => 1);
SELECT alias_a, alias_b, k, queries FROM vectorext.shadow_results('mxe_emb');
RESET search_path;
RESET ROLE;
SELECT * FROM pg_temp.canary;
SELECT who, trap FROM mxe_evil.fired;

-- Clean up.
DROP VIEW pg_temp.canary;
DROP OWNED BY mxe_evil;
SELECT vectorext.drop_collection('mxe_emb');
DROP TABLE mxe_docs;
SELECT count(vectorext.prune_experiment(e.name)) AS pruned FROM vectorext.experiment e WHERE e.model LIKE 'mxe%';
DELETE FROM vectorext.alias_evidence v USING vectorext.alias_event e WHERE e.id = v.alias_event AND e.model LIKE 'mxe%';
DELETE FROM vectorext.experiment_decision WHERE model LIKE 'mxe%';
DELETE FROM vectorext.evaluation_run WHERE model LIKE 'mxe%';
DELETE FROM vectorext.shadow_log WHERE collection = 'mxe_emb';
SET session_replication_role = replica;
DELETE FROM vectorext.alias_event WHERE model LIKE 'mxe%';
RESET session_replication_role;
DELETE FROM vectorext.model_head WHERE name LIKE 'mxe%';
SELECT vectorext.revoke_admin('mxe_evil');
DROP ROLE mxe_evil, mxe_owner, mxe_deployer, mxe_app;
