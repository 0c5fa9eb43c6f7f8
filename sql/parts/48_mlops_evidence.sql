-- Decisions with evidence (docs/experiments.md): offline evaluations stored as evaluation runs, MLflow-style
-- thresholds that promote checks against the current champion's runs, vectorext.conclude (promote only on a
-- significant win of a live experiment), and the link from each alias change to the evidence it was made on, so
-- "why is version 4 serving?" is a query: vectorext.why_serving(model, alias).
--
-- Evidence is linked to the id of the alias event the promotion recorded (vectorext._promote returns it): the
-- alias history is append-only, so the link never dangles and never points at a rewritten change. Evaluation runs
-- and decisions are written only by the owner-side functions, as the rest of the registry; every role may read them.

-- An offline evaluation of one version (compare: of alias_b's version against alias_a's). query_set names the
-- queries and judgments (the label thresholds match on); queries_sql / judgments_sql are kept as provenance
-- only and never executed. The numbers are as trustworthy as the role that recorded them (created_by): the caller
-- wrote the queries and judgments they were computed on.
CREATE TABLE vectorext.evaluation_run (
  id               bigserial PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('evaluate', 'compare', 'recall')),
  collection       text NOT NULL,
  model            text NOT NULL,
  version          int NOT NULL,
  baseline_version int,
  query_set        text NOT NULL CHECK (query_set <> ''),
  k                int NOT NULL,
  queries          bigint,
  metrics          jsonb NOT NULL,
  queries_sql      text,
  judgments_sql    text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  created_by       name NOT NULL      -- the role that recorded it
);
CREATE INDEX evaluation_run_version_idx ON vectorext.evaluation_run (model, version, query_set, id);

-- The evidence of an alias change: a conclude decision, or the evaluation runs a thresholded promote checked.
CREATE TABLE vectorext.alias_evidence (
  alias_event    bigint NOT NULL REFERENCES vectorext.alias_event,
  decision       bigint REFERENCES vectorext.experiment_decision,
  evaluation_run bigint REFERENCES vectorext.evaluation_run,
  baseline_run   bigint REFERENCES vectorext.evaluation_run,
  metric         text NOT NULL,
  value          float8,
  baseline_value float8,
  lift           float8,
  p_value        float8,
  rule           text,
  CHECK ((decision IS NULL) <> (evaluation_run IS NULL))
);
CREATE INDEX alias_evidence_event_idx ON vectorext.alias_evidence (alias_event);

SELECT pg_catalog.pg_extension_config_dump('vectorext.evaluation_run', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.evaluation_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.alias_evidence', '');

-- Every alias change with its evidence (one row per evidence item; changes without evidence appear once).
CREATE VIEW vectorext.promotion_evidence AS
  SELECT e.id AS alias_event, e.model, e.alias, e.action, e.from_version, e.to_version, e.forced,
         e.changed_at, e.changed_by, e.undoes,
         CASE WHEN v.decision IS NOT NULL THEN 'experiment' WHEN v.evaluation_run IS NOT NULL THEN 'evaluation' END AS evidence,
         d.experiment, v.metric, v.value, v.baseline_value, v.lift, v.p_value, d.method, v.rule,
         v.decision, v.evaluation_run, v.baseline_run, r.query_set
  FROM vectorext.alias_event e
  LEFT JOIN vectorext.alias_evidence v ON v.alias_event = e.id
  LEFT JOIN vectorext.experiment_decision d ON d.id = v.decision
  LEFT JOIN vectorext.evaluation_run r ON r.id = v.evaluation_run;
COMMENT ON VIEW vectorext.promotion_evidence IS 'Alias changes with the experiment decision or evaluation runs they were made on';


-- Why does an alias serve its version? The latest change of the alias with its evidence; after a rollback also the
-- change it undid (alias_event.undoes) and the change the alias is back at: the latest set or promote that no
-- rollback has undone (the one vectorext.rollback would undo next), each with its evidence.
CREATE FUNCTION vectorext.why_serving(model text, alias text DEFAULT 'champion')
RETURNS SETOF vectorext.promotion_evidence
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  last_event vectorext.alias_event;
  back_at bigint;
BEGIN
  PERFORM vectorext.version_of(model, alias);  -- raises when there is no such alias
  SELECT * INTO last_event FROM vectorext.alias_event e
    WHERE e.model = why_serving.model AND e.alias = why_serving.alias ORDER BY e.id DESC LIMIT 1;
  IF last_event.action = 'rollback' THEN
    SELECT max(e.id) INTO back_at FROM vectorext.alias_event e
      WHERE e.model = why_serving.model AND e.alias = why_serving.alias AND e.action <> 'rollback'
        AND NOT EXISTS (SELECT 1 FROM vectorext.alias_event r WHERE r.undoes = e.id);
  END IF;
  RETURN QUERY SELECT * FROM vectorext.promotion_evidence p
    WHERE p.alias_event IN (last_event.id, last_event.undoes, back_at)
    ORDER BY p.alias_event DESC, p.metric;
END
$$;
COMMENT ON FUNCTION vectorext.why_serving IS 'The alias change that put the served version in place, with its evidence (experiment decision or evaluation runs); after a rollback also the change it undid';

-- Offline evaluations stored as runs -------------------------------------------------------------------------
-- record_evaluate and record_compare run the caller's SELECT text exactly as evaluate and compare do
-- (43_mlops_search.sql): the public function is a LANGUAGE sql wrapper passing the caller's search_path to a pinned
-- implementation, which runs evaluate's / compare's own implementation with the caller's rights. Only the result is
-- stored, through the owner-checked vectorext._record_evaluation_run; the SELECT texts are kept as provenance and
-- never executed again. Recording needs 'alias' on the collection's model (the runs are evidence for promote's
-- thresholds); running the evaluation needs SELECT on the collection, as evaluate does.
CREATE FUNCTION vectorext._check_query_set(query_set text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  IF query_set IS NULL OR query_set = '' THEN
    RAISE EXCEPTION 'query_set must name the queries and judgments' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass a label such as ''golden-2024-06'': thresholds compare runs of the same query set.';
  END IF;
END
$$;

CREATE FUNCTION vectorext._record_evaluation_run(kind text, collection text, version int, baseline_version int,
                                                 query_set text, k int, queries bigint, metrics jsonb,
                                                 queries_sql text, judgments_sql text)
  RETURNS bigint AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_record_evaluation_run(caller oid, kind text, collection text, version int,
                                                       baseline_version int, query_set text, k int, queries bigint,
                                                       metrics jsonb, queries_sql text, judgments_sql text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  run bigint;
BEGIN
  PERFORM vectorext._require_model_privilege(caller, c.model, 'alias');
  IF kind IS NULL OR kind NOT IN ('evaluate', 'compare', 'recall') THEN
    RAISE EXCEPTION 'unknown evaluation kind "%"', kind USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Store runs with vectorext.record_evaluate, record_compare or record_recall.';
  END IF;
  PERFORM vectorext._check_query_set(query_set);
  PERFORM vectorext._check_k(k);
  PERFORM vectorext._model(c.model, version);
  IF baseline_version IS NOT NULL THEN
    PERFORM vectorext._model(c.model, baseline_version);
  END IF;
  IF queries IS NULL OR queries < 0 OR jsonb_typeof(metrics) IS DISTINCT FROM 'object'
     OR EXISTS (SELECT 1 FROM jsonb_each(metrics) e WHERE jsonb_typeof(e.value) NOT IN ('number', 'null')) THEN
    RAISE EXCEPTION 'an evaluation run needs a query count and a JSON object of numeric metrics' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Store runs with vectorext.record_evaluate, record_compare or record_recall.';
  END IF;
  INSERT INTO vectorext.evaluation_run AS r (kind, collection, model, version, baseline_version, query_set, k, queries,
                                             metrics, queries_sql, judgments_sql, created_by)
    VALUES (_owner_record_evaluation_run.kind, _owner_record_evaluation_run.collection, c.model,
            _owner_record_evaluation_run.version, _owner_record_evaluation_run.baseline_version,
            _owner_record_evaluation_run.query_set, _owner_record_evaluation_run.k, _owner_record_evaluation_run.queries,
            _owner_record_evaluation_run.metrics, _owner_record_evaluation_run.queries_sql,
            _owner_record_evaluation_run.judgments_sql, vectorext._role_name(caller))
    RETURNING r.id INTO run;
  RETURN run;
END
$$;

-- The caller may store runs of the collection's model: checked before the (possibly long) evaluation runs.
CREATE FUNCTION vectorext._may_record_runs(collection text) RETURNS vectorext.collection
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
BEGIN
  PERFORM vectorext._require_model_privilege(vectorext._current_role(), c.model, 'alias');
  RETURN c;
END
$$;

CREATE FUNCTION vectorext._record_evaluate(collection text, queries text, judgments text, query_set text, k int,
                                           alias text, caller_path text)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  r record;
BEGIN
  PERFORM vectorext._check_query_set(query_set);
  PERFORM vectorext._may_record_runs(collection);
  r := vectorext._evaluate(collection, queries, judgments, k, alias, caller_path);
  RETURN vectorext._record_evaluation_run('evaluate', collection, r.version, NULL, query_set, k, r.queries_evaluated,
           jsonb_build_object('precision_at_k', r.precision_at_k, 'ndcg_at_k', r.ndcg_at_k), queries, judgments);
END
$$;

CREATE FUNCTION vectorext.record_evaluate(collection text, queries text, judgments text, query_set text,
                                          k int DEFAULT 10, alias text DEFAULT 'champion')
RETURNS bigint LANGUAGE sql AS $$
  SELECT vectorext._record_evaluate($1, $2, $3, $4, $5, $6, pg_catalog.current_setting('search_path'))
$$;
COMMENT ON FUNCTION vectorext.record_evaluate IS 'Runs vectorext.evaluate for an alias and stores the result (precision_at_k, ndcg_at_k) as an evaluation run; runs the queries and judgments text with the caller''s rights; needs ''alias'' on the model and SELECT on the collection table';

CREATE FUNCTION vectorext._record_compare(collection text, queries text, query_set text, k int, alias_a text,
                                          alias_b text, p float8, caller_path text)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection;
  va int;
  vb int;
  n bigint;
  o float8;
  b float8;
BEGIN
  PERFORM vectorext._check_query_set(query_set);
  c := vectorext._may_record_runs(collection);
  va := vectorext.version_of(c.model, alias_a);
  vb := vectorext.version_of(c.model, alias_b);
  SELECT count(*), avg(x.overlap), avg(x.rbo) INTO n, o, b
    FROM vectorext._compare(collection, queries, k, alias_a, alias_b, p, caller_path) x;
  RETURN vectorext._record_evaluation_run('compare', collection, vb, va, query_set, k, n,
                                          jsonb_build_object('overlap', o, 'rbo', b, 'p', p), queries, NULL);
END
$$;

CREATE FUNCTION vectorext.record_compare(collection text, queries text, query_set text, k int DEFAULT 10,
                                         alias_a text DEFAULT 'champion', alias_b text DEFAULT 'challenger',
                                         p float8 DEFAULT 0.9)
RETURNS bigint LANGUAGE sql AS $$
  SELECT vectorext._record_compare($1, $2, $3, $4, $5, $6, $7, pg_catalog.current_setting('search_path'))
$$;
COMMENT ON FUNCTION vectorext.record_compare IS 'Runs vectorext.compare and stores the mean overlap@k and RBO of alias_b against alias_a as an evaluation run; runs the queries text with the caller''s rights; needs ''alias'' on the model and SELECT on the collection table';

CREATE FUNCTION vectorext.record_recall(collection text, version int, sample int, k int, query_set text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  label text := coalesce(query_set, format('sample:%s', sample));
  r float8;
BEGIN
  PERFORM vectorext._check_query_set(label);
  PERFORM vectorext._may_record_runs(collection);
  r := vectorext.recall(collection, version, sample, k);
  RETURN vectorext._record_evaluation_run('recall', collection, version, NULL, label, k, sample,
                                          jsonb_build_object('recall', r), NULL, NULL);
END
$$;
COMMENT ON FUNCTION vectorext.record_recall IS 'Runs vectorext.recall and stores it as an evaluation run (query set ''sample:<n>'' unless named); needs ''alias'' on the model and SELECT on the collection table';

-- MLflow-style thresholds for promote ------------------------------------------------------------------------
-- thresholds: {"<metric>": {"threshold": x, "min_absolute_change": x, "min_relative_change": x,
--                           "greater_is_better": true}, ...}. The candidate is the latest run of the version on
-- query_set that has the metric; the baseline the latest run of the alias' current version on the same query set
-- with the same k. Returns the first failed rule (problem, hint) and the evidence of every metric checked.
-- The gate 'thresholds' of vectorext._promotion_gates (42_mlops_aliases.sql); runs inside _owner_promote.
CREATE FUNCTION vectorext._gate_thresholds(model text, version int, alias text, thresholds jsonb, query_set text,
                                           OUT problem text, OUT hint text, OUT evidence jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  metric text;
  rule jsonb;
  gib boolean;
  cand vectorext.evaluation_run;
  base vectorext.evaluation_run;
  cur int;
  val float8;
  base_val float8;
  limit_val float8;
  gain float8;
  failed text;
  item jsonb;
BEGIN
  evidence := '[]';
  IF jsonb_typeof(thresholds) IS DISTINCT FROM 'object' OR thresholds = '{}' THEN
    RAISE EXCEPTION 'thresholds must be a JSON object of metric rules' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'E.g. ''{"ndcg_at_k": {"min_absolute_change": 0.01}}'' (keys: threshold, min_absolute_change, min_relative_change, greater_is_better).';
  END IF;
  PERFORM vectorext._check_query_set(query_set);
  SELECT a.version INTO cur FROM vectorext.alias a WHERE a.model = _gate_thresholds.model AND a.alias = _gate_thresholds.alias;
  FOR metric, rule IN SELECT t.key, t.value FROM jsonb_each(thresholds) t ORDER BY t.key LOOP
    IF jsonb_typeof(rule) IS DISTINCT FROM 'object' OR rule = '{}'
       OR EXISTS (SELECT 1 FROM jsonb_each(rule) r
                  WHERE r.key NOT IN ('threshold', 'min_absolute_change', 'min_relative_change', 'greater_is_better')
                     OR (r.key = 'greater_is_better') <> (jsonb_typeof(r.value) = 'boolean')
                     OR (r.key <> 'greater_is_better' AND jsonb_typeof(r.value) <> 'number')) THEN
      RAISE EXCEPTION 'invalid threshold rule for metric "%": %', metric, rule USING ERRCODE = 'invalid_parameter_value',
        HINT = 'A rule is an object with numbers threshold, min_absolute_change, min_relative_change and the boolean greater_is_better.';
    END IF;
    gib := coalesce((rule ->> 'greater_is_better')::boolean, true);
    SELECT * INTO cand FROM vectorext.evaluation_run r
      WHERE r.model = _gate_thresholds.model AND r.version = _gate_thresholds.version
        AND r.query_set = _gate_thresholds.query_set AND jsonb_typeof(r.metrics -> metric) = 'number'
        AND r.kind <> 'compare'
      ORDER BY r.id DESC LIMIT 1;
    IF NOT FOUND THEN
      problem := format('version %s has no evaluation run with metric %s on query set "%s"', version, metric, query_set);
      hint := format('Store one with vectorext.record_evaluate(<collection>, <queries>, <judgments>, %L, alias => <an alias serving version %s>).',
                     query_set, version);
      RETURN;
    END IF;
    val := (cand.metrics ->> metric)::float8;
    base := NULL;
    base_val := NULL;
    IF rule ? 'min_absolute_change' OR rule ? 'min_relative_change' THEN
      IF cur IS NULL THEN
        problem := format('alias "%s" of model "%s" serves no version to compare with', alias, model);
        hint := 'Drop min_absolute_change / min_relative_change for a first promotion, or pass force => true.';
        RETURN;
      END IF;
      SELECT * INTO base FROM vectorext.evaluation_run r
        WHERE r.model = _gate_thresholds.model AND r.version = cur AND r.query_set = _gate_thresholds.query_set
          AND r.k = cand.k AND jsonb_typeof(r.metrics -> metric) = 'number' AND r.kind = cand.kind
        ORDER BY r.id DESC LIMIT 1;
      IF NOT FOUND THEN
        problem := format('the current %s (version %s) has no %s run with metric %s at k = %s on query set "%s"',
                          alias, cur, cand.kind, metric, cand.k, query_set);
        hint := CASE cand.kind
                  WHEN 'recall' THEN format('Store one with vectorext.record_recall(<collection>, %s, <sample>, k => %s, query_set => %L).',
                                            cur, cand.k, query_set)
                  ELSE format('Store one with vectorext.record_evaluate(<collection>, <queries>, <judgments>, %L, k => %s, alias => %L).',
                              query_set, cand.k, alias) END;
        RETURN;
      END IF;
      base_val := (base.metrics ->> metric)::float8;
    END IF;
    failed := NULL;
    IF rule ? 'threshold' THEN
      limit_val := (rule ->> 'threshold')::float8;
      IF (gib AND NOT val >= limit_val) OR (NOT gib AND NOT val <= limit_val) THEN
        failed := format('%s %s of version %s is %s the threshold %s', metric, round(val::numeric, 6), version,
                         CASE WHEN gib THEN 'below' ELSE 'above' END, limit_val);
      END IF;
    END IF;
    IF failed IS NULL AND rule ? 'min_absolute_change' THEN
      limit_val := (rule ->> 'min_absolute_change')::float8;
      IF (gib AND NOT val >= base_val + limit_val) OR (NOT gib AND NOT val <= base_val - limit_val) THEN
        failed := format('%s %s of version %s is not at least %s %s the %s''s %s (version %s)', metric,
                         round(val::numeric, 6), version, limit_val, CASE WHEN gib THEN 'above' ELSE 'below' END,
                         alias, round(base_val::numeric, 6), cur);
      END IF;
    END IF;
    IF failed IS NULL AND rule ? 'min_relative_change' THEN
      limit_val := (rule ->> 'min_relative_change')::float8;
      -- relative improvement (val - base) / |base| in the metric's good direction; from a baseline of 0 any
      -- improvement is infinitely large and no change is 0.
      gain := CASE WHEN gib THEN val - base_val ELSE base_val - val END;
      gain := CASE WHEN base_val <> 0 THEN gain / abs(base_val)
                   WHEN gain > 0 THEN 'Infinity'::float8 WHEN gain < 0 THEN '-Infinity'::float8 ELSE 0 END;
      IF NOT gain >= limit_val THEN
        failed := format('%s %s of version %s is not %s%% %s the %s''s %s (version %s)', metric, round(val::numeric, 6),
                         version, round((limit_val * 100)::numeric, 2), CASE WHEN gib THEN 'better than' ELSE 'below' END,
                         alias, round(base_val::numeric, 6), cur);
      END IF;
    END IF;
    item := jsonb_build_object('metric', metric, 'evaluation_run', cand.id, 'baseline_run', base.id, 'value', val,
                               'baseline_value', base_val, 'lift', val - base_val, 'rule', rule);
    evidence := evidence || jsonb_build_array(item);
    IF failed IS NOT NULL AND problem IS NULL THEN
      problem := format('%s on query set "%s"', failed, query_set);
      hint := 'Improve the candidate, or pass force => true to promote anyway (recorded as forced).';
    END IF;
  END LOOP;
END
$$;

-- Links the evaluation runs a thresholded promote checked to its alias event (called by vectorext._promote, as the
-- extension owner).
CREATE FUNCTION vectorext._link_evaluations(event bigint, evidence jsonb) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO vectorext.alias_evidence (alias_event, evaluation_run, baseline_run, metric, value, baseline_value, lift, rule)
  SELECT _link_evaluations.event, (i ->> 'evaluation_run')::bigint, (i ->> 'baseline_run')::bigint, i ->> 'metric',
         (i ->> 'value')::float8, (i ->> 'baseline_value')::float8, (i ->> 'lift')::float8, (i -> 'rule')::text
  FROM jsonb_array_elements(_link_evaluations.evidence) i
$$;

-- A p-value for messages: 4 decimals, scientific notation below 0.0001.
CREATE FUNCTION vectorext._format_p(p float8) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN p IS NULL THEN 'NULL' WHEN p < 0.0001 THEN trim(to_char(p, '9.99EEEE'))
              ELSE round(p::numeric, 4)::text END
$$;

-- Concluding a live experiment ---------------------------------------------------------------------------------
-- Promotes the challenger's version to the champion alias only when it wins the metric significantly: p < alpha,
-- the difference in the metric's good direction, and a relative lift of at least min_lift; else reports why not.
-- Either way the decision is recorded with its numbers; a promotion and its evidence commit together.
-- Runs as the extension owner on behalf of `caller`, who needs exactly what promote needs: 'alias' on the model (its
-- owner or a deployer; a logger may log but not conclude). The promotion is vectorext._promote, promote's own body
-- (the same lock, compare-and-set and gates), and the decision is linked to the alias event it returns.
CREATE FUNCTION vectorext.conclude(experiment text, metric text, min_lift float8 DEFAULT 0, alpha float8 DEFAULT 0.05,
                                   OUT promoted boolean, OUT version int, OUT reason text, OUT lift float8,
                                   OUT p_value float8, OUT decision bigint, OUT alias_event bigint)
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_conclude(caller oid, experiment text, metric text, min_lift float8, alpha float8,
                                          OUT promoted boolean, OUT version int, OUT reason text, OUT lift float8,
                                          OUT p_value float8, OUT decision bigint, OUT alias_event bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  x vectorext.experiment := vectorext._experiment(experiment);
  m vectorext.experiment_metric;
  c vectorext.metric_comparison;
  champion_now int;
  challenger_now int;
  improvement float8;
  done bigint;
BEGIN
  -- The model lock first (and the privilege under it): no alias moves while the results are read and the decision
  -- made.
  PERFORM vectorext._lock_model_for(caller, x.model, 'alias');
  m := vectorext._experiment_metric(experiment, metric);
  PERFORM vectorext._check_alpha(alpha);
  IF min_lift IS NULL OR min_lift < 0 OR min_lift = 'NaN'::float8 THEN
    RAISE EXCEPTION 'min_lift must be a non-negative number, not %', coalesce(min_lift::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'The minimum relative improvement, e.g. 0.02 for 2%; 0 accepts any significant improvement.';
  END IF;
  c := vectorext._compare_arms(experiment, m, alpha);
  promoted := false;
  version := (c.b).versions[1];
  lift := c.lift;
  p_value := c.p_value;
  SELECT a.version INTO champion_now FROM vectorext.alias a WHERE a.model = x.model AND a.alias = x.champion_alias;
  SELECT a.version INTO challenger_now FROM vectorext.alias a WHERE a.model = x.model AND a.alias = x.challenger_alias;
  improvement := CASE WHEN m.higher_is_better THEN c.lift ELSE -c.lift END;
  done := vectorext._concluded_by(experiment);
  IF done IS NOT NULL THEN
    reason := format('the experiment was already concluded by decision %s', done);
    decision := done;
    RETURN;  -- nothing new decided: no decision row
  ELSIF c.guard IS NOT NULL THEN
    reason := 'not enough evidence: ' || substr(c.guard, length('p-value withheld: ') + 1);
  ELSIF champion_now IS DISTINCT FROM (c.a).versions[1] OR challenger_now IS DISTINCT FROM (c.b).versions[1] THEN
    reason := format('the aliases moved since the units were exposed (%s now serves %s, exposed %s; %s now serves %s, exposed %s)',
                     x.champion_alias, coalesce(champion_now::text, 'nothing'), (c.a).versions[1],
                     x.challenger_alias, coalesce(challenger_now::text, 'nothing'), (c.b).versions[1]);
  ELSIF champion_now = challenger_now THEN
    reason := format('both arms serve version %s: there is nothing to promote', champion_now);
  ELSIF NOT c.p_value < alpha THEN
    reason := format('not significant: p = %s >= alpha %s (%s)', vectorext._format_p(c.p_value), alpha, c.method);
  ELSIF (m.higher_is_better AND c.difference <= 0) OR (NOT m.higher_is_better AND c.difference >= 0) THEN
    reason := format('the challenger is significantly worse: %s %s -> %s (p = %s)', m.metric,
                     round((c.a).mean::numeric, 4), round((c.b).mean::numeric, 4), vectorext._format_p(c.p_value));
  ELSIF min_lift > 0 AND improvement IS NULL THEN
    reason := 'the relative lift is undefined (the champion''s value is 0): pass min_lift => 0';
  ELSIF improvement < min_lift THEN
    reason := format('significant (p = %s) but the lift %s%% is below min_lift %s%%', vectorext._format_p(c.p_value),
                     round((c.lift * 100)::numeric, 2), round((min_lift * 100)::numeric, 2));
  ELSE
    BEGIN
      alias_event := vectorext._promote(caller, x.model, version, x.champion_alias, false, champion_now, NULL, NULL);
      promoted := true;
      reason := format('the challenger (version %s) wins %s: %s -> %s, lift %s%%, p = %s (%s)', version, m.metric,
                       round((c.a).mean::numeric, 4), round((c.b).mean::numeric, 4), round((c.lift * 100)::numeric, 2),
                       vectorext._format_p(c.p_value), c.method);
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
      reason := 'significant win, but the promotion gate refused: ' || SQLERRM;
    END;
  END IF;
  INSERT INTO vectorext.experiment_decision AS d (experiment, model, metric, kind, method, champion_version,
      challenger_version, champion_units, challenger_units, champion_value, challenger_value, difference,
      difference_low, difference_high, lift, p_value, alpha, min_lift, promoted, reason, decided_by)
    VALUES (_owner_conclude.experiment, x.model, m.metric, m.kind, c.method, (c.a).versions[1], (c.b).versions[1],
            (c.a).units, (c.b).units, (c.a).mean, (c.b).mean, c.difference, c.difference_low, c.difference_high,
            c.lift, c.p_value, _owner_conclude.alpha, _owner_conclude.min_lift, _owner_conclude.promoted,
            _owner_conclude.reason, vectorext._role_name(caller))
    RETURNING d.id INTO decision;
  IF alias_event IS NOT NULL THEN
    INSERT INTO vectorext.alias_evidence AS v (alias_event, decision, metric, value, baseline_value, lift, p_value, rule)
      VALUES (_owner_conclude.alias_event, _owner_conclude.decision, m.metric, (c.b).mean, (c.a).mean, c.lift,
              c.p_value, format('%s: p < %s and lift >= %s', c.method, alpha, min_lift));
  END IF;
END
$$;
COMMENT ON FUNCTION vectorext.conclude IS 'Promotes the challenger of an experiment if it wins the metric significantly (p < alpha, lift >= min_lift), else reports why not; records the decision and links it to the alias change; needs ''alias'' on the experiment''s model';
