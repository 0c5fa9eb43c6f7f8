# Shared by the developer scripts: where PostgreSQL lives, which OS user runs the server (Postgres refuses root),
# and the private staged installation that tests use so they never touch the system's extension directory.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_BINDIR=$("$PG_CONFIG" --bindir)
PG_SHAREDIR=$("$PG_CONFIG" --sharedir)
PG_ROOT=$(dirname "$PG_BINDIR")                       # /usr/lib/postgresql/15
PGXS_SRC=$(cd "$(dirname "$("$PG_CONFIG" --pgxs)")/.." && pwd)   # .../lib/pgxs/src

if [ "$(id -u)" = 0 ]; then
  SERVER_USER=${VX_SERVER_USER:-postgres}
  as_server() { runuser -u "$SERVER_USER" -- env HOME=/tmp "$@"; }
  give_to_server() { chown -R "$SERVER_USER" "$@"; }
else
  SERVER_USER=$(id -un)
  as_server() { "$@"; }
  give_to_server() { :; }
fi

# One stage per checkout, outside the checkout: a fresh clone may sit in a directory the server user cannot enter.
STAGE=${VX_STAGE:-/tmp/vectorext-stage-$(id -u)-$(printf '%s' "$REPO" | md5sum | cut -c1-8)}
STAGE_ROOT="$STAGE/install"
STAGE_BIN="$STAGE_ROOT$PG_BINDIR"
STAGE_PG_REGRESS="$STAGE_ROOT$PGXS_SRC/test/regress/pg_regress"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# A copy of the server installation plus our extension (make install DESTDIR=...). Postgres finds its share and
# lib directories relative to its own binary, so the copy behaves exactly like the system installation.
stage_install() {
  rm -rf "$STAGE"
  mkdir -p "$STAGE_ROOT$(dirname "$PG_ROOT")" "$STAGE_ROOT$(dirname "$PG_SHAREDIR")"
  cp -a "$PG_ROOT" "$STAGE_ROOT$PG_ROOT"
  cp -a "$PG_SHAREDIR" "$STAGE_ROOT$PG_SHAREDIR"
  # Whatever the system has as extension `vector` (pgvector, or an earlier drop-in install of ours) is left out, so
  # tests see the same stage with or without pgvector on the machine: vectorext under both its names (docs/clients.md).
  rm -rf "$STAGE_ROOT$PG_SHAREDIR"/extension/vector.control "$STAGE_ROOT$PG_SHAREDIR"/extension/vector--*.sql \
         "$STAGE_ROOT$PG_ROOT"/lib/vector.so "$STAGE_ROOT$PG_ROOT"/lib/bitcode/vector "$STAGE_ROOT$PG_ROOT"/lib/bitcode/vector.index.bc
  make -C "$REPO" --no-print-directory -s install DESTDIR="$STAGE_ROOT" PG_CONFIG="$PG_CONFIG" PGVECTOR_NAME=1 >/dev/null
  # The boundary self-test module exists only in the stage, never in a real installation.
  make -C "$REPO/test/selftest" --no-print-directory -s PG_CONFIG="$PG_CONFIG" >/dev/null
  make -C "$REPO/test/selftest" --no-print-directory -s install DESTDIR="$STAGE_ROOT" PG_CONFIG="$PG_CONFIG" >/dev/null
  chmod 755 "$STAGE"
  give_to_server "$STAGE"
}

# A throwaway cluster of the staged server for a test layer (test/clients, test/python): initdb in DIR/data as the
# server user, started on 127.0.0.1 at the first free port from a random start (log DIR/server.log). Sets
# TEST_CLUSTER_PORT; returns non-zero (after showing the log) when it cannot start. stop_test_cluster DIR stops it.
start_test_cluster() {  # start_test_cluster DIR
  local dir=$1 candidate try
  local opts="-c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir/data -c fsync=off -c max_connections=40"
  TEST_CLUSTER_PORT=
  mkdir -p "$dir/data" && give_to_server "$dir"
  as_server "$STAGE_BIN/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log"; return 1; }
  for try in 1 2 3 4 5 6 7 8; do
    candidate=$((40000 + RANDOM % 20000))
    (echo >"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null && continue   # someone listens there
    if as_server "$STAGE_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o "$opts -c port=$candidate" \
         >/dev/null 2>&1; then
      TEST_CLUSTER_PORT=$candidate
      return 0
    fi
  done
  tail -20 "$dir/server.log"
  return 1
}
stop_test_cluster() { as_server "$STAGE_BIN/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true; }

# The Fashion-MNIST directory the benchmarks read: $VX_BENCH_DATA, else ../shared/data/fashion-mnist beside the
# checkout (or one level further up, for a checkout in a worktree folder). Sets DATASET or exits naming where it looked.
find_fashion_mnist() {
  DATASET=${VX_BENCH_DATA:-}
  if [ -z "$DATASET" ]; then
    local d
    for d in "$REPO/../shared/data/fashion-mnist" "$REPO/../../shared/data/fashion-mnist"; do
      [ -f "$d/train-images-idx3-ubyte.gz" ] && { DATASET=$(cd "$d" && pwd); break; }
    done
  fi
  if [ -z "$DATASET" ] || [ ! -f "$DATASET/train-images-idx3-ubyte.gz" ]; then
    echo "Fashion-MNIST not found (looked in ${VX_BENCH_DATA:-../shared/data/fashion-mnist}); set VX_BENCH_DATA=DIR" >&2
    exit 1
  fi
}
