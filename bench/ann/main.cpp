// ann_bench: the program behind `make bench` (bench/run.sh starts the cluster and calls it; docs/benchmarks.md).
// For each dataset (dataset.h) it measures vectorext and, when installed, pgvector side by side in one cluster with
// the same harness (run_dataset.h), beside the raw libraries (hnswlib, Faiss), and prints per-dataset tables and a
// summary in the shape of issue 14's Targets table, with CSV files and gnuplot scripts. Nothing here is a test:
// nothing fails on a slow number.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common.h"
#include "options.h"
#include "report.h"
#include "run_dataset.h"
#include "systems.h"

using namespace ab;

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o = parse_args(argc, argv);
  remember_initial_affinity();
  int status = 0;
  try {
    std::filesystem::create_directories(o.out_dir);
    double la[3] = {0, 0, 0};
    getloadavg(la, 3);
    std::printf(
        "ann_bench %s\nload average at start: %.2f %.2f %.2f (the CPUs are shared: other work adds noise)\n"
        "datasets: %s; workloads: %s; %d queries, k = %d, %d timed passes (median), %d warm-up queries, CPU %d\n",
        o.label.c_str(), la[0], la[1], la[2],
        [&] {
          std::string s;
          for (auto& d : o.datasets) s += (s.empty() ? "" : ",") + d;
          return s;
        }()
            .c_str(),
        [&] {
          std::string s;
          for (auto& w : o.workloads) s += (s.empty() ? "" : ",") + w;
          return s;
        }()
            .c_str(),
        o.queries, o.k, o.repeats, o.warmup, o.cpu);
    for (auto& d : o.datasets)
      if (!known_dataset(d)) throw std::runtime_error("unknown dataset " + d);
    Systems systems;
    Results r;
    if (o.conninfo.empty())
      std::printf("no --conninfo: raw libraries only\n");
    else
      systems = setup_systems(o);
    if (System* p = find_system(systems, "pgvector")) r.pgvector_version = p->version;
    for (auto& d : o.datasets) {
      try {
        run_dataset(o, systems, r, d);
      } catch (const std::exception& e) {
        std::printf("\ndataset %s FAILED: %s\n", d.c_str(), e.what());
        status = 1;
      }
    }
    print_summary(r, o, stdout);
    if (FILE* f = std::fopen((o.out_dir + "/summary.md").c_str(), "w")) {
      std::fprintf(f, "ann_bench %s\n", o.label.c_str());
      print_summary(r, o, f);
      std::fclose(f);
    }
    write_csv(r, o);
    write_plots(r, o);
    getloadavg(la, 3);
    std::printf(
        "\nload average at the end: %.2f %.2f %.2f\nfiles: %s/{summary.md,search,build,filter,insert,memory}.csv\n",
        la[0], la[1], la[2], o.out_dir.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ann_bench: %s\n", e.what());
    return 1;
  }
  return status;
}
