-- Champion-challenger experiments (docs/experiments.md): the statistics functions against reference values
-- computed independently with SciPy 1.10 (Debian 12's python3-scipy), exposure and outcome logging, live results
-- with their guard, conclude (every reason not to promote, the gate, a win, transactions, evidence), evaluation
-- runs and promote thresholds, shadow traffic, retention, privileges, and every error with its SQLSTATE.
--
-- The references (Python, for the record):
--   a = [3.1, 2.4, 4.8, 3.9, 2.2, 3.5, 4.1, 2.9, 3.3, 3.8]; b = [4.2, 3.9, 5.1, 4.4, 3.1, 4.8, 5.5, 3.6, 4.9, 4.0, 4.7, 3.8]
--   scipy.stats.ttest_ind(b, a, equal_var=False) -> t 2.909015083623003, p 0.009320849627524852
--   Welch-Satterthwaite df 18.105415948040218; 95% interval of mean(b) - mean(a): t.ppf(0.975, df) * se
--     -> [0.25955114796539314, 1.6071155187012731]; t.interval(0.95, 9, mean(a), sem(a)) -> [2.8327039821926934, 3.9672960178073065]
--   48/400 vs 72/410: pooled z = 2.2274104628683595, p = 2 * norm.sf(z) = 0.025919853793627358,
--     Wald interval [0.006921318517464241, 0.10429819367765769]; binomtest(48, 400).proportion_ci(0.95, 'wilson')
--     -> [0.09171539075382554, 0.1555139529402398]
--   norm.cdf(-1.96) 0.024997895148220435, norm.ppf(0.975) 1.959963984540054, t.cdf(-1.5, 7.3) 0.08778154640154301,
--   t.ppf(0.995, 3.7) 4.869252253428671 (SciPy's ppf is exact to ~2e-11 only)
\pset footer off
SET client_min_messages = warning;
SET extra_float_digits = 0;
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
-- |got - want| within tol (relative above 1).
CREATE FUNCTION pg_temp.near(got float8, want float8, tol float8 DEFAULT 1e-12) RETURNS boolean LANGUAGE sql AS $$
  SELECT abs(got - want) <= tol * greatest(1, abs(want))
$$;

-- 1. Statistics against the references ------------------------------------------------------------------------
SELECT pg_temp.near(vectorext.normal_cdf(-1.96), 0.024997895148220435) AS normal_cdf,
       pg_temp.near(vectorext.normal_quantile(0.975), 1.959963984540054) AS normal_quantile,
       pg_temp.near(vectorext.student_t_cdf(-1.5, 7.3), 0.08778154640154301) AS t_cdf,
       pg_temp.near(vectorext.student_t_quantile(0.995, 3.7), 4.869252253428671, 1e-10) AS t_quantile,
       pg_temp.near(vectorext.student_t_quantile(0.975, 1), tan(pi() * 0.475), 1e-12) AS cauchy_closed_form;
SELECT round(difference::numeric, 12) AS difference, round(statistic::numeric, 12) AS t, round(df::numeric, 12) AS df,
       round(p_value::numeric, 12) AS p, round(ci_low::numeric, 9) AS ci_low, round(ci_high::numeric, 9) AS ci_high,
       pg_temp.near(statistic, 2.909015083623003) AND pg_temp.near(df, 18.105415948040218)
         AND pg_temp.near(p_value, 0.009320849627524852) AND pg_temp.near(ci_low, 0.25955114796539314, 1e-10)
         AND pg_temp.near(ci_high, 1.6071155187012731, 1e-10) AS matches_scipy
FROM vectorext.welch_t_test(10, 3.4, 0.6288888888888887, 12, 4.333333333333333, 0.48060606060606054);
SELECT round(difference::numeric, 12) AS difference, round(statistic::numeric, 12) AS z, df,
       round(p_value::numeric, 12) AS p,
       pg_temp.near(statistic, 2.2274104628683595) AND pg_temp.near(p_value, 0.025919853793627358)
         AND pg_temp.near(ci_low, 0.006921318517464241) AND pg_temp.near(ci_high, 0.10429819367765769) AS matches_reference
FROM vectorext.two_proportion_z_test(48, 400, 72, 410);
SELECT pg_temp.near(w.low, 0.09171539075382554) AND pg_temp.near(w.high, 0.1555139529402398) AS wilson,
       pg_temp.near(m.low, 2.8327039821926934, 1e-10) AND pg_temp.near(m.high, 3.9672960178073065, 1e-10) AS mean_interval
FROM vectorext.wilson_interval(48, 400) w, vectorext.mean_interval(10, 3.4, 0.6288888888888887) m;
-- Undefined statistics are NULL: no variance in either arm, all-or-nothing proportions.
SELECT statistic IS NULL AND p_value IS NULL AS welch_undefined, difference FROM vectorext.welch_t_test(5, 1, 0, 7, 2, 0);
SELECT p_value IS NULL AS z_undefined FROM vectorext.two_proportion_z_test(0, 50, 0, 60);
SELECT pg_temp.err($$SELECT vectorext.welch_t_test(1, 1, 0, 7, 2, 1)$$);
SELECT pg_temp.err($$SELECT vectorext.welch_t_test(5, 1, -1, 7, 2, 1)$$);
SELECT pg_temp.err($$SELECT vectorext.welch_t_test(5, 'NaN', 1, 7, 2, 1)$$);
SELECT pg_temp.err($$SELECT vectorext.welch_t_test(5, 1, 1, 7, 2, 1, alpha => 1)$$);
SELECT pg_temp.err($$SELECT vectorext.two_proportion_z_test(5, 4, 1, 7)$$);
SELECT pg_temp.err($$SELECT vectorext.two_proportion_z_test(1, 4, 1, 0)$$);
SELECT pg_temp.err($$SELECT vectorext.normal_quantile(1)$$);
SELECT pg_temp.err($$SELECT vectorext.student_t_cdf(1, 0)$$);
SELECT pg_temp.err($$SELECT vectorext.student_t_quantile(0.5, -2)$$);
SELECT pg_temp.err($$SELECT vectorext.mean_interval(1, 1, 0)$$);
SELECT pg_temp.err($$SELECT vectorext.wilson_interval(0, 0)$$);

-- 2. A model with two versions serving one collection ----------------------------------------------------------
-- v1 embeds key i as [i,0,0], v2 as [51-i,0,0]: the nearest keys to [0,0,0] are 1,2,3... in v1 and 50,49,... in v2.
CREATE TABLE xr_items (id int PRIMARY KEY);
INSERT INTO xr_items SELECT generate_series(1, 50);
SELECT vectorext.register_model('xr_m', 3), vectorext.register_model('xr_m', 3), vectorext.register_model('xr_m', 3);
SELECT vectorext.create_collection('xr_emb', 'xr_items', 'xr_m');
SELECT vectorext.add_version('xr_emb', 1), vectorext.add_version('xr_emb', 2);
INSERT INTO xr_emb (id, model_version, embedding)
  SELECT i, 1, ARRAY[i, 0, 0]::real[]::vector FROM generate_series(1, 50) i
  UNION ALL SELECT i, 2, ARRAY[51 - i, 0, 0]::real[]::vector FROM generate_series(1, 50) i;
SELECT vectorext.build_index('xr_emb', 1);   -- v2 stays without an index for now: the promotion gate refuses it
SELECT vectorext.promote('xr_m', 1), vectorext.set_alias('xr_m', 'challenger', 2);

-- 3. Exposure and outcome logging --------------------------------------------------------------------------------
SELECT vectorext.create_experiment('xr', 'xr_m', 0.5);
SELECT vectorext.define_metric('xr', 'click');                                                -- rate
SELECT vectorext.define_metric('xr', 'grade', 'mean', higher_is_better => false, min_units => 2);
SELECT vectorext.define_metric('xr', 'spend', 'total', min_units => 50);
SELECT metric, kind, higher_is_better, min_units FROM vectorext.experiment_metric WHERE experiment = 'xr' ORDER BY metric;
-- Choose units by the documented hash: the first 400 routed to the champion and the first 410 to the challenger.
CREATE TEMP TABLE xr_units AS
  SELECT s.unit, s.arm, row_number() OVER (PARTITION BY s.arm ORDER BY s.n) AS nr
  FROM (SELECT n, 'r' || n AS unit,
               CASE WHEN vectorext.route_bucket('xr', 'r' || n) < 5000 THEN 'challenger' ELSE 'champion' END AS arm
        FROM generate_series(1, 2000) n) s;
DELETE FROM xr_units WHERE nr > CASE arm WHEN 'champion' THEN 400 ELSE 410 END;
SELECT vectorext.expose('xr', unit) AS served, arm, count(*) FROM xr_units GROUP BY 1, 2 ORDER BY 1;
-- Idempotent: serving the same units again records nothing new.
SELECT count(*) FILTER (WHERE vectorext.expose('xr', unit) IS NOT NULL) AS served_again FROM xr_units;
SELECT arm, alias, version, count(*) FROM vectorext.experiment_exposure WHERE experiment = 'xr' GROUP BY 1, 2, 3 ORDER BY 1;
-- 48 of 400 and 72 of 410 units click (some twice: a rate counts units, not clicks).
SELECT count(*) AS clicks FROM (
  SELECT vectorext.log_outcome('xr', unit, 'click') FROM xr_units WHERE nr <= CASE arm WHEN 'champion' THEN 48 ELSE 72 END
  UNION ALL SELECT vectorext.log_outcome('xr', unit, 'click', 1) FROM xr_units WHERE nr <= 5) s;
-- Grades: the reference samples a (champion) and b (challenger), one unit each.
SELECT count(*) AS grades FROM (
  SELECT vectorext.log_outcome('xr', u.unit, 'grade', g.v)
  FROM xr_units u
  JOIN (SELECT 'champion' AS arm, nr, v FROM unnest('{3.1,2.4,4.8,3.9,2.2,3.5,4.1,2.9,3.3,3.8}'::float8[]) WITH ORDINALITY AS t(v, nr)
        UNION ALL
        SELECT 'challenger', nr, v FROM unnest('{4.2,3.9,5.1,4.4,3.1,4.8,5.5,3.6,4.9,4.0,4.7,3.8}'::float8[]) WITH ORDINALITY AS t(v, nr)) g
    ON g.arm = u.arm AND g.nr = u.nr) s;
-- Spend: some units buy once or twice; a total counts every exposed unit (0 without a purchase).
SELECT count(*) AS purchases FROM (
  SELECT vectorext.log_outcome('xr', unit, 'spend', (nr % 7) * 10 + CASE arm WHEN 'challenger' THEN 5 ELSE 0 END)
  FROM xr_units WHERE nr % 3 = 0
  UNION ALL SELECT vectorext.log_outcome('xr', unit, 'spend', 20) FROM xr_units WHERE nr % 9 = 0) s;

-- 4. Live results -------------------------------------------------------------------------------------------------
SELECT metric, kind, method, arm, alias, versions, units_exposed, units, outcomes, round(value::numeric, 6) AS value,
       round(ci_low::numeric, 6) AS ci_low, round(ci_high::numeric, 6) AS ci_high,
       round(difference::numeric, 6) AS difference, round(lift::numeric, 6) AS lift,
       round(statistic::numeric, 6) AS statistic, round(df::numeric, 6) AS df, round(p_value::numeric, 8) AS p_value, guard
FROM vectorext.experiment_results('xr') ORDER BY metric, arm DESC;
-- The rate and the mean against the references, at full precision.
SELECT metric,
       CASE metric
         WHEN 'click' THEN pg_temp.near(statistic, 2.2274104628683595) AND pg_temp.near(p_value, 0.025919853793627358)
                           AND pg_temp.near(difference_low, 0.006921318517464241) AND pg_temp.near(difference_high, 0.10429819367765769)
         WHEN 'grade' THEN pg_temp.near(statistic, 2.909015083623003) AND pg_temp.near(df, 18.105415948040218)
                           AND pg_temp.near(p_value, 0.009320849627524852)
                           AND pg_temp.near(difference_low, 0.25955114796539314, 1e-10)
                           AND pg_temp.near(difference_high, 1.6071155187012731, 1e-10) END AS matches_reference
FROM vectorext.experiment_results('xr') WHERE arm = 'challenger' AND metric IN ('click', 'grade') ORDER BY metric;
SELECT metric, arm,
       CASE metric WHEN 'click' THEN pg_temp.near(ci_low, CASE arm WHEN 'champion' THEN 0.09171539075382554 END)
                                     AND pg_temp.near(ci_high, CASE arm WHEN 'champion' THEN 0.1555139529402398 END)
                   WHEN 'grade' THEN pg_temp.near(ci_low, CASE arm WHEN 'champion' THEN 2.8327039821926934 END, 1e-10)
                                     AND pg_temp.near(ci_high, CASE arm WHEN 'champion' THEN 3.9672960178073065 END, 1e-10) END AS interval_matches
FROM vectorext.experiment_results('xr') WHERE arm = 'champion' AND metric IN ('click', 'grade') ORDER BY metric;
-- The total per unit, recomputed independently from the raw tables.
WITH per_unit AS (
  SELECT e.arm, coalesce(sum(o.value), 0) AS v
  FROM vectorext.experiment_exposure e
  LEFT JOIN vectorext.experiment_outcome o ON o.experiment = e.experiment AND o.unit = e.unit AND o.metric = 'spend'
  WHERE e.experiment = 'xr' GROUP BY e.arm, e.unit),
arms AS (SELECT arm, count(*) AS n, avg(v) AS m, var_samp(v) AS s2 FROM per_unit GROUP BY arm)
SELECT pg_temp.near(r.statistic, t.statistic) AND pg_temp.near(r.p_value, t.p_value) AND pg_temp.near(r.df, t.df) AS total_matches
FROM arms a, arms b, vectorext.welch_t_test(a.n, a.m, a.s2, b.n, b.m, b.s2) t, vectorext.experiment_results('xr') r
WHERE a.arm = 'champion' AND b.arm = 'challenger' AND r.metric = 'spend' AND r.arm = 'challenger';
-- 99% intervals are wider.
SELECT bool_and(r99.ci_high - r99.ci_low > r95.ci_high - r95.ci_low) AS wider_at_99
FROM vectorext.experiment_results('xr') r95 JOIN vectorext.experiment_results('xr', alpha => 0.01) r99 USING (metric, arm);

-- 5. The minimum-sample guard --------------------------------------------------------------------------------------
SELECT vectorext.create_experiment('xg', 'xr_m', 0.5);
SELECT vectorext.define_metric('xg', 'click');                                   -- min_units 100
SELECT vectorext.define_metric('xg', 'rare', min_units => 10);
SELECT vectorext.define_metric('xg', 'flat', 'mean', min_units => 2);
SELECT metric, arm, units, p_value, guard FROM vectorext.experiment_results('xg') ORDER BY metric, arm DESC;  -- nobody yet
SELECT count(vectorext.expose('xg', 'g' || i)) FROM generate_series(1, 60) i;
SELECT count(vectorext.log_outcome('xg', 'g' || i, 'click')) FROM generate_series(1, 30) i;
SELECT count(vectorext.log_outcome('xg', 'g' || i, 'rare')) FROM generate_series(1, 4) i;
SELECT count(vectorext.log_outcome('xg', 'g' || i, 'flat', 2)) FROM generate_series(1, 40) i;
SELECT metric, arm, units, p_value IS NULL AS withheld, guard FROM vectorext.experiment_results('xg')
WHERE arm = 'challenger' ORDER BY metric;
-- An alias moved during the experiment: new units of the challenger arm were served another version.
SELECT vectorext.set_alias('xr_m', 'challenger', 3);
SELECT count(vectorext.expose('xg', 'h' || i)) FROM generate_series(1, 20) i;
SELECT metric, arm, versions, guard FROM vectorext.experiment_results('xg') WHERE metric = 'click' ORDER BY arm DESC;
SELECT vectorext.set_alias('xr_m', 'challenger', 2);

-- 6. Logging errors and the sticky assignment -----------------------------------------------------------------------
SELECT pg_temp.err($$SELECT vectorext.expose('xr_nope', 'r1')$$);
SELECT pg_temp.err($$SELECT vectorext.expose('xr', '')$$);
SELECT pg_temp.err($$SELECT vectorext.log_outcome('xr_nope', 'r1', 'click')$$);
SELECT pg_temp.err($$SELECT vectorext.log_outcome('xr', 'r1', 'purchase')$$);
SELECT vectorext.log_outcome('xr', 'never-seen', 'click') AS recorded,   -- not exposed: nothing recorded, no error
       (SELECT count(*) FROM vectorext.experiment_outcome WHERE unit = 'never-seen') AS stored;
SELECT pg_temp.err($$SELECT vectorext.log_outcome('xr', 'r1', 'grade', 'NaN')$$);
SELECT pg_temp.err($$SELECT vectorext.log_outcome('xr', 'r1', 'grade', NULL)$$);
SELECT pg_temp.err($$SELECT vectorext.define_metric('xr', 'x', 'median')$$);
SELECT pg_temp.err($$SELECT vectorext.define_metric('xr', '', 'rate')$$);
SELECT pg_temp.err($$SELECT vectorext.define_metric('xr', 'x', min_units => 1)$$);
SELECT pg_temp.err($$SELECT vectorext.define_metric('xr_nope', 'x')$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.experiment_results('xr_nope')$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.experiment_results('xr', alpha => 0)$$);
-- Units keep their first arm when the share changes (route() follows the new share, expose() does not).
SELECT vectorext.create_experiment('xr', 'xr_m', 0.0);
SELECT count(*) FILTER (WHERE vectorext.expose('xr', unit) = 'challenger') AS still_challenger,
       count(*) FILTER (WHERE vectorext.route('xr', unit) = 'challenger') AS routed_challenger
FROM xr_units;
SELECT vectorext.create_experiment('xr', 'xr_m', 0.5);

-- 7. conclude: every reason not to promote, the gate, then a win ----------------------------------------------------
SELECT promoted, version, reason, round(lift::numeric, 6) AS lift, round(p_value::numeric, 8) AS p_value
FROM vectorext.conclude('xr', 'click', alpha => 0.01);                       -- p 0.026 is not below 0.01
SELECT promoted, reason FROM vectorext.conclude('xr', 'click', min_lift => 0.5);   -- lift 46% < 50%
SELECT promoted, reason FROM vectorext.conclude('xr', 'grade');              -- lower is better: significantly worse
SELECT promoted, reason FROM vectorext.conclude('xg', 'click');              -- the guard
SELECT promoted, reason FROM vectorext.conclude('xr', 'click');              -- significant, but v2 has no index
SELECT metric, promoted, min_lift, alpha, champion_version, challenger_version, champion_units, challenger_units,
       round(p_value::numeric, 8) AS p_value, reason
FROM vectorext.experiment_decision WHERE experiment IN ('xr', 'xg') ORDER BY id;
SELECT vectorext.version_of('xr_m') AS still_v1;
SELECT vectorext.build_index('xr_emb', 2);
-- In a transaction that rolls back, the promotion and its decision disappear together.
BEGIN;
SELECT promoted, version FROM vectorext.conclude('xr', 'click');
SELECT vectorext.version_of('xr_m') AS inside;
ROLLBACK;
SELECT vectorext.version_of('xr_m') AS after_rollback,
       (SELECT count(*) FROM vectorext.experiment_decision WHERE experiment = 'xr' AND promoted) AS promoted_decisions;
SELECT promoted, version, reason, round(lift::numeric, 6) AS lift, round(p_value::numeric, 8) AS p_value, decision,
       alias_event
FROM vectorext.conclude('xr', 'click') \gset won_
\echo promoted :won_promoted version :won_version lift :won_lift p :won_p_value: :won_reason
SELECT :won_decision = (SELECT max(id) FROM vectorext.experiment_decision) AS decision_recorded,
       :won_alias_event = (SELECT max(id) FROM vectorext.alias_event WHERE model = 'xr_m') AS event_linked,
       (SELECT alias_event FROM vectorext.alias_evidence WHERE decision = :won_decision) = :won_alias_event AS evidence_on_event,
       (SELECT changed_by = current_user AND action = 'promote' FROM vectorext.alias_event WHERE id = :won_alias_event) AS by_the_caller;
SELECT vectorext.version_of('xr_m') AS champion_now;
-- Why is version 2 serving? The alias change, the experiment, the metric, the lift and the p-value.
SELECT action, from_version, to_version, evidence, experiment, metric, round(value::numeric, 6) AS value,
       round(baseline_value::numeric, 6) AS baseline, round(lift::numeric, 6) AS lift, round(p_value::numeric, 8) AS p_value,
       method, rule
FROM vectorext.why_serving('xr_m');
SELECT promoted, replace(reason, decision::text, '<decision>') AS reason,
       decision = (SELECT min(id) FROM vectorext.experiment_decision WHERE experiment = 'xr' AND promoted) AS same_decision
FROM vectorext.conclude('xr', 'click');
-- A concluded experiment serves everyone the champion alias and records no new exposure.
SELECT vectorext.expose('xr', 'late-unit') AS late, (SELECT count(*) FROM vectorext.experiment_exposure WHERE unit = 'late-unit') AS recorded;
-- Rolled back: the answer names the rollback, the promotion it undid (with its evidence) and how v1 got there.
SELECT vectorext.rollback('xr_m');
SELECT action, from_version, to_version, evidence, experiment, metric FROM vectorext.why_serving('xr_m');
SELECT pg_temp.err($$SELECT * FROM vectorext.conclude('xr_nope', 'click')$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.conclude('xr', 'nope')$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.conclude('xr', 'click', alpha => 1.5)$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.conclude('xr', 'click', min_lift => -0.1)$$);

-- 8. Evaluation runs and promote thresholds ----------------------------------------------------------------------
-- Judgments: keys 1..5 are relevant to the query [0,0,0]: v1 finds them all (nDCG 1), v2 none (nDCG 0).
CREATE TABLE xr_judgments AS SELECT 'q1' AS query_id, i AS key, 6 - i AS relevance FROM generate_series(1, 5) i;
SELECT vectorext.record_evaluate('xr_emb', $$SELECT 'q1', '[0,0,0]'::vector$$, 'SELECT * FROM xr_judgments', 'golden',
                                 k => 5, alias => 'champion') > 0 AS v1_run,
       vectorext.record_evaluate('xr_emb', $$SELECT 'q1', '[0,0,0]'::vector$$, 'SELECT * FROM xr_judgments', 'golden',
                                 k => 5, alias => 'challenger') > 0 AS v2_run,
       vectorext.record_compare('xr_emb', $$SELECT 'q1', '[0,0,0]'::vector, '[0,0,0]'::vector$$, 'golden', k => 5) > 0 AS compare_run,
       vectorext.record_recall('xr_emb', 1, sample => 10, k => 5) > 0 AS recall_run;
SELECT kind, collection, model, version, baseline_version, query_set, k, queries, metrics, queries_sql IS NOT NULL AS provenance
FROM vectorext.evaluation_run WHERE model = 'xr_m' ORDER BY id;
-- v2 against the champion v1: nDCG must be at least 0.01 higher; it is 1 lower.
SELECT pg_temp.err($$SELECT vectorext.promote('xr_m', 2, thresholds => '{"ndcg_at_k": {"min_absolute_change": 0.01}}', query_set => 'golden')$$);
SELECT pg_temp.err($$SELECT vectorext.promote('xr_m', 2, thresholds => '{"ndcg_at_k": {"threshold": 0.5}}', query_set => 'golden')$$);
SELECT pg_temp.err($$SELECT vectorext.promote('xr_m', 2, thresholds => '{"precision_at_k": {"min_relative_change": 0.1}}', query_set => 'golden')$$);
SELECT pg_temp.err($$SELECT vectorext.promote('xr_m', 2, thresholds => '{"ndcg_at_k": {"threshold": 0.5}}', query_set => 'other')$$);
SELECT pg_temp.err($$SELECT vectorext.promote('xr_m', 2, thresholds => '{"ndcg_at_k": {"threshold": 0.5}}')$$);
SELECT pg_temp.err($$SELECT vectorext.promote('xr_m', 2, thresholds => '[1]', query_set => 'golden')$$);
SELECT pg_temp.err($$SELECT vectorext.promote('xr_m', 2, thresholds => '{"ndcg_at_k": {"min_change": 1}}', query_set => 'golden')$$);
SELECT pg_temp.err($$SELECT vectorext.promote('xr_m', 2, thresholds => '{"ndcg_at_k": {"greater_is_better": 1}}', query_set => 'golden')$$);
SELECT vectorext.version_of('xr_m') AS still_v1;
-- The thresholds are one gate of vectorext._promotion_gates, the one place promote checks its gates.
SELECT gate, problem, jsonb_array_length(evidence) AS runs_checked
FROM vectorext._promotion_gates('xr_m', 2, 'champion', '{"ndcg_at_k": {"min_absolute_change": 0.01}}', 'golden');
SELECT gate IS NULL AS passes, evidence IS NULL AS no_evidence FROM vectorext._promotion_gates('xr_m', 2, 'champion');
-- A run without a value of the metric (no queries) does not count as the candidate's run.
SELECT vectorext.record_evaluate('xr_emb', $$SELECT 'q1', '[0,0,0]'::vector WHERE false$$, 'SELECT * FROM xr_judgments',
                                 'empty', k => 5, alias => 'challenger') > 0 AS empty_run;
SELECT queries, metrics FROM vectorext.evaluation_run WHERE query_set = 'empty';
SELECT pg_temp.err($$SELECT vectorext.promote('xr_m', 2, thresholds => '{"ndcg_at_k": {"threshold": 0}}', query_set => 'empty')$$);
-- Lower-is-better rules: nDCG at most 0.5 holds for v2.
SELECT vectorext.promote('xr_m', 2, thresholds => '{"ndcg_at_k": {"threshold": 0.5, "greater_is_better": false}}', query_set => 'golden');
SELECT action, to_version, forced, evidence, metric, value, baseline_value, rule, query_set
FROM vectorext.why_serving('xr_m');
-- v1 back against the champion v2: a gain of 1 in nDCG (relative: from 0, any gain counts).
SELECT vectorext.promote('xr_m', 1, thresholds => '{"ndcg_at_k": {"min_absolute_change": 0.01, "min_relative_change": 0}}',
                         query_set => 'golden');
SELECT action, from_version, to_version, evidence, metric, value, baseline_value, lift, rule,
       evaluation_run IS NOT NULL AND baseline_run IS NOT NULL AS runs_linked
FROM vectorext.why_serving('xr_m');
SELECT vectorext.set_alias('xr_m', 'champion', 2);
-- Recall of v1's index at least 0.9 on its own sample (a stored record_recall run).
SELECT vectorext.promote('xr_m', 1, thresholds => '{"recall": {"threshold": 0.9}}', query_set => 'sample:10');
SELECT to_version, metric, value, baseline_value, query_set FROM vectorext.why_serving('xr_m');
-- force promotes past failed thresholds with a WARNING and records it as forced, with the evidence it ignored.
SET client_min_messages = warning;
SELECT vectorext.promote('xr_m', 2, force => true, thresholds => '{"ndcg_at_k": {"min_absolute_change": 0.01}}', query_set => 'golden');
SELECT to_version, forced, metric, value, baseline_value FROM vectorext.why_serving('xr_m');
-- A baseline run must exist for the current version at the same k.
SELECT pg_temp.err($$SELECT vectorext.promote('xr_m', 1, thresholds => '{"recall": {"min_absolute_change": 0}}', query_set => 'sample:10')$$);
SELECT pg_temp.err($$SELECT vectorext.record_evaluate('xr_emb', 'SELECT 1, ''[0,0,0]''::vector', 'SELECT * FROM xr_judgments', '')$$);
SELECT pg_temp.err($$SELECT vectorext.why_serving('xr_m', 'nope')$$);

-- 9. Shadow traffic --------------------------------------------------------------------------------------------
SELECT vectorext.set_alias('xr_m', 'champion', 1);
SELECT * FROM vectorext.shadow_search('xr_emb', '[0,0,0]', '[0,0,0]', 5);    -- the champion's answer
SELECT key FROM vectorext.search('xr_emb', '[0,0,0]', 5);                    -- the same
SELECT count(*) FROM vectorext.shadow_search('xr_emb', '[25,0,0]', '[25,0,0]', 4);
SELECT count(*) FROM vectorext.shadow_search('xr_emb', '[0,0,0]', NULL, 5);              -- no shadow query: not logged
SELECT count(*) FROM vectorext.shadow_search('xr_emb', '[0,0,0]', '[0,0,0]', 5, sample => 0);   -- not sampled
SELECT alias_a, version_a, alias_b, version_b, k, returned_a, returned_b, overlap, round(rbo::numeric, 6) AS rbo,
       latency_a_ms >= 0 AND latency_b_ms >= 0 AS timed
FROM vectorext.shadow_log WHERE collection = 'xr_emb' ORDER BY k DESC;
-- The logged agreement is what vectorext.compare computes for the same queries.
SELECT query_id, overlap, round(rbo::numeric, 6) AS rbo
FROM vectorext.compare('xr_emb', $$VALUES ('a', '[0,0,0]'::vector, '[0,0,0]'::vector)$$, k => 5);
SELECT alias_a, version_a, version_b, k, queries, overlap, round(rbo::numeric, 6) AS rbo,
       latency_a_ms_p50 <= latency_a_ms_p95 AND latency_b_ms_p50 <= latency_b_ms_p95 AS ordered
FROM vectorext.shadow_results('xr_emb');
SELECT pg_temp.err($$SELECT * FROM vectorext.shadow_search('xr_emb', '[0,0,0]', '[0,0,0]', 5, sample => 2)$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.shadow_search('xr_emb', '[0,0,0]', '[0,0,0]', 5, p => 1)$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.shadow_search('xr_emb', '[0,0,0]', '[0,0,0]', 5, alias_b => 'nope')$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.shadow_search('xr_emb', '[0,0,0]', '[0,0]', 5)$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.shadow_search('xr_emb', '[0,0,0]', '[0,0,0]', 0)$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.shadow_search('xr_nope', '[0,0,0]', '[0,0,0]', 5)$$);

-- 10. Privileges (docs/security.md) --------------------------------------------------------------------------------
-- An application role reads its collection; 'log' on the model (grant_logger) lets it serve and log, not decide.
-- A deployer holds 'alias' on the model: it defines metrics, reads results and concludes, but does not log.
CREATE ROLE xr_app;
CREATE ROLE xr_deployer;
GRANT SELECT ON xr_emb TO xr_app;
SET ROLE xr_app;
SELECT pg_temp.err($$SELECT vectorext.expose('xg', 'p1')$$);                  -- not a logger
SELECT pg_temp.err($$SELECT count(*) FROM vectorext.experiment_exposure$$);
SELECT count(*) > 0 AS reads_decisions FROM vectorext.experiment_decision;
SELECT pg_temp.err($$SELECT vectorext.grant_logger('xr_m', 'xr_app')$$);     -- only the model's owner grants
RESET ROLE;
SELECT vectorext.grant_logger('xr_m', 'xr_app'), vectorext.grant_model('xr_m', 'xr_deployer', 'alias');
SELECT grantee, privilege FROM vectorext.model_grants WHERE model = 'xr_m' ORDER BY 1::text;
SET ROLE xr_app;
SELECT vectorext.has_model_privilege('xr_m', 'log') AS logger, vectorext.has_model_privilege('xr_m', 'alias') AS deployer;
SELECT vectorext.expose('xg', 'p1') IS NOT NULL AS exposed;
SELECT vectorext.log_outcome('xg', 'p1', 'click') AS recorded;
SELECT count(*) AS result_rows FROM vectorext.experiment_results('xg');
SELECT count(*) FROM vectorext.shadow_search('xr_emb', '[0,0,0]', '[0,0,0]', 3);
SELECT queries > 0 AS reads_shadow_results FROM vectorext.shadow_results('xr_emb') WHERE k = 3;
-- ... but never the rows themselves, nor around the functions.
SELECT pg_temp.err($$SELECT count(*) FROM vectorext.experiment_outcome$$);
SELECT pg_temp.err($$INSERT INTO vectorext.experiment_exposure (experiment, unit, arm, alias, version) VALUES ('xg', 'forged', 'challenger', 'challenger', 2)$$);
SELECT pg_temp.err($$INSERT INTO vectorext.experiment_outcome (experiment, unit, metric, value) VALUES ('xg', 'p1', 'click', 1e9)$$);
SELECT pg_temp.err($$SELECT vectorext._owner_expose('xr_deployer'::regrole, 'xg', 'p2')$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.conclude('xg', 'click')$$);     -- deciding needs 'alias'
SELECT pg_temp.err($$SELECT vectorext.define_metric('xg', 'click', 'rate', min_units => 2)$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.prune_experiment('xg')$$);
SELECT pg_temp.err($$SELECT vectorext.prune_shadow_log('xr_emb')$$);
SELECT pg_temp.err($$SELECT vectorext.record_recall('xr_emb', 1, sample => 2, k => 2)$$);
SELECT pg_temp.err($$SELECT vectorext._record_evaluation_run('evaluate', 'xr_emb', 1, NULL, 'golden', 5, 1, '{"ndcg_at_k": 1}', NULL, NULL)$$);
RESET ROLE;
SET ROLE xr_deployer;
SELECT pg_temp.err($$SELECT vectorext.expose('xg', 'p3')$$);                  -- logging needs 'log'
SELECT pg_temp.err($$SELECT count(*) FROM vectorext.shadow_search('xr_emb', '[0,0,0]', '[0,0,0]', 3)$$);
SELECT count(*) AS result_rows FROM vectorext.experiment_results('xg');
SELECT vectorext.define_metric('xg', 'rare', min_units => 10);
SELECT promoted, reason FROM vectorext.conclude('xg', 'click');              -- refused by the guard, recorded
SELECT decided_by FROM vectorext.experiment_decision WHERE experiment = 'xg' ORDER BY id DESC LIMIT 1;
-- It may not read the collection: its evaluation runs are refused by the collection's own privileges.
SELECT pg_temp.err($$SELECT vectorext.record_recall('xr_emb', 1, sample => 2, k => 2)$$);
RESET ROLE;

-- 11. Retention ---------------------------------------------------------------------------------------------------
SELECT * FROM vectorext.prune_experiment('xg', older_than => '1 day');        -- nothing that old
SELECT * FROM vectorext.prune_experiment('xg');
SELECT count(*) AS left_units, (SELECT count(*) FROM vectorext.experiment_outcome WHERE experiment = 'xg') AS left_outcomes
FROM vectorext.experiment_exposure WHERE experiment = 'xg';
SELECT pg_temp.err($$SELECT * FROM vectorext.prune_experiment('xg', '-1 day')$$);
SELECT pg_temp.err($$SELECT * FROM vectorext.prune_experiment('xr_nope')$$);
SELECT vectorext.prune_shadow_log('xr_emb', '1 day') AS none_old, vectorext.prune_shadow_log('xr_emb') > 0 AS pruned;
SELECT pg_temp.err($$SELECT vectorext.prune_shadow_log('xr_emb', '-1 day')$$);

SELECT vectorext.drop_collection('xr_emb');
DROP TABLE xr_items, xr_judgments;
SELECT vectorext.prune_experiment('xr');
DELETE FROM vectorext.alias_evidence v USING vectorext.alias_event e WHERE e.id = v.alias_event AND e.model = 'xr_m';
DELETE FROM vectorext.experiment_decision WHERE model = 'xr_m';
DELETE FROM vectorext.evaluation_run WHERE model = 'xr_m';
DELETE FROM vectorext.experiment WHERE model = 'xr_m';
SET session_replication_role = replica;   -- the alias history is append-only
DELETE FROM vectorext.alias_event WHERE model = 'xr_m';
RESET session_replication_role;
DELETE FROM vectorext.model_head WHERE name = 'xr_m';
DROP ROLE xr_app, xr_deployer;
