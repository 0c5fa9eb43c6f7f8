// Distributions and two-arm tests of experiment results (see stats.h). The t distribution goes through the
// regularised incomplete beta function (continued fraction, modified Lentz); quantiles are found by bisection on
// the two-sided tail, which is monotone and computed without cancellation, so they are exact to a few ulps.
#include "core/stats.h"

#include <cmath>
#include <limits>

namespace vx::core::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kTiny = 1e-300;

// Continued fraction of I_x(a, b) (converges fast for x < (a + 1) / (a + b + 2)); y = 1 - x passed exactly.
double beta_fraction(double a, double b, double x) {
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 100000; ++m) {
    const double m2 = 2.0 * m;
    double term = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));  // even step
    d = 1.0 + term * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + term / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    term = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));  // odd step
    d = 1.0 + term * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + term / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double step = d * c;
    h *= step;
    if (std::fabs(step - 1.0) < 1e-16) break;
  }
  return h;
}

// I_x(a, b) with y = 1 - x given separately, so x close to 1 keeps its precision.
double incomplete_beta_xy(double a, double b, double x, double y) {
  if (x <= 0.0) return 0.0;
  if (y <= 0.0) return 1.0;
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log(y);
  if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(log_front) * beta_fraction(a, b, x) / a;
  return 1.0 - std::exp(log_front) * beta_fraction(b, a, y) / b;
}

// The t >= 0 at which a decreasing two-sided tail function equals `tail` (bisection to adjacent doubles).
template <class Tail>
double solve_tail(Tail tail_of, double tail) {
  double lo = 0.0, hi = 1.0;
  while (tail_of(hi) > tail) {
    lo = hi;
    hi *= 2.0;
    if (!std::isfinite(hi)) return hi;
  }
  for (int i = 0; i < 2000; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (tail_of(mid) > tail)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

double normal_quantile(double p) {
  if (!(p > 0.0 && p < 1.0)) return kNaN;
  if (p == 0.5) return 0.0;
  const double tail = 2.0 * (p < 0.5 ? p : 1.0 - p);
  const double z = solve_tail([](double t) { return std::erfc(t / std::sqrt(2.0)); }, tail);
  return p < 0.5 ? -z : z;
}

double incomplete_beta(double a, double b, double x) {
  if (!(a > 0.0 && b > 0.0 && x >= 0.0 && x <= 1.0)) return kNaN;
  return incomplete_beta_xy(a, b, x, 1.0 - x);
}

double student_t_two_sided(double t, double df) {
  if (!(df > 0.0) || std::isnan(t)) return kNaN;
  if (std::isinf(t)) return 0.0;
  const double t2 = t * t;
  // Beyond ~1e7 degrees of freedom t is normal to double precision, and the fraction would need ~sqrt(df) steps.
  if (df > 1e7) return std::erfc(std::fabs(t) / std::sqrt(2.0));
  return incomplete_beta_xy(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2));
}

double student_t_cdf(double t, double df) {
  const double tail = 0.5 * student_t_two_sided(t, df);
  return t < 0 ? tail : 1.0 - tail;
}

double student_t_quantile(double p, double df) {
  if (!(p > 0.0 && p < 1.0) || !(df > 0.0)) return kNaN;
  if (p == 0.5) return 0.0;
  const double tail = 2.0 * (p < 0.5 ? p : 1.0 - p);
  const double t = solve_tail([df](double x) { return student_t_two_sided(x, df); }, tail);
  return p < 0.5 ? -t : t;
}

double welch_df(std::int64_t n_a, double var_a, std::int64_t n_b, double var_b) {
  const double sa = var_a / n_a, sb = var_b / n_b;
  const double denom = sa * sa / (n_a - 1) + sb * sb / (n_b - 1);
  if (!(denom > 0.0)) return kNaN;
  return (sa + sb) * (sa + sb) / denom;
}

Interval mean_interval(std::int64_t n, double mean, double var, double alpha) {
  if (n < 2) return {kNaN, kNaN};
  const double half = student_t_quantile(1.0 - alpha / 2.0, static_cast<double>(n - 1)) * std::sqrt(var / n);
  return {mean - half, mean + half};
}

Interval wilson_interval(std::int64_t successes, std::int64_t n, double alpha) {
  if (n < 1) return {kNaN, kNaN};
  const double z = normal_quantile(1.0 - alpha / 2.0);
  const double p = static_cast<double>(successes) / n;
  const double z2n = z * z / n;
  const double centre = (p + z2n / 2.0) / (1.0 + z2n);
  const double half = z / (1.0 + z2n) * std::sqrt(p * (1.0 - p) / n + z2n / (4.0 * n));
  return {centre - half, centre + half};
}

Comparison welch_t_test(std::int64_t n_a, double mean_a, double var_a, std::int64_t n_b, double mean_b, double var_b,
                        double alpha) {
  Comparison r{mean_b - mean_a, kNaN, kNaN, kNaN, {kNaN, kNaN}};
  if (n_a < 2 || n_b < 2) return r;
  const double se = std::sqrt(var_a / n_a + var_b / n_b);
  r.df = welch_df(n_a, var_a, n_b, var_b);
  if (!(se > 0.0) || std::isnan(r.df)) return r;  // no variance in either arm: t is undefined
  r.statistic = r.difference / se;
  r.p_value = student_t_two_sided(r.statistic, r.df);
  const double half = student_t_quantile(1.0 - alpha / 2.0, r.df) * se;
  r.ci = {r.difference - half, r.difference + half};
  return r;
}

Comparison two_proportion_z_test(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b, std::int64_t n_b, double alpha) {
  Comparison r{kNaN, kNaN, kNaN, kNaN, {kNaN, kNaN}};
  if (n_a < 1 || n_b < 1) return r;
  const double pa = static_cast<double>(x_a) / n_a, pb = static_cast<double>(x_b) / n_b;
  r.difference = pb - pa;
  const double pooled = static_cast<double>(x_a + x_b) / (n_a + n_b);
  const double se_pooled = std::sqrt(pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b));
  if (se_pooled > 0.0) {
    r.statistic = r.difference / se_pooled;
    r.p_value = std::erfc(std::fabs(r.statistic) / std::sqrt(2.0));
  }
  const double se = std::sqrt(pa * (1.0 - pa) / n_a + pb * (1.0 - pb) / n_b);
  const double half = normal_quantile(1.0 - alpha / 2.0) * se;
  r.ci = {r.difference - half, r.difference + half};
  return r;
}

}  // namespace vx::core::stats
