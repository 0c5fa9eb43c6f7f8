// CSV files and gnuplot scripts of a run (report.h). One PNG per dataset and index family: recall@k against QPS
// (log scale) for every method of both systems and the raw library, the SQL floors as dashed lines.
#include <cctype>
#include <cmath>
#include <fstream>

#include "common.h"
#include "report.h"

namespace ab {

namespace {

std::string csv(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string r = "\"";
  for (char ch : s) r += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return r + "\"";
}
std::string num(double v, const char* f) { return std::isnan(v) ? "" : fmt(f, v); }
std::string runs(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += (s.empty() ? "" : ";") + fmt("%.1f", x);
  return s;
}
std::string file_safe(const std::string& s) {
  std::string out;
  for (char ch : s) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return out;
}

}  // namespace

void write_csv(const Results& r, const Options& o) {
  const std::string& d = o.out_dir;
  {
    std::ofstream f(d + "/search.csv");
    f << "dataset,family,method,system,param_name,param,ok,recall_at_k,qps_median,qps_runs,note\n";
    for (auto& s : r.search)
      f << s.dataset << ',' << s.family << ',' << csv(s.method) << ',' << s.system << ',' << s.param_name << ','
        << s.param << ',' << s.ok << ',' << num(s.recall, "%.4f") << ',' << num(s.qps, "%.1f") << ',' << runs(s.runs)
        << ',' << csv(s.note) << '\n';
  }
  {
    std::ofstream f(d + "/build.csv");
    f << "dataset,family,method,system,threads,ok,build_seconds,index_bytes,wal_bytes,note\n";
    for (auto& b : r.build)
      f << b.dataset << ',' << b.family << ',' << csv(b.method) << ',' << b.system << ',' << b.threads << ',' << b.ok
        << ',' << num(b.seconds, "%.3f") << ',' << num(b.bytes, "%.0f") << ',' << num(b.wal_bytes, "%.0f") << ','
        << csv(b.note) << '\n';
  }
  {
    std::ofstream f(d + "/filter.csv");
    f << "dataset,method,system,iterative_scan,btree_on_category,selectivity,category,setting,ok,recall_at_k,rows_mean,"
         "rows_min,qps_median,qps_runs,plan,note\n";
    for (auto& x : r.filter)
      f << x.dataset << ',' << csv(x.method) << ',' << x.system << ',' << x.mode << ',' << x.btree << ','
        << x.selectivity << ',' << x.category << ',' << x.setting << ',' << x.ok << ',' << num(x.recall, "%.4f") << ',' << num(x.rows, "%.2f")
        << ',' << num(x.min_rows, "%.0f") << ',' << num(x.qps, "%.1f") << ',' << runs(x.runs) << ',' << csv(x.plan)
        << ',' << csv(x.note) << '\n';
  }
  {
    std::ofstream f(d + "/insert.csv");
    f << "dataset,method,system,sessions,rows,ok,rows_per_s_median,chunk_rows_per_s,wal_bytes_per_row,"
         "index_growth_bytes,note\n";
    for (auto& p : r.insert)
      f << p.dataset << ',' << csv(p.method) << ',' << p.system << ',' << p.sessions << ',' << p.rows << ',' << p.ok
        << ',' << num(p.rows_per_s, "%.1f") << ',' << runs(p.runs) << ',' << num(p.wal_bytes_per_row, "%.0f") << ','
        << num(p.index_growth_bytes, "%.0f") << ',' << csv(p.note) << '\n';
  }
  {
    std::ofstream f(d + "/memory.csv");
    f << "dataset,method,system,shared_buffers,param,ok,index_mb,working_set_index_mb,working_set_table_mb,recall_at_k,"
         "qps_median,qps_runs,index_misses_per_query,table_misses_per_query,note\n";
    for (auto& m : r.memory)
      f << m.dataset << ',' << csv(m.method) << ',' << m.system << ',' << m.shared_buffers << ',' << m.param << ','
        << m.ok << ',' << num(m.index_mb, "%.1f") << ',' << num(m.ws_index_mb, "%.1f") << ','
        << num(m.ws_table_mb, "%.1f") << ',' << num(m.recall, "%.4f") << ',' << num(m.qps, "%.1f") << ','
        << runs(m.runs) << ',' << num(m.index_reads_per_query, "%.2f") << ',' << num(m.table_reads_per_query, "%.2f")
        << ',' << csv(m.note) << '\n';
  }
}

void write_plots(const Results& r, const Options& o) {
  for (auto& ds : r.datasets)
    for (const char* family : {"hnsw", "ivf"}) {
      auto methods = methods_of(r, ds, family);
      std::vector<std::pair<std::string, std::string>> series;  // (title, data file)
      for (auto& m : methods) {
        std::string file = o.out_dir + "/plot_" + ds + "_" + file_safe(m) + ".dat";
        std::ofstream f(file);
        f << "# recall qps param\n";
        bool any = false;
        for (auto& s : r.search)
          if (s.dataset == ds && s.method == m && s.ok) {
            f << fmt("%.4f %.1f %d\n", s.recall, s.qps, s.param);
            any = true;
          }
        if (any) series.push_back({m, file});
      }
      if (series.empty()) continue;
      std::string desc;
      for (size_t i = 0; i < r.datasets.size(); ++i)
        if (r.datasets[i] == ds) desc = r.descriptions[i];
      std::ofstream g(o.out_dir + "/plot_" + ds + "_" + family + ".gp");
      g << "set terminal pngcairo size 1100,750 noenhanced\n"
        << "set output '" << o.out_dir << "/" << ds << "_" << family << "_recall_qps.png'\n"
        << "set title \"" << ds << ": " << desc << "\\n"  // double quotes: gnuplot expands \n only there
        << (std::string(family) == "hnsw" ? fmt("HNSW m=%d ef_construction=%d", o.m, o.ef_construction) : "IVF")
        << fmt(", %d queries, recall@%d vs QPS (1 client, 1 CPU, median of %d)\"\n", o.queries, o.k, o.repeats)
        << "set xlabel 'recall@" << o.k << "'\nset ylabel 'queries per second (log)'\nset logscale y\nset grid\n"
        << "set key bottom left\n";
      g << "plot ";
      for (size_t i = 0; i < series.size(); ++i)
        g << (i ? ", \\\n     " : "") << "'" << series[i].second << "' using 1:2 with linespoints lw 2 lt " << i + 1
          << " title '" << series[i].first << "', '' using 1:2:3 with labels offset 0.6,0.6 font ',8' tc lt " << i + 1
          << " notitle";
      int dash = 2;
      for (auto& s : r.search)
        if (s.dataset == ds && s.family == "floor" && s.ok)
          g << fmt(", \\\n     %.1f with lines dt %d lw 2 lc rgb 'gray40' title '%s: %.0f QPS (no search)'", s.qps,
                   dash++, s.method.c_str(), s.qps);
      g << "\n";
    }
}

}  // namespace ab
