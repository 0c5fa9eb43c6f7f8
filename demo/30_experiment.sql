-- Champion vs challenger in production: shadow traffic, then a live experiment on simulated users of the
-- Fashion-MNIST sample (a user clicks every result of the query image's class), results that move as traffic
-- arrives, a conclusion with its evidence, and a rollback. Reference: docs/experiments.md. Runs after
-- 20_model_registry.sql (collection catalog_emb with versions 1 and 2 of model 'fashion'). The traffic is served by an
-- application role that may read the catalog and log through the model's experiments, not decide
-- (docs/security.md); the model's owner concludes.
\pset footer off
SET client_min_messages = warning;

\echo '== 1. Production serves a small, cheap model: PCA to 8 dimensions (version 3). The candidate is PCA-32 (version 2).'
SELECT vectorext.register_model('fashion', 8, 'cosine',
         artifact => vectorext.pca_fit((SELECT array_agg(embedding ORDER BY id) FROM fashion_raw WHERE split = 'base'), 8),
         description => 'PCA-8 of the pixels', params => '{"kind": "pca", "components": 8}') AS version;
SELECT vectorext.add_version('catalog_emb', 3) AS partition;
INSERT INTO catalog_emb (id, model_version, embedding)
  SELECT f.id, 3, vectorext.linear_embed(m.w, f.embedding::real[])::vector
  FROM fashion_raw f, (SELECT vectorext.model_artifact('fashion', 3) AS w) m
  WHERE f.split = 'base';
SELECT EXISTS (SELECT 1 FROM pg_am WHERE amname = 'hnsw') AS has_hnsw \gset
\if :has_hnsw
SELECT vectorext.build_index('catalog_emb', 3) AS index;
\endif
ANALYZE catalog_emb;
SELECT vectorext.promote('fashion', 3, force => NOT :'has_hnsw'::bool) AS champion,
       vectorext.set_alias('fashion', 'challenger', 2) AS challenger;
-- The users' query images, embedded once by each model (an application embeds with the model its arm serves).
CREATE TABLE user_queries AS
  SELECT f.id, f.label, f.embedding AS v1,
         vectorext.linear_embed(m2.w, f.embedding::real[])::vector AS v2,
         vectorext.linear_embed(m3.w, f.embedding::real[])::vector AS v3
  FROM fashion_raw f, (SELECT vectorext.model_artifact('fashion', 2) AS w) m2,
       (SELECT vectorext.model_artifact('fashion', 3) AS w) m3
  WHERE f.split = 'query';
CREATE FUNCTION embedded_for(q user_queries, version int) RETURNS vector LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE version WHEN 1 THEN q.v1 WHEN 2 THEN q.v2 ELSE q.v3 END
$$;
-- The application's role: SELECT on what it reads, 'log' on the model (expose, log_outcome, shadow_search, results).
CREATE ROLE fashion_app;
GRANT SELECT ON catalog, catalog_emb, user_queries TO fashion_app;
SELECT vectorext.grant_logger('fashion', 'fashion_app');

\echo '== 2. Shadow traffic: every query is answered by the champion; the challenger runs on the same request and only'
\echo '   the agreement and both latencies are logged. No user sees the challenger''s results.'
SET ROLE fashion_app;
SELECT count(*) AS results_served FROM user_queries q,
  LATERAL vectorext.shadow_search('catalog_emb', embedded_for(q, 3), embedded_for(q, 2), 10) s;
RESET ROLE;
SELECT alias_a AS served, version_a, alias_b AS shadow, version_b, queries, round(overlap::numeric, 3) AS overlap_at_10,
       round(rbo::numeric, 3) AS rbo, round(latency_a_ms_p50::numeric, 2) AS served_ms_p50,
       round(latency_b_ms_p50::numeric, 2) AS shadow_ms_p50
FROM vectorext.shadow_results('catalog_emb');

\echo '== 3. A live experiment: half of the users are served by the challenger. Metrics:'
\echo '   clicks = results of the query''s class among the 10 shown (per user, Welch t-test);'
\echo '   first_click = the top result was of the query''s class (share of users, two-proportion z-test).'
SELECT vectorext.create_experiment('fashion-live', 'fashion', challenger_share => 0.5);
SELECT vectorext.define_metric('fashion-live', 'clicks', 'total', min_units => 100);
SELECT vectorext.define_metric('fashion-live', 'first_click', 'rate', min_units => 100);
-- One user = one query image; the serving code every application would run.
CREATE FUNCTION serve_users(first int, last int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  n int;
  unit text;
  arm text;
  q user_queries;
  hits int;
  top_hit boolean;
BEGIN
  FOR n IN first..last LOOP
    unit := 'user-' || n;
    SELECT * INTO q FROM user_queries ORDER BY id OFFSET n % 100 LIMIT 1;
    arm := vectorext.expose('fashion-live', unit);          -- the alias serving this user; exposure recorded once
    SELECT count(*) FILTER (WHERE c.label = q.label), coalesce(bool_or(r.rank = 1 AND c.label = q.label), false)
      INTO hits, top_hit
      FROM vectorext.search('catalog_emb', embedded_for(q, vectorext.version_of('fashion', arm)), 10, arm)
           WITH ORDINALITY AS r(key, distance, rank)
      JOIN catalog c ON c.id = r.key::int;
    PERFORM vectorext.log_outcome('fashion-live', unit, 'clicks', hits);
    IF top_hit THEN
      PERFORM vectorext.log_outcome('fashion-live', unit, 'first_click');
    END IF;
  END LOOP;
END
$$;
CREATE VIEW live AS
  SELECT metric, arm, versions[1] AS version, units, round(value::numeric, 3) AS value,
         '[' || round(ci_low::numeric, 3) || ', ' || round(ci_high::numeric, 3) || ']' AS ci_95,
         round((lift * 100)::numeric, 1) AS lift_pct, to_char(p_value, '9.99EEEE') AS p_value, method, guard
  FROM vectorext.experiment_results('fashion-live') ORDER BY metric, arm DESC;

\echo 'After 150 users (the minimum-sample guard withholds the p-values):'
SET ROLE fashion_app;
SELECT serve_users(1, 150) AS done \gset
RESET ROLE;
SELECT * FROM live;
\echo 'A decision now is refused with the reason (and the application may not decide at all):'
SELECT promoted, reason FROM vectorext.conclude('fashion-live', 'clicks', min_lift => 0.02);
SET ROLE fashion_app;
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT promoted FROM vectorext.conclude('fashion-live', 'clicks');
\set VERBOSITY default
\set ON_ERROR_STOP 1
RESET ROLE;
\echo 'After 600 users:'
SET ROLE fashion_app;
SELECT serve_users(151, 600) AS done \gset
RESET ROLE;
SELECT * FROM live;
\echo 'After 1,500 users:'
SET ROLE fashion_app;
SELECT serve_users(601, 1500) AS done \gset
RESET ROLE;
SELECT * FROM live;

\echo '== 4. Conclude: promote the challenger only if it wins clicks significantly (alpha 0.05) by at least 2%.'
SELECT promoted, version, reason FROM vectorext.conclude('fashion-live', 'clicks', min_lift => 0.02, alpha => 0.05);
\echo 'Why is this version serving? The answer is in the alias history, linked to the decision:'
SELECT action, from_version, to_version, evidence, experiment, metric, round(baseline_value::numeric, 3) AS champion_value,
       round(value::numeric, 3) AS challenger_value, round((lift * 100)::numeric, 1) AS lift_pct,
       to_char(p_value, '9.99EEEE') AS p_value, method
FROM vectorext.why_serving('fashion');
\echo 'New users are now all served by the champion (the winner); the experiment records nothing more:'
SELECT vectorext.expose('fashion-live', 'user-new') AS arm, vectorext.version_of('fashion') AS version;

\echo '== 5. Roll back (e.g. the new model misbehaves elsewhere): one call, and the history says what happened.'
SELECT vectorext.rollback('fashion') AS champion;
SELECT action, from_version, to_version, evidence, experiment, metric FROM vectorext.why_serving('fashion');
