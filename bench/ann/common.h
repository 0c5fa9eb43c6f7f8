// Small utilities shared by every part of ann_bench: wall-clock timing, printf-style formatting, medians, CPU
// pinning (the client process and server backends are pinned to one CPU for every timed search), and a
// deterministic 64-bit mixer (fixed-seed data derivation and filter categories must not depend on libstdc++).
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ab {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0);

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
double median(std::vector<double> v);
// a / b as "2.31x", "-" when either is missing
std::string ratio(double a, double b);

// The process's affinity when it started: what "unpinned" means.
void remember_initial_affinity();
const cpu_set_t& all_cpus();
cpu_set_t one_cpu(int cpu);
bool set_affinity(pid_t pid, const cpu_set_t& set, std::string* err = nullptr);
void pin_self(int cpu);
void unpin_self();

// splitmix64: a fixed, portable stream of 64-bit values from a seed.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
// uniform in [0, 1) from a 64-bit value
inline double unit_interval(uint64_t x) { return double(x >> 11) * (1.0 / 9007199254740992.0); }

uint64_t fnv1a(const void* p, size_t n, uint64_t h = 1469598103934665603ull);

std::vector<int> parse_int_list(const std::string& s);
std::vector<std::string> parse_str_list(const std::string& s);
bool contains(const std::vector<std::string>& v, const std::string& s);

}  // namespace ab
