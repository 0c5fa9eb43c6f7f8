-- MLOps administration views: the state of models, aliases, collections and versions at a glance in psql.
-- Views read the registry (readable by everyone); row counts and coverage are computed by functions that run with
-- the reader's rights and are NULL where the reader may not read the tables they count.
CREATE VIEW vectorext.models AS
  SELECT m.name, m.version, m.dims, m.metric,
         m.artifact_size AS size, m.artifact_sha256 AS sha256,
         coalesce((SELECT array_agg(a.alias ORDER BY a.alias) FROM vectorext.alias a
                   WHERE a.model = m.name AND a.version = m.version), '{}') AS aliases,
         m.uri, m.params, m.description, m.created_at, m.created_by,
         (SELECT h.owner FROM vectorext.model_head h WHERE h.name = m.name) AS owner
  FROM vectorext.model m;
COMMENT ON VIEW vectorext.models IS 'Registered model versions with their artifact size and SHA-256, the aliases serving them and the model''s owner';

CREATE VIEW vectorext.aliases AS
  SELECT a.model, a.alias, a.version, a.updated_at, a.updated_by
  FROM vectorext.alias a;

CREATE VIEW vectorext.model_grants AS
  SELECT h.name AS model, h.owner, g.grantee, g.privilege, g.granted_at, g.granted_by
  FROM vectorext.model_head h LEFT JOIN vectorext.model_grant g ON g.model = h.name;
COMMENT ON VIEW vectorext.model_grants IS 'Each model''s owner and the privileges granted on it (vectorext.grant_model)';

-- Rows of a live version, counted through the collection table; NULL if the caller may not read it (or it is broken).
CREATE FUNCTION vectorext._rows(collection text, version int) RETURNS bigint LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection;
  cv vectorext.collection_version;
  n bigint;
BEGIN
  c := vectorext._collection(collection);
  cv := vectorext._collection_version(collection, version);
  IF NOT has_table_privilege(c.relation, 'SELECT') THEN
    RETURN NULL;
  END IF;
  EXECUTE format('SELECT count(*) FROM %s t WHERE t.model_version = %s', c.relation, cv.version) INTO n;
  RETURN n;
EXCEPTION WHEN undefined_table OR undefined_column THEN
  RETURN NULL;  -- a detached partition or a dropped key column: the view still lists the other versions
WHEN connection_exception OR undefined_object OR insufficient_privilege OR fdw_error THEN
  RETURN NULL;  -- a version on a server that is down, or that the reader has no user mapping for
END
$$;

-- coverage() where the caller may read both the collection and the source table; NULLs otherwise.
CREATE FUNCTION vectorext._readable_coverage(collection text, version int,
  OUT source_rows bigint, OUT embedded bigint, OUT missing bigint, OUT stale bigint, OUT orphaned bigint,
  OUT coverage numeric)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection;
BEGIN
  c := vectorext._collection(collection);
  IF has_table_privilege(c.relation, 'SELECT') AND has_table_privilege(vectorext._source(c), 'SELECT') THEN
    SELECT * INTO source_rows, embedded, missing, stale, orphaned, coverage FROM vectorext.coverage(collection, version);
  END IF;
EXCEPTION WHEN undefined_table OR undefined_column OR connection_exception OR undefined_object OR insufficient_privilege
               OR fdw_error THEN
  NULL;  -- as in _rows
END
$$;

CREATE VIEW vectorext.collection_versions AS
  SELECT cv.collection, cv.model, cv.version, m.dims, m.metric,
         CASE WHEN cv.retired_at IS NOT NULL THEN 'retired' WHEN cv.sealed_at IS NOT NULL THEN 'sealed' ELSE 'open' END AS state,
         cv.partition, CASE WHEN cv.retired_at IS NULL THEN vectorext._rows(cv.collection, cv.version) END AS rows,
         ix.indexrelid::regclass AS index_name, ix.amname AS index_method,
         pg_size_pretty(pg_relation_size(ix.indexrelid)) AS index_size,
         cov.coverage, cov.missing, cov.stale,
         coalesce((SELECT array_agg(a.alias ORDER BY a.alias) FROM vectorext.alias a
                   WHERE a.model = cv.model AND a.version = cv.version), '{}') AS aliases,
         (SELECT s.srvname FROM pg_catalog.pg_foreign_table f JOIN pg_catalog.pg_foreign_server s ON s.oid = f.ftserver
          WHERE f.ftrelid = cv.partition) AS server
  FROM vectorext.collection_version cv
  JOIN vectorext.model m ON m.name = cv.model AND m.version = cv.version
  LEFT JOIN LATERAL (
    SELECT ic.oid AS indexrelid, am.amname
    FROM pg_catalog.pg_class ic JOIN pg_catalog.pg_am am ON am.oid = ic.relam
    WHERE ic.oid = vectorext._index_of(cv.partition)) ix ON true
  LEFT JOIN LATERAL (
    SELECT (s.c).* FROM (SELECT vectorext._readable_coverage(cv.collection, cv.version) AS c
                         WHERE cv.retired_at IS NULL OFFSET 0) s) cov ON true;
COMMENT ON VIEW vectorext.collection_versions IS 'Per collection and version: state, rows, ANN index, coverage, aliases and the server of a remote version (exact: scans the data; rows and coverage NULL where the reader may not read the collection or source table, or the version''s server does not answer; a remote version''s index is listed by vectorext.remote_ann_indexes)';

CREATE VIEW vectorext.collections AS
  SELECT c.name AS collection, c.relation, c.source, c.model, c.key_column, c.key_type,
         (SELECT array_agg(cv.version ORDER BY cv.version) FROM vectorext.collection_version cv
          WHERE cv.collection = c.name AND cv.retired_at IS NULL) AS live_versions,
         (SELECT a.version FROM vectorext.alias a WHERE a.model = c.model AND a.alias = 'champion') AS champion,
         (SELECT a.version FROM vectorext.alias a WHERE a.model = c.model AND a.alias = 'challenger') AS challenger,
         c.created_at, c.created_by
  FROM vectorext.collection c;
COMMENT ON VIEW vectorext.collections IS 'Collections with their live versions and the champion and challenger versions';
