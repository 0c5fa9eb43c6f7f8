-- Keeps the registry's OIDs true to the catalog (relations are stored by OID: docs/security.md). Dropping tables a
-- collection uses, whether through vectorext.retire_version / drop_collection or a plain DROP TABLE, goes through
-- this event trigger:
--   the collection table dropped      -> the collection and its versions leave the registry;
--   a version's partition dropped     -> the version is retired (refused, 55006, while an alias serves it); a
--                                        version on another server is a foreign table (object type 'foreign table');
--   the source table dropped alone    -> refused (2BP01), like a foreign key: drop the collection first.
--   an index dropped (alone, or with its table) -> its tuning rows (vectorext.index_tuning, part 27) go.
-- So no registry row keeps the OID of a dropped relation, which a new, unrelated relation could later receive.

CREATE FUNCTION vectorext._forget_dropped(dropped oid[]) RETURNS void
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
-- Acts only on OIDs that no longer name a relation: a catalog sync that needs no privilege.
CREATE FUNCTION vectorext._owner_forget_dropped(caller oid, dropped oid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  gone oid[] := ARRAY(SELECT o FROM unnest(dropped) o WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class r WHERE r.oid = o));
  orphan text;
  v record;
  aliases text;
BEGIN
  SELECT string_agg(format('"%s"', c.name), ', ' ORDER BY c.name) INTO orphan
    FROM vectorext.collection c WHERE c.source = ANY (gone) AND NOT c.relation = ANY (gone);
  IF orphan IS NOT NULL THEN
    RAISE EXCEPTION 'cannot drop the source table of collection %', orphan USING ERRCODE = 'dependent_objects_still_exist',
      HINT = 'Drop the collection first with vectorext.drop_collection, or drop its table in the same statement.';
  END IF;
  FOR v IN SELECT cv.collection, cv.model, cv.version FROM vectorext.collection_version cv
           JOIN vectorext.collection c ON c.name = cv.collection
           WHERE cv.partition = ANY (gone) AND NOT c.relation = ANY (gone) LOOP
    PERFORM 1 FROM vectorext.model_head h WHERE h.name = v.model FOR UPDATE;  -- no alias may move meanwhile
    SELECT string_agg(a.alias, ', ' ORDER BY a.alias) INTO aliases
      FROM vectorext.alias a WHERE a.model = v.model AND a.version = v.version;
    IF aliases IS NOT NULL THEN
      RAISE EXCEPTION 'version % of model "%" is still served by alias %', v.version, v.model, aliases
        USING ERRCODE = 'object_in_use',
              HINT = format('Move the alias first, e.g. vectorext.promote(%L, <other version>) or vectorext.rollback(%L).', v.model, v.model);
    END IF;
    UPDATE vectorext.collection_version x SET partition = NULL, retired_at = now()
      WHERE x.collection = v.collection AND x.version = v.version;
  END LOOP;
  DELETE FROM vectorext.collection c WHERE c.relation = ANY (gone);
  DELETE FROM vectorext.index_tuning t WHERE t.index = ANY (gone);
END
$$;

CREATE FUNCTION vectorext._on_sql_drop() RETURNS event_trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  dropped oid[];
BEGIN
  SELECT array_agg(d.objid) INTO dropped FROM pg_catalog.pg_event_trigger_dropped_objects() d
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0 AND d.object_type IN ('table', 'foreign table', 'index');
  IF dropped IS NOT NULL
     AND (EXISTS (SELECT 1 FROM vectorext.collection c WHERE c.relation = ANY (dropped) OR c.source = ANY (dropped))
          OR EXISTS (SELECT 1 FROM vectorext.collection_version v WHERE v.partition = ANY (dropped))
          OR EXISTS (SELECT 1 FROM vectorext.index_tuning t WHERE t.index = ANY (dropped))) THEN
    PERFORM vectorext._forget_dropped(dropped);
  END IF;
END
$$;
CREATE EVENT TRIGGER vectorext_sql_drop ON sql_drop EXECUTE FUNCTION vectorext._on_sql_drop();
