-- Scale-out on PostgreSQL's own machinery (docs/scale-out.md): a table partitioned by hash or list whose partitions
-- are postgres_fdw foreign tables on other servers, each with its own ANN index. The plain query
-- `SELECT ... FROM parent ORDER BY embedding <-> $1 LIMIT k` then runs an ordered index scan on every shard and the
-- coordinator merges (Merge Append). These helpers only remove toil around that setup; they run with the caller's
-- rights (SECURITY INVOKER), build SQL only with format('%I'/'%L') and regclass output, and execute no stored text.

-- The name this extension was installed under: vectorext, or vector where it replaces pgvector.
CREATE FUNCTION vectorext._extension_name() RETURNS name
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT e.extname FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
  WHERE d.classid = 'pg_proc'::regclass AND d.objid = 'vectorext._extension_name()'::regprocedure
    AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
$$;

-- The foreign-data server's `extensions` option must list this extension, or postgres_fdw ships no vector
-- operator: ORDER BY would run on the coordinator after every row of every shard was transferred.
CREATE FUNCTION vectorext._shard_server_check(server name) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  fdw name;
  opts text[];
  ext text;
  shipped text[];
BEGIN
  SELECT w.fdwname, s.srvoptions INTO fdw, opts
  FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
  WHERE s.srvname = server;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'server "%" does not exist', server USING ERRCODE = 'undefined_object',
      HINT = 'Create it with CREATE SERVER ... FOREIGN DATA WRAPPER postgres_fdw.';
  END IF;
  IF fdw <> 'postgres_fdw' THEN
    RAISE EXCEPTION 'server "%" uses foreign-data wrapper "%", not postgres_fdw', server, fdw
      USING ERRCODE = 'wrong_object_type';
  END IF;
  ext := vectorext._extension_name();
  SELECT string_to_array(replace(substr(o, length('extensions=') + 1), ' ', ''), ',') INTO shipped
  FROM unnest(opts) o WHERE o LIKE 'extensions=%';
  -- The shard plans the shipped ORDER BY as a cursor: with the default cursor_tuple_fraction (0.1) it expects to
  -- read a tenth of its rows, and a full sort looks cheaper than an index scan that far. The merge reads about k.
  IF NOT EXISTS (SELECT FROM unnest(opts) o WHERE o LIKE 'options=%cursor_tuple_fraction%') THEN
    RAISE WARNING 'server "%" does not set cursor_tuple_fraction for its sessions', server
      USING DETAIL = 'A shard plans the shipped ORDER BY ... as a cursor expected to read 10% of its rows, and may '
                     'sort them all instead of using its ANN index.',
            HINT = format('ALTER SERVER %I OPTIONS (ADD options %L);', server, '-c cursor_tuple_fraction=0.0001');
  END IF;
  IF shipped IS NULL OR NOT (ext = ANY (shipped)) THEN
    RAISE EXCEPTION 'server "%" does not ship the operators of extension "%"', server, ext
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Without it, postgres_fdw transfers every row of the shard and sorts on the coordinator.',
            HINT = format('ALTER SERVER %I OPTIONS (ADD extensions %L); the extension must be installed on the shard too.',
                          server, ext);
  END IF;
END
$$;

-- Reads one row of every column of a foreign table, so that a missing remote table or column fails now, in the
-- transaction that created the foreign table, and not in the first user query. `what` names it in the error.
CREATE FUNCTION vectorext._probe_foreign_table(part regclass, what text, hint text) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  cols text;
BEGIN
  SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO cols
  FROM pg_attribute a WHERE a.attrelid = part AND a.attnum > 0 AND NOT a.attisdropped;
  BEGIN
    EXECUTE format('SELECT count(*) FROM (SELECT %s FROM %s LIMIT 1) s', cols, part);
  EXCEPTION WHEN OTHERS THEN
    RAISE EXCEPTION '% cannot be read: %', what, SQLERRM USING ERRCODE = SQLSTATE, HINT = hint;
  END;
END
$$;

-- Attaches a shard: a foreign table on `server` (remote_schema.remote_table, by default the parent's own schema
-- and name) as a partition of `parent`, for hash (modulus, remainder) or list (list_values) partitioning. The remote
-- table must exist with the parent's columns: it is read once (one row) to prove it, in the same transaction.
CREATE FUNCTION vectorext.add_shard(parent regclass, server name,
                                    modulus int DEFAULT NULL, remainder int DEFAULT NULL,
                                    list_values text[] DEFAULT NULL,
                                    remote_schema text DEFAULT NULL, remote_table text DEFAULT NULL,
                                    partition_name name DEFAULT NULL)
RETURNS regclass
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  strategy "char";
  nsp name;
  relname name;
  bound text;
  part regclass;
BEGIN
  SELECT p.partstrat, n.nspname, c.relname INTO strategy, nsp, relname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_partitioned_table p ON p.partrelid = c.oid
  WHERE c.oid = parent;
  IF strategy IS NULL THEN
    RAISE EXCEPTION '"%" is not a partitioned table', parent USING ERRCODE = 'wrong_object_type',
      HINT = 'Create the table with PARTITION BY HASH (...) or PARTITION BY LIST (...).';
  END IF;
  IF strategy = 'h' THEN
    IF modulus IS NULL OR remainder IS NULL OR list_values IS NOT NULL THEN
      RAISE EXCEPTION '"%" is hash partitioned: pass modulus and remainder', parent
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    bound := format('FOR VALUES WITH (MODULUS %s, REMAINDER %s)', modulus, remainder);
  ELSIF strategy = 'l' THEN
    IF list_values IS NULL OR cardinality(list_values) = 0 OR modulus IS NOT NULL OR remainder IS NOT NULL THEN
      RAISE EXCEPTION '"%" is list partitioned: pass list_values', parent USING ERRCODE = 'invalid_parameter_value';
    END IF;
    bound := 'FOR VALUES IN (' || (SELECT string_agg(format('%L', v), ', ') FROM unnest(list_values) v) || ')';
  ELSE
    RAISE EXCEPTION 'range-partitioned table "%" is not supported', parent USING ERRCODE = 'feature_not_supported',
      HINT = 'Shard by hash of a key or by a list of tenants.';
  END IF;
  PERFORM vectorext._shard_server_check(server);

  EXECUTE format('CREATE FOREIGN TABLE %I.%I PARTITION OF %s %s SERVER %I OPTIONS (schema_name %L, table_name %L)',
                 nsp, coalesce(partition_name, left(relname || '_' || server, 63)), parent, bound, server,
                 coalesce(remote_schema, nsp), coalesce(remote_table, relname));
  part := format('%I.%I', nsp, coalesce(partition_name, left(relname || '_' || server, 63)))::regclass;
  PERFORM vectorext._probe_foreign_table(part, format('shard on server "%s"', server),
    format('Create %I.%I on the shard with the columns of %s (and its ANN index) first.',
           coalesce(remote_schema, nsp), coalesce(remote_table, relname), parent));
  RETURN part;
END
$$;
COMMENT ON FUNCTION vectorext.add_shard IS
  'attaches a postgres_fdw foreign table on another server as a hash or list partition, after checking the server ships our operators and the remote table reads';

-- One row per leaf partition of `parent`: where it lives and whether it answers now.
CREATE FUNCTION vectorext.shard_status(parent regclass)
RETURNS TABLE (partition regclass, server name, bound text, reachable boolean, message text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  leaf record;
BEGIN
  FOR leaf IN
    SELECT t.relid, s.srvname, pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_partition_tree(parent) t
    JOIN pg_class c ON c.oid = t.relid
    LEFT JOIN pg_foreign_table f ON f.ftrelid = t.relid
    LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver
    WHERE t.isleaf ORDER BY t.relid::text
  LOOP
    partition := leaf.relid;
    server := leaf.srvname;
    bound := leaf.bound;
    message := NULL;
    BEGIN
      EXECUTE format('SELECT count(*) FROM (SELECT FROM %s LIMIT 1) s', leaf.relid);
      reachable := true;
    EXCEPTION WHEN OTHERS THEN
      reachable := false;
      message := SQLERRM;
    END;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION vectorext.shard_status IS 'per leaf partition: server, partition bound, whether it answers now (and the error if not)';

-- The k nearest rows over the partitions that answer now: an explicit opt-in to a partial answer while a shard is
-- down (the plain ORDER BY query fails instead, naming the server). Called as
--   SELECT * FROM vectorext.search_shards(NULL::items, 'embedding', '[...]'::vector, 10, allow_partial => true);
-- Each partition runs its own ordered (ANN) scan with LIMIT k; the union is ordered again. Unreachable shards are
-- named in a WARNING. With allow_partial => false it returns what the plain query returns, or fails as it does.
CREATE FUNCTION vectorext.search_shards(rowtype anyelement, embedding_column name, query anycompatible, k int,
                                        op text DEFAULT '<->', allow_partial boolean DEFAULT false)
RETURNS SETOF anyelement
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  parent regclass;
  leaf record;
  cols text;
  branch text;
  branches text[] := '{}';
  down text[] := '{}';
  qualified_op text;
BEGIN
  IF op IS NULL OR op NOT IN ('<->', '<#>', '<=>', '<+>', '<~>', '<%>') THEN
    RAISE EXCEPTION 'unknown distance operator "%"', op USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Use one of <->, <#>, <=>, <+>, <~>, <%>.';
  END IF;
  IF k IS NULL OR k < 1 THEN
    RAISE EXCEPTION 'k must be at least 1, not %', k USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT c.oid INTO parent FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid
  WHERE t.oid = pg_typeof(rowtype) AND c.relkind = 'p';
  IF parent IS NULL THEN
    RAISE EXCEPTION 'rowtype must be the row type of a partitioned table, not %', pg_typeof(rowtype)
      USING ERRCODE = 'wrong_object_type', HINT = 'Pass NULL::your_partitioned_table.';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = parent AND a.attname = embedding_column
                 AND a.attnum > 0 AND NOT a.attisdropped) THEN
    RAISE EXCEPTION 'column "%" of relation % does not exist', embedding_column, parent
      USING ERRCODE = 'undefined_column';
  END IF;
  -- The parent's columns by name, in the parent's order (a partition may order its columns differently).
  SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO cols
  FROM pg_attribute a WHERE a.attrelid = parent AND a.attnum > 0 AND NOT a.attisdropped;
  qualified_op := format('OPERATOR(@extschema@.%s)', op);

  FOR leaf IN
    SELECT t.relid, s.srvname FROM pg_partition_tree(parent) t
    LEFT JOIN pg_foreign_table f ON f.ftrelid = t.relid
    LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver
    WHERE t.isleaf ORDER BY t.relid::text
  LOOP
    branch := format('(SELECT %s FROM %s ORDER BY %I %s $1 LIMIT $2)', cols, leaf.relid, embedding_column, qualified_op);
    IF leaf.srvname IS NOT NULL THEN
      BEGIN
        EXECUTE format('SELECT count(*) FROM (SELECT FROM %s LIMIT 1) s', leaf.relid);
      EXCEPTION WHEN OTHERS THEN
        IF NOT allow_partial THEN
          RAISE EXCEPTION 'shard % on server "%" is not available: %', leaf.relid, leaf.srvname, SQLERRM
            USING ERRCODE = SQLSTATE, HINT = 'Pass allow_partial => true to search the other shards.';
        END IF;
        down := down || format('%s (server %s): %s', leaf.relid, leaf.srvname, SQLERRM);
        CONTINUE;
      END;
    END IF;
    branches := branches || branch;
  END LOOP;
  IF cardinality(down) > 0 THEN
    RAISE WARNING 'partial answer: % of % shards did not answer', cardinality(down), cardinality(down) + cardinality(branches)
      USING DETAIL = array_to_string(down, E'\n');
  END IF;
  IF cardinality(branches) = 0 THEN
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format('SELECT %s FROM (%s) u ORDER BY %I %s $1 LIMIT $2',
                              cols, array_to_string(branches, ' UNION ALL '), embedding_column, qualified_op)
    USING query, k;
END
$$;
COMMENT ON FUNCTION vectorext.search_shards IS
  'k nearest rows of a sharded table over the shards that answer (allow_partial => true names the others in a WARNING)';

-- What the coordinator can know about a shard's indexes -------------------------------------------------------------
-- An index on a foreign table's remote table is invisible to the coordinator's catalog. Every vectorext install
-- therefore offers its ANN indexes as a plain catalog view, and the coordinator reads a shard's through one foreign
-- table per server (vectorext._ann_indexes_<server oid>, owned by the extension owner, readable by everyone): each
-- reader reads it through its own user mapping, as it reads the shard's data. The remote text it returns is only
-- compared with names, never executed.

-- The single-column hnsw / ivfflat / ivf indexes of this database: table, column, method, operator class, validity.
CREATE VIEW vectorext.ann_indexes AS
  SELECT n.nspname AS schema_name, t.relname AS table_name, a.attname AS column_name, i.relname AS index_name,
         am.amname AS method, oc.opcname AS opclass, x.indisvalid AS valid, x.indpred IS NOT NULL AS partial
  FROM pg_catalog.pg_index x
  JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
  JOIN pg_catalog.pg_am am ON am.oid = i.relam
  JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
  JOIN pg_catalog.pg_opclass oc ON oc.oid = x.indclass[0]
  WHERE am.amname IN ('hnsw', 'ivfflat', 'ivf') AND x.indnatts = 1;
GRANT SELECT ON vectorext.ann_indexes TO PUBLIC;
COMMENT ON VIEW vectorext.ann_indexes IS
  'single-column hnsw, ivfflat and ivf indexes: table, column, method, operator class, valid, partial (a coordinator reads a shard''s through vectorext.remote_ann_indexes)';

-- The foreign table over server's vectorext.ann_indexes, if it was created (by the extension owner, in vectorext).
CREATE FUNCTION vectorext._shard_catalog(server oid) RETURNS regclass LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT c.oid::pg_catalog.regclass
  FROM pg_catalog.pg_foreign_table f JOIN pg_catalog.pg_class c ON c.oid = f.ftrelid
  WHERE f.ftserver = server AND c.relnamespace = 'vectorext'::pg_catalog.regnamespace
    AND c.relowner = (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = vectorext._extension_name())
    AND f.ftoptions @> ARRAY['schema_name=vectorext', 'table_name=ann_indexes']
  ORDER BY c.oid LIMIT 1
$$;

-- Creates it (once per server): the owner-side function runs as the extension owner, for a caller with USAGE on the
-- postgres_fdw server. Nothing of the caller's is executed: the server is looked up by name, the rest is fixed.
CREATE FUNCTION vectorext._ensure_shard_catalog(server name) RETURNS regclass
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_ensure_shard_catalog(caller oid, server name) RETURNS regclass
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  sid oid;
  fdw name;
  cat regclass;
BEGIN
  SELECT s.oid, w.fdwname INTO sid, fdw
  FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw WHERE s.srvname = server;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'server "%" does not exist', server USING ERRCODE = 'undefined_object';
  END IF;
  IF fdw <> 'postgres_fdw' THEN
    RAISE EXCEPTION 'server "%" uses foreign-data wrapper "%", not postgres_fdw', server, fdw
      USING ERRCODE = 'wrong_object_type';
  END IF;
  IF NOT has_server_privilege(caller, sid, 'USAGE') THEN
    RAISE EXCEPTION 'permission denied for foreign server %', server USING ERRCODE = 'insufficient_privilege',
      HINT = format('Its owner can allow it: GRANT USAGE ON FOREIGN SERVER %I TO %I.', server, vectorext._role_name(caller));
  END IF;
  cat := vectorext._shard_catalog(sid);
  IF cat IS NULL THEN
    EXECUTE format('CREATE FOREIGN TABLE vectorext.%I (schema_name pg_catalog.name, table_name pg_catalog.name, '
                   'column_name pg_catalog.name, index_name pg_catalog.name, method pg_catalog.name, '
                   'opclass pg_catalog.name, valid pg_catalog.bool, partial pg_catalog.bool) '
                   'SERVER %I OPTIONS (schema_name %L, table_name %L)',
                   '_ann_indexes_' || sid, server, 'vectorext', 'ann_indexes');
    EXECUTE format('GRANT SELECT ON vectorext.%I TO PUBLIC', '_ann_indexes_' || sid);
    EXECUTE format('COMMENT ON FOREIGN TABLE vectorext.%I IS %L', '_ann_indexes_' || sid,
                   format('vectorext.ann_indexes of server %s (read by vectorext.remote_ann_indexes)', server));
    cat := vectorext._shard_catalog(sid);
  END IF;
  RETURN cat;
END
$$;
REVOKE EXECUTE ON FUNCTION vectorext._owner_ensure_shard_catalog(oid, name) FROM PUBLIC;

-- Where a foreign table's rows live: its server and the remote schema, table and (for `column_name`) column.
CREATE FUNCTION vectorext._remote_relation(foreign_table regclass, column_name name DEFAULT NULL,
                                           OUT server name, OUT server_oid oid, OUT remote_schema text,
                                           OUT remote_table text, OUT remote_column text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  SELECT s.srvname, s.oid,
         coalesce((SELECT o.option_value FROM pg_options_to_table(f.ftoptions) o WHERE o.option_name = 'schema_name'), n.nspname),
         coalesce((SELECT o.option_value FROM pg_options_to_table(f.ftoptions) o WHERE o.option_name = 'table_name'), c.relname)
    INTO server, server_oid, remote_schema, remote_table
  FROM pg_foreign_table f JOIN pg_foreign_server s ON s.oid = f.ftserver
  JOIN pg_class c ON c.oid = f.ftrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE f.ftrelid = foreign_table;
  IF NOT FOUND THEN
    RAISE EXCEPTION '% is not a foreign table', foreign_table USING ERRCODE = 'wrong_object_type';
  END IF;
  IF _remote_relation.column_name IS NOT NULL THEN
    SELECT coalesce((SELECT o.option_value FROM pg_options_to_table(a.attfdwoptions) o WHERE o.option_name = 'column_name'),
                    a.attname)
      INTO remote_column
    FROM pg_attribute a WHERE a.attrelid = foreign_table AND a.attname = _remote_relation.column_name
      AND a.attnum > 0 AND NOT a.attisdropped;
  END IF;
END
$$;

-- The ANN indexes of a foreign table's remote table, read through the server's catalog table with the caller's user
-- mapping. The catalog table is created on first use (which needs USAGE on the server).
CREATE FUNCTION vectorext.remote_ann_indexes(foreign_table regclass)
RETURNS TABLE (server name, remote_table text, column_name name, index_name name, method name, opclass name,
               valid boolean, partial boolean)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  r record := vectorext._remote_relation(foreign_table);
  cat regclass := coalesce(vectorext._shard_catalog(r.server_oid), vectorext._ensure_shard_catalog(r.server));
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT $1, $2, x.column_name, x.index_name, x.method, x.opclass, x.valid, x.partial FROM %s x
     WHERE x.schema_name OPERATOR(pg_catalog.=) $3 AND x.table_name OPERATOR(pg_catalog.=) $4 ORDER BY x.index_name', cat)
    USING r.server, format('%I.%I', r.remote_schema, r.remote_table), r.remote_schema::name, r.remote_table::name;
END
$$;
COMMENT ON FUNCTION vectorext.remote_ann_indexes IS
  'the hnsw, ivfflat and ivf indexes of a postgres_fdw foreign table''s remote table, read from the shard''s vectorext.ann_indexes through the caller''s user mapping';
