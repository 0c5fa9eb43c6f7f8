-- The last MLOps part: locks the owner-side functions and ends the pinned search_path of the MLOps parts.
--
-- Nobody may call an _owner_ function directly (the C entry points reach them with the real caller), nor the
-- helpers that write the registry or read experiment data from inside them (they would fail on the tables' privileges
-- anyway; revoked so that what may be called is what the docs list).
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'vectorext'::regnamespace
           AND (p.proname LIKE '\_owner\_%' OR p.proname IN ('_register_model', '_move_alias', '_lock_model', '_lock_model_for',
                                                           '_promotion_gates', '_gate_ready', '_gate_thresholds', '_gate_recall', '_promote',
                                                           '_link_evaluations', '_arm_summary', '_compare_arms',
                                                           '_gate_ready_remote', '_remote_readiness')) LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$$;

-- Back to the path CREATE EXTENSION runs the script with (see 40_mlops_registry.sql).
SELECT pg_catalog.set_config('search_path', '@extschema@, pg_temp', true);
