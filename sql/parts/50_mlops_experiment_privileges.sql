-- Privileges of experiments, evaluation runs and shadow traffic (docs/experiments.md#privileges). Registry data
-- (metrics, decisions, evaluation runs, evidence) is readable by every role like the alias history. Exposures,
-- outcomes and the shadow log name units (users, sessions): only loggers and admins read or write them. An
-- application role that serves through experiments gets vectorext.grant_logger(role); vectorext.grant_admin
-- (46_mlops_privileges.sql) includes everything here.
GRANT SELECT ON vectorext.experiment_metric, vectorext.experiment_decision, vectorext.evaluation_run,
                vectorext.alias_evidence, vectorext.promotion_evidence TO PUBLIC;

CREATE FUNCTION vectorext.grant_logger(role name) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  EXECUTE format('GRANT SELECT, INSERT ON vectorext.experiment_exposure, vectorext.experiment_outcome, vectorext.shadow_log TO %I', role);
END
$$;
REVOKE EXECUTE ON FUNCTION vectorext.grant_logger(name) FROM PUBLIC;
COMMENT ON FUNCTION vectorext.grant_logger IS 'Lets a role serve through experiments (expose, log_outcome, shadow_search) and read their results';

-- Called by vectorext.grant_admin: conclude, define metrics, record evaluations, prune.
CREATE FUNCTION vectorext._grant_experiment_admin(role name) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  EXECUTE format('GRANT INSERT, UPDATE, DELETE ON vectorext.experiment_metric, vectorext.experiment_decision,
                    vectorext.evaluation_run, vectorext.alias_evidence TO %I', role);
  EXECUTE format('GRANT SELECT, INSERT, DELETE ON vectorext.experiment_exposure, vectorext.experiment_outcome,
                    vectorext.shadow_log TO %I', role);
  EXECUTE format('GRANT USAGE ON SEQUENCE vectorext.experiment_decision_id_seq, vectorext.evaluation_run_id_seq TO %I', role);
END
$$;
REVOKE EXECUTE ON FUNCTION vectorext._grant_experiment_admin(name) FROM PUBLIC;
