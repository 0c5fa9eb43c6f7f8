#!/usr/bin/env python3
"""Writes the small Fashion-MNIST sample that ships in demo/ for `make run` (the full set stays in ../shared/data).

Output: TSV, gzip'd: split (base|query), id, class label, pgvector text of the 784 pixel values.
Usage: scripts/make_sample.py [DATA_DIR] [OUT] [BASE_ROWS] [QUERY_ROWS]
"""
import gzip
import struct
import sys


def read_idx(path, magic_expected):
    with gzip.open(path, "rb") as f:
        magic, count = struct.unpack(">ii", f.read(8))
        if magic != magic_expected:
            raise SystemExit(f"{path}: bad IDX magic {magic}")
        if magic == 2051:
            rows, cols = struct.unpack(">ii", f.read(8))
            size = rows * cols
            data = f.read(count * size)
            return [data[i * size:(i + 1) * size] for i in range(count)]
        return list(f.read(count))


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/fashion-mnist"
    out = sys.argv[2] if len(sys.argv) > 2 else "demo/fashion-mnist-sample.tsv.gz"
    n_base = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    n_query = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    train = read_idx(f"{data_dir}/train-images-idx3-ubyte.gz", 2051)
    train_labels = read_idx(f"{data_dir}/train-labels-idx1-ubyte.gz", 2049)
    test = read_idx(f"{data_dir}/t10k-images-idx3-ubyte.gz", 2051)
    test_labels = read_idx(f"{data_dir}/t10k-labels-idx1-ubyte.gz", 2049)
    with gzip.open(out, "wt", compresslevel=9) as f:
        for split, images, labels, n in (("base", train, train_labels, n_base), ("query", test, test_labels, n_query)):
            for i in range(n):
                vec = "[" + ",".join(str(b) for b in images[i]) + "]"
                f.write(f"{split}\t{i + 1}\t{labels[i]}\t{vec}\n")


if __name__ == "__main__":
    main()
