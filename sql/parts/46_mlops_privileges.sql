-- MLOps privileges (docs/security.md). Reading is open: every role may use schema vectorext, read the registry
-- (artifacts excepted) and call the read functions, which run with the caller's rights on the collection tables.
-- Nobody but the extension owner may write a registry table: changes go through the functions, which check
--   superuser       everything;
--   extension admin (vectorext.grant_admin) registers new models, becoming their owner;
--   model owner     (or a member of the owning role) everything on the model, and grants on it;
--   model grants    (vectorext.grant_model) 'alias': set_alias / promote / rollback / create_experiment,
--                   'register': new versions and collections, 'artifact': model_artifact;
--   table owners    add_version / build_index / seal / retire_version / drop_collection on their collection tables.
GRANT USAGE ON SCHEMA vectorext TO PUBLIC;
GRANT SELECT ON vectorext.admin, vectorext.model_head, vectorext.model_grant, vectorext.model, vectorext.collection,
                vectorext.collection_version, vectorext.alias, vectorext.alias_event, vectorext.experiment TO PUBLIC;
GRANT SELECT ON vectorext.models, vectorext.aliases, vectorext.model_grants, vectorext.alias_history,
                vectorext.collections, vectorext.collection_versions TO PUBLIC;

CREATE FUNCTION vectorext._require_superuser(who oid, action text) RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  IF NOT vectorext._is_superuser(who) THEN
    RAISE EXCEPTION 'permission denied: only superusers may %', action USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$$;

CREATE FUNCTION vectorext.grant_admin(role regrole) RETURNS void
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_grant_admin(caller oid, role regrole) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  PERFORM vectorext._require_superuser(caller, 'make extension admins');
  INSERT INTO vectorext.admin (role, granted_by) VALUES (role, vectorext._role_name(caller)) ON CONFLICT DO NOTHING;
END
$$;
COMMENT ON FUNCTION vectorext.grant_admin IS 'Lets a role (and its members) register new models; superusers only';

CREATE FUNCTION vectorext.revoke_admin(role regrole) RETURNS void
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_revoke_admin(caller oid, role regrole) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  PERFORM vectorext._require_superuser(caller, 'revoke extension admins');
  DELETE FROM vectorext.admin a WHERE a.role = _owner_revoke_admin.role;
END
$$;
COMMENT ON FUNCTION vectorext.revoke_admin IS 'Undoes vectorext.grant_admin (models the role owns stay its own); superusers only';

CREATE FUNCTION vectorext._check_model_privilege_name(privilege text) RETURNS void LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  IF privilege IS NULL OR privilege NOT IN ('alias', 'register', 'artifact') THEN
    RAISE EXCEPTION 'unknown model privilege "%"', privilege USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Use one of alias, register, artifact.';
  END IF;
END
$$;

CREATE FUNCTION vectorext.grant_model(model text, role regrole, privilege text) RETURNS void
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_grant_model(caller oid, model text, role regrole, privilege text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  PERFORM vectorext._check_model_privilege_name(privilege);
  PERFORM vectorext._lock_model_for(caller, model, 'owner');
  INSERT INTO vectorext.model_grant (model, grantee, privilege, granted_by)
    VALUES (model, role, privilege, vectorext._role_name(caller)) ON CONFLICT DO NOTHING;
END
$$;
COMMENT ON FUNCTION vectorext.grant_model IS 'Grants alias, register or artifact on a model to a role; the model''s owner only';

CREATE FUNCTION vectorext.revoke_model(model text, role regrole, privilege text) RETURNS void
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_revoke_model(caller oid, model text, role regrole, privilege text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  PERFORM vectorext._check_model_privilege_name(privilege);
  PERFORM vectorext._lock_model_for(caller, model, 'owner');
  DELETE FROM vectorext.model_grant g
    WHERE g.model = _owner_revoke_model.model AND g.grantee = _owner_revoke_model.role
      AND g.privilege = _owner_revoke_model.privilege;
END
$$;
COMMENT ON FUNCTION vectorext.revoke_model IS 'Revokes a privilege granted with vectorext.grant_model; the model''s owner only';

CREATE FUNCTION vectorext.set_model_owner(model text, role regrole) RETURNS void
  AS 'MODULE_PATHNAME', 'vx_mlops_owner_call' LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION vectorext._owner_set_model_owner(caller oid, model text, role regrole) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict error
BEGIN
  PERFORM vectorext._lock_model_for(caller, model, 'owner');
  -- As with ALTER ... OWNER TO: one may only give a model to a role one has the privileges of.
  IF NOT vectorext._acts_as(caller, role) THEN
    RAISE EXCEPTION 'permission denied: role "%" may not give model "%" to role %', vectorext._role_name(caller), model, role
      USING ERRCODE = 'insufficient_privilege', HINT = 'You must be a member of the new owning role (or a superuser).';
  END IF;
  UPDATE vectorext.model_head h SET owner = role WHERE h.name = _owner_set_model_owner.model;
END
$$;
COMMENT ON FUNCTION vectorext.set_model_owner IS 'Gives a model to another role (e.g. a team''s group role); its owner only, who must be a member of the new role';

-- Nobody may call an _owner_ function directly (the C entry points reach them with the real caller), nor the
-- helpers that write the registry from inside them.
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'vectorext'::regnamespace
           AND (p.proname LIKE '\_owner\_%' OR p.proname IN ('_register_model', '_move_alias', '_lock_model', '_lock_model_for',
                                                           '_promotion_gates', '_gate_ready')) LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$$;

-- Back to the path CREATE EXTENSION runs the script with (see 40_mlops_registry.sql).
SELECT pg_catalog.set_config('search_path', '@extschema@, pg_temp', true);
