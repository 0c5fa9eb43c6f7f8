// Turns a derived dataset of `make bench` (bench/out/cache/<name>-v1-*.f32: the train and test blocks written by
// bench/ann/derivation.cpp's write_cached) into COPY text files "id<TAB>[x,...]" for the scan profile
// (bench/profile/profile_scan.sh): the first N train rows as the table, the first Q test rows as the queries.
// usage: f32_to_copy CACHE_FILE DIMS N Q TABLE_OUT QUERIES_OUT
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

static bool write_rows(const char* path, const std::vector<float>& block, long rows, int dims) {
  FILE* out = std::fopen(path, "w");
  if (!out) return false;
  for (long i = 0; i < rows; ++i) {
    std::fprintf(out, "%ld\t[", i + 1);
    for (int j = 0; j < dims; ++j) std::fprintf(out, j ? ",%.9g" : "%.9g", block[size_t(i) * dims + j]);
    std::fputs("]\n", out);
  }
  return std::fclose(out) == 0;
}

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s CACHE_FILE DIMS N Q TABLE_OUT QUERIES_OUT\n", argv[0]);
    return 2;
  }
  const int dims = std::atoi(argv[2]);
  const long n = std::atol(argv[3]), q = std::atol(argv[4]);
  FILE* in = std::fopen(argv[1], "rb");
  char magic[8];
  uint64_t count = 0, sizes[2] = {0, 0};
  if (!in || std::fread(magic, 8, 1, in) != 1 || std::fread(&count, 8, 1, in) != 1 || count != 2 ||
      std::fread(sizes, 8, 2, in) != 2) {
    std::fprintf(stderr, "%s: not a cache file of two blocks\n", argv[1]);
    return 1;
  }
  if (dims <= 0 || sizes[0] < uint64_t(n) * dims || sizes[1] < uint64_t(q) * dims) {
    std::fprintf(stderr, "%s: fewer than %ld train / %ld test rows of %d dims\n", argv[1], n, q, dims);
    return 1;
  }
  std::vector<float> train(sizes[0]), test(sizes[1]);
  if (std::fread(train.data(), 4, sizes[0], in) != sizes[0] || std::fread(test.data(), 4, sizes[1], in) != sizes[1]) {
    std::fprintf(stderr, "%s: short read\n", argv[1]);
    return 1;
  }
  std::fclose(in);
  return write_rows(argv[5], train, n, dims) && write_rows(argv[6], test, q, dims) ? 0 : 1;
}
