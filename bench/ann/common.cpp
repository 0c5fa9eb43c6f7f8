// Implementation of common.h.
#include "common.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace ab {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string fmt(const char* f, ...) {
  va_list ap;
  va_start(ap, f);
  va_list ap2;
  va_copy(ap2, ap);
  int n = std::vsnprintf(nullptr, 0, f, ap);
  va_end(ap);
  std::string s(size_t(std::max(n, 0)), '\0');
  std::vsnprintf(s.data(), s.size() + 1, f, ap2);
  va_end(ap2);
  return s;
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string ratio(double a, double b) {
  return std::isfinite(a) && std::isfinite(b) && b > 0 ? fmt("%.2fx", a / b) : "-";
}

namespace {
cpu_set_t g_all_cpus;
}

void remember_initial_affinity() { sched_getaffinity(0, sizeof g_all_cpus, &g_all_cpus); }
const cpu_set_t& all_cpus() { return g_all_cpus; }

cpu_set_t one_cpu(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  return s;
}

bool set_affinity(pid_t pid, const cpu_set_t& set, std::string* err) {
  if (sched_setaffinity(pid, sizeof set, &set) == 0) return true;
  if (err) *err = std::strerror(errno);
  return false;
}

void pin_self(int cpu) {
  std::string err;
  if (!set_affinity(0, one_cpu(cpu), &err))
    std::fprintf(stderr, "warning: cannot pin to CPU %d: %s\n", cpu, err.c_str());
}
void unpin_self() { set_affinity(0, g_all_cpus); }

uint64_t fnv1a(const void* p, size_t n, uint64_t h) {
  const unsigned char* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

std::vector<int> parse_int_list(const std::string& s) {
  std::vector<int> out;
  for (auto& item : parse_str_list(s)) out.push_back(std::stoi(item));
  return out;
}

std::vector<std::string> parse_str_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace ab
