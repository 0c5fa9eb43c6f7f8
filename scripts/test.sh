#!/usr/bin/env bash
# Runs the test layers: unit (GoogleTest via ctest), regress (pg_regress on a temporary instance), tap (prove with
# PostgreSQL::Test::Cluster), install (the install options, test/install), clients (client libraries from npm and
# Debian, test/clients), python (the vectorext Python package, test/python). `all` runs every layer, keeps going after a failing layer, and exits non-zero if any failed. Every server is started by pg_regress or the TAP framework and stopped by them; nothing is left running.
source "$(dirname "$0")/lib.sh"

LOG_DIR="$REPO/build/test-logs"
mkdir -p "$LOG_DIR"
passed=0
failed=0
failed_layers=()
# What failed, in a few lines per layer, printed again at the very end: a CI log keeps only its tail.
DIGEST="$LOG_DIR/failure-digest.txt"
: >"$DIGEST"
digest() { cat >>"$DIGEST"; }   # digest <<< "lines"

count() {  # count LAYER PASSED FAILED
  passed=$((passed + $2))
  failed=$((failed + $3))
  [ "$3" -gt 0 ] && failed_layers+=("$1")
  return 0
}

layer_unit() {
  say "unit tests (GoogleTest via ctest)"
  local out="$LOG_DIR/unit.log"
  if ! { cmake -S "$REPO" -B "$REPO/build/cmake" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
         cmake --build "$REPO/build/cmake" -j2 >/dev/null; } 2>&1 | tail -40; then
    count unit 0 1
    return
  fi
  ctest --test-dir "$REPO/build/cmake" --output-on-failure -j2 2>&1 | tee "$out" | grep -vE '^ +[0-9]+/[0-9]+ Test' || true
  local total fails
  total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$out" | tail -1)
  fails=$(sed -n 's/.*, \([0-9]*\) tests failed out of.*/\1/p' "$out" | tail -1)
  [ -n "$total" ] || { count unit 0 1; return; }
  [ "$fails" -gt 0 ] && grep -E '^\s*[0-9]+ - |\[  FAILED  \]' "$out" | head -20 | sed 's/^/unit: /' | digest
  count unit $((total - fails)) "$fails"
}

build_and_stage() {
  say "build and stage the extension"
  make -C "$REPO" --no-print-directory -s -j2 PG_CONFIG="$PG_CONFIG" && stage_install
}

layer_regress() {
  say "pg_regress"
  local dir="$STAGE/regress"
  rm -rf "$dir" && mkdir -p "$dir"
  cp -r "$REPO/sql" "$REPO/expected" "$dir/"
  cp "$REPO/test/regress.conf" "$dir/"
  [ -d "$REPO/test/data" ] && cp -r "$REPO/test/data" "$dir/"
  give_to_server "$dir"
  local tests
  # VX_REGRESS="ivf_ddl hnsw_ddl" runs just those (while iterating); the default is every sql/*.sql
  tests=${VX_REGRESS:-$(cd "$REPO/sql" && ls *.sql | grep -v '^vectorext--' | sed 's/\.sql$//' | sort | tr '\n' ' ')}
  local out="$LOG_DIR/regress.log"
  (cd "$dir" && as_server "$STAGE_PG_REGRESS" --temp-instance="$dir/instance" --bindir="$STAGE_BIN" \
      --inputdir="$dir" --outputdir="$dir" --temp-config="$dir/regress.conf" \
      --load-extension=vectorext --dbname=contrib_regression $tests) 2>&1 | tee "$out" || true
  local total fails
  total=$(echo $tests | wc -w)
  fails=$(grep -cE '^(not ok|test .* \.\.\. FAILED| *[a-z_0-9]+ +\.\.\. FAILED)' "$out" || true)
  if grep -q "All [0-9]* tests passed" "$out"; then fails=0
  elif [ "$fails" = 0 ]; then fails=$total; fi
  if [ "$fails" -gt 0 ] && [ -f "$dir/regression.diffs" ]; then
    cp "$dir/regression.diffs" "$REPO/regression.diffs"
    echo "--- regression.diffs (first 200 lines; full file at $REPO/regression.diffs)"
    head -200 "$dir/regression.diffs"
  fi
  if [ "$fails" -gt 0 ]; then
    { grep -E '^(not ok|test .* \.\.\. FAILED| *[a-z_0-9]+ +\.\.\. FAILED)' "$out" | head -20
      [ -f "$dir/regression.diffs" ] && grep -E '^[-+][^-+]' "$dir/regression.diffs" | head -20; } | sed 's/^/regress: /' | digest
  fi
  count regress $((total - fails)) "$fails"
}

layer_tap() {
  say "TAP tests (prove)"
  local dir="$STAGE/tap"
  rm -rf "$dir" && mkdir -p "$dir"
  cp -r "$REPO/test/t" "$dir/t"
  [ -d "$REPO/test/data" ] && cp -r "$REPO/test/data" "$dir/data"
  cp "$REPO/test/opclasses_waiting_for_issue_12.txt" "$dir/"   # index cases waiting for issue 12 (061)
  give_to_server "$dir"
  local out="$LOG_DIR/tap.log"
  # VX_TAP="t/011_hnsw_crash.pl t/013_hnsw_mvcc_filter.pl" runs just those (while iterating); default: every file
  local tests=${VX_TAP:-t/*.pl}
  # One port-reservation directory for every checkout on this machine, so parallel runs never pick the same port.
  local portdir=/tmp/vectorext-tap-ports
  mkdir -p "$portdir" && chmod 1777 "$portdir" 2>/dev/null || true
  (cd "$dir" && as_server env PATH="$STAGE_BIN:$PATH" PG_REGRESS="$STAGE_PG_REGRESS" TESTDIR="$dir" PG_TEST_PORT_DIR="$portdir" \
      TEMP_CONFIG="$dir/t/tap.conf" prove -I "$PGXS_SRC/test/perl" -I "$dir/t" ${PROVE_FLAGS:-} $tests) 2>&1 |
    tee "$out" || true
  local files fails
  files=$(cd "$REPO/test" && ls $tests | wc -l)
  if grep -q '^Result: PASS' "$out"; then fails=0
  else
    fails=$(grep -cE '^t/\S+ +\(Wstat' "$out" || true)   # one line per failing file in prove's summary report
    [ "$fails" -gt 0 ] || fails=$files
    # the failing files from prove's report, then each failed assertion with the diagnostics that follow it
    { grep -E '^t/\S+ +\(Wstat|^t/\S+ \.+ *(Dubious|Failed)' "$out"
      grep -E -A6 '^\s*#\s+Failed test' "$out" | head -60; } | sed 's/^/tap: /' | digest
    if [ -d "$dir/tmp_check/log" ]; then
      rm -rf "$LOG_DIR/tap-logs" && cp -r "$dir/tmp_check/log" "$LOG_DIR/tap-logs"
      echo "--- server logs copied to $LOG_DIR/tap-logs"
    fi
  fi
  count tap $((files - fails)) "$fails"
}

# Counts a layer whose runner prints "N passed, M failed" last; no such line is one failure.
count_summary() {  # count_summary LAYER LOG
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$2" | tail -1)
  [ -n "$line" ] || { count "$1" 0 1; echo "$1: no summary line; see $2" | digest; return; }
  case "$line" in *" 0 failed") ;; *) grep -E 'FAIL|ERROR|not ok|NOT RUN' "$2" | head -20 | sed "s/^/$1: /" | digest ;; esac
  count "$1" "${line%% passed*}" "$(echo "$line" | sed 's/.*passed, \([0-9]*\) failed/\1/')"
}

# The drop-in install's Makefile rules (make install PGVECTOR_NAME=1) against scratch install directories.
layer_install() {
  say "install options (test/install)"
  bash "$REPO/test/install/pgvector_name.sh" "$REPO" "$PG_CONFIG" 2>&1 | tee "$LOG_DIR/install.log" || true
  count_summary install "$LOG_DIR/install.log"
}

# Real client libraries (npm and Debian packages) against a cluster of the stage (test/clients/run.sh).
layer_clients() {
  say "client libraries (test/clients)"
  bash "$REPO/test/clients/run.sh" 2>&1 | tee "$LOG_DIR/clients.log" || true
  count_summary clients "$LOG_DIR/clients.log"
}

# The vectorext Python package, its CLI and notebook against a cluster of the stage (test/python/run.sh).
layer_python() {
  say "python package (clients/python, test/python)"
  bash "$REPO/test/python/run.sh" 2>&1 | tee "$LOG_DIR/python-layer.log" || true
  count_summary python "$LOG_DIR/python-layer.log"
}

what=${1:-all}
case "$what" in
  unit) layer_unit ;;
  regress) if build_and_stage; then layer_regress; else count build 0 1; fi ;;
  tap) if build_and_stage; then layer_tap; else count build 0 1; fi ;;
  install) if build_and_stage; then layer_install; else count build 0 1; fi ;;
  clients) if build_and_stage; then layer_clients; else count build 0 1; fi ;;
  python) if build_and_stage; then layer_python; else count build 0 1; fi ;;
  all)
    layer_unit
    if build_and_stage; then
      layer_regress
      layer_tap
      layer_install
      layer_clients
      layer_python
    else
      count build 0 1
    fi
    ;;
  *) echo "usage: $0 [all|unit|regress|tap|install|clients|python]" >&2; exit 2 ;;
esac

say "summary"
if [ -s "$DIGEST" ]; then echo "what failed (full logs in $LOG_DIR):"; cat "$DIGEST"; fi
[ ${#failed_layers[@]} -gt 0 ] && echo "failing layers: ${failed_layers[*]}"
echo "tests: $passed passed, $failed failed"
# The stage (a ~50 MB copy of the server installation) is kept after a failure for its logs, or on request.
if [ "$what" = all ] && [ "$failed" -eq 0 ] && [ -z "${VX_KEEP_STAGE:-}" ]; then rm -rf "$STAGE"; fi
[ "$failed" -eq 0 ]
