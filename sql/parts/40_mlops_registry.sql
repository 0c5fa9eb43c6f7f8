-- MLOps (docs/mlops.md): model registry with chunked, SHA-256-verified artifacts. Everything in schema vectorext is
-- ordinary tables and functions, so every change is MVCC and a ROLLBACK undoes it.
--
-- Security (docs/security.md): registry tables are readable by everyone (artifacts excepted) and writable only by
-- the extension owner. Public functions that change the registry are C entry points (vx_mlops_owner_call) that call
-- vectorext._owner_<name>(caller, ...), SECURITY DEFINER functions nobody else may execute, with the role that called
-- them; those check that role's privileges (extension admin, model owner, per-model grants) before writing. Every
-- function runs with search_path = pg_catalog, pg_temp; our own objects are schema-qualified.
--
-- The MLOps parts of the install script run with that path too (restored at the end of 46_mlops_privileges.sql):
-- their views and statements resolve names while the extension's schema, which other roles may be able to create
-- objects in (public), is not on the path; what they use from it is written @extschema@-qualified.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- Roles allowed to register new models (vectorext.grant_admin); superusers always are.
CREATE TABLE vectorext.admin (
  role       regrole PRIMARY KEY,
  granted_at timestamptz NOT NULL DEFAULT now(),
  granted_by name NOT NULL
);

-- One row per model name: its owner, the version counter and the row that serialises changes to its aliases.
CREATE TABLE vectorext.model_head (
  name          text PRIMARY KEY CHECK (name <> ''),
  owner         regrole NOT NULL,
  last_version  int NOT NULL,
  alias_changes bigint NOT NULL DEFAULT 0   -- bumped by every alias change: concurrent changes conflict
);

-- Per-model privileges granted by a model's owner (vectorext.grant_model): 'alias' moves its aliases and runs its
-- experiments, 'register' registers versions and creates collections of it, 'artifact' reads its model files.
CREATE TABLE vectorext.model_grant (
  model      text NOT NULL REFERENCES vectorext.model_head ON DELETE CASCADE,
  grantee    regrole NOT NULL,
  privilege  text NOT NULL CHECK (privilege IN ('alias', 'register', 'artifact')),
  granted_at timestamptz NOT NULL DEFAULT now(),
  granted_by name NOT NULL,
  PRIMARY KEY (model, grantee, privilege)
);

CREATE TABLE vectorext.model (
  name            text NOT NULL REFERENCES vectorext.model_head ON DELETE CASCADE,
  version         int NOT NULL CHECK (version > 0),
  dims            int NOT NULL CHECK (dims BETWEEN 1 AND 16000),
  metric          text NOT NULL CHECK (metric IN ('l2', 'ip', 'cosine', 'l1')),
  uri             text,
  params          jsonb NOT NULL DEFAULT '{}',
  description     text,
  artifact_size   bigint,
  artifact_sha256 text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  created_by      name NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE vectorext.artifact_chunk (
  model   text NOT NULL,
  version int NOT NULL,
  seq     int NOT NULL,
  data    bytea NOT NULL,
  PRIMARY KEY (model, version, seq),
  FOREIGN KEY (model, version) REFERENCES vectorext.model ON DELETE CASCADE
);
-- Model files are usually incompressible: store chunks out of line without spending CPU on compression.
ALTER TABLE vectorext.artifact_chunk ALTER COLUMN data SET STORAGE EXTERNAL;

SELECT pg_catalog.pg_extension_config_dump('vectorext.admin', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.model_head', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.model_grant', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.model', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.artifact_chunk', '');

-- Roles and privileges ----------------------------------------------------------------------------------------------

-- The OID of current_user (for privilege checks of functions that run with the caller's rights).
CREATE FUNCTION vectorext._current_role() RETURNS oid LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
$$;

CREATE FUNCTION vectorext._role_name(who oid) RETURNS name LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT pg_catalog.pg_get_userbyid(who)
$$;

-- Whether `who` has the privileges of `role` (is it, or an inheriting member). A role that no longer exists (its OID
-- left in the registry by DROP ROLE) is nobody's.
CREATE FUNCTION vectorext._acts_as(who oid, role oid) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid = role)
              THEN pg_catalog.pg_has_role(who, role, 'USAGE') ELSE false END
$$;

CREATE FUNCTION vectorext._is_superuser(who oid) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = who), false)
$$;

-- Extension admin: may register new models (and becomes their owner).
CREATE FUNCTION vectorext._is_admin(who oid) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT vectorext._is_superuser(who)
      OR EXISTS (SELECT 1 FROM vectorext.admin a WHERE vectorext._acts_as(who, a.role))
$$;

-- Whether `who` holds `privilege` on `model`: 'owner' (the owner only: transfer, grant, revoke), or one of the
-- grantable 'alias', 'register', 'artifact'. Superusers and the model's owner hold all of them.
CREATE FUNCTION vectorext._may(who oid, model text, privilege text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT vectorext._is_superuser(who)
      OR EXISTS (SELECT 1 FROM vectorext.model_head h
                 WHERE h.name = _may.model AND vectorext._acts_as(who, h.owner))
      OR EXISTS (SELECT 1 FROM vectorext.model_grant g
                 WHERE g.model = _may.model AND g.privilege = _may.privilege
                   AND vectorext._acts_as(who, g.grantee))
$$;

-- Raises insufficient_privilege (42501) unless `who` holds `privilege` on `model`; undefined_object if no such model.
CREATE FUNCTION vectorext._require_model_privilege(who oid, model text, privilege text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  own name;
BEGIN
  IF vectorext._may(who, model, privilege) THEN
    RETURN;
  END IF;
  SELECT vectorext._role_name(h.owner) INTO own FROM vectorext.model_head h WHERE h.name = model;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'model "%" is not registered', model USING ERRCODE = 'undefined_object',
      HINT = format('Register it with vectorext.register_model(%L, dims => ...).', model);
  END IF;
  RAISE EXCEPTION 'permission denied: role "%" may not % model "%"', vectorext._role_name(who),
        CASE privilege WHEN 'alias' THEN 'move the aliases of' WHEN 'register' THEN 'register versions or collections of'
                       WHEN 'artifact' THEN 'read the artifacts of' ELSE 'administer' END, model
    USING ERRCODE = 'insufficient_privilege',
          HINT = CASE WHEN privilege = 'owner'
                      THEN format('Only its owner (role %s) or a superuser may.', quote_ident(own))
                      ELSE format('Its owner (role %s) can grant it: SELECT vectorext.grant_model(%L, %L, %L).',
                                  quote_ident(own), model, vectorext._role_name(who), privilege) END;
END
$$;

CREATE FUNCTION vectorext.has_model_privilege(model text, privilege text) RETURNS boolean LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT vectorext._may(vectorext._current_role(), model, privilege)
$$;
COMMENT ON FUNCTION vectorext.has_model_privilege IS 'Whether current_user holds a privilege (owner, alias, register, artifact) on a model';

-- Models ------------------------------------------------------------------------------------------------------------

-- Operator, operator class per metric (the pgvector names).
CREATE FUNCTION vectorext._metric_operator(metric text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE metric WHEN 'l2' THEN '<->' WHEN 'ip' THEN '<#>' WHEN 'cosine' THEN '<=>' WHEN 'l1' THEN '<+>' END
$$;
CREATE FUNCTION vectorext._metric_opclass(metric text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE metric WHEN 'l2' THEN 'vector_l2_ops' WHEN 'ip' THEN 'vector_ip_ops'
                     WHEN 'cosine' THEN 'vector_cosine_ops' WHEN 'l1' THEN 'vector_l1_ops' END
$$;

CREATE FUNCTION vectorext._model(model text, version int) RETURNS vectorext.model
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  m vectorext.model;
BEGIN
  SELECT * INTO m FROM vectorext.model mm WHERE mm.name = _model.model AND mm.version = _model.version;
  IF NOT FOUND THEN
    IF NOT EXISTS (SELECT 1 FROM vectorext.model_head h WHERE h.name = _model.model) THEN
      RAISE EXCEPTION 'model "%" is not registered', model
        USING ERRCODE = 'undefined_object',
              HINT = format('Register it with vectorext.register_model(%L, dims => ...).', model);
    END IF;
    RAISE EXCEPTION 'model "%" has no version %', model, version
      USING ERRCODE = 'undefined_object',
            HINT = format('See SELECT version FROM vectorext.models WHERE name = %L, or register a new version with vectorext.register_model(%L, ...).', model, model);
  END IF;
  RETURN m;
END
$$;

-- The registry row of register_model (privileges, validation, version allocation); runs inside
-- vectorext._owner_register_model, which stores the artifact.
CREATE FUNCTION vectorext._register_model(caller oid, name text, dims int, metric text, artifact_size bigint,
                                          uri text, params jsonb, description text)
RETURNS int LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
DECLARE
  v int;
BEGIN
  IF name IS NULL OR name = '' THEN
    RAISE EXCEPTION 'model name must not be empty' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass a name such as ''product-embedder''.';
  END IF;
  IF dims IS NULL OR dims NOT BETWEEN 1 AND 16000 THEN
    RAISE EXCEPTION 'model dims must be between 1 and 16000, not %', dims USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass the length of the vectors the model produces.';
  END IF;
  IF metric IS NULL OR metric NOT IN ('l2', 'ip', 'cosine', 'l1') THEN
    RAISE EXCEPTION 'unknown distance metric "%"', metric USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Use one of l2, ip, cosine, l1.';
  END IF;
  -- A new model needs an extension admin, who becomes its owner; a new version needs 'register' on the model.
  IF NOT EXISTS (SELECT 1 FROM vectorext.model_head h WHERE h.name = _register_model.name)
     AND NOT vectorext._is_admin(caller) THEN
    RAISE EXCEPTION 'permission denied: role "%" may not register new models', vectorext._role_name(caller)
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'A superuser can allow it with vectorext.grant_admin(role); or ask an admin to register the model and grant you ''register'' on it.';
  END IF;
  INSERT INTO vectorext.model_head AS h (name, owner, last_version) VALUES (_register_model.name, caller, 0)
    ON CONFLICT ON CONSTRAINT model_head_pkey DO NOTHING;
  -- The row lock on model_head allocates versions without gaps or duplicates under concurrency; the privilege is
  -- checked under it (a concurrent registration may have created the model first).
  UPDATE vectorext.model_head h SET last_version = h.last_version + 1 WHERE h.name = _register_model.name
    RETURNING h.last_version INTO v;
  PERFORM vectorext._require_model_privilege(caller, name, 'register');
  INSERT INTO vectorext.model (name, version, dims, metric, uri, params, description, artifact_size, created_by)
    VALUES (_register_model.name, v, _register_model.dims, _register_model.metric, _register_model.uri,
            coalesce(_register_model.params, '{}'), _register_model.description, _register_model.artifact_size,
            vectorext._role_name(caller));
  RETURN v;
END
$$;

CREATE FUNCTION vectorext.register_model(name text, dims int, metric text DEFAULT 'l2', artifact bytea DEFAULT NULL,
                                         uri text DEFAULT NULL, params jsonb DEFAULT '{}',
                                         description text DEFAULT NULL)
  RETURNS int AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE
  SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_register_model(caller oid, name text, dims int, metric text, artifact bytea,
                                                uri text, params jsonb, description text)
  RETURNS int AS 'MODULE_PATHNAME', 'vx_mlops_register_model' LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.register_model IS 'Registers the next version (1, 2, ...) of a model; the artifact is stored in chunks with its size and SHA-256. New model: extension admin; new version: ''register'' on the model';

CREATE FUNCTION vectorext.model_artifact(name text, version int) RETURNS bytea
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C STABLE STRICT
  SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_model_artifact(caller oid, name text, version int) RETURNS bytea
  AS 'MODULE_PATHNAME', 'vx_mlops_model_artifact' LANGUAGE C STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.model_artifact IS 'The stored model file, verified against its SHA-256 (fails with data_corrupted otherwise); needs ''artifact'' on the model';
