-- MLOps privileges. Reading which version serves (version_of, search, route, the views) is open to every role, so
-- applications running as unprivileged roles can search by alias. Changing the registry (register_model, promote,
-- rollback, ...) needs write access to the registry tables: the extension owner (a superuser) has it; grant it to an
-- admin role with vectorext.grant_admin(role). Artifacts (model files) are readable only by admins.
GRANT USAGE ON SCHEMA vectorext TO PUBLIC;
GRANT SELECT ON vectorext.model_head, vectorext.model, vectorext.collection, vectorext.collection_version,
                vectorext.alias, vectorext.alias_event, vectorext.experiment TO PUBLIC;
GRANT SELECT ON vectorext.models, vectorext.aliases, vectorext.alias_history, vectorext.collections,
                vectorext.collection_versions TO PUBLIC;

CREATE FUNCTION vectorext.grant_admin(role name) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('GRANT INSERT, UPDATE, DELETE ON vectorext.model_head, vectorext.model, vectorext.collection,
                    vectorext.collection_version, vectorext.alias, vectorext.alias_event, vectorext.experiment TO %I', role);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON vectorext.artifact_chunk TO %I', role);
  EXECUTE format('GRANT USAGE ON SEQUENCE vectorext.alias_event_id_seq TO %I', role);
  PERFORM vectorext._grant_experiment_admin(role);  -- experiments, evaluation runs, shadow log (50_*.sql)
END
$$;
REVOKE EXECUTE ON FUNCTION vectorext.grant_admin(name) FROM PUBLIC;
COMMENT ON FUNCTION vectorext.grant_admin IS 'Lets a role register models, manage collections and move aliases';
