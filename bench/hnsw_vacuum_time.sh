#!/usr/bin/env bash
# VACUUM time and rows lost after repeated heavy deletes on an hnsw index (issue 10): a throwaway cluster of the
# server in BINDIR (default: this checkout's stage), extension `vector` (vectorext under its pgvector name in the
# stage; whatever provides `vector` elsewhere). Deterministic data: ROWS x DIMS in 20 clusters, index created first
# and filled by INSERT (m 16, ef_construction 64), then ROUNDS rounds of: delete half the rows (a hash of the id),
# VACUUM (timed), count live rows not found by their own vector at the default ef_search and at 100 (and, on
# vectorext, run vectorext.index_check: every live element reachable), re-insert as many.
# Timings depend on the machine's load: compare runs made back to back, not absolute numbers.
#   bench/hnsw_vacuum_time.sh [BINDIR]    env: ROWS (20000) DIMS (64) ROUNDS (3)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
BIN=${1:-$STAGE_BIN}
ROWS=${ROWS:-20000} DIMS=${DIMS:-64} ROUNDS=${ROUNDS:-3}
dir=$(mktemp -d /tmp/vx-vacuum-time.XXXXXX)
trap 'as_server "$BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
give_to_server "$dir"
as_server "$BIN/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
port=$((40000 + RANDOM % 20000))
as_server "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories=$dir -c port=$port -c fsync=off -c maintenance_work_mem=256MB" start >/dev/null
psql_() { as_server "$BIN/psql" -h "$dir" -p "$port" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_ <<SQL
CREATE EXTENSION vector;
CREATE TABLE src AS SELECT i, ARRAY(SELECT sin((i % 20) * 1.7 + j * 0.37) + 0.35 * sin(i * 12.9898 + j * 78.233)
  FROM generate_series(1, $DIMS) j WHERE i > 0)::real[]::vector($DIMS) AS v FROM generate_series(1, 2 * $ROWS) i;
CREATE TABLE t (id int PRIMARY KEY, v vector($DIMS)) WITH (autovacuum_enabled = off);
CREATE INDEX t_idx ON t USING hnsw (v vector_l2_ops);
INSERT INTO t SELECT i, v FROM src WHERE i <= $ROWS;
SQL
echo "rows $ROWS, dims $DIMS, $(psql_ -At -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'") ($BIN)"
next=$ROWS
for round in $(seq 1 "$ROUNDS"); do
  deleted=$(psql_ -At -c "WITH d AS (DELETE FROM t WHERE hashint4(id + $round) & 1 = 0 RETURNING 1) SELECT count(*) FROM d")
  start=$(date +%s.%N)
  psql_ -c 'VACUUM t'
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  missed=$(psql_ -At -c "SET enable_seqscan = off; SELECT count(*) FROM t q WHERE (SELECT d.id FROM t d ORDER BY d.v <-> q.v LIMIT 1) <> q.id")
  # the same rows at a wider search: a row found there is reachable, only not within the default beam
  missed100=$(psql_ -At -c "SET enable_seqscan = off; SET hnsw.ef_search = 100; SELECT count(*) FROM t q WHERE (SELECT d.id FROM t d ORDER BY d.v <-> q.v LIMIT 1) <> q.id")
  live=$(psql_ -At -c 'SELECT count(*) FROM t')
  # vectorext only: every live element reachable from the entry point (index_check raises XX002 otherwise)
  check=$(psql_ -At -c "SELECT CASE WHEN to_regproc('vectorext.index_check') IS NULL THEN 'n/a' END" )
  [ -n "$check" ] || check=$(psql_ -At -c "SELECT 'reachable ' || live FROM vectorext.index_check('t_idx', true)" 2>&1 | tail -1)
  printf 'round %d: deleted %s, VACUUM %.1f s, live %s, not found by own vector %s (ef_search 100: %s), index_check: %s\n' \
    "$round" "$deleted" "$secs" "$live" "$missed" "$missed100" "$check"
  psql_ -c "INSERT INTO t SELECT i, v FROM src WHERE i > $next AND i <= $next + $deleted"
  next=$((next + deleted))
done
