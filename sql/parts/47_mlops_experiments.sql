-- Champion-challenger experiments in production (docs/experiments.md): metrics, exposure and outcome logging,
-- live per-arm results with confidence intervals and tests, retention. Designed for write volume: an exposure is
-- one row per (experiment, unit) written once, an outcome is an appended row; no counter row, no foreign key (whose
-- check would share-lock one parent row from every writer), so concurrent writers never wait on a common row.
--
-- Privileges (docs/security.md): like the rest of the registry these tables are written only by the extension owner,
-- through the owner-checked functions (vx_mlops_owner_call -> vectorext._owner_<name>(caller, ...)). An experiment
-- belongs to its model: 'alias' on the model (its owner, or a deployer) defines metrics, reads results, concludes and
-- prunes; 'log' (vectorext.grant_logger: an application role) exposes units, logs outcomes and reads results.
-- Exposures and outcomes name units (users, sessions): nobody but the extension owner may read them directly;
-- experiment_results shows them aggregated per arm.

-- How each unit's outcomes of a metric become one number, and how the arms are compared:
--   rate   1 if the unit has at least one outcome, else 0, over all exposed units  -> two-proportion z-test
--   mean   the mean of the unit's values, over units with at least one outcome    -> Welch's t-test
--   total  the sum of the unit's values, 0 without outcomes, over all exposed units -> Welch's t-test
CREATE TABLE vectorext.experiment_metric (
  experiment       text NOT NULL REFERENCES vectorext.experiment ON DELETE CASCADE,
  metric           text NOT NULL CHECK (metric <> ''),
  kind             text NOT NULL CHECK (kind IN ('rate', 'mean', 'total')),
  higher_is_better boolean NOT NULL DEFAULT true,
  min_units        int NOT NULL DEFAULT 100 CHECK (min_units >= 2),
  PRIMARY KEY (experiment, metric)
);

-- The first time a unit is served through an experiment: its arm, the alias and the version that served it.
CREATE TABLE vectorext.experiment_exposure (
  experiment text NOT NULL,
  unit       text NOT NULL,
  arm        text NOT NULL CHECK (arm IN ('champion', 'challenger')),
  alias      text NOT NULL,
  version    int NOT NULL,
  exposed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (experiment, unit)
);

-- Outcomes, appended: a click, a purchase, a relevance grade, a latency.
CREATE TABLE vectorext.experiment_outcome (
  experiment text NOT NULL,
  unit       text NOT NULL,
  metric     text NOT NULL,
  value      float8 NOT NULL,
  logged_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX experiment_outcome_unit_idx ON vectorext.experiment_outcome (experiment, metric, unit);

-- Every vectorext.conclude call, promoted or not, with the numbers it decided on (they survive pruning).
CREATE TABLE vectorext.experiment_decision (
  id                 bigserial PRIMARY KEY,
  experiment         text NOT NULL,
  model              text NOT NULL,
  metric             text NOT NULL,
  kind               text NOT NULL,
  method             text NOT NULL,
  champion_version   int,
  challenger_version int,
  champion_units     bigint,
  challenger_units   bigint,
  champion_value     float8,
  challenger_value   float8,
  difference         float8,
  difference_low     float8,
  difference_high    float8,
  lift               float8,
  p_value            float8,
  alpha              float8 NOT NULL,
  min_lift           float8 NOT NULL,
  promoted           boolean NOT NULL,
  reason             text NOT NULL,
  decided_at         timestamptz NOT NULL DEFAULT now(),
  decided_by         name NOT NULL      -- the role that called conclude
);
CREATE INDEX experiment_decision_experiment_idx ON vectorext.experiment_decision (experiment, id);

SELECT pg_catalog.pg_extension_config_dump('vectorext.experiment_metric', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.experiment_decision', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.experiment_decision_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.experiment_exposure', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.experiment_outcome', '');

CREATE FUNCTION vectorext._experiment_metric(experiment text, metric text) RETURNS vectorext.experiment_metric
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  m vectorext.experiment_metric;
BEGIN
  SELECT * INTO m FROM vectorext.experiment_metric x
    WHERE x.experiment = _experiment_metric.experiment AND x.metric = _experiment_metric.metric;
  IF NOT FOUND THEN
    PERFORM vectorext._experiment(experiment);
    RAISE EXCEPTION 'experiment "%" has no metric "%"', experiment, metric USING ERRCODE = 'undefined_object',
      HINT = format('Define it with vectorext.define_metric(%L, %L, kind => ''rate'') (or ''mean'' / ''total'').', experiment, metric);
  END IF;
  RETURN m;
END
$$;

-- Raises insufficient_privilege unless `caller` holds one of `privileges` on `model` (the message names the first).
CREATE FUNCTION vectorext._require_any_model_privilege(caller oid, model text, privileges text[]) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  p text;
BEGIN
  FOREACH p IN ARRAY privileges LOOP
    IF vectorext._may(caller, model, p) THEN
      RETURN;
    END IF;
  END LOOP;
  PERFORM vectorext._require_model_privilege(caller, model, privileges[1]);
END
$$;

CREATE FUNCTION vectorext.define_metric(experiment text, metric text, kind text DEFAULT 'rate',
                                        higher_is_better boolean DEFAULT true, min_units int DEFAULT 100)
  RETURNS void AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_define_metric(caller oid, experiment text, metric text, kind text,
                                               higher_is_better boolean, min_units int)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  x vectorext.experiment := vectorext._experiment(experiment);
BEGIN
  PERFORM vectorext._require_model_privilege(caller, x.model, 'alias');
  IF metric IS NULL OR metric = '' THEN
    RAISE EXCEPTION 'metric name must not be empty' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass a name such as ''click''.';
  END IF;
  IF kind IS NULL OR kind NOT IN ('rate', 'mean', 'total') THEN
    RAISE EXCEPTION 'unknown metric kind "%"', kind USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Use ''rate'' (share of units with the outcome), ''mean'' (mean value per unit with outcomes) or ''total'' (sum per exposed unit).';
  END IF;
  IF min_units IS NULL OR min_units < 2 OR higher_is_better IS NULL THEN
    RAISE EXCEPTION 'min_units must be at least 2 and higher_is_better not NULL' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'E.g. min_units => 100: no p-value is reported before each arm has that many units.';
  END IF;
  INSERT INTO vectorext.experiment_metric AS m (experiment, metric, kind, higher_is_better, min_units)
    VALUES (_owner_define_metric.experiment, _owner_define_metric.metric, _owner_define_metric.kind,
            _owner_define_metric.higher_is_better, _owner_define_metric.min_units)
    ON CONFLICT ON CONSTRAINT experiment_metric_pkey DO UPDATE
      SET kind = excluded.kind, higher_is_better = excluded.higher_is_better, min_units = excluded.min_units;
END
$$;
COMMENT ON FUNCTION vectorext.define_metric IS 'Declares (or changes) how an experiment metric is aggregated per unit (rate, mean, total) and compared; needs ''alias'' on the experiment''s model';

-- The experiment's promoting decision, if it has been concluded (vectorext.conclude, 48_mlops_evidence.sql).
CREATE FUNCTION vectorext._concluded_by(experiment text) RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT d.id FROM vectorext.experiment_decision d WHERE d.experiment = _concluded_by.experiment AND d.promoted
  ORDER BY d.id LIMIT 1
$$;

-- Serves a unit through an experiment: returns the alias to search with and records the exposure once.
-- Sticky: a unit keeps the arm of its first exposure even if challenger_share changes later. A concluded
-- experiment serves everyone the champion alias (which then serves the winner) and records nothing.
CREATE FUNCTION vectorext.expose(experiment text, unit text) RETURNS text
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_expose(caller oid, experiment text, unit text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  x vectorext.experiment := vectorext._experiment(experiment);
  a text;
  chosen text;
  concluded boolean;
  v int;
BEGIN
  PERFORM vectorext._require_model_privilege(caller, x.model, 'log');
  IF unit IS NULL OR unit = '' THEN
    RAISE EXCEPTION 'unit must not be empty' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass the randomisation unit, e.g. the user or session id.';
  END IF;
  -- The common case, a returning unit: one primary-key probe and no write.
  SELECT e.alias INTO a FROM vectorext.experiment_exposure e
    WHERE e.experiment = _owner_expose.experiment AND e.unit = _owner_expose.unit;
  IF FOUND THEN
    RETURN a;
  END IF;
  chosen := vectorext._arm(x, unit);
  a := CASE chosen WHEN 'challenger' THEN x.challenger_alias ELSE x.champion_alias END;
  -- One snapshot for both: a conclude commits its promotion and its decision together, so an exposure never
  -- records the promoted version in the champion arm.
  SELECT EXISTS (SELECT 1 FROM vectorext.experiment_decision d WHERE d.experiment = _owner_expose.experiment AND d.promoted),
         (SELECT al.version FROM vectorext.alias al WHERE al.model = x.model AND al.alias = a)
    INTO concluded, v;
  IF concluded THEN
    RETURN x.champion_alias;
  END IF;
  IF v IS NULL THEN
    v := vectorext.version_of(x.model, a);  -- raises: the alias does not exist
  END IF;
  INSERT INTO vectorext.experiment_exposure (experiment, unit, arm, alias, version)
    VALUES (_owner_expose.experiment, _owner_expose.unit, chosen, a, v)
    ON CONFLICT ON CONSTRAINT experiment_exposure_pkey DO NOTHING;
  IF NOT FOUND THEN  -- a concurrent first exposure of the same unit won: serve what it recorded
    SELECT e.alias INTO a FROM vectorext.experiment_exposure e
      WHERE e.experiment = _owner_expose.experiment AND e.unit = _owner_expose.unit;
  END IF;
  RETURN a;
END
$$;
COMMENT ON FUNCTION vectorext.expose IS 'Routes a unit through an experiment, records its first exposure (arm, alias, version) and returns the alias to search with; needs ''log'' on the experiment''s model';

-- Returns whether the outcome was recorded: false (nothing stored) for a unit the experiment never exposed, e.g.
-- a click after the experiment was concluded or the unit pruned, so click logging never fails the application.
CREATE FUNCTION vectorext.log_outcome(experiment text, unit text, metric text, value float8 DEFAULT 1) RETURNS boolean
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_log_outcome(caller oid, experiment text, unit text, metric text, value float8)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  x vectorext.experiment := vectorext._experiment(experiment);
BEGIN
  PERFORM vectorext._require_model_privilege(caller, x.model, 'log');
  PERFORM vectorext._experiment_metric(experiment, metric);
  IF value IS NULL OR value IN ('NaN', 'Infinity', '-Infinity') THEN
    RAISE EXCEPTION 'outcome value must be a finite number, not %', coalesce(value::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Log 1 for an event such as a click, or the measured value.';
  END IF;
  PERFORM 1 FROM vectorext.experiment_exposure e
    WHERE e.experiment = _owner_log_outcome.experiment AND e.unit = _owner_log_outcome.unit;
  IF NOT FOUND THEN
    RETURN false;  -- not attributable to an arm
  END IF;
  INSERT INTO vectorext.experiment_outcome (experiment, unit, metric, value)
    VALUES (_owner_log_outcome.experiment, _owner_log_outcome.unit, _owner_log_outcome.metric, _owner_log_outcome.value);
  RETURN true;
END
$$;
COMMENT ON FUNCTION vectorext.log_outcome IS 'Appends an outcome (a click, a purchase, a grade, a latency) of an exposed unit; false when the unit was not exposed (nothing recorded); needs ''log'' on the experiment''s model';

-- Per arm: the statistic's sample. rate: successes = units with an outcome among all exposed units; mean: the
-- per-unit means of units with outcomes; total: per-unit sums of all exposed units (0 without outcomes).
CREATE TYPE vectorext.arm_summary AS (
  arm text, alias text, versions int[], units_exposed bigint, units bigint, successes bigint, outcomes bigint,
  mean float8, var float8);

-- Reads the exposures and outcomes: runs inside the owner-side functions only.
CREATE FUNCTION vectorext._arm_summary(experiment text, metric text, kind text)
RETURNS SETOF vectorext.arm_summary
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  WITH per_unit AS (
    SELECT e.arm, e.alias, e.version, e.unit, o.n, o.total, o.mean
    FROM vectorext.experiment_exposure e
    LEFT JOIN (SELECT o.unit, count(*) AS n, sum(o.value) AS total, avg(o.value) AS mean
               FROM vectorext.experiment_outcome o
               WHERE o.experiment = _arm_summary.experiment AND o.metric = _arm_summary.metric
               GROUP BY o.unit) o ON o.unit = e.unit
    WHERE e.experiment = _arm_summary.experiment)
  SELECT u.arm, min(u.alias), array_agg(DISTINCT u.version ORDER BY u.version), count(*),
         CASE _arm_summary.kind WHEN 'mean' THEN count(u.n) ELSE count(*) END,
         count(u.n), coalesce(sum(u.n), 0)::bigint,
         CASE _arm_summary.kind WHEN 'rate' THEN count(u.n)::float8 / count(*)
                                WHEN 'mean' THEN avg(u.mean)
                                ELSE avg(coalesce(u.total, 0)) END,
         CASE _arm_summary.kind WHEN 'rate' THEN NULL
                                WHEN 'mean' THEN var_samp(u.mean)
                                ELSE var_samp(coalesce(u.total, 0)) END
  FROM per_unit u GROUP BY u.arm
$$;

-- One metric's comparison: the champion (a) and challenger (b) summaries, the test, the guard. Shared by
-- experiment_results and conclude, so a decision is made on exactly the numbers the results show.
CREATE TYPE vectorext.metric_comparison AS (
  a vectorext.arm_summary, b vectorext.arm_summary, method text,
  difference float8, difference_low float8, difference_high float8, lift float8, statistic float8, df float8,
  p_value float8, guard text);

CREATE FUNCTION vectorext._compare_arms(experiment text, m vectorext.experiment_metric, alpha float8)
RETURNS vectorext.metric_comparison
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  r vectorext.metric_comparison;
  s vectorext.arm_summary;
  problems text[] := '{}';
BEGIN
  FOR s IN SELECT * FROM vectorext._arm_summary(_compare_arms.experiment, m.metric, m.kind) LOOP
    IF s.arm = 'champion' THEN r.a := s; ELSE r.b := s; END IF;
  END LOOP;
  r.method := CASE m.kind WHEN 'rate' THEN 'two-proportion z-test' ELSE 'Welch t-test' END;
  IF m.kind = 'rate' AND (r.a).units >= 1 AND (r.b).units >= 1 THEN
    SELECT t.difference, t.ci_low, t.ci_high, t.statistic, t.df, t.p_value
      INTO r.difference, r.difference_low, r.difference_high, r.statistic, r.df, r.p_value
      FROM vectorext.two_proportion_z_test((r.a).successes, (r.a).units, (r.b).successes, (r.b).units,
                                           _compare_arms.alpha) t;
  ELSIF m.kind <> 'rate' AND (r.a).units >= 2 AND (r.b).units >= 2 THEN
    SELECT t.difference, t.ci_low, t.ci_high, t.statistic, t.df, t.p_value
      INTO r.difference, r.difference_low, r.difference_high, r.statistic, r.df, r.p_value
      FROM vectorext.welch_t_test((r.a).units, (r.a).mean, (r.a).var, (r.b).units, (r.b).mean, (r.b).var,
                                  _compare_arms.alpha) t;
  END IF;
  r.lift := CASE WHEN (r.a).mean <> 0 THEN r.difference / abs((r.a).mean) END;
  -- The minimum-sample guard: no p-value until both arms can carry the test.
  IF (r.a).arm IS NULL OR (r.b).arm IS NULL THEN
    problems := problems || format('an arm has no exposed units yet (champion %s, challenger %s)',
                                   coalesce((r.a).units_exposed, 0), coalesce((r.b).units_exposed, 0));
  ELSE
    IF least((r.a).units, (r.b).units) < m.min_units THEN
      problems := problems || format('needs at least %s units per arm (champion %s, challenger %s)',
                                     m.min_units, (r.a).units, (r.b).units);
    END IF;
    IF m.kind = 'rate' AND least((r.a).successes, (r.b).successes,
                                 (r.a).units - (r.a).successes, (r.b).units - (r.b).successes) < 5 THEN
      problems := problems || 'the normal approximation needs at least 5 units with and 5 without the outcome in each arm'::text;
    END IF;
    IF cardinality((r.a).versions) > 1 OR cardinality((r.b).versions) > 1 THEN
      problems := problems || format('an alias moved during the experiment (champion versions %s, challenger versions %s)',
                                     (r.a).versions, (r.b).versions);
    END IF;
    IF cardinality(problems) = 0 AND r.p_value IS NULL THEN
      problems := problems || 'the test statistic is undefined (no variance in either arm)'::text;
    END IF;
  END IF;
  IF cardinality(problems) > 0 THEN
    r.guard := 'p-value withheld: ' || array_to_string(problems, '; ');
    r.p_value := NULL;
  END IF;
  RETURN r;
END
$$;

CREATE FUNCTION vectorext._check_alpha(alpha float8) RETURNS void LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  IF alpha IS NULL OR NOT (alpha > 0 AND alpha < 1) THEN
    RAISE EXCEPTION 'alpha must be between 0 and 1 (exclusive), not %', alpha USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass the significance level, e.g. alpha => 0.05 (95% confidence intervals).';
  END IF;
END
$$;

CREATE FUNCTION vectorext.experiment_results(experiment text, alpha float8 DEFAULT 0.05)
RETURNS TABLE (metric text, kind text, method text, arm text, alias text, versions int[], units_exposed bigint,
               units bigint, outcomes bigint, value float8, ci_low float8, ci_high float8, difference float8,
               difference_low float8, difference_high float8, lift float8, statistic float8, df float8,
               p_value float8, guard text)
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C STABLE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_experiment_results(caller oid, experiment text, alpha float8)
RETURNS TABLE (metric text, kind text, method text, arm text, alias text, versions int[], units_exposed bigint,
               units bigint, outcomes bigint, value float8, ci_low float8, ci_high float8, difference float8,
               difference_low float8, difference_high float8, lift float8, statistic float8, df float8,
               p_value float8, guard text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  x vectorext.experiment := vectorext._experiment(experiment);
  m vectorext.experiment_metric;
  c vectorext.metric_comparison;
  s vectorext.arm_summary;
BEGIN
  PERFORM vectorext._require_any_model_privilege(caller, x.model, ARRAY['log', 'alias']);
  PERFORM vectorext._check_alpha(alpha);
  FOR m IN SELECT * FROM vectorext.experiment_metric em WHERE em.experiment = _owner_experiment_results.experiment
           ORDER BY em.metric LOOP
    c := vectorext._compare_arms(experiment, m, alpha);
    FOR i IN 1..2 LOOP
      s := CASE i WHEN 1 THEN c.a ELSE c.b END;
      CONTINUE WHEN s.arm IS NULL;
      metric := m.metric; kind := m.kind; method := c.method;
      arm := s.arm; alias := s.alias; versions := s.versions;
      units_exposed := s.units_exposed; units := s.units; outcomes := s.outcomes; value := s.mean;
      ci_low := NULL; ci_high := NULL;
      IF m.kind = 'rate' AND s.units >= 1 THEN
        SELECT w.low, w.high INTO ci_low, ci_high
          FROM vectorext.wilson_interval(s.successes, s.units, _owner_experiment_results.alpha) w;
      ELSIF m.kind <> 'rate' AND s.units >= 2 THEN
        SELECT w.low, w.high INTO ci_low, ci_high
          FROM vectorext.mean_interval(s.units, s.mean, s.var, _owner_experiment_results.alpha) w;
      END IF;
      IF i = 2 THEN
        difference := c.difference; difference_low := c.difference_low; difference_high := c.difference_high;
        lift := c.lift; statistic := c.statistic; df := c.df; p_value := c.p_value;
      ELSE
        difference := NULL; difference_low := NULL; difference_high := NULL;
        lift := NULL; statistic := NULL; df := NULL; p_value := NULL;
      END IF;
      guard := c.guard;
      RETURN NEXT;
    END LOOP;
  END LOOP;
END
$$;
COMMENT ON FUNCTION vectorext.experiment_results IS 'Per metric and arm: units, value (rate or mean) with its interval; on the challenger row the difference to the champion, its interval, lift, statistic and p-value (two-proportion z-test for rates, Welch t-test for means), withheld until the minimum-sample guard passes; needs ''log'' or ''alias'' on the experiment''s model';

-- Retention (prune_experiment, prune_shadow_log): rows older than now() - older_than go, all rows when it is NULL.
CREATE FUNCTION vectorext._cutoff(older_than interval) RETURNS timestamptz LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  IF older_than < interval '0' THEN
    RAISE EXCEPTION 'older_than must not be negative, not %', older_than USING ERRCODE = 'invalid_parameter_value',
      HINT = 'E.g. older_than => ''30 days''; NULL deletes every row.';
  END IF;
  RETURN CASE WHEN older_than IS NULL THEN 'infinity' ELSE now() - older_than END;
END
$$;

-- Retention: deletes the units exposed before now() - older_than (or all units when older_than is NULL) with
-- all their outcomes. Decisions keep the summary statistics they were made on.
CREATE FUNCTION vectorext.prune_experiment(experiment text, older_than interval DEFAULT NULL,
                                           OUT units_deleted bigint, OUT outcomes_deleted bigint)
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_prune_experiment(caller oid, experiment text, older_than interval,
                                                  OUT units_deleted bigint, OUT outcomes_deleted bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  x vectorext.experiment := vectorext._experiment(experiment);
  cutoff timestamptz;
  extra bigint;
BEGIN
  PERFORM vectorext._require_model_privilege(caller, x.model, 'alias');
  cutoff := vectorext._cutoff(older_than);
  WITH gone AS (
    DELETE FROM vectorext.experiment_exposure e
    WHERE e.experiment = _owner_prune_experiment.experiment AND e.exposed_at < cutoff
    RETURNING e.unit), dropped AS (
    DELETE FROM vectorext.experiment_outcome o USING gone g
    WHERE o.experiment = _owner_prune_experiment.experiment AND o.unit = g.unit
    RETURNING 1)
  SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM dropped) INTO units_deleted, outcomes_deleted;
  -- Outcomes whose unit is no longer exposed (pruned earlier, or logged while a prune ran) go too.
  IF older_than IS NULL THEN
    DELETE FROM vectorext.experiment_outcome o WHERE o.experiment = _owner_prune_experiment.experiment;
  ELSE
    DELETE FROM vectorext.experiment_outcome o
      WHERE o.experiment = _owner_prune_experiment.experiment AND o.logged_at < cutoff
        AND NOT EXISTS (SELECT 1 FROM vectorext.experiment_exposure e WHERE e.experiment = o.experiment AND e.unit = o.unit);
  END IF;
  GET DIAGNOSTICS extra = ROW_COUNT;
  outcomes_deleted := outcomes_deleted + extra;
END
$$;
COMMENT ON FUNCTION vectorext.prune_experiment IS 'Deletes units exposed before now() - older_than (all when NULL) and their outcomes; needs ''alias'' on the experiment''s model';
