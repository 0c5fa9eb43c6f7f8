// SQL entry points of the experiment statistics (src/core/stats.h): distributions, one-arm intervals and the
// two-arm tests that vectorext.experiment_results and vectorext.conclude use. Thin: validate the arguments
// (22023 with the rule in the message), call the core, map NaN (undefined) to NULL.
#include "core/stats.h"
#include "pg/boundary.h"

#include <cmath>

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
}

namespace stats = vx::core::stats;

namespace {

void check_alpha(double alpha) {
  if (!(alpha > 0.0 && alpha < 1.0))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("alpha must be between 0 and 1 (exclusive), not %g", alpha),
                    errhint("Pass e.g. alpha => 0.05 for 95%% confidence intervals and a 5%% significance level.")));
}

void check_probability(double p) {
  if (!(p > 0.0 && p < 1.0))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("probability must be between 0 and 1 (exclusive), not %g", p),
                    errhint("Quantiles exist for 0 < p < 1.")));
}

void check_df(double df) {
  if (!(df > 0.0))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("degrees of freedom must be positive, not %g", df),
                    errhint("Student's t is defined for df > 0 (df need not be an integer).")));
}

void check_summary(const char* arm, int64 n, int64 min_n, double mean, double var) {
  if (n < min_n)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s has %lld observations; at least %lld are needed", arm, static_cast<long long>(n),
                           static_cast<long long>(min_n)),
                    errhint("A sample variance needs at least 2 observations.")));
  if (!std::isfinite(mean) || !std::isfinite(var) || var < 0.0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s needs a finite mean and a finite, non-negative variance", arm),
                    errhint("Pass the sample mean and the sample variance (var_samp) of the arm.")));
}

void check_count(const char* arm, int64 successes, int64 n) {
  if (n < 1 || successes < 0 || successes > n)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s: successes must be between 0 and n, and n at least 1 (got %lld of %lld)", arm,
                           static_cast<long long>(successes), static_cast<long long>(n)),
                    errhint("Pass the number of units with the outcome and the number of units exposed.")));
}

Datum nullable(double x, bool* is_null) {
  *is_null = std::isnan(x);
  return *is_null ? static_cast<Datum>(0) : Float8GetDatum(x);
}

Datum float8_or_null(FunctionCallInfo fcinfo, double x) {
  if (std::isnan(x)) PG_RETURN_NULL();
  PG_RETURN_FLOAT8(x);
}

Datum row(FunctionCallInfo fcinfo, const double* fields, int count) {
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("function returning a row called in a context that cannot accept it")));
  desc = BlessTupleDesc(desc);
  Datum values[8];
  bool nulls[8];
  for (int i = 0; i < count; ++i) values[i] = nullable(fields[i], &nulls[i]);
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

Datum comparison_row(FunctionCallInfo fcinfo, const stats::Comparison& r) {
  const double fields[6] = {r.difference, r.statistic, r.df, r.p_value, r.ci.low, r.ci.high};
  return row(fcinfo, fields, 6);
}

}  // namespace

VX_FUNCTION(vx_stats_normal_cdf) { return float8_or_null(fcinfo, stats::normal_cdf(PG_GETARG_FLOAT8(0))); }

VX_FUNCTION(vx_stats_normal_quantile) {
  double p = PG_GETARG_FLOAT8(0);
  check_probability(p);
  return float8_or_null(fcinfo, stats::normal_quantile(p));
}

VX_FUNCTION(vx_stats_t_cdf) {
  double df = PG_GETARG_FLOAT8(1);
  check_df(df);
  return float8_or_null(fcinfo, stats::student_t_cdf(PG_GETARG_FLOAT8(0), df));
}

VX_FUNCTION(vx_stats_t_quantile) {
  double p = PG_GETARG_FLOAT8(0), df = PG_GETARG_FLOAT8(1);
  check_probability(p);
  check_df(df);
  return float8_or_null(fcinfo, stats::student_t_quantile(p, df));
}

// (n_a, mean_a, var_a, n_b, mean_b, var_b, alpha) -> (difference, statistic, df, p_value, ci_low, ci_high)
VX_FUNCTION(vx_stats_welch_t_test) {
  int64 n_a = PG_GETARG_INT64(0), n_b = PG_GETARG_INT64(3);
  double mean_a = PG_GETARG_FLOAT8(1), var_a = PG_GETARG_FLOAT8(2);
  double mean_b = PG_GETARG_FLOAT8(4), var_b = PG_GETARG_FLOAT8(5), alpha = PG_GETARG_FLOAT8(6);
  check_summary("arm a", n_a, 2, mean_a, var_a);
  check_summary("arm b", n_b, 2, mean_b, var_b);
  check_alpha(alpha);
  return comparison_row(fcinfo, stats::welch_t_test(n_a, mean_a, var_a, n_b, mean_b, var_b, alpha));
}

// (x_a, n_a, x_b, n_b, alpha) -> (difference, statistic, df (NULL), p_value, ci_low, ci_high)
VX_FUNCTION(vx_stats_two_proportion_z_test) {
  int64 x_a = PG_GETARG_INT64(0), n_a = PG_GETARG_INT64(1), x_b = PG_GETARG_INT64(2), n_b = PG_GETARG_INT64(3);
  double alpha = PG_GETARG_FLOAT8(4);
  check_count("arm a", x_a, n_a);
  check_count("arm b", x_b, n_b);
  check_alpha(alpha);
  return comparison_row(fcinfo, stats::two_proportion_z_test(x_a, n_a, x_b, n_b, alpha));
}

// (n, mean, var, alpha) -> (low, high): the t interval of a mean
VX_FUNCTION(vx_stats_mean_interval) {
  int64 n = PG_GETARG_INT64(0);
  double mean = PG_GETARG_FLOAT8(1), var = PG_GETARG_FLOAT8(2), alpha = PG_GETARG_FLOAT8(3);
  check_summary("the sample", n, 2, mean, var);
  check_alpha(alpha);
  const stats::Interval i = stats::mean_interval(n, mean, var, alpha);
  const double fields[2] = {i.low, i.high};
  return row(fcinfo, fields, 2);
}

// (successes, n, alpha) -> (low, high): the Wilson score interval of a proportion
VX_FUNCTION(vx_stats_wilson_interval) {
  int64 x = PG_GETARG_INT64(0), n = PG_GETARG_INT64(1);
  double alpha = PG_GETARG_FLOAT8(2);
  check_count("the sample", x, n);
  check_alpha(alpha);
  const stats::Interval i = stats::wilson_interval(x, n, alpha);
  const double fields[2] = {i.low, i.high};
  return row(fcinfo, fields, 2);
}
