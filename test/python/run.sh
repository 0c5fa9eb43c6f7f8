#!/usr/bin/env bash
# The python layer of `make test` (docs/python.md): the vectorext Python package against a real cluster.
# Installs clients/python the documented way (Debian's python3, a venv with --system-site-packages, pip --no-index
# --no-build-isolation: no network), starts a cluster of the staged installation as the server user on 127.0.0.1
# (a free port), runs the pytest suite (clients/python/tests, which includes executing examples/model_lifecycle.ipynb
# with nbclient), stops the cluster, and prints "N passed, M failed" last. Skipped tests are listed with their reason
# and are not counted as passed. Every step is time-bounded.
# Usage: run.sh (from scripts/test.sh, after the stage is built)
source "$(dirname "$0")/../../scripts/lib.sh"
set +e

WORK="$STAGE/python"
LOG_DIR="$REPO/build/test-logs"
PYTHON=/usr/bin/python3   # Debian's, where python3-psycopg and friends are (not a pyenv python on PATH)
VENV="$WORK/venv"

loud() { printf '\n\033[1;31m!! %s\033[0m\n' "$*"; }
finish() { echo "$1 passed, $2 failed"; [ "$2" -eq 0 ]; exit $?; }

rm -rf "$WORK" "$LOG_DIR/python.log" && mkdir -p "$WORK" "$LOG_DIR"

# 1. Install the package exactly as docs/python.md says, from a copy (setuptools writes build files next to the
#    sources).
missing=$("$PYTHON" -c 'import importlib.util as u
modules = ("psycopg", "tqdm", "numpy", "pandas", "pytest", "nbclient", "ipykernel", "matplotlib", "venv", "pip")
print(" ".join(m for m in modules if u.find_spec(m) is None))')
if [ -n "$missing" ]; then
  loud "Python modules missing ($missing): the python layer was NOT RUN (counted as failed; scripts/deps.sh" \
       "installs them)"
  finish 0 1
fi
cp -r "$REPO/clients/python" "$WORK/src"
if ! { timeout 120 "$PYTHON" -m venv --system-site-packages "$VENV" &&
       timeout 300 "$VENV/bin/pip" install --no-index --no-build-isolation --disable-pip-version-check -q "$WORK/src" &&
       timeout 120 "$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
     } >"$WORK/install.log" 2>&1; then
  cat "$WORK/install.log"
  loud "installing clients/python into a venv failed: the python layer was NOT RUN"
  finish 0 1
fi

# 2. The cluster: the staged server as the server user, on 127.0.0.1, at a free port.
trap 'stop_test_cluster "$WORK"' EXIT
if ! start_test_cluster "$WORK"; then
  loud "could not start the python layer's cluster: tests NOT RUN"
  finish 0 1
fi
port=$TEST_CLUSTER_PORT

# 3. pytest from a directory without the sources, so `import vectorext` is the installed package; each test module
#    creates and drops its own database. VX_REQUIRE_INSTALLED makes the entry-point tests fail instead of skip.
out="$LOG_DIR/python.log"
say "python: vectorext package ($("$VENV/bin/python" -c 'import psycopg, numpy, pandas, nbclient
print(", ".join(m.__name__ + " " + m.__version__ for m in (psycopg, numpy, pandas, nbclient)))'))"
(cd "$WORK" && env VX_PGHOST=127.0.0.1 VX_PGPORT="$port" VX_PGUSER=postgres VX_REPO="$REPO" VX_REQUIRE_INSTALLED=1 \
   PYTHONDONTWRITEBYTECODE=1 JUPYTER_PATH="$VENV/share/jupyter" HOME="$WORK" \
   timeout 1500 "$VENV/bin/python" -m pytest -p no:cacheprovider -rs -q "$REPO/clients/python/tests") 2>&1 |
  tee "$out" | grep -vE '^\.*s*\.*( +\[ *[0-9]+%\])?$' || true
stop_test_cluster "$WORK"
trap - EXIT

summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|skipped|errors?).* in [0-9.]+s' "$out" | tail -1)
if [ -z "$summary" ]; then
  cp "$WORK/server.log" "$LOG_DIR/python-server.log" 2>/dev/null
  loud "pytest did not finish (see $out)"
  finish 0 1
fi
passed=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
failed=$(( $(echo "$summary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0) +
           $(echo "$summary" | grep -oE '[0-9]+ errors?' | grep -oE '[0-9]+' || echo 0) ))
skipped=$(echo "$summary" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+')
if [ "$failed" -gt 0 ]; then cp "$WORK/server.log" "$LOG_DIR/python-server.log" 2>/dev/null; fi
[ -n "$skipped" ] && loud "$skipped python tests SKIPPED (reasons above: features not on main yet)"
finish "${passed:-0}" "$failed"
