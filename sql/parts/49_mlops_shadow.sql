-- Shadow traffic (docs/experiments.md#shadow-traffic): serve one alias' results and, in the same call, run another
-- alias on the same request, logging how much the two answers agree (overlap@k, rank-biased overlap) and both
-- latencies, so a new model is compared on real queries before any user sees it. The log is append-only.
-- Privileges: shadow_search runs the searches with the caller's rights (SELECT on the collection table) and needs
-- 'log' on the collection's model, as it appends to the log through the owner-checked vectorext._log_shadow; reading
-- the log (shadow_results) needs 'log' or 'alias', pruning it 'alias'. Nobody but the extension owner reads or
-- writes the table directly.
CREATE TABLE vectorext.shadow_log (
  collection text NOT NULL,
  alias_a    text NOT NULL,
  version_a  int NOT NULL,
  alias_b    text NOT NULL,
  version_b  int NOT NULL,
  k          int NOT NULL,
  returned_a int NOT NULL,
  returned_b int NOT NULL,
  overlap    float8 NOT NULL,
  rbo        float8 NOT NULL,
  latency_a_ms float8 NOT NULL,
  latency_b_ms float8 NOT NULL,
  logged_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shadow_log_collection_idx ON vectorext.shadow_log (collection, logged_at);
SELECT pg_catalog.pg_extension_config_dump('vectorext.shadow_log', '');

-- Returns alias_a's k nearest keys for query_a. With probability `sample` (and when query_b, the same request
-- embedded by alias_b's model, is given) it also searches alias_b and logs the comparison. p: RBO persistence.
CREATE FUNCTION vectorext.shadow_search(collection text, query_a @extschema@.vector, query_b @extschema@.vector, k int,
                                        alias_a text DEFAULT 'champion', alias_b text DEFAULT 'challenger',
                                        sample float8 DEFAULT 1, p float8 DEFAULT 0.9)
RETURNS TABLE (key text, distance float8)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  va int;
  vb int;
  keys_a text[];
  dist_a float8[];
  keys_b text[];
  t0 timestamptz;
  t1 timestamptz;
  t2 timestamptz;
BEGIN
  -- Refused up front, sampled or not (vectorext._log_shadow checks again before it writes).
  PERFORM vectorext._require_model_privilege(vectorext._current_role(), c.model, 'log');
  IF sample IS NULL OR NOT (sample >= 0 AND sample <= 1) THEN
    RAISE EXCEPTION 'sample must be between 0 and 1, not %', sample USING ERRCODE = 'invalid_parameter_value',
      HINT = 'The share of calls that also run the shadow search, e.g. 0.1.';
  END IF;
  IF p IS NULL OR NOT (p > 0 AND p < 1) THEN
    RAISE EXCEPTION 'rank-biased overlap needs 0 < p < 1, not %', p USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Use p => 0.9 (the top 10 results carry about 86% of the weight).';
  END IF;
  PERFORM vectorext._check_k(k);
  va := vectorext.version_of(c.model, alias_a);
  vb := vectorext.version_of(c.model, alias_b);  -- also when not sampled: a misspelt alias fails at once
  t0 := clock_timestamp();
  SELECT array_agg(s.key ORDER BY s.ord), array_agg(s.distance ORDER BY s.ord) INTO keys_a, dist_a
    FROM vectorext._search_version(collection, va, query_a, k) WITH ORDINALITY AS s(key, distance, ord);
  t1 := clock_timestamp();
  IF query_b IS NOT NULL AND sample > 0 AND (sample >= 1 OR random() < sample) THEN
    keys_b := ARRAY(SELECT s.key FROM vectorext._search_version(collection, vb, query_b, k) s);
    t2 := clock_timestamp();
    keys_a := coalesce(keys_a, '{}');
    PERFORM vectorext._log_shadow(collection, alias_a, va, alias_b, vb, k, cardinality(keys_a), cardinality(keys_b),
                                  (SELECT count(*) FROM unnest(keys_a) x WHERE x = ANY (keys_b))::float8 / k,
                                  vectorext.rbo(keys_a, keys_b, p),
                                  extract(epoch FROM t1 - t0) * 1000, extract(epoch FROM t2 - t1) * 1000);
  END IF;
  RETURN QUERY SELECT u.key, u.distance FROM unnest(keys_a, dist_a) AS u(key, distance);
END
$$;
COMMENT ON FUNCTION vectorext.shadow_search IS 'Serves alias_a''s k nearest keys; on a sample of calls also runs alias_b on the same request and logs overlap@k, RBO and both latencies; needs SELECT on the collection table and ''log'' on its model';

-- Appends one comparison to the shadow log (called by shadow_search). The numbers are the caller's report, checked
-- for range only, like an outcome: 'log' on the collection's model is trusted to report what it measured.
CREATE FUNCTION vectorext._log_shadow(collection text, alias_a text, version_a int, alias_b text, version_b int, k int,
                                      returned_a int, returned_b int, overlap float8, rbo float8,
                                      latency_a_ms float8, latency_b_ms float8)
  RETURNS void AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_log_shadow(caller oid, collection text, alias_a text, version_a int, alias_b text,
                                            version_b int, k int, returned_a int, returned_b int, overlap float8,
                                            rbo float8, latency_a_ms float8, latency_b_ms float8)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
BEGIN
  PERFORM vectorext._require_model_privilege(caller, c.model, 'log');
  PERFORM vectorext._check_k(k);
  PERFORM vectorext._model(c.model, version_a), vectorext._model(c.model, version_b);
  IF alias_a IS NULL OR alias_b IS NULL OR returned_a IS NULL OR returned_b IS NULL
     OR NOT (returned_a BETWEEN 0 AND k AND returned_b BETWEEN 0 AND k)
     OR NOT (overlap BETWEEN 0 AND 1 AND rbo BETWEEN 0 AND 1)
     OR NOT (latency_a_ms >= 0 AND latency_b_ms >= 0 AND latency_a_ms < 'Infinity' AND latency_b_ms < 'Infinity') THEN
    RAISE EXCEPTION 'invalid shadow log entry' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Shadow comparisons are logged by vectorext.shadow_search.';
  END IF;
  INSERT INTO vectorext.shadow_log (collection, alias_a, version_a, alias_b, version_b, k, returned_a, returned_b,
                                    overlap, rbo, latency_a_ms, latency_b_ms)
    VALUES (_owner_log_shadow.collection, _owner_log_shadow.alias_a, _owner_log_shadow.version_a,
            _owner_log_shadow.alias_b, _owner_log_shadow.version_b, _owner_log_shadow.k, _owner_log_shadow.returned_a,
            _owner_log_shadow.returned_b, _owner_log_shadow.overlap, _owner_log_shadow.rbo,
            _owner_log_shadow.latency_a_ms, _owner_log_shadow.latency_b_ms);
END
$$;

CREATE FUNCTION vectorext.shadow_results(collection text, since timestamptz DEFAULT '-infinity')
RETURNS TABLE (alias_a text, version_a int, alias_b text, version_b int, k int, queries bigint, overlap float8,
               rbo float8, latency_a_ms_p50 float8, latency_a_ms_p95 float8, latency_b_ms_p50 float8,
               latency_b_ms_p95 float8)
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C STABLE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_shadow_results(caller oid, collection text, since timestamptz)
RETURNS TABLE (alias_a text, version_a int, alias_b text, version_b int, k int, queries bigint, overlap float8,
               rbo float8, latency_a_ms_p50 float8, latency_a_ms_p95 float8, latency_b_ms_p50 float8,
               latency_b_ms_p95 float8)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
BEGIN
  PERFORM vectorext._require_any_model_privilege(caller, c.model, ARRAY['log', 'alias']);
  RETURN QUERY
    SELECT l.alias_a, l.version_a, l.alias_b, l.version_b, l.k, count(*), avg(l.overlap), avg(l.rbo),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY l.latency_a_ms),
           percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_a_ms),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY l.latency_b_ms),
           percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_b_ms)
    FROM vectorext.shadow_log l
    WHERE l.collection = _owner_shadow_results.collection AND l.logged_at >= _owner_shadow_results.since
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5;
END
$$;
COMMENT ON FUNCTION vectorext.shadow_results IS 'Per pair of served and shadow versions: queries logged, mean overlap@k and RBO, median and 95th percentile latencies; needs ''log'' or ''alias'' on the collection''s model';

CREATE FUNCTION vectorext.prune_shadow_log(collection text, older_than interval DEFAULT NULL) RETURNS bigint
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_prune_shadow_log(caller oid, collection text, older_than interval) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  cutoff timestamptz;
  n bigint;
BEGIN
  PERFORM vectorext._require_model_privilege(caller, c.model, 'alias');
  cutoff := vectorext._cutoff(older_than);
  DELETE FROM vectorext.shadow_log l WHERE l.collection = _owner_prune_shadow_log.collection AND l.logged_at < cutoff;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION vectorext.prune_shadow_log IS 'Deletes a collection''s shadow log rows older than now() - older_than (all when NULL); needs ''alias'' on the collection''s model';
