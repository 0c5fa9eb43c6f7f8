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
  cols text;
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

  -- Read one row of every column: a missing table or column fails here, not in the first user query.
  SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO cols
  FROM pg_attribute a WHERE a.attrelid = part AND a.attnum > 0 AND NOT a.attisdropped;
  BEGIN
    EXECUTE format('SELECT count(*) FROM (SELECT %s FROM %s LIMIT 1) s', cols, part);
  EXCEPTION WHEN OTHERS THEN
    RAISE EXCEPTION 'shard on server "%" cannot be read: %', server, SQLERRM
      USING ERRCODE = SQLSTATE,
            HINT = format('Create %I.%I on the shard with the columns of %s (and its ANN index) first.',
                          coalesce(remote_schema, nsp), coalesce(remote_table, relname), parent);
  END;
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
