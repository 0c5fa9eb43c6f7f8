-- Statistics of champion-challenger experiments (docs/experiments.md#statistics), in C++ (src/core/stats.cpp):
-- the distributions, one-arm confidence intervals and two-arm tests that vectorext.experiment_results and
-- vectorext.conclude use, exposed so their numbers can be reproduced and checked. Two-arm results are always
-- arm b minus arm a (challenger minus champion); NULL where the statistic is undefined (e.g. no variance).
-- They run no SQL, but like every function of schema vectorext they are pinned (docs/security.md, rule 2).
CREATE FUNCTION vectorext.normal_cdf(x float8) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_stats_normal_cdf' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.normal_cdf IS 'Standard normal CDF Phi(x)';
CREATE FUNCTION vectorext.normal_quantile(p float8) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_stats_normal_quantile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.normal_quantile IS 'Inverse standard normal CDF, 0 < p < 1';
CREATE FUNCTION vectorext.student_t_cdf(t float8, df float8) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_stats_t_cdf' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.student_t_cdf IS 'Student t CDF with df > 0 degrees of freedom (fractional df allowed)';
CREATE FUNCTION vectorext.student_t_quantile(p float8, df float8) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_stats_t_quantile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.student_t_quantile IS 'Inverse Student t CDF, 0 < p < 1, df > 0';

CREATE FUNCTION vectorext.welch_t_test(n_a bigint, mean_a float8, var_a float8, n_b bigint, mean_b float8, var_b float8,
                                       alpha float8 DEFAULT 0.05,
                                       OUT difference float8, OUT statistic float8, OUT df float8, OUT p_value float8,
                                       OUT ci_low float8, OUT ci_high float8)
  AS 'MODULE_PATHNAME', 'vx_stats_welch_t_test' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.welch_t_test IS 'Welch''s unequal-variance t-test of mean_b - mean_a from summary statistics (sample variances): t, Welch-Satterthwaite df, two-sided p-value, (1 - alpha) interval of the difference';

CREATE FUNCTION vectorext.two_proportion_z_test(x_a bigint, n_a bigint, x_b bigint, n_b bigint, alpha float8 DEFAULT 0.05,
                                                OUT difference float8, OUT statistic float8, OUT df float8,
                                                OUT p_value float8, OUT ci_low float8, OUT ci_high float8)
  AS 'MODULE_PATHNAME', 'vx_stats_two_proportion_z_test' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.two_proportion_z_test IS 'Two-proportion z-test of x_b/n_b - x_a/n_a: pooled standard error for z and the two-sided p-value, unpooled (Wald) (1 - alpha) interval of the difference; df is NULL';

CREATE FUNCTION vectorext.mean_interval(n bigint, mean float8, var float8, alpha float8 DEFAULT 0.05,
                                        OUT low float8, OUT high float8)
  AS 'MODULE_PATHNAME', 'vx_stats_mean_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.mean_interval IS 'Two-sided (1 - alpha) Student t interval of a mean (n >= 2, sample variance)';
CREATE FUNCTION vectorext.wilson_interval(successes bigint, n bigint, alpha float8 DEFAULT 0.05,
                                          OUT low float8, OUT high float8)
  AS 'MODULE_PATHNAME', 'vx_stats_wilson_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.wilson_interval IS 'Two-sided (1 - alpha) Wilson score interval of a proportion';
