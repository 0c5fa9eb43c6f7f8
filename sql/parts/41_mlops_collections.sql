-- MLOps collections: one table per collection, LIST-partitioned by model_version, one partition (with its own ANN
-- index and its own dimension check) per embedding version. Rows are written with plain INSERT/COPY.
-- Relations are stored by OID (regclass): dynamic SQL pastes only their regclass output or %I/%L-quoted names, and
-- every registry row is checked against the catalog before use (docs/security.md). DDL on the collection's tables
-- runs with the caller's rights (the caller must own them); the registry rows are written by _owner_ functions
-- (see 40_mlops_registry.sql) that check the caller and the catalog again.
CREATE TABLE vectorext.collection (
  name        text PRIMARY KEY CHECK (name <> ''),
  relation    regclass NOT NULL UNIQUE,  -- the collection table (partitioned by model_version)
  source      regclass NOT NULL,         -- the table whose rows are embedded
  model       text NOT NULL REFERENCES vectorext.model_head,
  key_column  name NOT NULL,
  key_type    text NOT NULL,             -- format_type of the key column, for display only (never executed)
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  name NOT NULL
);

CREATE TABLE vectorext.collection_version (
  collection  text NOT NULL REFERENCES vectorext.collection ON DELETE CASCADE,
  model       text NOT NULL,
  version     int NOT NULL,
  partition   regclass UNIQUE,           -- the version's partition; NULL once retired (dropped)
  added_at    timestamptz NOT NULL DEFAULT now(),
  added_by    name NOT NULL,
  sealed_at   timestamptz,
  retired_at  timestamptz,
  PRIMARY KEY (collection, version),
  FOREIGN KEY (model, version) REFERENCES vectorext.model,
  CHECK ((partition IS NULL) = (retired_at IS NOT NULL))
);

SELECT pg_catalog.pg_extension_config_dump('vectorext.collection', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.collection_version', '');

-- SQL text from the catalog: the default btree equality operator of a type as OPERATOR(schema.=).
CREATE FUNCTION vectorext._equality_operator(type regtype) RETURNS text
  AS 'MODULE_PATHNAME', 'vx_mlops_equality_operator' LANGUAGE C STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;

-- The equality operator of the collection's key type, as OPERATOR(schema.=) (pending, coverage).
CREATE FUNCTION vectorext._key_equality(c vectorext.collection) RETURNS text LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT vectorext._equality_operator(a.atttypid) FROM pg_catalog.pg_attribute a
  WHERE a.attrelid = c.relation AND a.attname = c.key_column
$$;

-- Whether rel is a relation of one of the kinds ('r' table, 'p' partitioned table).
CREATE FUNCTION vectorext._is_relation(rel oid, kinds text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = rel AND strpos(kinds, c.relkind::text) > 0)
$$;

-- Temporary tables vanish without a DROP the event trigger would see: collections are never made of them.
CREATE FUNCTION vectorext._is_temporary(rel oid) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = rel AND c.relpersistence = 't')
$$;

-- Whether `who` has the privileges of the owner of rel.
CREATE FUNCTION vectorext._owns(who oid, rel oid) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce((SELECT vectorext._acts_as(who, c.relowner) FROM pg_catalog.pg_class c WHERE c.oid = rel), false)
$$;

CREATE FUNCTION vectorext._require_owner(who oid, rel regclass, what text) RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  IF NOT vectorext._owns(who, rel) THEN
    RAISE EXCEPTION 'permission denied: role "%" does not own %', vectorext._role_name(who), what
      USING ERRCODE = 'insufficient_privilege',
            HINT = format('Only the owner of table %s (or a member of its owning role) may.', rel);
  END IF;
END
$$;

-- The collection's registry row, its table checked against the catalog.
CREATE FUNCTION vectorext._collection(collection text) RETURNS vectorext.collection
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection;
BEGIN
  SELECT * INTO c FROM vectorext.collection cc WHERE cc.name = _collection.collection;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'collection "%" does not exist', collection
      USING ERRCODE = 'undefined_object',
            HINT = format('Create it with vectorext.create_collection(%L, <source table>, <model>).', collection);
  END IF;
  IF NOT vectorext._is_relation(c.relation, 'p') THEN
    RAISE EXCEPTION 'the table of collection "%" no longer exists (OID %)', collection, c.relation::oid
      USING ERRCODE = 'undefined_table', HINT = 'A superuser can delete its registry row from vectorext.collection.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = c.relation AND a.attname = c.key_column AND a.attnum > 0 AND NOT a.attisdropped) THEN
    RAISE EXCEPTION 'the table of collection "%" has no key column "%"', collection, c.key_column
      USING ERRCODE = 'undefined_column', HINT = format('Restore column %I of %s.', c.key_column, c.relation);
  END IF;
  RETURN c;
END
$$;

-- The collection's source table, checked against the catalog.
CREATE FUNCTION vectorext._source(c vectorext.collection) RETURNS regclass
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  IF NOT vectorext._is_relation(c.source, 'rp') THEN
    RAISE EXCEPTION 'the source table of collection "%" no longer exists (OID %)', c.name, c.source::oid
      USING ERRCODE = 'undefined_table', HINT = format('Drop the collection with vectorext.drop_collection(%L).', c.name);
  END IF;
  RETURN c.source;
END
$$;

-- The registry row of a live (added, not retired) version, its partition checked against the catalog: a table that
-- is a partition of the collection table, or a foreign table for a version on another server (58_mlops_remote.sql).
CREATE FUNCTION vectorext._collection_version(collection text, version int) RETURNS vectorext.collection_version
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  cv vectorext.collection_version;
BEGIN
  SELECT * INTO cv FROM vectorext.collection_version x
    WHERE x.collection = _collection_version.collection AND x.version = _collection_version.version;
  IF NOT FOUND THEN
    PERFORM vectorext._model(c.model, version);
    RAISE EXCEPTION 'collection "%" has no partition for version % of model "%"', collection, version, c.model
      USING ERRCODE = 'undefined_object',
            HINT = format('Call vectorext.add_version(%L, %s) first.', collection, version);
  END IF;
  IF cv.retired_at IS NOT NULL THEN
    RAISE EXCEPTION 'version % of collection "%" is retired', version, collection
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = format('Register a new version with vectorext.register_model(%L, ...) and add it with vectorext.add_version.', c.model);
  END IF;
  IF NOT vectorext._is_relation(cv.partition, 'rf')
     OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = cv.partition AND i.inhparent = c.relation) THEN
    RAISE EXCEPTION 'the partition of version % of collection "%" is no longer a partition of %', version, collection, c.relation
      USING ERRCODE = 'undefined_table',
            HINT = format('Attach it again (ALTER TABLE %s ATTACH PARTITION ...), or retire the version.', c.relation);
  END IF;
  RETURN cv;
END
$$;

-- Row check of each version's partition (dims, key in the source, source digest, embedded_at); C for speed.
-- TG_ARGV: collection, version; everything else comes from the registry (src/pg/mlops/mlops_trigger.cpp).
CREATE FUNCTION vectorext._row_check() RETURNS trigger
  AS 'MODULE_PATHNAME', 'vx_mlops_row_check' LANGUAGE C SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION vectorext._unknown_version() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
-- TG_ARGV: collection, model. Fires on the default partition, which only receives rows of versions never added.
DECLARE
  v int := NEW.model_version;
BEGIN
  PERFORM vectorext._collection_version(TG_ARGV[0], v);  -- raises with the right hint
  RAISE EXCEPTION 'collection "%" has no partition for version %', TG_ARGV[0], v
    USING ERRCODE = 'undefined_object', HINT = format('Call vectorext.add_version(%L, %s) first.', TG_ARGV[0], v);
END
$$;

CREATE FUNCTION vectorext._sealed() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
-- TG_ARGV: collection, version.
BEGIN
  RAISE EXCEPTION 'version % of collection "%" is sealed', TG_ARGV[1], TG_ARGV[0]
    USING ERRCODE = 'object_not_in_prerequisite_state',
          HINT = 'Sealed versions are read-only: write new embeddings as a new model version (vectorext.register_model, then vectorext.add_version).';
END
$$;

-- Registry writes (C entry points that call the _owner_ function of the same name with the caller) --------------

CREATE FUNCTION vectorext._record_collection(collection text, relation regclass, source regclass, model text,
                                             key_column name) RETURNS void
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_record_collection(caller oid, collection text, relation regclass, source regclass,
                                                   model text, key_column name) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  key_type text;
BEGIN
  PERFORM vectorext._require_model_privilege(caller, model, 'register');
  IF NOT vectorext._is_relation(relation, 'p') OR NOT vectorext._is_relation(source, 'rp')
     OR vectorext._is_temporary(relation) OR vectorext._is_temporary(source) THEN
    RAISE EXCEPTION 'a collection needs a partitioned table and a source table' USING ERRCODE = 'wrong_object_type';
  END IF;
  PERFORM vectorext._require_owner(caller, relation, format('table %s', relation));
  IF NOT pg_catalog.has_table_privilege(caller, source, 'SELECT') THEN
    RAISE EXCEPTION 'permission denied: role "%" may not read the source table %', vectorext._role_name(caller), source
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO key_type FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = source AND a.attname = key_column AND a.attnum > 0 AND NOT a.attisdropped;
  IF NOT FOUND OR (SELECT count(*) FROM pg_catalog.pg_attribute a WHERE a.attrelid = relation AND a.attnum > 0
                   AND NOT a.attisdropped AND a.attname IN (key_column, 'model_version', 'embedding')) <> 3 THEN
    RAISE EXCEPTION 'table % is not a collection table of source % with key column "%"', relation, source, key_column
      USING ERRCODE = 'undefined_column';
  END IF;
  INSERT INTO vectorext.collection (name, relation, source, model, key_column, key_type, created_by)
    VALUES (collection, relation, source, model, key_column, key_type, vectorext._role_name(caller));
END
$$;

CREATE FUNCTION vectorext._record_version(collection text, version int, partition regclass) RETURNS void
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_record_version(caller oid, collection text, version int, partition regclass)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
BEGIN
  PERFORM vectorext._model(c.model, version);
  PERFORM vectorext._require_owner(caller, c.relation, format('collection "%s"', collection));
  IF NOT vectorext._is_relation(partition, 'rf')
     OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = partition AND i.inhparent = c.relation)
     OR (SELECT pg_catalog.pg_get_expr(r.relpartbound, r.oid) FROM pg_catalog.pg_class r WHERE r.oid = partition)
        IS DISTINCT FROM format('FOR VALUES IN (%s)', version) THEN
    RAISE EXCEPTION 'table % is not the partition of version % of collection "%"', partition, version, collection
      USING ERRCODE = 'wrong_object_type';
  END IF;
  -- A version on another server: a postgres_fdw foreign table the caller may use, whose shard's index list the
  -- coordinator can read (the catalog table of 60_scaleout.sql, created once per server).
  IF vectorext._is_relation(partition, 'f') THEN
    PERFORM vectorext._owner_ensure_shard_catalog(caller, (vectorext._remote_relation(partition)).server);
  END IF;
  INSERT INTO vectorext.collection_version (collection, model, version, partition, added_by)
    VALUES (collection, c.model, version, partition, vectorext._role_name(caller));
END
$$;

CREATE FUNCTION vectorext._record_seal(collection text, version int) RETURNS void
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_record_seal(caller oid, collection text, version int) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
BEGIN
  PERFORM vectorext._require_owner(caller, cv.partition, format('version %s of collection "%s"', version, collection));
  -- Sealed means the partition refuses writes: both triggers must be there (a foreign table cannot have a TRUNCATE
  -- trigger: its postgres_fdw option truncatable 'false' refuses TRUNCATE instead).
  IF (SELECT count(*) FROM pg_catalog.pg_trigger t
      WHERE t.tgrelid = cv.partition AND t.tgenabled <> 'D' AND t.tgfoid = 'vectorext._sealed()'::pg_catalog.regprocedure
        AND t.tgname IN ('vectorext_1_sealed', 'vectorext_1_sealed_truncate'))
     + (SELECT count(*) FROM pg_catalog.pg_foreign_table f
        WHERE f.ftrelid = cv.partition AND 'truncatable=false' = ANY (f.ftoptions)) <> 2 THEN
    RAISE EXCEPTION 'version % of collection "%" has no sealing triggers', version, collection
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Seal it with vectorext.seal.';
  END IF;
  UPDATE vectorext.collection_version x SET sealed_at = now()
    WHERE x.collection = _owner_record_seal.collection AND x.version = _owner_record_seal.version AND x.sealed_at IS NULL;
END
$$;

-- Collection functions ----------------------------------------------------------------------------------------------

CREATE FUNCTION vectorext.create_collection(collection text, source regclass, model text, key_column name DEFAULT 'id')
RETURNS regclass LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  src_schema name;
  key_type text;
  rel text;
BEGIN
  IF collection IS NULL OR collection = '' THEN
    RAISE EXCEPTION 'collection name must not be empty' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass a name such as ''product_embeddings''; it becomes the table name.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM vectorext.model_head h WHERE h.name = create_collection.model) THEN
    RAISE EXCEPTION 'model "%" is not registered', model USING ERRCODE = 'undefined_object',
      HINT = format('Register it with vectorext.register_model(%L, dims => ...).', model);
  END IF;
  PERFORM vectorext._require_model_privilege(vectorext._current_role(), model, 'register');
  IF EXISTS (SELECT 1 FROM vectorext.collection c WHERE c.name = create_collection.collection) THEN
    RAISE EXCEPTION 'collection "%" already exists', collection USING ERRCODE = 'duplicate_object',
      HINT = 'Choose another name, or add a version to it with vectorext.add_version.';
  END IF;
  IF NOT vectorext._is_relation(source, 'rp') OR vectorext._is_temporary(source) THEN
    RAISE EXCEPTION '% is not a permanent table', source USING ERRCODE = 'wrong_object_type',
      HINT = 'The source of a collection is the (non-temporary) table whose rows are embedded.';
  END IF;
  SELECT format_type(a.atttypid, a.atttypmod) INTO key_type
    FROM pg_catalog.pg_attribute a WHERE a.attrelid = source AND a.attname = key_column AND a.attnum > 0 AND NOT a.attisdropped;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'source table % has no column "%"', source, key_column USING ERRCODE = 'undefined_column',
      HINT = 'Pass the source''s primary key column as key_column.';
  END IF;
  SELECT n.nspname INTO src_schema FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
    WHERE r.oid = source;
  rel := format('%I.%I', src_schema, collection);
  IF to_regclass(rel) IS NOT NULL OR to_regclass(format('%I.%I', src_schema, collection || '_unknown_version')) IS NOT NULL THEN
    RAISE EXCEPTION 'relation % already exists', rel USING ERRCODE = 'duplicate_table',
      HINT = 'The collection name becomes the table name: choose a name that is not taken in the source''s schema.';
  END IF;
  -- key_type is format_type output (quoted, qualified where needed): SQL text made by the catalog.
  EXECUTE format($f$CREATE TABLE %s (
      %I %s NOT NULL,
      model_version int NOT NULL,
      embedding @extschema@.vector NOT NULL,
      source_digest text,
      embedded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (%I, model_version)
    ) PARTITION BY LIST (model_version)$f$, rel, key_column, key_type, key_column);
  EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s DEFAULT', src_schema, collection || '_unknown_version', rel);
  EXECUTE format('CREATE TRIGGER vectorext_unknown_version BEFORE INSERT OR UPDATE ON %I.%I FOR EACH ROW EXECUTE FUNCTION vectorext._unknown_version(%L, %L)',
                 src_schema, collection || '_unknown_version', collection, model);
  EXECUTE format('COMMENT ON TABLE %s IS %L', rel,
                 format('vectorext collection of model %s embeddings of %s', model, source));
  PERFORM vectorext._record_collection(collection, to_regclass(rel), source, model, key_column);
  RETURN to_regclass(rel);
END
$$;
COMMENT ON FUNCTION vectorext.create_collection IS 'Creates a collection table for a model''s embeddings of a source table; needs ''register'' on the model and CREATE on the source''s schema';

-- A version's partition is a table here, or with `server` a postgres_fdw foreign table on another server
-- (remote_schema.remote_table there, by default the collection's schema and the partition's name): its rows and its
-- ANN index live on that server, searches ship their ORDER BY there (docs/scale-out.md). The remote table must exist
-- (one row is read to prove it); the first remote version moves the collection's key to its local partitions
-- (vectorext._key_to_partitions, 58_mlops_remote.sql).
CREATE FUNCTION vectorext.add_version(collection text, version int, server name DEFAULT NULL,
                                      remote_schema text DEFAULT NULL, remote_table text DEFAULT NULL)
RETURNS regclass
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  m vectorext.model := vectorext._model(c.model, version);
  old vectorext.collection_version;
  schema_name name;
  part text;
BEGIN
  SELECT * INTO old FROM vectorext.collection_version x WHERE x.collection = add_version.collection AND x.version = add_version.version;
  IF FOUND THEN
    RAISE EXCEPTION 'collection "%" already has version %', collection, version USING ERRCODE = 'duplicate_object',
      HINT = CASE WHEN old.retired_at IS NULL
                  THEN format('Write its rows with INSERT INTO %s (..., model_version, embedding) VALUES (..., %s, ...).', c.relation, version)
                  ELSE 'It was retired; register a new model version with vectorext.register_model instead.' END;
  END IF;
  IF server IS NULL AND (remote_schema IS NOT NULL OR remote_table IS NOT NULL) THEN
    RAISE EXCEPTION 'remote_schema and remote_table name a table on another server' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass server => ''<postgres_fdw server>'' too, or neither for a local partition.';
  END IF;
  PERFORM vectorext._require_owner(vectorext._current_role(), c.relation, format('collection "%s"', collection));
  SELECT n.nspname INTO schema_name FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
    WHERE r.oid = c.relation;
  part := format('%I.%I', schema_name, collection || '_v' || version);
  IF server IS NULL THEN
    EXECUTE format('CREATE TABLE %s PARTITION OF %s FOR VALUES IN (%s)', part, c.relation, version);
    IF NOT vectorext._key_on_collection(c) THEN  -- the collection has remote versions: the key is per partition
      EXECUTE format('ALTER TABLE %s ADD PRIMARY KEY (%I, model_version)', part, c.key_column);
    END IF;
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (@extschema@.vector_dims(embedding) = %s)', part,
                   collection || '_v' || version || '_dims', m.dims);
  ELSE
    -- (No dims CHECK: PostgreSQL does not enforce constraints on foreign tables; the row check below does, for rows
    -- written through this server, and the shard's table should have its own.)
    PERFORM vectorext._shard_server_check(server);
    PERFORM vectorext._key_to_partitions(c);
    EXECUTE format('CREATE FOREIGN TABLE %s PARTITION OF %s FOR VALUES IN (%s) SERVER %I OPTIONS (schema_name %L, table_name %L)',
                   part, c.relation, version, server, coalesce(remote_schema, schema_name),
                   coalesce(remote_table, collection || '_v' || version));
  END IF;
  EXECUTE format('CREATE TRIGGER vectorext_2_row_check BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION vectorext._row_check(%L, %L)',
                 part, collection, version);
  IF server IS NOT NULL THEN
    PERFORM vectorext._probe_foreign_table(part::regclass,
      format('version %s of collection "%s" on server "%s"', version, collection, server),
      format('Create it on server %s first: %s', server, vectorext._remote_table_sql(c, part::regclass, m)));
  END IF;
  PERFORM vectorext._record_version(collection, version, to_regclass(part));
  RETURN to_regclass(part);
END
$$;
COMMENT ON FUNCTION vectorext.add_version IS 'Adds the partition of a registered model version to a collection, here or (server => ...) as a postgres_fdw foreign table on another server; needs ownership of the collection table (and USAGE on the server)';

-- The ANN index of a version's partition (its only index besides the primary key).
CREATE FUNCTION vectorext._index_of(part regclass) RETURNS regclass LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT i.indexrelid::regclass
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
  WHERE i.indrelid = part AND i.indisvalid AND am.amname NOT IN ('btree', 'hash')
  ORDER BY i.indexrelid DESC LIMIT 1
$$;

-- build_index's options ('m = 16, ef_construction = 64', 'lists = 100, quantizer = ''pq''') as a WITH clause
-- rebuilt from its parsed parts (names %I, values %L): the text itself is never executed.
CREATE FUNCTION vectorext._index_options(options text) RETURNS text LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  item text;
  parts text[];
  out text[] := '{}';
BEGIN
  IF options IS NULL OR btrim(options) = '' THEN
    RETURN '';
  END IF;
  FOREACH item IN ARRAY string_to_array(options, ',') LOOP
    parts := regexp_match(item, '^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(''[A-Za-z0-9_.+-]*''|[A-Za-z0-9_.+-]+)\s*$');
    IF parts IS NULL THEN
      RAISE EXCEPTION 'invalid index option "%"', btrim(item) USING ERRCODE = 'invalid_parameter_value',
        HINT = 'Pass name = value pairs separated by commas, e.g. ''m = 16, ef_construction = 64'' or ''lists = 100, quantizer = ''''pq''''''.';
    END IF;
    out := out || format('%I = %L', lower(parts[1]), btrim(parts[2], ''''));
  END LOOP;
  RETURN ' WITH (' || array_to_string(out, ', ') || ')';
END
$$;

CREATE FUNCTION vectorext.build_index(collection text, version int, method text DEFAULT 'hnsw', options text DEFAULT NULL,
                                      target_recall float8 DEFAULT NULL)
RETURNS regclass LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
  m vectorext.model := vectorext._model(cv.model, version);
  idx name := left(collection || '_v' || version || '_' || method, 59) || '_idx';
  with_clause text := vectorext._index_options(options);
  schema_name name;
  old regclass;
  built regclass;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_am a WHERE a.amname = method AND a.amtype = 'i') THEN
    RAISE EXCEPTION 'index access method "%" does not exist', method USING ERRCODE = 'undefined_object',
      HINT = 'Use method => ''hnsw'' or ''ivfflat''.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_opclass oc JOIN pg_catalog.pg_am a ON a.oid = oc.opcmethod
                 WHERE a.amname = method AND oc.opcname = vectorext._metric_opclass(m.metric)
                   AND oc.opcnamespace = '@extschema@'::regnamespace) THEN
    RAISE EXCEPTION 'index access method "%" has no operator class for the % metric of model "%"', method, m.metric, m.name
      USING ERRCODE = 'undefined_object',
            HINT = format('Use an ANN method that supports %s, e.g. method => ''hnsw''.', m.metric);
  END IF;
  -- A version on another server: its index is the shard's, built there (this server cannot index a foreign table).
  IF vectorext._is_relation(cv.partition, 'f') THEN
    RAISE EXCEPTION 'version % of collection "%" lives on server "%": build its index there', version, collection,
          (vectorext._remote_relation(cv.partition)).server
      USING ERRCODE = 'wrong_object_type',
            HINT = format('On that server run: %s; then SELECT * FROM vectorext.remote_ann_indexes(%L) lists it here, and vectorext.tune tunes it there.',
                          vectorext._remote_index_sql(cv.partition, method, vectorext._metric_opclass(m.metric), with_clause),
                          cv.partition::text);
  END IF;
  PERFORM vectorext._require_owner(vectorext._current_role(), cv.partition, format('version %s of collection "%s"', version, collection));
  SELECT n.nspname INTO schema_name FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
    WHERE r.oid = cv.partition;
  -- Rebuilding replaces the previous ANN index of the version in the same transaction.
  old := vectorext._index_of(cv.partition);
  IF old IS NOT NULL THEN
    EXECUTE format('DROP INDEX %s', old);
  END IF;
  -- The column has no typmod (versions differ in dims): the access methods take the dims from the partition's rows.
  EXECUTE format('CREATE INDEX %I ON %s USING %I (embedding @extschema@.%I)%s', idx, cv.partition, method,
                 vectorext._metric_opclass(m.metric), with_clause);
  built := pg_catalog.to_regclass(format('%I.%I', schema_name, idx));
  -- Tuned right away: its ef_search / probes become the cheapest meeting target_recall (docs/tuning.md).
  IF target_recall IS NOT NULL THEN
    PERFORM vectorext.tune(built, target_recall);
  END IF;
  RETURN built;
END
$$;
COMMENT ON FUNCTION vectorext.build_index IS 'Builds (or replaces) the ANN index of a version''s partition, and with target_recall tunes it; needs ownership of the partition';

CREATE FUNCTION vectorext.seal(collection text, version int) RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
BEGIN
  IF cv.sealed_at IS NOT NULL THEN
    RAISE NOTICE 'version % of collection "%" is already sealed', version, collection;
    RETURN;
  END IF;
  PERFORM vectorext._require_owner(vectorext._current_role(), cv.partition, format('version %s of collection "%s"', version, collection));
  EXECUTE format('CREATE TRIGGER vectorext_1_sealed BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION vectorext._sealed(%L, %L)',
                 cv.partition, collection, version);
  IF vectorext._is_relation(cv.partition, 'f') THEN
    -- Foreign tables have no TRUNCATE triggers; postgres_fdw refuses TRUNCATE of a table marked not truncatable.
    -- (This seals the version for writes through this server; the shard's table is its owner's to lock there.)
    EXECUTE format('ALTER FOREIGN TABLE %s OPTIONS (%s truncatable %L)', cv.partition,
                   CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_foreign_table f, pg_catalog.pg_options_to_table(f.ftoptions) o
                                     WHERE f.ftrelid = cv.partition AND o.option_name = 'truncatable') THEN 'SET' ELSE 'ADD' END,
                   'false');
  ELSE
    EXECUTE format('CREATE TRIGGER vectorext_1_sealed_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION vectorext._sealed(%L, %L)',
                   cv.partition, collection, version);
  END IF;
  PERFORM vectorext._record_seal(collection, version);
END
$$;
COMMENT ON FUNCTION vectorext.seal IS 'Makes a version read-only (INSERT/UPDATE/DELETE/TRUNCATE refused); needs ownership of its partition';

-- The source rows and the version's rows, read through the collection table (pruned to the version's partition),
-- so SELECT on the collection table and on the source table is all a caller needs.
-- Source rows without an embedding in the version ('missing') or whose source row changed after embedding ('stale').
CREATE FUNCTION vectorext.pending(collection text, version int) RETURNS TABLE (key text, reason text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
  eq text := vectorext._key_equality(c);
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT s.%1$I::text, CASE WHEN e.%1$I IS NULL THEN ''missing'' ELSE ''stale'' END
     FROM %2$s s LEFT JOIN (SELECT * FROM %3$s x WHERE x.model_version = %4$s) e ON e.%1$I %5$s s.%1$I
     WHERE e.%1$I IS NULL OR e.source_digest IS DISTINCT FROM md5(s::text)
     ORDER BY 1', c.key_column, vectorext._source(c), c.relation, cv.version, eq);
END
$$;
COMMENT ON FUNCTION vectorext.pending IS 'Source rows missing from a version or stale in it (the backfill work list); needs SELECT on the collection and source tables';

CREATE FUNCTION vectorext.coverage(collection text, version int,
  OUT source_rows bigint, OUT embedded bigint, OUT missing bigint, OUT stale bigint, OUT orphaned bigint,
  OUT coverage numeric)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
  src regclass := vectorext._source(c);
  eq text := vectorext._key_equality(c);
BEGIN
  EXECUTE format(
    'SELECT count(*), count(e.%1$I), count(*) - count(e.%1$I),
            count(*) FILTER (WHERE e.%1$I IS NOT NULL AND e.source_digest IS DISTINCT FROM md5(s::text))
     FROM %2$s s LEFT JOIN (SELECT * FROM %3$s x WHERE x.model_version = %4$s) e ON e.%1$I %5$s s.%1$I',
     c.key_column, src, c.relation, cv.version, eq)
    INTO source_rows, embedded, missing, stale;
  EXECUTE format('SELECT count(*) FROM %2$s e WHERE e.model_version = %4$s AND NOT EXISTS (SELECT 1 FROM %3$s s WHERE s.%1$I %5$s e.%1$I)',
                 c.key_column, c.relation, src, cv.version, eq)
    INTO orphaned;
  coverage := CASE WHEN source_rows = 0 THEN 1 ELSE round(embedded::numeric / source_rows, 4) END;
END
$$;
COMMENT ON FUNCTION vectorext.coverage IS 'Share of source rows embedded in a version; missing, stale (source changed after embedding) and orphaned (source row deleted) counts; needs SELECT on the collection and source tables';

-- Dropping a collection's tables (by these functions or by a plain DROP TABLE) updates the registry through the
-- event trigger of 44_mlops_drops.sql: the version is retired, the collection forgotten.
CREATE FUNCTION vectorext.retire_version(collection text, version int) RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
  aliases text;
  remote record;
BEGIN
  PERFORM vectorext._require_owner(vectorext._current_role(), cv.partition, format('version %s of collection "%s"', version, collection));
  -- Checked again, under the model's lock, by the event trigger that retires the version when the partition is dropped.
  SELECT string_agg(a.alias, ', ' ORDER BY a.alias) INTO aliases
    FROM vectorext.alias a WHERE a.model = cv.model AND a.version = cv.version;
  IF aliases IS NOT NULL THEN
    RAISE EXCEPTION 'version % of model "%" is still served by alias %', version, cv.model, aliases
      USING ERRCODE = 'object_in_use',
            HINT = format('Move the alias first, e.g. vectorext.promote(%L, <other version>) or vectorext.rollback(%L).', cv.model, cv.model);
  END IF;
  IF vectorext._is_relation(cv.partition, 'f') THEN
    remote := vectorext._remote_relation(cv.partition);
    EXECUTE format('DROP FOREIGN TABLE %s', cv.partition);
    RAISE NOTICE 'the rows of version % of collection "%" stay in %.% on server "%"', version, collection,
          quote_ident(remote.remote_schema), quote_ident(remote.remote_table), remote.server
      USING HINT = 'Drop that table on that server when nothing else reads it.';
  ELSE
    EXECUTE format('DROP TABLE %s', cv.partition);
  END IF;
END
$$;
COMMENT ON FUNCTION vectorext.retire_version IS 'Drops a version''s partition (refused while an alias serves it); needs ownership of the partition';

CREATE FUNCTION vectorext.drop_collection(collection text) RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c vectorext.collection := vectorext._collection(collection);
BEGIN
  PERFORM vectorext._require_owner(vectorext._current_role(), c.relation, format('collection "%s"', collection));
  EXECUTE format('DROP TABLE %s', c.relation);
END
$$;
COMMENT ON FUNCTION vectorext.drop_collection IS 'Drops a collection table with all its versions and its registry rows (models and aliases stay); needs ownership of the collection table';
