-- Decisions with evidence (docs/experiments.md): offline evaluations stored as evaluation runs, MLflow-style
-- thresholds that promote checks against the current champion's runs, vectorext.conclude (promote only on a
-- significant win of a live experiment), and the link from each alias change to the evidence it was made on, so
-- "why is version 4 serving?" is a query: vectorext.why_serving(model, alias).

-- An offline evaluation of one version (compare: of alias_b's version against alias_a's). query_set names the
-- queries and judgments (the label thresholds match on); queries_sql / judgments_sql are kept as provenance
-- only and never executed.
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
  created_by       name NOT NULL DEFAULT current_user
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
         e.changed_at, e.changed_by,
         CASE WHEN v.decision IS NOT NULL THEN 'experiment' WHEN v.evaluation_run IS NOT NULL THEN 'evaluation' END AS evidence,
         d.experiment, v.metric, v.value, v.baseline_value, v.lift, v.p_value, d.method, v.rule,
         v.decision, v.evaluation_run, v.baseline_run, r.query_set
  FROM vectorext.alias_event e
  LEFT JOIN vectorext.alias_evidence v ON v.alias_event = e.id
  LEFT JOIN vectorext.experiment_decision d ON d.id = v.decision
  LEFT JOIN vectorext.evaluation_run r ON r.id = v.evaluation_run;
COMMENT ON VIEW vectorext.promotion_evidence IS 'Alias changes with the experiment decision or evaluation runs they were made on';

-- Why does an alias serve its version? The latest change of the alias with its evidence; after a rollback also
-- the change it undid and the change that first put the served version in place (each with its evidence).
CREATE FUNCTION vectorext.why_serving(model text, alias text DEFAULT 'champion')
RETURNS SETOF vectorext.promotion_evidence
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v int := vectorext.version_of(model, alias);
  last_event bigint;
  undone bigint;
  origin bigint;
BEGIN
  SELECT max(e.id) INTO last_event FROM vectorext.alias_event e
    WHERE e.model = why_serving.model AND e.alias = why_serving.alias AND e.to_version = v;
  IF EXISTS (SELECT 1 FROM vectorext.alias_event l WHERE l.id = last_event AND l.action = 'rollback') THEN
    SELECT u.id INTO undone FROM vectorext.alias_event u WHERE u.undone_by = last_event;
    SELECT max(e.id) INTO origin FROM vectorext.alias_event e
      WHERE e.model = why_serving.model AND e.alias = why_serving.alias AND e.to_version = v
        AND e.action <> 'rollback' AND e.id < last_event;
  END IF;
  RETURN QUERY SELECT * FROM vectorext.promotion_evidence p WHERE p.alias_event IN (last_event, undone, origin)
    ORDER BY p.alias_event DESC, p.metric;
END
$$;
COMMENT ON FUNCTION vectorext.why_serving IS 'The alias change that put the served version in place, with its evidence (experiment decision or evaluation runs)';

-- Offline evaluations stored as runs -------------------------------------------------------------------------
CREATE FUNCTION vectorext._check_query_set(query_set text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF query_set IS NULL OR query_set = '' THEN
    RAISE EXCEPTION 'query_set must name the queries and judgments' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass a label such as ''golden-2024-06'': thresholds compare runs of the same query set.';
  END IF;
END
$$;

-- record_evaluate and record_compare are the only functions here without a pinned search_path: like evaluate and
-- compare, they run the caller's SELECTs, whose names must resolve in the caller's search_path. Everything they
-- reference themselves is schema-qualified.
CREATE FUNCTION vectorext.record_evaluate(collection text, queries text, judgments text, query_set text,
                                          k int DEFAULT 10, alias text DEFAULT 'champion')
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  r record;
  id bigint;
BEGIN
  PERFORM vectorext._check_query_set(query_set);
  r := vectorext.evaluate(collection, queries, judgments, k, alias);
  INSERT INTO vectorext.evaluation_run (kind, collection, model, version, query_set, k, queries, metrics,
                                        queries_sql, judgments_sql)
    VALUES ('evaluate', collection, (vectorext._collection(collection)).model, r.version, query_set, k,
            r.queries_evaluated,
            jsonb_build_object('precision_at_k', r.precision_at_k, 'ndcg_at_k', r.ndcg_at_k), queries, judgments)
    RETURNING evaluation_run.id INTO id;
  RETURN id;
END
$$;
COMMENT ON FUNCTION vectorext.record_evaluate IS 'Runs vectorext.evaluate for an alias and stores the result (precision_at_k, ndcg_at_k) as an evaluation run';

CREATE FUNCTION vectorext.record_compare(collection text, queries text, query_set text, k int DEFAULT 10,
                                         alias_a text DEFAULT 'champion', alias_b text DEFAULT 'challenger',
                                         p float8 DEFAULT 0.9)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  c vectorext.collection;
  n bigint;
  o float8;
  b float8;
  id bigint;
BEGIN
  PERFORM vectorext._check_query_set(query_set);
  c := vectorext._collection(collection);
  SELECT count(*), avg(x.overlap), avg(x.rbo) INTO n, o, b
    FROM vectorext.compare(collection, queries, k, alias_a, alias_b, p) x;
  INSERT INTO vectorext.evaluation_run (kind, collection, model, version, baseline_version, query_set, k, queries,
                                        metrics, queries_sql)
    VALUES ('compare', collection, c.model, vectorext.version_of(c.model, alias_b), vectorext.version_of(c.model, alias_a),
            query_set, k, n, jsonb_build_object('overlap', o, 'rbo', b, 'p', p), queries)
    RETURNING evaluation_run.id INTO id;
  RETURN id;
END
$$;
COMMENT ON FUNCTION vectorext.record_compare IS 'Runs vectorext.compare and stores the mean overlap@k and RBO of alias_b against alias_a as an evaluation run';

CREATE FUNCTION vectorext.record_recall(collection text, version int, sample int, k int, query_set text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  label text := coalesce(query_set, format('sample:%s', sample));
  r float8;
  id bigint;
BEGIN
  PERFORM vectorext._check_query_set(label);
  r := vectorext.recall(collection, version, sample, k);
  INSERT INTO vectorext.evaluation_run (kind, collection, model, version, query_set, k, queries, metrics)
    VALUES ('recall', collection, c.model, version, label, k, sample, jsonb_build_object('recall', r))
    RETURNING evaluation_run.id INTO id;
  RETURN id;
END
$$;
COMMENT ON FUNCTION vectorext.record_recall IS 'Runs vectorext.recall and stores it as an evaluation run (query set ''sample:<n>'' unless named)';

-- MLflow-style thresholds for promote ------------------------------------------------------------------------
-- thresholds: {"<metric>": {"threshold": x, "min_absolute_change": x, "min_relative_change": x,
--                           "greater_is_better": true}, ...}. The candidate is the latest run of the version on
-- query_set that has the metric; the baseline the latest run of the alias' current version on the same query set
-- with the same k. Returns the first failed rule (problem, hint) and the evidence of every metric checked.
CREATE FUNCTION vectorext._threshold_blocker(model text, version int, alias text, thresholds jsonb, query_set text,
                                             OUT problem text, OUT hint text, OUT evidence jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
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
  SELECT a.version INTO cur FROM vectorext.alias a WHERE a.model = _threshold_blocker.model AND a.alias = _threshold_blocker.alias;
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
      WHERE r.model = _threshold_blocker.model AND r.version = _threshold_blocker.version
        AND r.query_set = _threshold_blocker.query_set AND r.metrics ? metric AND r.kind <> 'compare'
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
        WHERE r.model = _threshold_blocker.model AND r.version = cur AND r.query_set = _threshold_blocker.query_set
          AND r.k = cand.k AND r.metrics ? metric AND r.kind = cand.kind
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

-- Links the evaluation runs a thresholded promote checked to its alias event (called by promote).
CREATE FUNCTION vectorext._link_evaluations(event bigint, evidence jsonb) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO vectorext.alias_evidence (alias_event, evaluation_run, baseline_run, metric, value, baseline_value, lift, rule)
  SELECT event, (i ->> 'evaluation_run')::bigint, (i ->> 'baseline_run')::bigint, i ->> 'metric',
         (i ->> 'value')::float8, (i ->> 'baseline_value')::float8, (i ->> 'lift')::float8, (i -> 'rule')::text
  FROM jsonb_array_elements(evidence) i
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
CREATE FUNCTION vectorext.conclude(experiment text, metric text, min_lift float8 DEFAULT 0, alpha float8 DEFAULT 0.05,
                                   OUT promoted boolean, OUT version int, OUT reason text, OUT lift float8,
                                   OUT p_value float8, OUT decision bigint, OUT alias_event bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  x vectorext.experiment := vectorext._experiment(experiment);
  m vectorext.experiment_metric := vectorext._experiment_metric(experiment, metric);
  c vectorext.metric_comparison;
  champion_now int;
  challenger_now int;
  improvement float8;
  before_event bigint;
  done bigint;
BEGIN
  IF alpha IS NULL OR NOT (alpha > 0 AND alpha < 1) THEN
    RAISE EXCEPTION 'alpha must be between 0 and 1 (exclusive), not %', alpha USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass the significance level, e.g. alpha => 0.05.';
  END IF;
  IF min_lift IS NULL OR min_lift < 0 OR min_lift <> min_lift THEN
    RAISE EXCEPTION 'min_lift must be a non-negative number, not %', coalesce(min_lift::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'The minimum relative improvement, e.g. 0.02 for 2%; 0 accepts any significant improvement.';
  END IF;
  -- The model lock first: no alias moves while the results are read and the decision made.
  PERFORM vectorext._lock_model(x.model);
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
    SELECT max(e.id) INTO before_event FROM vectorext.alias_event e WHERE e.model = x.model AND e.alias = x.champion_alias;
    BEGIN
      PERFORM vectorext.promote(x.model, version, x.champion_alias, if_current => champion_now);
      promoted := true;
      reason := format('the challenger (version %s) wins %s: %s -> %s, lift %s%%, p = %s (%s)', version, m.metric,
                       round((c.a).mean::numeric, 4), round((c.b).mean::numeric, 4), round((c.lift * 100)::numeric, 2),
                       vectorext._format_p(c.p_value), c.method);
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
      reason := 'significant win, but the promotion gate refused: ' || SQLERRM;
    END;
    IF promoted THEN
      SELECT max(e.id) INTO alias_event FROM vectorext.alias_event e
        WHERE e.model = x.model AND e.alias = x.champion_alias AND e.id > coalesce(before_event, 0);
    END IF;
  END IF;
  INSERT INTO vectorext.experiment_decision AS d (experiment, model, metric, kind, method, champion_version,
      challenger_version, champion_units, challenger_units, champion_value, challenger_value, difference,
      difference_low, difference_high, lift, p_value, alpha, min_lift, promoted, reason)
    VALUES (experiment, x.model, m.metric, m.kind, c.method, (c.a).versions[1], (c.b).versions[1], (c.a).units,
            (c.b).units, (c.a).mean, (c.b).mean, c.difference, c.difference_low, c.difference_high, c.lift, c.p_value,
            alpha, min_lift, promoted, reason)
    RETURNING d.id INTO decision;
  IF alias_event IS NOT NULL THEN
    INSERT INTO vectorext.alias_evidence (alias_event, decision, metric, value, baseline_value, lift, p_value, rule)
      VALUES (alias_event, decision, m.metric, (c.b).mean, (c.a).mean, c.lift, c.p_value,
              format('%s: p < %s and lift >= %s', c.method, alpha, min_lift));
  END IF;
END
$$;
COMMENT ON FUNCTION vectorext.conclude IS 'Promotes the challenger of an experiment if it wins the metric significantly (p < alpha, lift >= min_lift), else reports why not; records the decision and links it to the alias change';
