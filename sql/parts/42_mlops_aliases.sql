-- MLOps aliases (champion, challenger, ...) with their history. Every change locks the model's model_head row, so
-- concurrent promotes queue up (READ COMMITTED: the second one sees and records the first one's result; REPEATABLE
-- READ / SERIALIZABLE: the second one fails with a serialization error) and never both win silently.
-- Aliases are moved only by set_alias, promote and rollback, which need the model's 'alias' privilege (its owner or
-- a role granted it with vectorext.grant_model); they run their _owner_ functions as the extension owner.
CREATE TABLE vectorext.alias (
  model      text NOT NULL REFERENCES vectorext.model_head ON DELETE CASCADE,
  alias      text NOT NULL CHECK (alias <> ''),
  version    int NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by name NOT NULL,
  PRIMARY KEY (model, alias),
  FOREIGN KEY (model, version) REFERENCES vectorext.model
);

-- The alias history: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE, also for the extension owner).
-- A rollback is a new event that names the event it undoes. Each event has an id that evidence (gate results,
-- experiment outcomes) can reference.
CREATE TABLE vectorext.alias_event (
  id           bigserial PRIMARY KEY,
  model        text NOT NULL,
  alias        text NOT NULL,
  action       text NOT NULL CHECK (action IN ('set', 'promote', 'rollback')),
  from_version int,
  to_version   int NOT NULL,
  forced       boolean NOT NULL DEFAULT false,
  undoes       bigint UNIQUE REFERENCES vectorext.alias_event,
  changed_at   timestamptz NOT NULL DEFAULT now(),
  changed_by   name NOT NULL,
  CHECK ((action = 'rollback') = (undoes IS NOT NULL))
);
CREATE INDEX ON vectorext.alias_event (model, alias, id);

CREATE FUNCTION vectorext._append_only() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  RAISE EXCEPTION 'the alias history is append-only' USING ERRCODE = 'insufficient_privilege',
    HINT = 'Alias changes are recorded by vectorext.set_alias, promote and rollback; a rollback is recorded as a new event.';
END
$$;
CREATE TRIGGER vectorext_append_only BEFORE UPDATE OR DELETE ON vectorext.alias_event
  FOR EACH ROW EXECUTE FUNCTION vectorext._append_only();
CREATE TRIGGER vectorext_append_only_truncate BEFORE TRUNCATE ON vectorext.alias_event
  FOR EACH STATEMENT EXECUTE FUNCTION vectorext._append_only();

SELECT pg_catalog.pg_extension_config_dump('vectorext.alias', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.alias_event', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.alias_event_id_seq', '');

CREATE VIEW vectorext.alias_history AS
  SELECT e.id, e.model, e.alias, e.action, e.from_version, e.to_version, e.forced,
         EXISTS (SELECT 1 FROM vectorext.alias_event r WHERE r.undoes = e.id) AS rolled_back, e.changed_at,
         e.changed_by, e.undoes
  FROM vectorext.alias_event e;
COMMENT ON VIEW vectorext.alias_history IS 'Every alias change: who, when, from which version to which';

-- The version an alias serves. STABLE: evaluated once per statement with the statement's snapshot, which lets the
-- planner prune a collection to that version's partition at executor start-up (also with generic plans).
CREATE FUNCTION vectorext.version_of(model text, alias text DEFAULT 'champion') RETURNS int
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
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
CREATE FUNCTION vectorext._lock_model(model text) RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
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

-- Locks the model, then checks that `caller` holds `privilege` on it (under the lock: its owner cannot change meanwhile).
CREATE FUNCTION vectorext._lock_model_for(caller oid, model text, privilege text) RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  PERFORM vectorext._lock_model(model);
  PERFORM vectorext._require_model_privilege(caller, model, privilege);
END
$$;

-- Points alias at version and records the change; the caller holds the model lock. Returns the event's id (NULL when
-- a set or promote finds the alias already pointing there).
CREATE FUNCTION vectorext._move_alias(caller oid, model text, alias text, version int, action text, forced boolean,
                                      undoes bigint DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  cur int;
  retired text;
  who name := vectorext._role_name(caller);
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
  IF cur = version AND action <> 'rollback' THEN  -- a rollback is recorded even then: it pops the history
    RAISE NOTICE 'alias "%" of model "%" already points at version %', alias, model, version;
    RETURN NULL;
  END IF;
  INSERT INTO vectorext.alias AS a (model, alias, version, updated_by) VALUES (model, alias, version, who)
    ON CONFLICT ON CONSTRAINT alias_pkey
    DO UPDATE SET version = excluded.version, updated_at = now(), updated_by = excluded.updated_by;
  INSERT INTO vectorext.alias_event (model, alias, action, from_version, to_version, forced, undoes, changed_by)
    VALUES (model, alias, action, cur, version, forced, undoes, who)
    RETURNING id INTO event;
  RETURN event;
END
$$;

CREATE FUNCTION vectorext.set_alias(model text, alias text, version int) RETURNS int
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_set_alias(caller oid, model text, alias text, version int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  PERFORM vectorext._lock_model_for(caller, model, 'alias');
  PERFORM vectorext._move_alias(caller, model, alias, version, 'set', false);
  RETURN version;
END
$$;
COMMENT ON FUNCTION vectorext.set_alias IS 'Points an alias at a version without the promotion gates (e.g. challenger); needs ''alias'' on the model';

-- The promotion gates: why `version` may not serve as `alias` yet, or NULL when it may. The one place promote (and
-- conclude, through it) checks them: add a gate as one more block. Every gate is evaluated, so that a forced promotion
-- still records what each one checked; the first failing gate's name goes into `gate`, with its problem and hint.
-- `evidence` is what the gates checked that the alias change links to (vectorext.alias_evidence): the evaluation
-- runs of the thresholds gate, a JSON array (NULL without thresholds).
CREATE FUNCTION vectorext._promotion_gates(model text, version int, alias text, thresholds jsonb DEFAULT NULL,
                                           query_set text DEFAULT NULL, min_recall float8 DEFAULT NULL,
                                           OUT gate text, OUT problem text, OUT hint text, OUT evidence jsonb)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  r record;
  t record;
BEGIN
  r := vectorext._gate_ready(model, version);
  IF r.problem IS NOT NULL THEN
    gate := 'ready'; problem := r.problem; hint := r.hint;
  END IF;
  -- Gate 'thresholds': MLflow-style metric rules against the alias' current version, on stored evaluation runs
  -- (48_mlops_evidence.sql). Only when promote was given thresholds.
  IF thresholds IS NOT NULL THEN
    t := vectorext._gate_thresholds(model, version, alias, thresholds, query_set);
    evidence := t.evidence;
    IF gate IS NULL AND t.problem IS NOT NULL THEN
      gate := 'thresholds'; problem := t.problem; hint := t.hint;
    END IF;
  END IF;
  -- Gate 'recall' (docs/tuning.md): the version's tuned index meets min_recall. Only when promote was given it, and
  -- only once the version is ready (it measures the version's index; it links no evidence).
  IF min_recall IS NOT NULL AND gate IS NULL THEN
    r := vectorext._gate_recall(model, version, min_recall);
    IF r.problem IS NOT NULL THEN
      gate := 'recall'; problem := r.problem; hint := r.hint;
    END IF;
  END IF;
END
$$;

-- Gate 'recall' (promote's min_recall): in every collection of the model, the version's ANN index meets min_recall at
-- its tuned setting, measured now on the sample it was tuned with (vectorext._tuned_recall_now; docs/tuning.md). Runs
-- as the extension owner inside _owner_promote, so it measures only a plain index on the embedding column of a
-- partition _collection_version checked (an expression or a predicate would be someone else's code): heap passes with
-- the index's own operator and scans of our access methods, nothing else.
CREATE FUNCTION vectorext._gate_recall(model text, version int, min_recall float8, OUT problem text, OUT hint text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c record;
  cv vectorext.collection_version;
  idx regclass;
  m record;
BEGIN
  IF NOT (min_recall > 0 AND min_recall <= 1) THEN
    RAISE EXCEPTION 'min_recall must be greater than 0 and at most 1, not %', min_recall
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR c IN SELECT * FROM vectorext.collection cc WHERE cc.model = _gate_recall.model ORDER BY cc.name LOOP
    cv := vectorext._collection_version(c.name, version);
    -- The tuned recall of a shard's index is measured on the shard (its tuning lives in that index's options).
    IF vectorext._is_relation(cv.partition, 'f') THEN
      problem := format('collection "%s" version %s lives on server "%s": min_recall measures only local indexes',
                        c.name, version, (vectorext._remote_relation(cv.partition)).server);
      hint := format('Check it on that server (vectorext.tune, vectorext.recall_drift there) or here with vectorext.recall(%L, %s, 100, 10); then promote without min_recall, or pass force => true.',
                     c.name, version);
      RETURN;
    END IF;
    idx := vectorext._index_of(cv.partition);
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                   JOIN pg_catalog.pg_am am ON am.oid = ic.relam
                   WHERE i.indexrelid = idx AND i.indexprs IS NULL AND i.indpred IS NULL AND i.indnatts = 1
                     AND am.amname IN ('hnsw', 'ivfflat', 'ivf')) THEN
      problem := format('the index %s of collection "%s" version %s is not a plain hnsw, ivfflat or ivf index on embedding',
                        idx, c.name, version);
      hint := format('Build it with vectorext.build_index(%L, %s), or pass force => true.', c.name, version);
      RETURN;
    END IF;
    m := vectorext._tuned_recall_now(idx);
    IF m.value IS NULL THEN
      problem := format('the ANN index %s of collection "%s" version %s is not tuned', idx, c.name, version);
      hint := format('Tune it: SELECT * FROM vectorext.tune(%L, %s); or build it with vectorext.build_index(%L, %s, target_recall => %s); or pass force => true.',
                     idx::text, min_recall, c.name, version, min_recall);
      RETURN;
    END IF;
    IF m.estimated_recall < min_recall THEN
      problem := format('the ANN index %s of collection "%s" version %s has recall %s at its tuned setting (%s), below %s',
                        idx, c.name, version, round(m.estimated_recall::numeric, 4), m.value, min_recall);
      hint := format('Tune it to a higher target (vectorext.tune(%L, %s)), rebuild it with larger parameters, or pass force => true.',
                     idx::text, min_recall);
      RETURN;
    END IF;
  END LOOP;
END
$$;

-- Gate 'ready': every collection of the model has the version fully and freshly embedded and indexed. Runs inside
-- _owner_promote, i.e. as the extension owner: it reads the collections' tables, which _collection_version and
-- _source check are plain tables (no view or function of anyone else's runs).
CREATE FUNCTION vectorext._gate_ready(model text, version int, OUT problem text, OUT hint text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  c record;
  cv vectorext.collection_version;
  cov record;
BEGIN
  FOR c IN SELECT * FROM vectorext.collection cc WHERE cc.model = _gate_ready.model ORDER BY cc.name LOOP
    SELECT * INTO cv FROM vectorext.collection_version x WHERE x.collection = c.name AND x.version = _gate_ready.version;
    IF NOT FOUND THEN
      problem := format('collection "%s" has no partition for version %s', c.name, version);
      hint := format('Call vectorext.add_version(%L, %s), embed its rows and call vectorext.build_index(%L, %s), or pass force => true.', c.name, version, c.name, version);
      RETURN;
    END IF;
    -- A version on another server is checked there, as the owner of its partition (58_mlops_remote.sql).
    IF vectorext._is_relation(cv.partition, 'f') THEN
      SELECT * INTO problem, hint FROM vectorext._gate_ready_remote(c.name, cv);
      IF problem IS NOT NULL THEN
        RETURN;
      END IF;
      CONTINUE;
    END IF;
    cov := vectorext.coverage(c.name, version);
    IF cov.missing > 0 OR cov.stale > 0 THEN
      problem := format('collection "%s" version %s is not fully embedded: %s of %s source rows missing, %s stale',
                        c.name, version, cov.missing, cov.source_rows, cov.stale);
      hint := format('Embed the rows listed by vectorext.pending(%L, %s), or pass force => true.', c.name, version);
      RETURN;
    END IF;
    IF vectorext._index_of(cv.partition) IS NULL THEN
      problem := format('collection "%s" version %s has no ANN index', c.name, version);
      hint := format('Call vectorext.build_index(%L, %s), or pass force => true.', c.name, version);
      RETURN;
    END IF;
  END LOOP;
END
$$;

CREATE FUNCTION vectorext.promote(model text, version int, alias text DEFAULT 'champion', force boolean DEFAULT false,
                                  if_current int DEFAULT NULL, thresholds jsonb DEFAULT NULL, query_set text DEFAULT NULL,
                                  min_recall float8 DEFAULT NULL)
  RETURNS int AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_promote(caller oid, model text, version int, alias text, force boolean,
                                         if_current int, thresholds jsonb, query_set text, min_recall float8)
RETURNS int LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  PERFORM vectorext._promote(caller, model, version, alias, force, if_current, thresholds, query_set, min_recall);
  RETURN version;
END
$$;
COMMENT ON FUNCTION vectorext.promote IS 'Points an alias (champion by default) at a version that passes the promotion gates (fully embedded and indexed in every collection; optional MLflow-style thresholds on stored evaluation runs; with min_recall, its tuned index meets that recall); needs ''alias'' on the model';

-- The body of promote, also used by vectorext.conclude: both run it as the extension owner on behalf of `caller`,
-- who needs 'alias' on the model. Returns the id of the alias event it recorded (NULL when the alias already served
-- the version), against which the evidence of the promotion is recorded.
CREATE FUNCTION vectorext._promote(caller oid, model text, version int, alias text, force boolean, if_current int,
                                   thresholds jsonb, query_set text, min_recall float8 DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  g record;
  cur int;
  event bigint;
BEGIN
  PERFORM vectorext._lock_model_for(caller, model, 'alias');
  PERFORM vectorext._model(model, version);
  -- Compare-and-set for deployment pipelines: promote only if the alias still serves the version they evaluated.
  IF if_current IS NOT NULL THEN
    SELECT a.version INTO cur FROM vectorext.alias a WHERE a.model = _promote.model AND a.alias = _promote.alias;
    IF cur IS DISTINCT FROM if_current THEN
      RAISE EXCEPTION 'alias "%" of model "%" serves version %, not %', alias, model, coalesce(cur::text, 'none'), if_current
        USING ERRCODE = 'serialization_failure',
              HINT = 'Someone else moved the alias (see vectorext.alias_history); re-evaluate against the version it serves now.';
    END IF;
  END IF;
  g := vectorext._promotion_gates(model, version, alias, thresholds, query_set, min_recall);
  IF g.problem IS NOT NULL THEN
    IF force THEN
      RAISE WARNING 'promoting version % of model "%" although %', version, model, g.problem;
    ELSE
      RAISE EXCEPTION 'cannot promote version % of model "%": %', version, model, g.problem
        USING ERRCODE = 'object_not_in_prerequisite_state', HINT = g.hint;
    END IF;
  END IF;
  event := vectorext._move_alias(caller, model, alias, version, 'promote', coalesce(force, false) AND g.problem IS NOT NULL);
  -- Evidence of this promotion is recorded here, against `event` (NULL: no-op): the evaluation runs the thresholds
  -- gate checked. vectorext.conclude adds its experiment decision against the event this returns.
  IF event IS NOT NULL AND g.evidence IS NOT NULL THEN
    PERFORM vectorext._link_evaluations(event, g.evidence);
  END IF;
  RETURN event;
END
$$;

CREATE FUNCTION vectorext.rollback(model text, alias text DEFAULT 'champion') RETURNS int
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_rollback(caller oid, model text, alias text) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  e vectorext.alias_event;
BEGIN
  PERFORM vectorext._lock_model_for(caller, model, 'alias');
  SELECT * INTO e FROM vectorext.alias_event x
    WHERE x.model = _owner_rollback.model AND x.alias = _owner_rollback.alias AND x.action <> 'rollback'
      AND NOT EXISTS (SELECT 1 FROM vectorext.alias_event r WHERE r.undoes = x.id)
    ORDER BY x.id DESC LIMIT 1;
  IF NOT FOUND OR e.from_version IS NULL THEN
    PERFORM vectorext.version_of(model, alias);  -- raises if the alias does not exist
    RAISE EXCEPTION 'alias "%" of model "%" has no earlier version to roll back to', alias, model
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = format('See SELECT * FROM vectorext.alias_history WHERE model = %L; point the alias explicitly with vectorext.set_alias(%L, %L, <version>).', model, model, alias);
  END IF;
  PERFORM vectorext._move_alias(caller, model, alias, e.from_version, 'rollback', false, e.id);
  RETURN e.from_version;
END
$$;
COMMENT ON FUNCTION vectorext.rollback IS 'Points an alias back at the version it served before its last set/promote (repeatable: pops the history); needs ''alias'' on the model';
