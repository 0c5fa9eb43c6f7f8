-- MLOps search by alias, champion-vs-challenger comparison, recall, offline evaluation, traffic routing.
-- These run with the caller's rights and read the collection table (pruned to one version's partition), so SELECT
-- on the collection table is all they need. compare and evaluate run the caller's own SELECT text: see
-- the comment above _compare.
CREATE FUNCTION vectorext.rbo(a text[], b text[], p float8 DEFAULT 0.9) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_mlops_rbo' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.rbo IS 'Extrapolated rank-biased overlap of two rankings (1 = identical, 0 = disjoint); rankings of up to 10000 entries';
CREATE FUNCTION vectorext.route_bucket(experiment text, unit text) RETURNS int
  AS 'MODULE_PATHNAME', 'vx_mlops_route_bucket' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.route_bucket IS 'First 8 bytes of SHA-256(experiment || '':'' || unit) as big-endian uint64, mod 10000';

-- k of compare, evaluate and recall: their result lists are held in memory (and rbo is quadratic in their length).
CREATE FUNCTION vectorext._check_k(k int) RETURNS void LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  IF k IS NULL OR k < 1 THEN
    RAISE EXCEPTION 'k must be at least 1, not %', k USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass the number of neighbours to compare, e.g. 10.';
  END IF;
  IF k > 10000 THEN
    RAISE EXCEPTION 'k must be at most 10000, not %', k USING ERRCODE = 'program_limit_exceeded',
      HINT = 'Evaluate the top of the rankings: k <= 10000.';
  END IF;
END
$$;

-- The k nearest rows of one live version, through the collection table with the version as a constant: pruned to
-- the version's partition at plan time (so its index is used), and privileges are those granted on the collection
-- table.
CREATE FUNCTION vectorext._search_version(collection text, version int, query @extschema@.vector, k int)
RETURNS TABLE (key text, distance float8) LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
  m vectorext.model := vectorext._model(cv.model, version);
  op text := vectorext._metric_operator(m.metric);
BEGIN
  IF query IS NULL THEN
    RAISE EXCEPTION 'query vector must not be NULL' USING ERRCODE = 'null_value_not_allowed',
      HINT = 'Pass the query embedded with the model the alias serves.';
  END IF;
  IF @extschema@.vector_dims(query) <> m.dims THEN
    RAISE EXCEPTION 'query vector has % dimensions, but version % of model "%" produces %',
          @extschema@.vector_dims(query), version, m.name, m.dims
      USING ERRCODE = 'data_exception',
            HINT = format('Embed the query with model %L version %s: vectors of different models cannot be compared.', m.name, version);
  END IF;
  IF k IS NULL OR k < 1 THEN
    RAISE EXCEPTION 'k must be at least 1, not %', k USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass the number of neighbours to return, e.g. 10.';
  END IF;
  RETURN QUERY EXECUTE format(
    'SELECT t.%1$I::text, (t.embedding OPERATOR(@extschema@.%2$s) $1)::float8
     FROM %3$s t WHERE t.model_version = %4$s ORDER BY t.embedding OPERATOR(@extschema@.%2$s) $1 LIMIT $2',
     c.key_column, op, c.relation, cv.version)
    USING query, k;
END
$$;

CREATE FUNCTION vectorext.search(collection text, query @extschema@.vector, k int, alias text DEFAULT 'champion')
RETURNS TABLE (key text, distance float8) LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
BEGIN
  RETURN QUERY SELECT * FROM vectorext._search_version(collection, vectorext.version_of(c.model, alias), query, k);
END
$$;
COMMENT ON FUNCTION vectorext.search IS 'k nearest keys of a collection through the index of the version an alias serves; needs SELECT on the collection table';

-- compare and evaluate take SELECT statements as text and run them with the caller's rights. The caller's text is
-- parsed and executed with the caller's own search_path (it is the caller's code; their unqualified table names
-- must keep working), everything else with the pinned one. The public functions are therefore LANGUAGE sql with no
-- SET clause and a body that is one fully qualified call passing current_setting('search_path') on; the function
-- they call pins its path and switches to the caller's (pg_catalog.set_config, local to the function) only around
-- the statements that run the caller's text, whose own parts are built beforehand and fully qualified.
CREATE FUNCTION vectorext._compare(collection text, queries text, k int, alias_a text, alias_b text, p float8,
                                   caller_path text)
RETURNS TABLE (query_id text, overlap float8, rbo float8) LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  va int := vectorext.version_of(c.model, alias_a);
  vb int := vectorext.version_of(c.model, alias_b);
  cur refcursor;
  got boolean;
  sql text;
  q record;
  ra text[];
  rb text[];
BEGIN
  PERFORM vectorext._check_k(k);
  -- Built under the pinned path; only the OPEN (parse and plan) and each FETCH run under the caller's.
  sql := format('SELECT s.q::pg_catalog.text AS q, s.a::@extschema@.vector AS a, s.b::@extschema@.vector AS b
                 FROM (%s) AS s(q, a, b) ORDER BY 1', queries);
  PERFORM pg_catalog.set_config('search_path', caller_path, true);
  OPEN cur FOR EXECUTE sql;
  LOOP
    PERFORM pg_catalog.set_config('search_path', caller_path, true);  -- the caller's query runs (and calls its functions) as theirs
    FETCH cur INTO q;
    got := FOUND;  -- (PERFORM sets FOUND)
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    EXIT WHEN NOT got;
    ra := ARRAY(SELECT r.key FROM vectorext._search_version(collection, va, q.a, k) r);
    rb := ARRAY(SELECT r.key FROM vectorext._search_version(collection, vb, q.b, k) r);
    query_id := q.q;
    overlap := (SELECT count(*) FROM unnest(ra) x WHERE x = ANY (rb))::float8 / k;
    rbo := vectorext.rbo(ra, rb, p);
    RETURN NEXT;
  END LOOP;
  CLOSE cur;
END
$$;

-- Runs queries (a SELECT returning query id, the alias_a embedding and the alias_b embedding, by position) against
-- both aliases and returns, per query, overlap@k and rank-biased overlap of the two result lists.
CREATE FUNCTION vectorext.compare(collection text, queries text, k int DEFAULT 10,
                                  alias_a text DEFAULT 'champion', alias_b text DEFAULT 'challenger',
                                  p float8 DEFAULT 0.9)
RETURNS TABLE (query_id text, overlap float8, rbo float8) LANGUAGE sql STABLE AS $$
  SELECT * FROM vectorext._compare($1, $2, $3, $4, $5, $6, pg_catalog.current_setting('search_path'))
$$;
COMMENT ON FUNCTION vectorext.compare IS 'Per query: overlap@k and rank-biased overlap between two aliases'' results (each arm with its own query embedding); runs the queries text with the caller''s rights; needs SELECT on the collection table';

-- ANN recall of a version's index against exact search, on `sample` of the version's own rows as queries.
CREATE FUNCTION vectorext.recall(collection text, version int, sample int, k int) RETURNS float8
LANGUAGE plpgsql STABLE SET enable_seqscan = off SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
  m vectorext.model := vectorext._model(cv.model, version);
  op text := vectorext._metric_operator(m.metric);
  q record;
  ann text[];
  exact text[];
  hits bigint := 0;
  total bigint := 0;
BEGIN
  -- A version on another server: its index is the shard's, which answers the shipped ORDER BY (read from the shard's
  -- catalog with the caller's user mapping); the exact ORDER BY is shipped too and sorts there.
  IF vectorext._is_relation(cv.partition, 'f') THEN
    IF vectorext._remote_ann_index(cv.partition, vectorext._metric_opclass(m.metric)) IS NULL THEN
      RAISE EXCEPTION 'collection "%" version % has no ANN index on server "%"', collection, version,
            (vectorext._remote_relation(cv.partition)).server
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = format('Build it on that server: %s.', vectorext._remote_index_sql(cv.partition, 'hnsw', vectorext._metric_opclass(m.metric)));
    END IF;
  ELSIF vectorext._index_of(cv.partition) IS NULL THEN
    RAISE EXCEPTION 'collection "%" version % has no ANN index', collection, version
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = format('Call vectorext.build_index(%L, %s) first.', collection, version);
  END IF;
  IF sample IS NULL OR sample < 1 OR k IS NULL OR k < 1 THEN
    RAISE EXCEPTION 'sample and k must be at least 1' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'E.g. vectorext.recall(collection, version, sample => 100, k => 10).';
  END IF;
  PERFORM vectorext._check_k(k);
  -- Through the collection table with the version as a constant (pruned to the version's partition).
  FOR q IN EXECUTE format('SELECT t.embedding FROM %s t WHERE t.model_version = %s ORDER BY md5(t.%I::text) LIMIT $1',
                          c.relation, cv.version, c.key_column) USING sample LOOP
    EXECUTE format('SELECT ARRAY(SELECT t.%1$I::text FROM %2$s t WHERE t.model_version = %4$s ORDER BY t.embedding OPERATOR(@extschema@.%3$s) $1 LIMIT $2)',
                   c.key_column, c.relation, op, cv.version)
      INTO ann USING q.embedding, k;
    -- "+ 0" turns the ordering into an expression no index provides: exact search.
    EXECUTE format('SELECT ARRAY(SELECT t.%1$I::text FROM %2$s t WHERE t.model_version = %4$s ORDER BY (t.embedding OPERATOR(@extschema@.%3$s) $1) + 0, 1 LIMIT $2)',
                   c.key_column, c.relation, op, cv.version) INTO exact USING q.embedding, k;
    hits := hits + (SELECT count(*) FROM unnest(ann) x WHERE x = ANY (exact));
    total := total + cardinality(exact);
  END LOOP;
  RETURN CASE WHEN total = 0 THEN NULL ELSE hits::float8 / total END;
END
$$;
COMMENT ON FUNCTION vectorext.recall IS 'Recall@k of the version''s ANN index against exact search, with sample rows of the version as queries; needs SELECT on the collection table';

-- precision@k and nDCG@k of the version an alias serves. queries: SELECT returning (query id, query embedding);
-- judgments: SELECT returning (query id, key, relevance), by position; unjudged results count as relevance 0.
-- nDCG uses gain = relevance and discount log2(rank + 1).
CREATE FUNCTION vectorext._evaluate(collection text, queries text, judgments text, k int, alias text,
                                    caller_path text,
                                    OUT alias_name text, OUT version int, OUT queries_evaluated bigint,
                                    OUT precision_at_k float8, OUT ndcg_at_k float8)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  rel jsonb;
  judgments_sql text;
  queries_sql text;
  cur refcursor;
  got boolean;
  q record;
  p_sum float8 := 0;
  n_sum float8 := 0;
  dcg float8;
  idcg float8;
  hits int;
BEGIN
  alias_name := alias;
  version := vectorext.version_of(c.model, alias);
  queries_evaluated := 0;
  PERFORM vectorext._check_k(k);
  -- Built under the pinned path; only the statements that run the caller's text run under the caller's.
  judgments_sql := format('SELECT coalesce(pg_catalog.jsonb_object_agg(g.q, g.m), ''{}''::pg_catalog.jsonb)
                  FROM (SELECT s.q::pg_catalog.text AS q,
                               pg_catalog.jsonb_object_agg(s.k::pg_catalog.text, s.r::pg_catalog.float8) AS m
                        FROM (%s) AS s(q, k, r) GROUP BY 1) g', judgments);
  queries_sql := format('SELECT s.q::pg_catalog.text AS q, s.e::@extschema@.vector AS e FROM (%s) AS s(q, e) ORDER BY 1',
                        queries);
  PERFORM pg_catalog.set_config('search_path', caller_path, true);
  EXECUTE judgments_sql INTO rel;
  OPEN cur FOR EXECUTE queries_sql;
  LOOP
    PERFORM pg_catalog.set_config('search_path', caller_path, true);
    FETCH cur INTO q;
    got := FOUND;  -- (PERFORM sets FOUND)
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    EXIT WHEN NOT got;
    SELECT coalesce(sum(coalesce((rel -> q.q ->> r.key)::float8, 0) / log(2, r.rank + 1)), 0),
           count(*) FILTER (WHERE coalesce((rel -> q.q ->> r.key)::float8, 0) > 0)
      INTO dcg, hits
      FROM vectorext._search_version(collection, version, q.e, k) WITH ORDINALITY AS r(key, distance, rank);
    SELECT coalesce(sum(j.r / log(2, j.rank + 1)), 0) INTO idcg
      FROM (SELECT v.value::float8 AS r, row_number() OVER (ORDER BY v.value::float8 DESC) AS rank
            FROM jsonb_each_text(coalesce(rel -> q.q, '{}')) v) j
      WHERE j.rank <= k AND j.r > 0;
    p_sum := p_sum + hits::float8 / k;
    n_sum := n_sum + CASE WHEN idcg > 0 THEN dcg / idcg ELSE 0 END;
    queries_evaluated := queries_evaluated + 1;
  END LOOP;
  CLOSE cur;
  IF queries_evaluated > 0 THEN
    precision_at_k := p_sum / queries_evaluated;
    ndcg_at_k := n_sum / queries_evaluated;
  END IF;
END
$$;

CREATE FUNCTION vectorext.evaluate(collection text, queries text, judgments text, k int DEFAULT 10,
                                   alias text DEFAULT 'champion',
                                   OUT alias_name text, OUT version int, OUT queries_evaluated bigint,
                                   OUT precision_at_k float8, OUT ndcg_at_k float8)
LANGUAGE sql STABLE AS $$
  SELECT * FROM vectorext._evaluate($1, $2, $3, $4, $5, pg_catalog.current_setting('search_path'))
$$;
COMMENT ON FUNCTION vectorext.evaluate IS 'precision@k and nDCG@k of the version an alias serves, against relevance judgments; runs the queries and judgments text with the caller''s rights; needs SELECT on the collection table';

CREATE TABLE vectorext.experiment (
  name             text PRIMARY KEY CHECK (name <> ''),
  model            text NOT NULL REFERENCES vectorext.model_head ON DELETE CASCADE,
  challenger_share float8 NOT NULL CHECK (challenger_share BETWEEN 0 AND 1),
  champion_alias   text NOT NULL DEFAULT 'champion',
  challenger_alias text NOT NULL DEFAULT 'challenger',
  created_at       timestamptz NOT NULL DEFAULT now(),
  created_by       name NOT NULL
);
SELECT pg_catalog.pg_extension_config_dump('vectorext.experiment', '');

CREATE FUNCTION vectorext.create_experiment(name text, model text, challenger_share float8,
                                            champion_alias text DEFAULT 'champion',
                                            challenger_alias text DEFAULT 'challenger')
  RETURNS void AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_create_experiment(caller oid, name text, model text, challenger_share float8,
                                                   champion_alias text, challenger_alias text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  old text;
BEGIN
  IF challenger_share IS NULL OR challenger_share NOT BETWEEN 0 AND 1 THEN
    RAISE EXCEPTION 'challenger_share must be between 0 and 1, not %', challenger_share
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass e.g. 0.1 to send 10% of units to the challenger.';
  END IF;
  PERFORM vectorext._lock_model_for(caller, model, 'alias');
  -- Re-configuring an experiment also takes it away from its current model: that needs 'alias' there too.
  SELECT x.model INTO old FROM vectorext.experiment x WHERE x.name = _owner_create_experiment.name FOR UPDATE;
  IF FOUND AND old <> model THEN
    PERFORM vectorext._require_model_privilege(caller, old, 'alias');
  END IF;
  INSERT INTO vectorext.experiment AS x (name, model, challenger_share, champion_alias, challenger_alias, created_by)
    VALUES (_owner_create_experiment.name, _owner_create_experiment.model, _owner_create_experiment.challenger_share,
            _owner_create_experiment.champion_alias, _owner_create_experiment.challenger_alias,
            vectorext._role_name(caller))
    ON CONFLICT ON CONSTRAINT experiment_pkey DO UPDATE
      SET model = excluded.model, challenger_share = excluded.challenger_share,
          champion_alias = excluded.champion_alias, challenger_alias = excluded.challenger_alias;
END
$$;
COMMENT ON FUNCTION vectorext.create_experiment IS 'Creates (or re-configures) a champion/challenger traffic split of a model; needs ''alias'' on the model';

CREATE FUNCTION vectorext._experiment(experiment text) RETURNS vectorext.experiment
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  x vectorext.experiment;
BEGIN
  SELECT * INTO x FROM vectorext.experiment e WHERE e.name = _experiment.experiment;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'experiment "%" does not exist', experiment USING ERRCODE = 'undefined_object',
      HINT = format('Create it with vectorext.create_experiment(%L, <model>, challenger_share => 0.1).', experiment);
  END IF;
  RETURN x;
END
$$;

-- Deterministic split: route_bucket(experiment, unit) < round(challenger_share * 10000) goes to the challenger.
-- Returns the arm, 'champion' or 'challenger' (route returns the alias of the arm; vectorext.expose records both).
CREATE FUNCTION vectorext._arm(x vectorext.experiment, unit text) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  RETURN CASE WHEN vectorext.route_bucket(x.name, unit) < round(x.challenger_share * 10000) THEN 'challenger'
              ELSE 'champion' END;
END
$$;

CREATE FUNCTION vectorext.route(experiment text, unit text) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  x vectorext.experiment := vectorext._experiment(experiment);
BEGIN
  RETURN CASE vectorext._arm(x, unit) WHEN 'challenger' THEN x.challenger_alias ELSE x.champion_alias END;
END
$$;
COMMENT ON FUNCTION vectorext.route IS 'The alias (champion or challenger) a unit is routed to in an experiment';

-- A built-in linear embedding model (PCA) whose weights are a registry artifact; used by the make-run demo and
-- handy for dimension reduction. Artifact layout (little-endian): int32 in_dims, int32 out_dims,
-- float32 W[out_dims][in_dims], float32 b[out_dims]; y = W x + b. pca_fit's working memory (8 * dims^2 bytes and
-- more) is bounded by maintenance_work_mem, like CREATE INDEX: any role may call it.
CREATE FUNCTION vectorext.pca_fit(samples @extschema@.vector[], dims int) RETURNS bytea
  AS 'MODULE_PATHNAME', 'vx_mlops_pca_fit' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.pca_fit IS 'Fits a PCA projection to dims dimensions; returns the linear model artifact (working memory bounded by maintenance_work_mem)';
CREATE FUNCTION vectorext.linear_embed(model bytea, x real[]) RETURNS real[]
  AS 'MODULE_PATHNAME', 'vx_mlops_linear_embed' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.linear_embed IS 'Applies a linear model artifact (see pca_fit): W x + b';
