// Experiment statistics against reference values computed independently with SciPy 1.10 (Debian 12's
// python3-scipy): scipy.stats.norm / t (cdf, sf, ppf), scipy.special.betainc, scipy.stats.ttest_ind(b, a,
// equal_var=False), t.interval, binomtest(...).proportion_ci(method='wilson'), and the two-proportion z-test
// written out with norm.sf. The values are pasted here; the test needs no Python.
#include "core/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace vx::core::stats;

namespace {
// Relative tolerance (absolute near 0): the reference values are exact to ~1e-15.
void expect_close(double got, double want, double rel = 1e-10) {
  EXPECT_NEAR(got, want, rel * std::max(1.0, std::fabs(want))) << "want " << want;
}
void expect_rel(double got, double want, double rel) {
  EXPECT_NEAR(got / want, 1.0, rel) << "got " << got << " want " << want;
}

struct Summary {
  std::int64_t n;
  double mean, var;
};
Summary summarise(const std::vector<double>& v) {
  double s = 0, ss = 0;
  for (double x : v) s += x;
  const double m = s / v.size();
  for (double x : v) ss += (x - m) * (x - m);
  return {static_cast<std::int64_t>(v.size()), m, ss / (v.size() - 1)};
}
}  // namespace

TEST(Stats, NormalCdf) {
  expect_close(normal_cdf(-3), 0.0013498980316300933, 1e-14);
  expect_close(normal_cdf(-1.96), 0.024997895148220435, 1e-14);
  expect_close(normal_cdf(0), 0.5, 1e-15);
  expect_close(normal_cdf(0.5), 0.6914624612740131, 1e-14);
  expect_close(normal_cdf(2.5), 0.9937903346742238, 1e-14);
  expect_rel(normal_cdf(-8), 6.22096057427174e-16, 1e-12);  // deep tail keeps relative precision
}

TEST(Stats, NormalQuantile) {
  expect_close(normal_quantile(0.975), 1.959963984540054, 1e-13);
  expect_close(normal_quantile(0.995), 2.5758293035489004, 1e-13);
  EXPECT_EQ(normal_quantile(0.5), 0.0);
  expect_close(normal_quantile(0.001), -3.090232306167813, 1e-13);
  expect_close(normal_quantile(1e-10), -6.361340902404056, 1e-12);
  EXPECT_TRUE(std::isnan(normal_quantile(0)));
  EXPECT_TRUE(std::isnan(normal_quantile(1)));
}

TEST(Stats, IncompleteBeta) {
  expect_close(incomplete_beta(2.5, 0.5, 0.3), 0.01892712407194565, 1e-12);
  expect_close(incomplete_beta(10, 3, 0.9), 0.889130022255, 1e-11);
  expect_close(incomplete_beta(0.5, 0.5, 0.01), 0.06376856085851987, 1e-12);
  EXPECT_EQ(incomplete_beta(2, 3, 0), 0.0);
  EXPECT_EQ(incomplete_beta(2, 3, 1), 1.0);
  EXPECT_TRUE(std::isnan(incomplete_beta(0, 3, 0.5)));
}

TEST(Stats, StudentTCdf) {
  expect_close(student_t_cdf(2.0, 3), 0.9303370157205785, 1e-12);
  expect_close(student_t_cdf(-1.5, 7.3), 0.08778154640154301, 1e-12);  // fractional df (Welch)
  expect_close(student_t_cdf(0.7, 1), 0.6944001122142147, 1e-12);      // Cauchy
  expect_close(student_t_cdf(3, 50), 0.9978991484064659, 1e-12);
  expect_close(student_t_cdf(10, 4), 0.9997189981886421, 1e-12);
  expect_rel(student_t_cdf(-40, 2.5), 7.097817145246693e-05, 1e-10);
  EXPECT_EQ(student_t_cdf(0, 5), 0.5);
}

TEST(Stats, StudentTTwoSidedTail) {
  expect_close(student_t_two_sided(2.0, 3), 0.1393259685588431, 1e-12);
  expect_rel(student_t_two_sided(8, 30), 6.265822475700772e-09, 1e-9);
  expect_rel(student_t_two_sided(25, 100), 8.231980897005961e-45, 1e-8);  // no 1 - cdf cancellation
  expect_rel(student_t_two_sided(3, 1e6), 0.0026998625414217953, 1e-8);
  expect_rel(student_t_two_sided(-3, 1e8), std::erfc(3 / std::sqrt(2.0)), 1e-12);  // normal limit
  EXPECT_EQ(student_t_two_sided(INFINITY, 4), 0.0);
  EXPECT_TRUE(std::isnan(student_t_two_sided(1, 0)));
}

TEST(Stats, StudentTQuantile) {
  // SciPy's t.ppf itself is exact only to ~2e-11 (its 0.975 quantile at df 1 has a tail of 0.04999999999899),
  // hence 1e-10 against it, and the closed forms of df 1 (Cauchy) and df 2 to 1e-12.
  expect_close(student_t_quantile(0.975, 1), 12.706204736432095, 1e-10);
  expect_close(student_t_quantile(0.975, 10), 2.2281388519649385, 1e-10);
  expect_close(student_t_quantile(0.995, 3.7), 4.869252253428671, 1e-10);
  expect_close(student_t_quantile(0.9, 1000), 1.2823987214609247, 1e-10);
  expect_close(student_t_quantile(0.025, 25.5), -2.0574928343278733, 1e-10);
  for (double p : {0.001, 0.2, 0.6, 0.975, 0.9999}) {
    expect_close(student_t_quantile(p, 1), std::tan(M_PI * (p - 0.5)), 1e-12);
    expect_close(student_t_quantile(p, 2), (2 * p - 1) / std::sqrt(2 * p * (1 - p)), 1e-12);
  }
  for (double p : {0.01, 0.3, 0.77, 0.999})
    for (double df : {1.0, 2.5, 17.0, 300.0}) expect_close(student_t_cdf(student_t_quantile(p, df), df), p, 1e-12);
}

// Fixed data: arm a (champion) and b (challenger).
const std::vector<double> kArmA = {3.1, 2.4, 4.8, 3.9, 2.2, 3.5, 4.1, 2.9, 3.3, 3.8};
const std::vector<double> kArmB = {4.2, 3.9, 5.1, 4.4, 3.1, 4.8, 5.5, 3.6, 4.9, 4.0, 4.7, 3.8};

TEST(Stats, WelchTTestMatchesScipy) {
  const Summary a = summarise(kArmA), b = summarise(kArmB);
  expect_close(a.mean, 3.4, 1e-14);
  expect_close(a.var, 0.6288888888888887, 1e-13);
  expect_close(b.var, 0.48060606060606054, 1e-13);
  expect_close(welch_df(a.n, a.var, b.n, b.var), 18.105415948040218, 1e-12);
  const Comparison r = welch_t_test(a.n, a.mean, a.var, b.n, b.mean, b.var, 0.05);
  expect_close(r.difference, 4.333333333333333 - 3.4, 1e-13);
  expect_close(r.statistic, 2.909015083623003, 1e-12);
  expect_close(r.df, 18.105415948040218, 1e-12);
  expect_close(r.p_value, 0.009320849627524852, 1e-11);
  expect_close(r.ci.low, 0.25955114796539314, 1e-10);  // through t.ppf: see StudentTQuantile
  expect_close(r.ci.high, 1.6071155187012731, 1e-10);
  // Swapping the arms flips the sign and keeps the p-value.
  const Comparison s = welch_t_test(b.n, b.mean, b.var, a.n, a.mean, a.var, 0.05);
  expect_close(s.statistic, -r.statistic, 1e-14);
  expect_close(s.p_value, r.p_value, 1e-14);
}

TEST(Stats, WelchUndefinedWithoutVariance) {
  const Comparison r = welch_t_test(5, 1.0, 0.0, 7, 2.0, 0.0, 0.05);
  EXPECT_EQ(r.difference, 1.0);
  EXPECT_TRUE(std::isnan(r.statistic));
  EXPECT_TRUE(std::isnan(r.p_value));
  EXPECT_TRUE(std::isnan(welch_t_test(1, 1.0, 0.0, 7, 2.0, 1.0, 0.05).p_value));  // n < 2
}

TEST(Stats, MeanInterval) {
  const Summary a = summarise(kArmA), b = summarise(kArmB);
  Interval ia = mean_interval(a.n, a.mean, a.var, 0.05);
  expect_close(ia.low, 2.8327039821926934, 1e-10);  // through t.ppf: see StudentTQuantile
  expect_close(ia.high, 3.9672960178073065, 1e-10);
  Interval ib = mean_interval(b.n, b.mean, b.var, 0.10);
  expect_close(ib.low, 3.973929687989888, 1e-10);
  expect_close(ib.high, 4.692736978676778, 1e-10);
  EXPECT_TRUE(std::isnan(mean_interval(1, 1.0, 0.0, 0.05).low));
}

TEST(Stats, TwoProportionZTestMatchesReference) {
  const Comparison r = two_proportion_z_test(48, 400, 72, 410, 0.05);
  expect_close(r.difference, 72.0 / 410 - 48.0 / 400, 1e-14);
  expect_close(r.statistic, 2.2274104628683595, 1e-12);
  expect_close(r.p_value, 0.025919853793627358, 1e-12);
  EXPECT_TRUE(std::isnan(r.df));
  expect_close(r.ci.low, 0.006921318517464241, 1e-12);
  expect_close(r.ci.high, 0.10429819367765769, 1e-12);
  // All or nothing in both arms: the pooled standard error is 0 and the test is undefined.
  EXPECT_TRUE(std::isnan(two_proportion_z_test(0, 50, 0, 60, 0.05).p_value));
  EXPECT_TRUE(std::isnan(two_proportion_z_test(50, 50, 60, 60, 0.05).p_value));
}

TEST(Stats, WilsonInterval) {
  Interval w = wilson_interval(48, 400, 0.05);
  expect_close(w.low, 0.09171539075382554, 1e-12);
  expect_close(w.high, 0.1555139529402398, 1e-12);
  Interval z = wilson_interval(0, 20, 0.01);
  expect_close(z.low, 0.0, 1e-15);
  expect_close(z.high, 0.2491054010987534, 1e-12);
}
