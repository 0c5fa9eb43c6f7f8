-- Overhead of serving through an experiment and of shadow traffic, per call, on the make-run demo database
-- (run after `make run`: psql -h 127.0.0.1 -p 54329 -U postgres vectorext_demo -f bench/experiments_overhead.sql).
-- Not a test: timings depend on the machine. Each variant runs the same 2,000 searches of the demo's query images
-- (k = 10, the champion's HNSW index) from one PL/pgSQL loop; the figure is the mean wall time per call. The loop runs
-- as the demo's application role fashion_app ('log' on the model), so every call pays the privilege check an
-- application pays (a superuser's is shorter).
\pset footer off
SET client_min_messages = warning;
SELECT vectorext.create_experiment('overhead', 'fashion', challenger_share => 0.5);
SELECT vectorext.define_metric('overhead', 'click');
CREATE TEMP TABLE bq AS SELECT row_number() OVER (ORDER BY id) - 1 AS i, v1, v2, v3 FROM user_queries;
CREATE FUNCTION pg_temp.run(variant text, calls int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
  n int;
  q record;
  arm text;
  v int;
BEGIN
  FOR n IN 1..calls LOOP
    SELECT * INTO q FROM bq WHERE bq.i = n % 100;
    CASE variant
      WHEN 'search' THEN
        PERFORM count(*) FROM vectorext.search('catalog_emb', q.v3, 10, 'champion');
      WHEN 'route' THEN   -- the traffic split only, no logging
        arm := vectorext.route('overhead', 'u' || n);
        v := vectorext.version_of('fashion', arm);
        PERFORM count(*) FROM vectorext.search('catalog_emb', CASE v WHEN 1 THEN q.v1 WHEN 2 THEN q.v2 ELSE q.v3 END, 10, arm);
      WHEN 'expose' THEN  -- split + exposure (first time: an insert; again: one index probe)
        arm := vectorext.expose('overhead', 'u' || n);
        v := vectorext.version_of('fashion', arm);
        PERFORM count(*) FROM vectorext.search('catalog_emb', CASE v WHEN 1 THEN q.v1 WHEN 2 THEN q.v2 ELSE q.v3 END, 10, arm);
      WHEN 'expose+outcome' THEN
        arm := vectorext.expose('overhead', 'u' || n);
        v := vectorext.version_of('fashion', arm);
        PERFORM count(*) FROM vectorext.search('catalog_emb', CASE v WHEN 1 THEN q.v1 WHEN 2 THEN q.v2 ELSE q.v3 END, 10, arm);
        PERFORM vectorext.log_outcome('overhead', 'u' || n, 'click');
      WHEN 'expose only' THEN    -- the function alone, first exposures of other units (an insert each)
        arm := vectorext.expose('overhead', 'x' || n);
      WHEN 'expose only again' THEN
        arm := vectorext.expose('overhead', 'x' || n);
      WHEN 'log_outcome only' THEN
        PERFORM vectorext.log_outcome('overhead', 'x' || n, 'click');
      WHEN 'shadow' THEN
        PERFORM count(*) FROM vectorext.shadow_search('catalog_emb', q.v3, q.v2, 10);
      WHEN 'shadow 10%' THEN
        PERFORM count(*) FROM vectorext.shadow_search('catalog_emb', q.v3, q.v2, 10, sample => 0.1);
    END CASE;
  END LOOP;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / calls;
END
$$;
SELECT vectorext.promote('fashion', 3) AS champion, vectorext.set_alias('fashion', 'challenger', 2) AS challenger;
GRANT SELECT ON bq TO fashion_app;
SET ROLE fashion_app;
SELECT pg_temp.run('search', 200) AS warm_up \gset
SELECT v AS variant, round(pg_temp.run(v, 2000)::numeric, 1) AS us_per_call
FROM unnest(ARRAY['search', 'route', 'expose', 'expose', 'expose+outcome', 'search', 'shadow', 'shadow 10%',
                  'expose only', 'expose only again', 'log_outcome only']) WITH ORDINALITY u(v, o)
ORDER BY o;
-- (the first 'expose' row inserts 2,000 exposures, the second serves the same units again; the '... only' rows call
-- the function without a search)
RESET ROLE;
SELECT vectorext.prune_experiment('overhead') AS pruned;
DELETE FROM vectorext.experiment WHERE name = 'overhead';
SELECT vectorext.prune_shadow_log('catalog_emb') AS shadow_rows_pruned;
