-- MLOps versions on another server (docs/scale-out.md "A model version on another server"): a version's partition
-- may be a postgres_fdw foreign table (vectorext.add_version(..., server => ...)). Its rows and its ANN index live on
-- that server; searches through the collection table ship their ORDER BY there. What each MLOps function does with
-- such a version is in docs/mlops.md; this part holds what only remote versions need:
--   * the collection's key moves from the collection table to its local partitions when the first remote version is
--     added (PostgreSQL refuses a foreign partition under a unique index of the partitioned table);
--   * the statements a user runs on the shard (its table, its index), made from catalog names for error hints;
--   * the promotion gate's check of a remote version, run as the owner of its partition (see _remote_readiness).

-- Whether the collection table itself carries the key (as create_collection makes it), or its partitions do.
CREATE FUNCTION vectorext._key_on_collection(c vectorext.collection) RETURNS boolean LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.relation AND k.contype = 'p')
$$;

-- Moves the primary key (key, model_version) from the collection table to each of its local partitions, in the
-- caller's transaction with the caller's rights (the collection's owner). Each local partition's key index is built
-- again; ON CONFLICT (key, model_version) must name a version's partition from then on.
CREATE FUNCTION vectorext._key_to_partitions(c vectorext.collection) RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  pk name;
  leaf regclass;
BEGIN
  SELECT k.conname INTO pk FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.relation AND k.contype = 'p';
  IF NOT FOUND THEN
    RETURN;
  END IF;
  EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.relation, pk);
  FOR leaf IN SELECT t.relid FROM pg_catalog.pg_partition_tree(c.relation) t JOIN pg_catalog.pg_class r ON r.oid = t.relid
              WHERE t.isleaf AND r.relkind = 'r' ORDER BY t.relid LOOP
    EXECUTE format('ALTER TABLE %s ADD PRIMARY KEY (%I, model_version)', leaf, c.key_column);
  END LOOP;
  RAISE NOTICE 'collection "%" keeps its primary key (%, model_version) on each local partition from now on', c.name, c.key_column
    USING DETAIL = 'PostgreSQL refuses a foreign-table partition under a unique index of the partitioned table.',
          HINT = format('INSERT ... ON CONFLICT (%s, model_version) must name a version''s partition from now on (the partition column of vectorext.collection_versions); the shard''s table carries the key of a remote version.',
                        quote_ident(c.key_column));
END
$$;

-- (PL/pgSQL below where a function uses the scale-out helpers of 60_scaleout.sql, created after this part.)

-- The CREATE TABLE to run on the shard for a remote version (an error hint: never executed here). Names are quoted;
-- the key type is format_type output.
CREATE FUNCTION vectorext._remote_table_sql(c vectorext.collection, part regclass, m vectorext.model) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  RETURN (SELECT format('CREATE TABLE %I.%I (%I %s NOT NULL, model_version int NOT NULL CHECK (model_version = %s), '
                'embedding vector(%s) NOT NULL, source_digest text, embedded_at timestamptz NOT NULL DEFAULT now(), '
                'PRIMARY KEY (%I, model_version))',
                r.remote_schema, r.remote_table, c.key_column,
                (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = c.relation AND a.attname = c.key_column),
                m.version, m.dims, c.key_column)
  FROM vectorext._remote_relation(part) r);
END
$$;

-- The CREATE INDEX to run on the shard for a remote version (an error hint: never executed here).
CREATE FUNCTION vectorext._remote_index_sql(part regclass, method text, opclass text, with_clause text DEFAULT '')
RETURNS text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  r record := vectorext._remote_relation(part, 'embedding');
BEGIN
  RETURN format('CREATE INDEX ON %I.%I USING %I (%I %I)%s', r.remote_schema, r.remote_table, method, r.remote_column,
                opclass, coalesce(with_clause, ''));
END
$$;

-- The shard's valid, non-partial ANN indexes of a remote version's embedding column with operator class `opclass`
-- ('name (method)', comma-separated; NULL when there is none), read with the caller's user mapping.
CREATE FUNCTION vectorext._remote_ann_index(part regclass, opclass text) RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  col text := (vectorext._remote_relation(part, 'embedding')).remote_column;
BEGIN
  RETURN (SELECT string_agg(format('%s (%s)', x.index_name, x.method), ', ' ORDER BY x.index_name)
          FROM vectorext.remote_ann_indexes(part) x
          WHERE x.column_name = col AND x.opclass = _remote_ann_index.opclass AND x.valid AND NOT x.partial);
END
$$;

-- What the promotion gate needs to know of a remote version, read with the caller's rights: its coverage (through
-- the foreign table, pruned to it) and the shard's valid, non-partial ANN indexes on its embedding column with the
-- model's operator class ('name (method)', comma-separated; NULL when there is none).
CREATE FUNCTION vectorext._readiness(collection text, version int, OUT source_rows bigint, OUT missing bigint,
                                     OUT stale bigint, OUT ann_index text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
  m vectorext.model := vectorext._model(cv.model, version);
  cov record := vectorext.coverage(collection, version);
BEGIN
  source_rows := cov.source_rows;
  missing := cov.missing;
  stale := cov.stale;
  ann_index := vectorext._remote_ann_index(cv.partition, vectorext._metric_opclass(m.metric));
END
$$;

-- _readiness run as the owner of the version's partition (the collection's owner), inside a security-restricted
-- operation as PostgreSQL runs a table owner's code for VACUUM or REFRESH MATERIALIZED VIEW (src/pg/mlops/mlops_remote.cpp).
-- The gate runs as the extension owner; reading the foreign table as that role would connect with the extension
-- owner's user mapping to whatever remote relation the collection's owner named, lending it credentials it may not
-- have on that server. As the partition's owner it uses that role's own user mapping: nothing it could not read
-- itself. EXECUTE is revoked from PUBLIC (59_mlops_lockdown.sql): only the gate calls it.
CREATE FUNCTION vectorext._remote_readiness(partition regclass, collection text, version int,
                                            OUT source_rows bigint, OUT missing bigint, OUT stale bigint,
                                            OUT ann_index text)
  AS 'MODULE_PATHNAME', 'vx_mlops_remote_readiness' LANGUAGE C VOLATILE STRICT
  SET search_path = pg_catalog, pg_temp;

-- Gate 'ready' for a remote version (called by _gate_ready as the extension owner): every source row embedded and
-- fresh on the shard, and the shard's table indexed for the model's metric. A shard that cannot be read is a gate
-- problem naming the server (so force => true still promotes, with a WARNING).
CREATE FUNCTION vectorext._gate_ready_remote(collection text, cv vectorext.collection_version,
                                             OUT problem text, OUT hint text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  m vectorext.model := vectorext._model(cv.model, cv.version);
  where_ record := vectorext._remote_relation(cv.partition);
  r record;
BEGIN
  BEGIN
    PERFORM vectorext._owner_ensure_shard_catalog(vectorext._current_role(), where_.server);
    r := vectorext._remote_readiness(cv.partition, collection, cv.version);
  EXCEPTION WHEN OTHERS THEN
    problem := format('collection "%s" version %s on server "%s" cannot be checked: %s', collection, cv.version,
                      where_.server, SQLERRM);
    hint := format('The gate reads it as the owner of %s (role %s), through that role''s user mapping: make server %s reachable for it, or pass force => true.',
                   cv.partition, (SELECT quote_ident(pg_catalog.pg_get_userbyid(k.relowner)) FROM pg_catalog.pg_class k WHERE k.oid = cv.partition),
                   quote_ident(where_.server));
    RETURN;
  END;
  IF r.missing > 0 OR r.stale > 0 THEN
    problem := format('collection "%s" version %s on server "%s" is not fully embedded: %s of %s source rows missing, %s stale',
                      collection, cv.version, where_.server, r.missing, r.source_rows, r.stale);
    hint := format('Embed the rows listed by vectorext.pending(%L, %s), or pass force => true.', collection, cv.version);
  ELSIF r.ann_index IS NULL THEN
    problem := format('collection "%s" version %s has no ANN index on server "%s" (none valid with %s on %I.%I there)',
                      collection, cv.version, where_.server, vectorext._metric_opclass(m.metric),
                      where_.remote_schema, where_.remote_table);
    hint := format('Build it on that server: %s; or pass force => true.',
                   vectorext._remote_index_sql(cv.partition, 'hnsw', vectorext._metric_opclass(m.metric)));
  END IF;
END
$$;
