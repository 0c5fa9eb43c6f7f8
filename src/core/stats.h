// Statistics of champion-challenger experiments (docs/experiments.md): normal and Student t distributions,
// confidence intervals of one arm, and the two-arm tests vectorext.experiment_results reports: Welch's t-test for
// means and the two-proportion z-test for rates. Pure C++ (no Postgres); the SQL layer validates arguments.
// A result that is mathematically undefined (no variance, no data) is NaN, which the glue turns into NULL.
#pragma once

#include <cstdint>

namespace vx::core::stats {

// Phi(x), the standard normal CDF.
double normal_cdf(double x);
// Phi^-1(p) for 0 < p < 1 (NaN otherwise).
double normal_quantile(double p);
// I_x(a, b), the regularised incomplete beta function, for a, b > 0 and 0 <= x <= 1 (NaN otherwise).
double incomplete_beta(double a, double b, double x);
// P(T <= t) for Student's t with df > 0 degrees of freedom (df need not be an integer).
double student_t_cdf(double t, double df);
// Two-sided tail P(|T| >= |t|), computed directly (no 1 - cdf cancellation for small p-values).
double student_t_two_sided(double t, double df);
// The p-quantile of Student's t, 0 < p < 1.
double student_t_quantile(double p, double df);

// Welch-Satterthwaite degrees of freedom of the difference of two means.
double welch_df(std::int64_t n_a, double var_a, std::int64_t n_b, double var_b);

struct Interval {
  double low;
  double high;
};

// Two-sided (1 - alpha) t interval of a mean from n >= 2 observations with sample variance var.
Interval mean_interval(std::int64_t n, double mean, double var, double alpha);
// Two-sided (1 - alpha) Wilson score interval of a proportion of `successes` out of n >= 1.
Interval wilson_interval(std::int64_t successes, std::int64_t n, double alpha);

// A two-arm comparison, always b - a (challenger minus champion).
struct Comparison {
  double difference;  // mean_b - mean_a, or rate_b - rate_a
  double statistic;   // t or z
  double df;          // Welch-Satterthwaite df; NaN for the z-test
  double p_value;     // two-sided
  Interval ci;        // (1 - alpha) interval of the difference
};

// Welch's unequal-variance t-test from summary statistics (n >= 2 per arm, sample variances).
Comparison welch_t_test(std::int64_t n_a, double mean_a, double var_a, std::int64_t n_b, double mean_b, double var_b,
                        double alpha);
// Two-proportion z-test: pooled standard error for the statistic and p-value, unpooled (Wald) for the interval.
Comparison two_proportion_z_test(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b, std::int64_t n_b, double alpha);

}  // namespace vx::core::stats
