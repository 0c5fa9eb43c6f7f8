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
-- and the filter's parameters $1.. (further columns); it runs with the caller's rights, under this function's
-- search_path (pg_catalog, pg_temp): schema-qualify its tables. Without queries: `sample` indexed values, chosen by
-- a hash of their bytes (the same on every run), moved by Gaussian noise of relative norm `perturb`.
CREATE FUNCTION vectorext.index_recall(index regclass, k int DEFAULT 10, sample int DEFAULT 100,
                                       queries text DEFAULT NULL, filter text DEFAULT NULL, perturb float8 DEFAULT 0)
  RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_index_recall' LANGUAGE C VOLATILE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.index_recall(regclass, int, int, text, text, float8) IS
  'recall@k of an hnsw, ivfflat or ivf index against exact search, on a deterministic sample of its rows or on caller-supplied queries';

-- One row per tuned index: how it was tuned and the last drift check. Keyed by the index's OID; a row is valid while
-- the index exists and still has the recall_curve written with it (the views check both), and is deleted with the
-- index by vectorext._drop_tuning. Writable (row-level security) only for rows of indexes the current role owns.
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
  sample           int,                -- tuning queries: a sample of this many rows (NULL: `queries`)
  perturb          float8 NOT NULL,
  queries          text,               -- as given (for reference only: never executed again)
  filter           text,               -- as given (for reference only: never executed again)
  iterative_scan   text,               -- the iterative scan mode measured with (filters)
  curve            text NOT NULL,      -- the recall_curve option written with this row
  baseline_recall  float8 NOT NULL,    -- recall at value on the default sample (k, sample, perturb): what the drift check re-measures
  tuned_at         timestamptz NOT NULL DEFAULT now(),
  tuned_by         name NOT NULL DEFAULT current_user,
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
ALTER TABLE vectorext.index_tuning ENABLE ROW LEVEL SECURITY;
ALTER TABLE vectorext.index_tuning_point ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON vectorext.index_tuning FOR SELECT USING (true);
CREATE POLICY index_owner ON vectorext.index_tuning
  USING (pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = index), 'USAGE'));
CREATE POLICY read_all ON vectorext.index_tuning_point FOR SELECT USING (true);
CREATE POLICY index_owner ON vectorext.index_tuning_point
  USING (pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = index), 'USAGE'));
GRANT SELECT, INSERT, UPDATE, DELETE ON vectorext.index_tuning, vectorext.index_tuning_point TO PUBLIC;

-- Rows of dropped indexes go with them (also when a table drop takes its indexes along).
CREATE FUNCTION vectorext._drop_tuning() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  DELETE FROM vectorext.index_tuning t
   WHERE t.index IN (SELECT d.objid FROM pg_catalog.pg_event_trigger_dropped_objects() d
                     WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.object_type = 'index');
END
$$;
REVOKE EXECUTE ON FUNCTION vectorext._drop_tuning() FROM PUBLIC;
CREATE EVENT TRIGGER vectorext_drop_tuning ON sql_drop EXECUTE FUNCTION vectorext._drop_tuning();

-- Measures the recall curve over the index's search parameter and makes the cheapest point meeting target_recall the
-- index's default (index options ef_search / probes and recall_curve; rerank too for ivf with sq8 / pq when it had to
-- rise). Requires ownership of the index. queries / filter / perturb as for index_recall; with a filter the curve is
-- measured with an iterative scan (the session's mode, else relaxed_order).
CREATE FUNCTION vectorext.tune(index regclass, target_recall float8 DEFAULT 0.95, k int DEFAULT 10,
                               sample int DEFAULT 100, queries text DEFAULT NULL, filter text DEFAULT NULL,
                               perturb float8 DEFAULT 0,
                               OUT parameter text, OUT value int, OUT rerank int, OUT recall float8,
                               OUT ms_per_query float8, OUT target_met boolean, OUT points int)
  RETURNS record
  AS 'MODULE_PATHNAME', 'vx_tune' LANGUAGE C VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.tune(regclass, float8, int, int, text, text, float8) IS
  'measures the recall curve of an hnsw, ivfflat or ivf index and sets its search parameter to the cheapest value meeting target_recall';
