#!/usr/bin/env bash
# Where an INSERT into an hnsw-indexed table spends its time, vectorext beside pgvector (docs/benchmarks.md, "Where
# the time goes: inserts"). A throwaway cluster of the server in BINDIR (default: the stage `make bench` leaves, which
# holds pgvector's `vector` when the system has it); the bench's pca256 rows (256-d, L2-normalised; the cache file
# `make bench` derives); one database per system holding ROWS rows and an hnsw index (cosine, m 16, ef_construction
# 64, built by CREATE INDEX on one thread), kept as a template. Each run copies the template, CHECKPOINTs, and inserts
# INSERTS further rows (later test images, as the insert workload does) one prepared statement each in one session,
# synchronous_commit = off, and prints per row: the backend's CPU time (its schedstat run time: what `perf stat -e
# task-clock` counts), WAL bytes (pg_current_wal_lsn around the rows) and wall time. Runs alternate between the
# systems (REPEATS each): compare medians, never a single run, on a shared machine.
#   PROFILE=1: one more run per system under `perf record -e cpu-clock --call-graph dwarf` (needs perf), reported by
#              bench/insert_profile_buckets.py: the share of samples per phase of the insert and per kind of work.
#              PERF_KEEP=DIR keeps the perf data and scripts there (perf report -i DIR/perf-vectorext-perf.data).
#   RECALL=N: one more run per system, then recall@10 at ef_search 40 of N held-out rows and a checksum of the ids
#              the index returned (equal checksums: the builds' graphs answer alike; use ROWS / INSERTS so that the
#              inserts make much of the graph, e.g. ROWS=10000 INSERTS=5000 RECALL=500 REPEATS=1).
#   WALSTAT=1: pg_waldump --stats of one run per system, and GenericXLog records and distinct blocks per insert.
#   SO_A, SO_B: two builds of vectorext (vectorext.so files reading the same index layout) measured A/B: systems "A"
#              and "B" are copies of base_vectorext whose functions load these libraries (copied into BINDIR's lib
#              directory as vectorext_a.so / vectorext_b.so); SYSTEMS then defaults to "A B vector".
#   SESSIONS=2: each run inserts INSERTS rows per session from 2 sessions at once (different rows); per row is then
#              the backends' CPU summed over rows of both, and wall time of the whole (rows/s = 1000 / wall ms).
#   PREWARM=1: the measuring backend first reads the index and the table into shared buffers (pg_prewarm), as a long
#              session after CREATE INDEX has them: the copied database's pages are otherwise read from the kernel's
#              cache (and the shared memory mapped) during the timed inserts, more of them for the larger index.
#   DATASET=gauss1536: the bench's 1,536-d rows (inner product, GAUSS1536 the cache file) instead of pca256 (cosine).
#   bench/insert_profile.sh [BINDIR]   env: PCA256 (path of pca256-v1-*.f32), ROWS (60000), INSERTS (1000),
#                                           REPEATS (5), PORT (54371), SYSTEMS ("vectorext vector")
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
BIN=${1:-/tmp/vectorext-bench-stage-$(id -u)-$(printf '%s' "$REPO" | md5sum | cut -c1-8)/install$PG_BINDIR}
DATASET=${DATASET:-pca256}
case "$DATASET" in
  pca256) DIMS=256 OPS=vector_cosine_ops OP='<=>'
    DATA=${PCA256:-$(ls "$REPO"/bench/out/cache/pca256-v1-*.f32 2>/dev/null | head -1)} ;;
  gauss1536) DIMS=1536 OPS=vector_ip_ops OP='<#>'
    DATA=${GAUSS1536:-$(ls "$REPO"/bench/out/cache/gauss1536-v1-*.f32 2>/dev/null | head -1)} ;;
  *) echo "DATASET: pca256 or gauss1536" >&2; exit 2 ;;
esac
ROWS=${ROWS:-60000} INSERTS=${INSERTS:-1000} REPEATS=${REPEATS:-5} PORT=${PORT:-54371} SESSIONS=${SESSIONS:-1}
if [ -n "${SO_A:-}" ]; then SYSTEMS=${SYSTEMS:-A B vector}; else SYSTEMS=${SYSTEMS:-vectorext vector}; fi
[ -f "$DATA" ] || { echo "no $DATASET rows: run make bench once (VX_BENCH_DATASETS=$DATASET), or set PCA256 / GAUSS1536" >&2; exit 2; }
dir=$(mktemp -d /tmp/vx-insert-profile.XXXXXX)
trap 'as_server "$BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
give_to_server "$dir"
as_server "$BIN/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
as_server "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-c listen_addresses='' -c unix_socket_directories=$dir \
  -c port=$PORT -c shared_buffers=512MB -c maintenance_work_mem=1GB -c max_wal_size=16GB -c checkpoint_timeout=1h \
  -c autovacuum=off -c jit=off -c max_parallel_workers_per_gather=0" start >/dev/null
P="$BIN/psql -h $dir -p $PORT -U postgres -X -q -v ON_ERROR_STOP=1"

# The rows: the cache file is a 32-byte header, then 60,000 train and 10,000 test rows of DIMS floats. Session s
# inserts test rows [s * INSERTS, (s + 1) * INSERTS).
python3 - "$DATA" "$ROWS" "$INSERTS" "$dir" "$DIMS" "$SESSIONS" "${RECALL:-0}" <<'EOF'
import array, sys
path, n, k, out, d, sessions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
f = open(path, 'rb')
def rows(start, count):
    f.seek(32 + start * 4 * d)
    a = array.array('f'); a.frombytes(f.read(count * 4 * d))
    for i in range(count):
        yield '[' + ','.join('%.7g' % x for x in a[i * d:(i + 1) * d]) + ']'
with open(out + '/base.tsv', 'w') as o:
    for i, v in enumerate(rows(0, n)): o.write('%d\t%d\t%s\n' % (i, i % 100, v))
for s in range(sessions):
    with open(out + '/inserts%s.sql' % ('' if s == 0 else s), 'w') as o:
        o.write('PREPARE ins(int4, int4, text) AS INSERT INTO items (id, category, embedding) VALUES ($1, $2, $3::vector);\n')
        for i, v in enumerate(rows(60000 + s * k, k)):
            o.write("EXECUTE ins(%d, %d, '%s');\n" % (100000 + s * k + i, i % 100, v))
with open(out + '/queries.tsv', 'w') as o:  # held-out test rows for RECALL
    for i, v in enumerate(rows(60000 + sessions * k, min(int(sys.argv[7]), 10000 - sessions * k))):
        o.write('%d\t%s\n' % (i, v))
EOF
chmod -R a+r "$dir"

LIB=$("$BIN/pg_config" --pkglibdir)
for sys in $SYSTEMS; do
  case "$sys" in A | B) ext=vectorext ;; *) ext=$sys ;; esac
  $P -l | grep -q "base_$ext " && continue
  $P -c "CREATE DATABASE base_$ext"
  $P -d "base_$ext" -c "CREATE EXTENSION $ext" -c "CREATE TABLE items (id int4, category int4, embedding vector($DIMS))" \
    -c "\\copy items FROM '$dir/base.tsv'" -c "SET max_parallel_maintenance_workers = 0" \
    -c "CREATE INDEX items_emb ON items USING hnsw (embedding $OPS) WITH (m = 16, ef_construction = 64)" \
    -c "VACUUM ANALYZE items"
done
if [ -n "${SO_A:-}" ]; then  # the index is built once (by BINDIR's vectorext); A and B only serve the inserts
  # by rename: a backend of another run that has the file mapped keeps its copy
  for x in a b; do so=$([ $x = a ] && echo "$SO_A" || echo "$SO_B")
    cp "$so" "$LIB/vectorext_$x.so.new.$$" && mv "$LIB/vectorext_$x.so.new.$$" "$LIB/vectorext_$x.so"; done
  for sys in A B; do
    lc=$(echo $sys | tr AB ab)
    $P -c "CREATE DATABASE base_$lc TEMPLATE base_vectorext"
    $P -d "base_$lc" -c "UPDATE pg_proc SET probin = '\$libdir/vectorext_$lc' WHERE probin = '\$libdir/vectorext'"
  done
fi

# one_run EXT TAG [perf]: a copy of base_EXT, CHECKPOINT, the inserts; prints "TAG cpu_ms wal_bytes wall_ms" per row.
one_run() {
  local ext=$1 tag=$2 mode=${3:-} db=run_${1,,}_$RANDOM
  $P -c "CREATE DATABASE $db TEMPLATE base_${ext,,}" -c "CHECKPOINT"
  if [ "$SESSIONS" -gt 1 ]; then sessions_run "$db" "$tag"; $P -c "DROP DATABASE $db"; return; fi
  {
    echo "SET synchronous_commit = off;"
    echo "SELECT pg_backend_pid() AS pid \\gset"
    echo "\\setenv PID :pid"
    echo "SET enable_seqscan = off; SELECT id FROM items ORDER BY embedding $OP (SELECT embedding FROM items WHERE id = 1) LIMIT 1 \\g /dev/null"
    [ "${PREWARM:-0}" = 1 ] && echo "CREATE EXTENSION IF NOT EXISTS pg_prewarm; SELECT pg_prewarm('items_emb'), pg_prewarm('items') \\g /dev/null"
    [ "$mode" = perf ] && echo "\\! perf record -q -e cpu-clock --call-graph dwarf,16384 -F 4000 -p \$PID -o $dir/perf-$tag.data >/dev/null 2>&1 & echo \$! > $dir/perf.pid; sleep 1"
    echo "SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS cpu0, pg_current_wal_lsn() AS lsn0, clock_timestamp() AS t0 \\gset"
    cat "$dir/inserts.sql"
    echo "SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS cpu1, pg_current_wal_lsn() AS lsn1, clock_timestamp() AS t1 \\gset"
    [ "$mode" = perf ] && echo "\\! kill -INT \$(cat $dir/perf.pid); sleep 2"
    echo "SELECT '$tag', round((:cpu1 - :cpu0) / 1e6 / $INSERTS, 4), round(pg_wal_lsn_diff(:'lsn1', :'lsn0') / $INSERTS), round(extract(epoch from (:'t1'::timestamptz - :'t0'::timestamptz)) * 1000 / $INSERTS, 4), :'lsn0', :'lsn1' \\g (format=unaligned tuples_only fieldsep=' ')"
    if [ "$mode" = recall ]; then  # recall@10 of held-out rows after the inserts, ef_search 40, and the ids' checksum
      echo "CREATE TEMP TABLE q (qid int4, v vector($DIMS)); \\copy q FROM '$dir/queries.tsv'"
      echo "SET hnsw.ef_search = 40; SET enable_seqscan = off;"
      echo "CREATE TEMP TABLE got AS SELECT qid, array(SELECT id FROM items ORDER BY embedding $OP q.v LIMIT 10) ids FROM q;"
      echo "SET enable_seqscan = on; SET enable_indexscan = off; SET enable_bitmapscan = off;"
      echo "CREATE TEMP TABLE exact AS SELECT qid, array(SELECT id FROM items ORDER BY embedding $OP q.v LIMIT 10) ids FROM q;"
      echo "SELECT '$tag-recall', round(avg((SELECT count(*) FROM unnest(g.ids) i WHERE i = ANY (e.ids)) / 10.0), 4), md5(string_agg(g.ids::text, ';' ORDER BY g.qid)) FROM got g JOIN exact e USING (qid) \\g (format=unaligned tuples_only fieldsep=' ')"
    fi
  } | $P -d "$db"
  $P -c "DROP DATABASE $db"
}

# sessions_run DB TAG: SESSIONS sessions insert at once; prints "TAG cpu_ms wal_bytes wall_ms" per row of all.
sessions_run() {
  local db=$1 tag=$2 s
  local lsn0 lsn1 t0 t1
  lsn0=$($P -d "$db" -At -c "SELECT pg_current_wal_lsn()")
  t0=$(date +%s.%N)
  for s in $(seq 0 $((SESSIONS - 1))); do
    f=$dir/inserts$([ "$s" = 0 ] || echo "$s").sql
    {
      echo "SET synchronous_commit = off;"
      echo "SET enable_seqscan = off; SELECT id FROM items ORDER BY embedding $OP (SELECT embedding FROM items WHERE id = 1) LIMIT 1 \\g /dev/null"
      echo "SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS cpu0 \\gset"
      cat "$f"
      echo "SELECT (split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint - :cpu0) \\g (format=unaligned tuples_only)"
    } | $P -d "$db" > "$dir/cpu.$s" &
  done
  wait
  t1=$(date +%s.%N)
  lsn1=$($P -d "$db" -At -c "SELECT pg_current_wal_lsn()")
  local cpu n=$((SESSIONS * INSERTS))
  cpu=$(cat "$dir"/cpu.* | awk '{s += $1} END {print s}')
  $P -At -c "SELECT '$tag', round($cpu / 1e6 / $n, 4), round(pg_wal_lsn_diff('$lsn1', '$lsn0') / $n), round(($t1 - $t0) * 1000 / $n, 4), '$lsn0', '$lsn1'" -F ' '
  rm -f "$dir"/cpu.*
}

echo "per inserted row: system, CPU ms (backend), WAL bytes, wall ms ($ROWS rows indexed, $INSERTS inserted per run)"
echo "($DATASET, $SESSIONS session(s); load average $(cut -d' ' -f1-3 /proc/loadavg))"
for r in $(seq "$REPEATS"); do
  for ext in $SYSTEMS; do one_run "$ext" "$ext" | cut -d' ' -f1-4; done
done | tee "$dir/runs.txt"
echo "(load average at the end $(cut -d' ' -f1-3 /proc/loadavg))"
for ext in $SYSTEMS; do
  sort -k2 -n <(grep "^$ext " "$dir/runs.txt") | awk -v e="$ext" '{c[NR]=$2; w[NR]=$3; t[NR]=$4} END {m=int((NR+1)/2);
    printf "median %-10s CPU %.4f ms/row  WAL %d B/row  wall %.4f ms/row (median of %d by CPU)\n", e, c[m], w[m], t[m], NR}'
  sort -k4 -n <(grep "^$ext " "$dir/runs.txt") | awk -v e="$ext" '{t[NR]=$4} END {m=int((NR+1)/2);
    printf "median %-10s wall %.4f ms/row = %.0f rows/s (median by wall)\n", e, t[m], 1000 / t[m]}'
done
if [ -n "${SO_A:-}" ]; then  # per-round ratios B/A of CPU (rounds pair the i-th run of each)
  paste <(grep '^A ' "$dir/runs.txt" | cut -d' ' -f2) <(grep '^B ' "$dir/runs.txt" | cut -d' ' -f2) |
    awk '{printf "%.4f\n", $2 / $1}' | sort -n | awk '{r[NR] = $1} END {
      printf "median of per-round CPU ratios B/A %.4f (%d rounds)\n", r[int((NR + 1) / 2)], NR}'
  for x in A B; do  # pgvector's CPU over each build's, per round
    paste <(grep "^$x " "$dir/runs.txt" | cut -d' ' -f2) <(grep '^vector ' "$dir/runs.txt" | cut -d' ' -f2) |
      awk '{printf "%.4f\n", $2 / $1}' | sort -n | awk -v x=$x '{r[NR] = $1} END {
        if (NR) printf "median of per-round CPU ratios vector/%s %.4f (%d rounds)\n", x, r[int((NR + 1) / 2)], NR}'
  done
fi

if [ "${RECALL:-0}" -gt 0 ]; then
  echo "== recall@10 (ef_search 40) of $RECALL held-out rows after the inserts, and a checksum of the ids found"
  for ext in $SYSTEMS; do one_run "$ext" "$ext" recall | grep -- '-recall '; done
fi

if [ "${WALSTAT:-0}" = 1 ]; then
  for ext in $SYSTEMS; do
    read -r _ _ _ _ l0 l1 < <(one_run "$ext" "$ext")
    echo "== WAL of $INSERTS inserts, $ext"
    as_server "$BIN/pg_waldump" -p "$dir/data/pg_wal" -s "$l0" -e "$l1" --stats=record 2>/dev/null | awk '$2 != "0"' | grep -v '^ *$'
    as_server "$BIN/pg_waldump" -p "$dir/data/pg_wal" -s "$l0" -e "$l1" 2>/dev/null | python3 -c '
import re, sys, collections
tx = collections.defaultdict(lambda: [0, set()])
for l in sys.stdin:
    if "rmgr: Generic" not in l: continue
    t = re.search(r"tx:\s+(\d+)", l).group(1); tx[t][0] += 1
    tx[t][1].update(re.findall(r"blk (\d+)", l))
n = max(len(tx), 1)
print("GenericXLog records per insert %.1f, distinct index blocks per insert %.1f" %
      (sum(v[0] for v in tx.values()) / n, sum(len(v[1]) for v in tx.values()) / n))'
  done
fi

if [ "${PROFILE:-0}" = 1 ]; then
  nm -D --defined-only "$BIN/postgres" | awk '{print $1, $3}' > "$dir/postgres.syms"
  for ext in $SYSTEMS; do
    one_run "$ext" "$ext-perf" perf | cut -d' ' -f1-4
    perf script -i "$dir/perf-$ext-perf.data" -F comm,ip,sym 2>/dev/null > "$dir/$ext.script"
    echo "== profile, $ext (perf record under load inflates the CPU time above; shares are what counts)"
    python3 "$REPO/bench/insert_profile_buckets.py" "$dir/$ext.script" "$dir/postgres.syms"
    [ -n "${PERF_KEEP:-}" ] && mkdir -p "$PERF_KEEP" && cp "$dir/perf-$ext-perf.data" "$dir/$ext.script" "$dir/postgres.syms" "$PERF_KEEP/"
  done
fi
