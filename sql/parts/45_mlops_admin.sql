-- MLOps administration views: the state of models, aliases, collections and versions at a glance in psql.
CREATE VIEW vectorext.models AS
  SELECT m.name, m.version, m.dims, m.metric,
         m.artifact_size AS size, m.artifact_sha256 AS sha256,
         coalesce((SELECT array_agg(a.alias ORDER BY a.alias) FROM vectorext.alias a
                   WHERE a.model = m.name AND a.version = m.version), '{}') AS aliases,
         m.uri, m.params, m.description, m.created_at, m.created_by
  FROM vectorext.model m;
COMMENT ON VIEW vectorext.models IS 'Registered model versions with their artifact size and SHA-256 and the aliases serving them';

CREATE VIEW vectorext.aliases AS
  SELECT a.model, a.alias, a.version, a.updated_at, a.updated_by
  FROM vectorext.alias a;

-- Exact row counts and coverage: each row of this view scans its partition and the source table.
CREATE FUNCTION vectorext._count(rel text) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
  n bigint;
BEGIN
  IF to_regclass(rel) IS NULL THEN
    RETURN NULL;
  END IF;
  EXECUTE format('SELECT count(*) FROM %s', rel) INTO n;
  RETURN n;
END
$$;

CREATE VIEW vectorext.collection_versions AS
  SELECT cv.collection, cv.model, cv.version, m.dims, m.metric,
         CASE WHEN cv.retired_at IS NOT NULL THEN 'retired' WHEN cv.sealed_at IS NOT NULL THEN 'sealed' ELSE 'open' END AS state,
         cv.partition, vectorext._count(cv.partition) AS rows,
         ix.indexrelid::regclass AS index_name, ix.amname AS index_method,
         pg_size_pretty(pg_relation_size(ix.indexrelid)) AS index_size,
         cov.coverage, cov.missing, cov.stale,
         coalesce((SELECT array_agg(a.alias ORDER BY a.alias) FROM vectorext.alias a
                   WHERE a.model = cv.model AND a.version = cv.version), '{}') AS aliases
  FROM vectorext.collection_version cv
  JOIN vectorext.model m ON m.name = cv.model AND m.version = cv.version
  LEFT JOIN LATERAL (
    SELECT ic.oid AS indexrelid, am.amname
    FROM pg_catalog.pg_class ic JOIN pg_catalog.pg_am am ON am.oid = ic.relam
    WHERE ic.oid = vectorext._index_of(CASE WHEN cv.retired_at IS NULL THEN cv.partition::regclass END)) ix ON true
  LEFT JOIN LATERAL (
    SELECT (s.c).* FROM (SELECT vectorext.coverage(cv.collection, cv.version) AS c
                         WHERE cv.retired_at IS NULL OFFSET 0) s) cov ON true;
COMMENT ON VIEW vectorext.collection_versions IS 'Per collection and version: state, rows, ANN index, coverage and aliases (exact: scans the data)';

CREATE VIEW vectorext.collections AS
  SELECT c.name AS collection, c.relation, c.source, c.model, c.key_column, c.key_type,
         (SELECT array_agg(cv.version ORDER BY cv.version) FROM vectorext.collection_version cv
          WHERE cv.collection = c.name AND cv.retired_at IS NULL) AS live_versions,
         (SELECT a.version FROM vectorext.alias a WHERE a.model = c.model AND a.alias = 'champion') AS champion,
         (SELECT a.version FROM vectorext.alias a WHERE a.model = c.model AND a.alias = 'challenger') AS challenger,
         c.created_at, c.created_by
  FROM vectorext.collection c;
COMMENT ON VIEW vectorext.collections IS 'Collections with their live versions and the champion and challenger versions';
