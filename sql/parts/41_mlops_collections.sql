-- MLOps collections: one table per collection, LIST-partitioned by model_version, one partition (with its own ANN
-- index and its own dimension check) per embedding version. Rows are written with plain INSERT/COPY.
CREATE TABLE vectorext.collection (
  name        text PRIMARY KEY CHECK (name <> ''),
  relation    text NOT NULL,        -- quoted, schema-qualified table name
  source      text NOT NULL,        -- quoted, schema-qualified source table name
  model       text NOT NULL REFERENCES vectorext.model_head,
  key_column  name NOT NULL,
  key_type    text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  name NOT NULL DEFAULT current_user
);

CREATE TABLE vectorext.collection_version (
  collection  text NOT NULL REFERENCES vectorext.collection ON DELETE CASCADE,
  model       text NOT NULL,
  version     int NOT NULL,
  partition   text NOT NULL,        -- quoted, schema-qualified partition name
  added_at    timestamptz NOT NULL DEFAULT now(),
  added_by    name NOT NULL DEFAULT current_user,
  sealed_at   timestamptz,
  retired_at  timestamptz,
  PRIMARY KEY (collection, version),
  FOREIGN KEY (model, version) REFERENCES vectorext.model
);

SELECT pg_catalog.pg_extension_config_dump('vectorext.collection', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.collection_version', '');

CREATE FUNCTION vectorext._collection(collection text) RETURNS vectorext.collection
LANGUAGE plpgsql STABLE AS $$
DECLARE
  c vectorext.collection;
BEGIN
  SELECT * INTO c FROM vectorext.collection cc WHERE cc.name = _collection.collection;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'collection "%" does not exist', collection
      USING ERRCODE = 'undefined_object',
            HINT = format('Create it with vectorext.create_collection(%L, <source table>, <model>).', collection);
  END IF;
  RETURN c;
END
$$;

-- The partition of a live (added, not retired) version.
CREATE FUNCTION vectorext._collection_version(collection text, version int) RETURNS vectorext.collection_version
LANGUAGE plpgsql STABLE AS $$
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
  RETURN cv;
END
$$;

-- Row check of each version's partition (dims, key in the source, source digest, embedded_at); C for speed.
-- TG_ARGV: collection, model, version, dims, source, key column.
CREATE FUNCTION vectorext._row_check() RETURNS trigger
  AS 'MODULE_PATHNAME', 'vx_mlops_row_check' LANGUAGE C;

CREATE FUNCTION vectorext._unknown_version() RETURNS trigger LANGUAGE plpgsql AS $$
-- TG_ARGV: collection, model. Fires on the default partition, which only receives rows of versions never added.
DECLARE
  v int := NEW.model_version;
BEGIN
  PERFORM vectorext._collection_version(TG_ARGV[0], v);  -- raises with the right hint
  RAISE EXCEPTION 'collection "%" has no partition for version %', TG_ARGV[0], v
    USING ERRCODE = 'undefined_object', HINT = format('Call vectorext.add_version(%L, %s) first.', TG_ARGV[0], v);
END
$$;

CREATE FUNCTION vectorext._sealed() RETURNS trigger LANGUAGE plpgsql AS $$
-- TG_ARGV: collection, version.
BEGIN
  RAISE EXCEPTION 'version % of collection "%" is sealed', TG_ARGV[1], TG_ARGV[0]
    USING ERRCODE = 'object_not_in_prerequisite_state',
          HINT = 'Sealed versions are read-only: write new embeddings as a new model version (vectorext.register_model, then vectorext.add_version).';
END
$$;

CREATE FUNCTION vectorext.create_collection(collection text, source regclass, model text, key_column name DEFAULT 'id')
RETURNS regclass LANGUAGE plpgsql AS $$
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
  IF EXISTS (SELECT 1 FROM vectorext.collection c WHERE c.name = create_collection.collection) THEN
    RAISE EXCEPTION 'collection "%" already exists', collection USING ERRCODE = 'duplicate_object',
      HINT = 'Choose another name, or add a version to it with vectorext.add_version.';
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
  INSERT INTO vectorext.collection (name, relation, source, model, key_column, key_type)
    -- Schema-qualified, so functions running with a pinned search_path (vectorext.conclude) resolve it too.
    VALUES (collection, rel, format('%I.%I', src_schema, (SELECT r.relname FROM pg_catalog.pg_class r WHERE r.oid = source)),
            model, key_column, key_type);
  RETURN rel::regclass;
END
$$;

CREATE FUNCTION vectorext.add_version(collection text, version int) RETURNS regclass
LANGUAGE plpgsql AS $$
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
  SELECT n.nspname INTO schema_name FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
    WHERE r.oid = c.relation::regclass;
  part := format('%I.%I', schema_name, collection || '_v' || version);
  EXECUTE format('CREATE TABLE %s PARTITION OF %s FOR VALUES IN (%s)', part, c.relation, version);
  EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (@extschema@.vector_dims(embedding) = %s)', part,
                 collection || '_v' || version || '_dims', m.dims);
  EXECUTE format('CREATE TRIGGER vectorext_2_row_check BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION vectorext._row_check(%L, %L, %s, %s, %L, %L)',
                 part, collection, c.model, version, m.dims, c.source, c.key_column);
  INSERT INTO vectorext.collection_version (collection, model, version, partition)
    VALUES (collection, c.model, version, part);
  RETURN part::regclass;
END
$$;

-- The ANN index of a version's partition (its only index besides the primary key).
CREATE FUNCTION vectorext._index_of(part regclass) RETURNS regclass LANGUAGE sql STABLE AS $$
  SELECT i.indexrelid::regclass
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
  WHERE i.indrelid = part AND i.indisvalid AND am.amname NOT IN ('btree', 'hash')
  ORDER BY i.indexrelid DESC LIMIT 1
$$;

CREATE FUNCTION vectorext.build_index(collection text, version int, method text DEFAULT 'hnsw', options text DEFAULT NULL)
RETURNS regclass LANGUAGE plpgsql AS $$
DECLARE
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
  m vectorext.model := vectorext._model(cv.model, version);
  idx name := left(collection || '_v' || version || '_' || method, 59) || '_idx';
  schema_name name;
  old regclass;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_am a WHERE a.amname = method AND a.amtype = 'i') THEN
    RAISE EXCEPTION 'index access method "%" does not exist', method USING ERRCODE = 'undefined_object',
      HINT = 'Use method => ''hnsw'' or ''ivfflat''.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_opclass oc JOIN pg_catalog.pg_am a ON a.oid = oc.opcmethod
                 WHERE a.amname = method AND oc.opcname = vectorext._metric_opclass(m.metric)) THEN
    RAISE EXCEPTION 'index access method "%" has no operator class for the % metric of model "%"', method, m.metric, m.name
      USING ERRCODE = 'undefined_object',
            HINT = format('Use an ANN method that supports %s, e.g. method => ''hnsw''.', m.metric);
  END IF;
  SELECT n.nspname INTO schema_name FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
    WHERE r.oid = cv.partition::regclass;
  -- Rebuilding replaces the previous ANN index of the version in the same transaction.
  old := vectorext._index_of(cv.partition::regclass);
  IF old IS NOT NULL THEN
    EXECUTE format('DROP INDEX %s', old);
  END IF;
  -- The column has no typmod (versions differ in dims): the access methods take the dims from the partition's rows.
  EXECUTE format('CREATE INDEX %I ON %s USING %I (embedding %s)%s', idx, cv.partition, method,
                 vectorext._metric_opclass(m.metric), CASE WHEN options IS NULL THEN '' ELSE ' WITH (' || options || ')' END);
  RETURN format('%I.%I', schema_name, idx)::regclass;
END
$$;

CREATE FUNCTION vectorext.seal(collection text, version int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
BEGIN
  IF cv.sealed_at IS NOT NULL THEN
    RAISE NOTICE 'version % of collection "%" is already sealed', version, collection;
    RETURN;
  END IF;
  EXECUTE format('CREATE TRIGGER vectorext_1_sealed BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION vectorext._sealed(%L, %s)',
                 cv.partition, collection, version);
  EXECUTE format('CREATE TRIGGER vectorext_1_sealed_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION vectorext._sealed(%L, %s)',
                 cv.partition, collection, version);
  UPDATE vectorext.collection_version x SET sealed_at = now()
    WHERE x.collection = seal.collection AND x.version = seal.version;
END
$$;

-- Source rows without an embedding in the version ('missing') or whose source row changed after embedding ('stale').
CREATE FUNCTION vectorext.pending(collection text, version int) RETURNS TABLE (key text, reason text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT s.%1$I::text, CASE WHEN e.%1$I IS NULL THEN ''missing'' ELSE ''stale'' END
     FROM %2$s s LEFT JOIN %3$s e ON e.%1$I = s.%1$I
     WHERE e.%1$I IS NULL OR e.source_digest IS DISTINCT FROM md5(s::text)
     ORDER BY 1', c.key_column, c.source, cv.partition);
END
$$;

CREATE FUNCTION vectorext.coverage(collection text, version int,
  OUT source_rows bigint, OUT embedded bigint, OUT missing bigint, OUT stale bigint, OUT orphaned bigint,
  OUT coverage numeric)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  c vectorext.collection := vectorext._collection(collection);
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
BEGIN
  EXECUTE format(
    'SELECT count(*), count(e.%1$I), count(*) - count(e.%1$I),
            count(*) FILTER (WHERE e.%1$I IS NOT NULL AND e.source_digest IS DISTINCT FROM md5(s::text))
     FROM %2$s s LEFT JOIN %3$s e ON e.%1$I = s.%1$I', c.key_column, c.source, cv.partition)
    INTO source_rows, embedded, missing, stale;
  EXECUTE format('SELECT count(*) FROM %2$s e WHERE NOT EXISTS (SELECT 1 FROM %3$s s WHERE s.%1$I = e.%1$I)',
                 c.key_column, cv.partition, c.source)
    INTO orphaned;
  coverage := CASE WHEN source_rows = 0 THEN 1 ELSE round(embedded::numeric / source_rows, 4) END;
END
$$;
COMMENT ON FUNCTION vectorext.coverage IS 'Share of source rows embedded in a version; missing, stale (source changed after embedding) and orphaned (source row deleted) counts';

CREATE FUNCTION vectorext.retire_version(collection text, version int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cv vectorext.collection_version := vectorext._collection_version(collection, version);
  aliases text;
BEGIN
  PERFORM 1 FROM vectorext.model_head h WHERE h.name = cv.model FOR UPDATE;  -- no alias may move meanwhile
  SELECT string_agg(a.alias, ', ' ORDER BY a.alias) INTO aliases
    FROM vectorext.alias a WHERE a.model = cv.model AND a.version = retire_version.version;
  IF aliases IS NOT NULL THEN
    RAISE EXCEPTION 'version % of model "%" is still served by alias %', version, cv.model, aliases
      USING ERRCODE = 'object_in_use',
            HINT = format('Move the alias first, e.g. vectorext.promote(%L, <other version>) or vectorext.rollback(%L).', cv.model, cv.model);
  END IF;
  EXECUTE format('DROP TABLE %s', cv.partition);
  UPDATE vectorext.collection_version x SET retired_at = now()
    WHERE x.collection = retire_version.collection AND x.version = retire_version.version;
END
$$;

CREATE FUNCTION vectorext.drop_collection(collection text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  c vectorext.collection := vectorext._collection(collection);
BEGIN
  IF to_regclass(c.relation) IS NOT NULL THEN
    EXECUTE format('DROP TABLE %s', c.relation);
  END IF;
  DELETE FROM vectorext.collection cc WHERE cc.name = drop_collection.collection;
END
$$;
COMMENT ON FUNCTION vectorext.drop_collection IS 'Drops a collection table with all its versions and its registry rows (models and aliases stay)';
