-- Privileges of experiments, evaluation runs and shadow traffic (docs/security.md, docs/experiments.md#privileges).
-- Metric definitions, decisions, evaluation runs and evidence are registry data: readable by every role like the alias
-- history, written only by the owner-side functions. Exposures, outcomes and the shadow log name units (users,
-- sessions) or carry operational data: no role but the extension owner reads or writes them directly; the functions
-- check the caller ('log' or 'alias' on the model) and show them aggregated.
GRANT SELECT ON vectorext.experiment_metric, vectorext.experiment_decision, vectorext.evaluation_run,
                vectorext.alias_evidence, vectorext.promotion_evidence TO PUBLIC;
REVOKE ALL ON vectorext.experiment_exposure, vectorext.experiment_outcome, vectorext.shadow_log FROM PUBLIC;

-- An application role that serves through a model's experiments: 'log' on the model (expose, log_outcome,
-- shadow_search, experiment_results, shadow_results). The model's owner only, like every grant on it
-- (vectorext.grant_model, which this calls with the caller's own identity); revoke with
-- vectorext.revoke_model(model, role, 'log').
CREATE FUNCTION vectorext.grant_logger(model text, role regrole) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT vectorext.grant_model(grant_logger.model, grant_logger.role, 'log')
$$;
COMMENT ON FUNCTION vectorext.grant_logger IS 'Lets a role serve units through the experiments of a model and log their outcomes (grant_model(model, role, ''log'')); the model''s owner only';
