-- MLOps aliases (champion, challenger, ...) with their history. Every change locks the model's model_head row, so
-- concurrent promotes queue up (READ COMMITTED: the second one sees and records the first one's result; REPEATABLE
-- READ / SERIALIZABLE: the second one fails with a serialization error) and never both win silently.
CREATE TABLE vectorext.alias (
  model      text NOT NULL REFERENCES vectorext.model_head ON DELETE CASCADE,
  alias      text NOT NULL CHECK (alias <> ''),
  version    int NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by name NOT NULL DEFAULT current_user,
  PRIMARY KEY (model, alias),
  FOREIGN KEY (model, version) REFERENCES vectorext.model
);

CREATE TABLE vectorext.alias_event (
  id           bigserial PRIMARY KEY,
  model        text NOT NULL,
  alias        text NOT NULL,
  action       text NOT NULL CHECK (action IN ('set', 'promote', 'rollback')),
  from_version int,
  to_version   int NOT NULL,
  forced       boolean NOT NULL DEFAULT false,
  undone_by    bigint REFERENCES vectorext.alias_event,
  changed_at   timestamptz NOT NULL DEFAULT now(),
  changed_by   name NOT NULL DEFAULT current_user
);
CREATE INDEX ON vectorext.alias_event (model, alias, id);

SELECT pg_catalog.pg_extension_config_dump('vectorext.alias', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.alias_event', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.alias_event_id_seq', '');

CREATE VIEW vectorext.alias_history AS
  SELECT e.id, e.model, e.alias, e.action, e.from_version, e.to_version, e.forced,
         e.undone_by IS NOT NULL AS rolled_back, e.changed_at, e.changed_by
  FROM vectorext.alias_event e;
COMMENT ON VIEW vectorext.alias_history IS 'Every alias change: who, when, from which version to which';

-- The version an alias serves. STABLE: evaluated once per statement with the statement's snapshot, which lets the
-- planner prune a collection to that version's partition at executor start-up (also with generic plans).
CREATE FUNCTION vectorext.version_of(model text, alias text DEFAULT 'champion') RETURNS int
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  v int;
BEGIN
  SELECT a.version INTO v FROM vectorext.alias a WHERE a.model = version_of.model AND a.alias = version_of.alias;
  IF NOT FOUND THEN
    IF NOT EXISTS (SELECT 1 FROM vectorext.model_head h WHERE h.name = version_of.model) THEN
      RAISE EXCEPTION 'model "%" is not registered', model USING ERRCODE = 'undefined_object',
        HINT = format('Register it with vectorext.register_model(%L, dims => ...).', model);
    END IF;
    RAISE EXCEPTION 'model "%" has no alias "%"', model, alias USING ERRCODE = 'undefined_object',
      HINT = format('Point it at a version with vectorext.set_alias(%L, %L, <version>) or vectorext.promote(%L, <version>, %L).',
                    model, alias, model, alias);
  END IF;
  RETURN v;
END
$$;

-- Locks the model (all alias changes of a model are serialised) and raises if it does not exist.
CREATE FUNCTION vectorext._lock_model(model text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- An UPDATE rather than SELECT ... FOR UPDATE: under REPEATABLE READ / SERIALIZABLE a concurrent, committed
  -- alias change then makes this fail with a serialization error instead of being overwritten unseen.
  BEGIN
    UPDATE vectorext.model_head h SET alias_changes = h.alias_changes + 1 WHERE h.name = _lock_model.model;
  EXCEPTION WHEN serialization_failure THEN
    RAISE EXCEPTION 'another transaction changed the aliases of model "%" concurrently', model
      USING ERRCODE = 'serialization_failure',
            HINT = 'Retry the transaction: it will see the other change (see vectorext.alias_history) and can decide again.';
  END;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'model "%" is not registered', model USING ERRCODE = 'undefined_object',
      HINT = format('Register it with vectorext.register_model(%L, dims => ...).', model);
  END IF;
END
$$;

-- Points alias at version and records the change; the caller holds the model lock.
CREATE FUNCTION vectorext._move_alias(model text, alias text, version int, action text, forced boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  cur int;
  retired text;
  event bigint;
BEGIN
  IF alias IS NULL OR alias = '' THEN
    RAISE EXCEPTION 'alias name must not be empty' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Use an alias such as ''champion'' or ''challenger''.';
  END IF;
  PERFORM vectorext._model(model, version);
  SELECT string_agg(x.collection, ', ' ORDER BY x.collection) INTO retired
    FROM vectorext.collection_version x WHERE x.model = _move_alias.model AND x.version = _move_alias.version AND x.retired_at IS NOT NULL;
  IF retired IS NOT NULL THEN
    RAISE EXCEPTION 'version % of model "%" is retired in collection %', version, model, retired
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Point the alias at a live version (see vectorext.collection_versions).';
  END IF;
  SELECT a.version INTO cur FROM vectorext.alias a WHERE a.model = _move_alias.model AND a.alias = _move_alias.alias;
  IF cur = version THEN
    RAISE NOTICE 'alias "%" of model "%" already points at version %', alias, model, version;
    RETURN NULL;
  END IF;
  INSERT INTO vectorext.alias AS a (model, alias, version) VALUES (model, alias, version)
    ON CONFLICT ON CONSTRAINT alias_pkey
    DO UPDATE SET version = excluded.version, updated_at = now(), updated_by = current_user;
  INSERT INTO vectorext.alias_event (model, alias, action, from_version, to_version, forced)
    VALUES (model, alias, action, cur, version, forced)
    RETURNING id INTO event;
  RETURN event;
END
$$;

CREATE FUNCTION vectorext.set_alias(model text, alias text, version int) RETURNS int
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM vectorext._lock_model(model);
  PERFORM vectorext._move_alias(model, alias, version, 'set', false);
  RETURN version;
END
$$;
COMMENT ON FUNCTION vectorext.set_alias IS 'Points an alias at a version without the promotion gate (e.g. challenger)';

-- Why version is not ready to serve, or NULL when it is: every collection of the model must have the version
-- fully and freshly embedded and indexed.
CREATE FUNCTION vectorext._promotion_blocker(model text, version int, OUT problem text, OUT hint text)
LANGUAGE plpgsql AS $$
DECLARE
  c record;
  cv vectorext.collection_version;
  cov record;
BEGIN
  FOR c IN SELECT * FROM vectorext.collection cc WHERE cc.model = _promotion_blocker.model ORDER BY cc.name LOOP
    SELECT * INTO cv FROM vectorext.collection_version x WHERE x.collection = c.name AND x.version = _promotion_blocker.version;
    IF NOT FOUND THEN
      problem := format('collection "%s" has no partition for version %s', c.name, version);
      hint := format('Call vectorext.add_version(%L, %s), embed its rows and call vectorext.build_index(%L, %s), or pass force => true.', c.name, version, c.name, version);
      RETURN;
    END IF;
    cov := vectorext.coverage(c.name, version);
    IF cov.missing > 0 OR cov.stale > 0 THEN
      problem := format('collection "%s" version %s is not fully embedded: %s of %s source rows missing, %s stale',
                        c.name, version, cov.missing, cov.source_rows, cov.stale);
      hint := format('Embed the rows listed by vectorext.pending(%L, %s), or pass force => true.', c.name, version);
      RETURN;
    END IF;
    IF vectorext._index_of(cv.partition::regclass) IS NULL THEN
      problem := format('collection "%s" version %s has no ANN index', c.name, version);
      hint := format('Call vectorext.build_index(%L, %s), or pass force => true.', c.name, version);
      RETURN;
    END IF;
  END LOOP;
END
$$;

CREATE FUNCTION vectorext.promote(model text, version int, alias text DEFAULT 'champion', force boolean DEFAULT false,
                                  if_current int DEFAULT NULL, thresholds jsonb DEFAULT NULL, query_set text DEFAULT NULL)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  b record;
  t_problem text;   -- first failed threshold rule, its hint, and the runs checked
  t_hint text;
  t_evidence jsonb;
  cur int;
  event bigint;
BEGIN
  PERFORM vectorext._lock_model(model);
  PERFORM vectorext._model(model, version);
  -- Compare-and-set for deployment pipelines: promote only if the alias still serves the version they evaluated.
  IF if_current IS NOT NULL THEN
    SELECT a.version INTO cur FROM vectorext.alias a WHERE a.model = promote.model AND a.alias = promote.alias;
    IF cur IS DISTINCT FROM if_current THEN
      RAISE EXCEPTION 'alias "%" of model "%" serves version %, not %', alias, model, coalesce(cur::text, 'none'), if_current
        USING ERRCODE = 'serialization_failure',
              HINT = 'Someone else moved the alias (see vectorext.alias_history); re-evaluate against the version it serves now.';
    END IF;
  END IF;
  b := vectorext._promotion_blocker(model, version);
  IF b.problem IS NOT NULL THEN
    IF force THEN
      RAISE WARNING 'promoting version % of model "%" although %', version, model, b.problem;
    ELSE
      RAISE EXCEPTION 'cannot promote version % of model "%": %', version, model, b.problem
        USING ERRCODE = 'object_not_in_prerequisite_state', HINT = b.hint;
    END IF;
  END IF;
  -- MLflow-style thresholds against the alias' current version, on stored evaluation runs (48_mlops_evidence.sql).
  IF thresholds IS NOT NULL THEN
    SELECT * INTO t_problem, t_hint, t_evidence
      FROM vectorext._threshold_blocker(model, version, alias, thresholds, query_set);
    IF t_problem IS NOT NULL THEN
      IF force THEN
        RAISE WARNING 'promoting version % of model "%" although %', version, model, t_problem;
      ELSE
        RAISE EXCEPTION 'cannot promote version % of model "%": %', version, model, t_problem
          USING ERRCODE = 'object_not_in_prerequisite_state', HINT = t_hint;
      END IF;
    END IF;
  END IF;
  event := vectorext._move_alias(model, alias, version, 'promote',
                                 force AND (b.problem IS NOT NULL OR t_problem IS NOT NULL));
  IF event IS NOT NULL AND thresholds IS NOT NULL THEN
    PERFORM vectorext._link_evaluations(event, t_evidence);
  END IF;
  RETURN version;
END
$$;
COMMENT ON FUNCTION vectorext.promote IS 'Points an alias (champion by default) at a version that is fully embedded and indexed in every collection';

CREATE FUNCTION vectorext.rollback(model text, alias text DEFAULT 'champion') RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  e vectorext.alias_event;
  event bigint;
BEGIN
  PERFORM vectorext._lock_model(model);
  SELECT * INTO e FROM vectorext.alias_event x
    WHERE x.model = rollback.model AND x.alias = rollback.alias AND x.action <> 'rollback' AND x.undone_by IS NULL
    ORDER BY x.id DESC LIMIT 1;
  IF NOT FOUND OR e.from_version IS NULL THEN
    PERFORM vectorext.version_of(model, alias);  -- raises if the alias does not exist
    RAISE EXCEPTION 'alias "%" of model "%" has no earlier version to roll back to', alias, model
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = format('See SELECT * FROM vectorext.alias_history WHERE model = %L; point the alias explicitly with vectorext.set_alias(%L, %L, <version>).', model, model, alias);
  END IF;
  event := vectorext._move_alias(model, alias, e.from_version, 'rollback', false);
  UPDATE vectorext.alias_event x SET undone_by = event WHERE x.id = e.id;
  RETURN e.from_version;
END
$$;
COMMENT ON FUNCTION vectorext.rollback IS 'Points an alias back at the version it served before its last set/promote (repeatable: pops the history)';
