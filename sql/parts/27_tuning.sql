-- Recall measurement and tuning of ANN indexes (docs/tuning.md): vectorext.search_params, index_recall, tune, the
-- recall_curves and index_health views, the drift check. Tuned values live in the index's options (ef_search /
-- probes, recall_curve); the tables below keep the details of each tuning (latencies, target, who and when) keyed by
-- index OID, and are removed with the index.

CREATE FUNCTION vectorext.search_params(index regclass, OUT parameter text, OUT value int, OUT source text)
  RETURNS SETOF record
  AS 'MODULE_PATHNAME', 'vx_search_params' LANGUAGE C STRICT STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.search_params(regclass) IS
  'the search parameter(s) a scan of the index would use now in this session, and which rule chose them';

-- Recall@k of an index against exact search (sequential heap passes with the index's operator: never an index), at
-- the session's current settings. queries: a SELECT returning the query vectors (first column, the index's key type)
-- and the filter's parameters $1.. (further columns). Without queries: `sample` indexed values, chosen by a hash of
-- their bytes (the same on every run), moved by Gaussian noise of relative norm `perturb`. queries and filter are the
-- caller's code: they run with the caller's rights, parsed under the caller's search_path, which the wrapper passes
-- to the pinned implementation (it switches to that path only around them; docs/security.md).
CREATE FUNCTION vectorext._index_recall(index regclass, k int, sample int, queries text, filter text, perturb float8,
                                        caller_path text)
  RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_index_recall' LANGUAGE C VOLATILE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext.index_recall(index regclass, k int DEFAULT 10, sample int DEFAULT 100,
                                       queries text DEFAULT NULL, filter text DEFAULT NULL, perturb float8 DEFAULT 0)
  RETURNS float8 LANGUAGE sql VOLATILE PARALLEL RESTRICTED
  AS $$ SELECT vectorext._index_recall($1, $2, $3, $4, $5, $6, pg_catalog.current_setting('search_path')) $$;
COMMENT ON FUNCTION vectorext.index_recall(regclass, int, int, text, text, float8) IS
  'recall@k of an hnsw, ivfflat or ivf index against exact search, on a deterministic sample of its rows or on caller-supplied queries';

-- One row per tuned index: how it was tuned and the last drift check. Keyed by the index's OID; a row is valid while
-- the index exists and still has the recall_curve written with it (the views check both), and is deleted with the
-- index. Readable by everyone, written only by the owner-side functions below.
CREATE TABLE vectorext.index_tuning (
  index            oid PRIMARY KEY,
  method           text NOT NULL,
  parameter        text NOT NULL,      -- ef_search or probes
  value            int NOT NULL,       -- the tuned value (the index option)
  rerank           int,                -- ivf with sq8 / pq: the rerank option measured with (and set)
  target_recall    float8 NOT NULL,
  target_met       boolean NOT NULL,
  recall           float8 NOT NULL,    -- measured at value on the tuning queries
  ms_per_query     float8 NOT NULL,
  k                int NOT NULL,
  sample           int NOT NULL,       -- size of the default sample (the tuning queries unless `queries`; the drift check's)
  perturb          float8 NOT NULL,
  queries          text,               -- as given (for reference only: never executed again)
  filter           text,               -- as given (for reference only: never executed again)
  iterative_scan   text,               -- the iterative scan mode measured with (filters)
  curve            text NOT NULL,      -- the recall_curve option written with this row
  baseline_recall  float8 NOT NULL,    -- recall at value on the default sample (k, sample, perturb): what the drift check re-measures
  tuned_at         timestamptz NOT NULL,
  tuned_by         name NOT NULL,
  last_recall      float8,             -- the drift check's last measurement (same method as baseline_recall)
  last_measured_at timestamptz
);
CREATE TABLE vectorext.index_tuning_point (
  index        oid NOT NULL REFERENCES vectorext.index_tuning ON DELETE CASCADE,
  rerank       int NOT NULL DEFAULT -1,  -- -1: not an ivf rerank sweep
  value        int NOT NULL,
  recall       float8 NOT NULL,
  ms_per_query float8 NOT NULL,
  PRIMARY KEY (index, rerank, value)
);
GRANT SELECT ON vectorext.index_tuning, vectorext.index_tuning_point TO PUBLIC;

-- Writes go through owner-side functions (the extension's one door, docs/security.md): vectorext.tune and the drift
-- check run as the caller and record through vx_mlops_owner_call, which passes the real caller; the _owner_ function
-- checks that the caller owns the index (what ALTER INDEX requires) and the catalog. Rows of dropped indexes are
-- removed by the extension's sql_drop event trigger (_owner_forget_dropped, part 44).
CREATE FUNCTION vectorext._record_tuning(index regclass, method text, parameter text, value int, rerank int,
                                         target_recall float8, target_met boolean, recall float8, ms_per_query float8,
                                         k int, sample int, perturb float8, queries text, filter text,
                                         iterative_scan text, curve text, baseline_recall float8,
                                         point_values int[], point_reranks int[], point_recalls float8[],
                                         point_ms float8[]) RETURNS void
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_record_tuning(caller oid, index regclass, method text, parameter text, value int,
                                               rerank int, target_recall float8, target_met boolean, recall float8,
                                               ms_per_query float8, k int, sample int, perturb float8, queries text,
                                               filter text, iterative_scan text, curve text, baseline_recall float8,
                                               point_values int[], point_reranks int[], point_recalls float8[],
                                               point_ms float8[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  owner oid;
  am name;
  options text[];
BEGIN
  SELECT c.relowner, a.amname, c.reloptions INTO owner, am, options
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_am a ON a.oid = c.relam
   WHERE c.oid = _owner_record_tuning.index AND c.relkind = 'i';
  IF NOT FOUND OR am NOT IN ('hnsw', 'ivfflat', 'ivf') THEN
    RAISE EXCEPTION '% is not an hnsw, ivfflat or ivf index', index USING ERRCODE = 'wrong_object_type';
  END IF;
  IF NOT pg_catalog.pg_has_role(caller, owner, 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of index %', index USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- what is recorded describes the options the index has now (vectorext.tune set them just before)
  IF NOT ('recall_curve=' || curve) = ANY (options) OR method <> am
     OR NOT (CASE am WHEN 'hnsw' THEN 'ef_search=' ELSE 'probes=' END || value) = ANY (options) THEN
    RAISE EXCEPTION 'index % does not have the options being recorded', index
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Tune it with vectorext.tune.';
  END IF;
  INSERT INTO vectorext.index_tuning AS x (index, method, parameter, value, rerank, target_recall, target_met, recall,
      ms_per_query, k, sample, perturb, queries, filter, iterative_scan, curve, baseline_recall, tuned_at, tuned_by)
    VALUES (index, method, parameter, value, rerank, target_recall, target_met, recall, ms_per_query, k, sample,
            perturb, queries, filter, iterative_scan, curve, baseline_recall, pg_catalog.now(),
            (SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = caller))
    ON CONFLICT ON CONSTRAINT index_tuning_pkey DO UPDATE SET method = excluded.method, parameter = excluded.parameter,
      value = excluded.value, rerank = excluded.rerank, target_recall = excluded.target_recall,
      target_met = excluded.target_met, recall = excluded.recall, ms_per_query = excluded.ms_per_query, k = excluded.k,
      sample = excluded.sample, perturb = excluded.perturb, queries = excluded.queries, filter = excluded.filter,
      iterative_scan = excluded.iterative_scan, curve = excluded.curve, baseline_recall = excluded.baseline_recall,
      tuned_at = excluded.tuned_at, tuned_by = excluded.tuned_by, last_recall = NULL, last_measured_at = NULL;
  DELETE FROM vectorext.index_tuning_point p WHERE p.index = _owner_record_tuning.index;
  INSERT INTO vectorext.index_tuning_point (index, rerank, value, recall, ms_per_query)
    SELECT _owner_record_tuning.index, u.r, u.v, u.rc, u.ms
    FROM unnest(point_values, point_reranks, point_recalls, point_ms) AS u(v, r, rc, ms);
END
$$;
REVOKE EXECUTE ON FUNCTION vectorext._owner_record_tuning(oid, regclass, text, text, int, int, float8, boolean, float8,
  float8, int, int, float8, text, text, text, text, float8, int[], int[], float8[], float8[]) FROM PUBLIC;

CREATE FUNCTION vectorext._record_drift(index regclass, recall float8, measured_at timestamptz) RETURNS void
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_record_drift(caller oid, index regclass, recall float8, measured_at timestamptz)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = _owner_record_drift.index
                 AND pg_catalog.pg_has_role(caller, c.relowner, 'USAGE')) THEN
    RAISE EXCEPTION 'must be owner of index %', index USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE vectorext.index_tuning t SET last_recall = _owner_record_drift.recall,
                                      last_measured_at = _owner_record_drift.measured_at
   WHERE t.index = _owner_record_drift.index;
END
$$;
REVOKE EXECUTE ON FUNCTION vectorext._owner_record_drift(oid, regclass, float8, timestamptz) FROM PUBLIC;

-- Measures the recall curve over the index's search parameter and makes the cheapest point meeting target_recall the
-- index's default (index options ef_search / probes and recall_curve; rerank too for ivf with sq8 / pq when it had to
-- rise). Requires ownership of the index. queries / filter / perturb as for index_recall; with a filter the curve is
-- measured with an iterative scan (the session's mode, else relaxed_order).
CREATE FUNCTION vectorext._tune(index regclass, target_recall float8, k int, sample int, queries text, filter text,
                                perturb float8, caller_path text,
                                OUT parameter text, OUT value int, OUT rerank int, OUT recall float8,
                                OUT ms_per_query float8, OUT target_met boolean, OUT points int)
  RETURNS record
  AS 'MODULE_PATHNAME', 'vx_tune' LANGUAGE C VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext.tune(index regclass, target_recall float8 DEFAULT 0.95, k int DEFAULT 10,
                               sample int DEFAULT 100, queries text DEFAULT NULL, filter text DEFAULT NULL,
                               perturb float8 DEFAULT 0,
                               OUT parameter text, OUT value int, OUT rerank int, OUT recall float8,
                               OUT ms_per_query float8, OUT target_met boolean, OUT points int)
  RETURNS record LANGUAGE sql VOLATILE PARALLEL UNSAFE
  AS $$ SELECT * FROM vectorext._tune($1, $2, $3, $4, $5, $6, $7, pg_catalog.current_setting('search_path')) $$;
COMMENT ON FUNCTION vectorext.tune(regclass, float8, int, int, text, text, float8) IS
  'measures the recall curve of an hnsw, ivfflat or ivf index and sets its search parameter to the cheapest value meeting target_recall';

-- Internal: index_recall on the default sample at a given search parameter value (the drift check's measurement).
CREATE FUNCTION vectorext._recall_at(index regclass, value int, rerank int, k int, sample int, perturb float8)
  RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_recall_at' LANGUAGE C VOLATILE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp;

-- Internal: the meta page of an hnsw, ivfflat or ivf index.
CREATE FUNCTION vectorext._ann_index_meta(index regclass, OUT layout_version int, OUT elements bigint,
                                          OUT deleted_elements bigint, OUT lists int)
  RETURNS record
  AS 'MODULE_PATHNAME', 'vx_ann_index_meta' LANGUAGE C STRICT STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;

-- Every index with its tuned value and recall_curve option, and the tuning row written with them (NULL when the row
-- is gone, e.g. after a dump and restore: the options travel with the index, the table rows do not).
CREATE VIEW vectorext._tuned_indexes AS
  SELECT c.oid AS index, i.indrelid AS table_oid, am.amname AS method,
         CASE am.amname WHEN 'hnsw' THEN 'ef_search' ELSE 'probes' END AS parameter,
         (SELECT o.option_value::int FROM pg_catalog.pg_options_to_table(c.reloptions) o
          WHERE o.option_name = CASE am.amname WHEN 'hnsw' THEN 'ef_search' ELSE 'probes' END) AS value,
         (SELECT o.option_value FROM pg_catalog.pg_options_to_table(c.reloptions) o
          WHERE o.option_name = 'recall_curve') AS curve,
         t AS tuning
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
  JOIN pg_catalog.pg_am am ON am.oid = c.relam AND am.amname IN ('hnsw', 'ivfflat', 'ivf')
  LEFT JOIN vectorext.index_tuning t ON t.index = c.oid
    AND t.curve = (SELECT o.option_value FROM pg_catalog.pg_options_to_table(c.reloptions) o
                   WHERE o.option_name = 'recall_curve')
  WHERE c.relkind = 'i';

-- The recall curve of every tuned index, one row per point: from the recall_curve option (what
-- vectorext.target_recall picks from), with the latency measured at that point when the tuning row is there.
CREATE VIEW vectorext.recall_curves AS
  SELECT x.index::regclass AS index, x.method, x.parameter, p.value, p.recall,
         pt.ms_per_query, (x.tuning).rerank AS rerank, p.value = x.value AS tuned,
         (x.tuning).target_recall, (x.tuning).tuned_at
  FROM vectorext._tuned_indexes x
  CROSS JOIN LATERAL (
    SELECT pg_catalog.split_part(e, ':', 1)::int AS value, pg_catalog.split_part(e, ':', 2)::float8 AS recall
    FROM pg_catalog.regexp_split_to_table(x.curve, ',') e) p
  LEFT JOIN vectorext.index_tuning_point pt
    ON (x.tuning).index IS NOT NULL AND pt.index = x.index AND pt.value = p.value
   AND pt.rerank = COALESCE((x.tuning).rerank, -1)
  WHERE x.curve IS NOT NULL;
COMMENT ON VIEW vectorext.recall_curves IS 'recall (and latency) per search parameter value of every tuned ANN index';

-- One row per hnsw, ivfflat or ivf index: what it is, how big, how much VACUUM has to do, how it is tuned and how its
-- recall was last measured.
CREATE VIEW vectorext.index_health AS
  SELECT n.nspname AS schema, x.index::regclass AS index, x.table_oid::regclass AS "table", x.method,
         (SELECT opc.opcname FROM pg_catalog.pg_opclass opc
          WHERE opc.oid = (SELECT i.indclass[0] FROM pg_catalog.pg_index i WHERE i.indexrelid = x.index)) AS opclass,
         c.reltuples::bigint AS rows,
         meta.elements, meta.deleted_elements,
         pg_catalog.pg_stat_get_dead_tuples(x.table_oid) AS dead_rows,
         GREATEST(pg_catalog.pg_stat_get_last_vacuum_time(x.table_oid),
                    pg_catalog.pg_stat_get_last_autovacuum_time(x.table_oid)) AS last_vacuum,
         pg_catalog.pg_relation_size(x.index) AS size,
         meta.layout_version, meta.lists,
         x.parameter AS tuned_parameter, x.value AS tuned_value, (x.tuning).rerank AS tuned_rerank,
         (x.tuning).target_recall, (x.tuning).recall AS tuned_recall, (x.tuning).tuned_at, (x.tuning).tuned_by,
         (x.tuning).baseline_recall, (x.tuning).last_recall, (x.tuning).last_measured_at
  FROM vectorext._tuned_indexes x
  JOIN pg_catalog.pg_class c ON c.oid = x.index
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL vectorext._ann_index_meta(x.index::regclass) meta;
COMMENT ON VIEW vectorext.index_health IS
  'per hnsw / ivfflat / ivf index: method, opclass, rows, elements VACUUM flagged and dead rows it has not reached, size, layout version, tuning and last measured recall';

-- The recall of a tuned index now: measured at its setting (the ef_search / probes option) on the default sample it
-- was tuned with, and, for indexes tuned on queries or a filter (never run again), estimated as the tuned recall minus
-- the sample's drop since tuning. All NULL when the index has no valid tuning row. (recall_drift, the promotion gate)
CREATE FUNCTION vectorext._tuned_recall_now(index regclass, OUT value int, OUT rerank int, OUT target_recall float8,
                                            OUT tuned_recall float8, OUT baseline_recall float8, OUT recall float8,
                                            OUT estimated_recall float8)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  r record;
BEGIN
  SELECT COALESCE(x.value, (x.tuning).value) AS current_value, (x.tuning).* INTO r
    FROM vectorext._tuned_indexes x WHERE x.index = _tuned_recall_now.index AND (x.tuning).index IS NOT NULL;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  value := r.current_value;
  rerank := r.rerank;
  target_recall := r.target_recall;
  tuned_recall := r.recall;
  baseline_recall := r.baseline_recall;
  recall := vectorext._recall_at(index, r.current_value, r.rerank, r.k, r.sample, r.perturb);
  estimated_recall := r.recall - (r.baseline_recall - recall);
END
$$;

-- Re-measures every tuned index the caller can read, at its setting (the ef_search / probes option: the tuned value
-- unless changed by hand since), on the default sample it was tuned with (k, sample, perturb), and reports whether
-- its recall fell below the target since tuning. Indexes tuned on caller
-- queries or a filter are not measured with them again (stored SQL is never run): for them the recall now is
-- estimated as the tuned recall minus the sample's drop since tuning. Records the measurement for indexes the caller
-- owns (index_health.last_recall). For a cron job: SELECT * FROM vectorext.recall_drift() WHERE below_target.
CREATE FUNCTION vectorext.recall_drift(tolerance float8 DEFAULT 0)
RETURNS TABLE (index regclass, method text, parameter text, value int, target_recall float8, tuned_recall float8,
               baseline_recall float8, recall float8, estimated_recall float8, below_target boolean,
               tuned_at timestamptz, measured_at timestamptz, note text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r record;
  now_ record;
BEGIN
  FOR r IN SELECT x.index AS oid, COALESCE(x.value, (x.tuning).value) AS current_value, (x.tuning).*
           FROM vectorext._tuned_indexes x WHERE (x.tuning).index IS NOT NULL ORDER BY x.index LOOP
    index := r.oid::regclass;
    method := r.method;
    parameter := r.parameter;
    value := r.current_value;
    target_recall := r.target_recall;
    tuned_recall := r.recall;
    baseline_recall := r.baseline_recall;
    tuned_at := r.tuned_at;
    measured_at := pg_catalog.clock_timestamp();
    recall := NULL;
    estimated_recall := NULL;
    below_target := NULL;
    note := NULL;
    BEGIN
      now_ := vectorext._tuned_recall_now(r.oid::regclass);
      recall := now_.recall;
      estimated_recall := now_.estimated_recall;
    EXCEPTION WHEN insufficient_privilege OR object_not_in_prerequisite_state THEN
      note := SQLERRM;
    END;
    IF recall IS NOT NULL THEN
      below_target := estimated_recall < r.target_recall - tolerance;
      IF pg_catalog.current_setting('transaction_read_only') = 'off'
         AND pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = r.oid), 'USAGE') THEN
        PERFORM vectorext._record_drift(r.oid::regclass, recall, measured_at);
      END IF;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION vectorext.recall_drift(float8) IS
  're-measures every tuned ANN index at its tuned setting and reports those whose recall fell below their target';

GRANT SELECT ON vectorext._tuned_indexes, vectorext.recall_curves, vectorext.index_health TO PUBLIC;
