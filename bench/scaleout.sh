#!/usr/bin/env bash
# `make bench-scaleout`: what sharding over postgres_fdw costs on this machine (docs/scale-out.md). Not a test.
# Three throwaway clusters on loopback: a coordinator (which also holds the single-node table for comparison) and two
# shards. Fashion-MNIST's 60,000 training images (784 dims, L2) are the rows, its test images the queries. Measures,
# for ef_search 40, LIMIT 10: recall@10 against exact ground truth, latency and QPS with one client (pgbench,
# prepared statements) for
#   single   one node, one hnsw index over all rows
#   merge    the plain query on the hash-partitioned table: Merge Append over the shards' ordered index scans
#   async    vectorext.search_shards: per-shard LIMIT k subqueries run concurrently (async_capable Append)
#   shard    one shard answering its half directly (the per-shard cost)
# plus rows and bytes each shard sends per query and index bytes per vector for hnsw, ivfflat and ivf pq.
#
# Environment: VX_BENCH_DATA (Fashion-MNIST dir), VX_SCALE_ROWS (default 60000), VX_SCALE_QUERIES (default 500),
# VX_SCALE_SECONDS (pgbench duration per case, default 20), VX_SCALE_PORT (first of four ports, default 54350).
source "$(dirname "$0")/../scripts/lib.sh"

ROWS=${VX_SCALE_ROWS:-60000}
QUERIES=${VX_SCALE_QUERIES:-500}
SECONDS_PER_CASE=${VX_SCALE_SECONDS:-20}
PORT0=${VX_SCALE_PORT:-54350}
OUT=${VX_BENCH_OUT:-$REPO/bench/out}
STAGE=/tmp/vectorext-scale-stage-$(id -u)-$(printf '%s' "$REPO" | md5sum | cut -c1-8)
STAGE_ROOT="$STAGE/install"
STAGE_BIN="$STAGE_ROOT$PG_BINDIR"
RUN=/tmp/vectorext-scale-run-$(id -u)

find_fashion_mnist

bash "$REPO/scripts/deps.sh"
say "build vectorext and stage it in $STAGE"
make -C "$REPO" --no-print-directory -s -j2 PG_CONFIG="$PG_CONFIG"
stage_install

NODES=(coord shard1 shard2)
port_of() { case $1 in coord) echo "$PORT0" ;; shard1) echo $((PORT0 + 1)) ;; shard2) echo $((PORT0 + 2)) ;; esac; }
psql_on() { local n=$1; shift; as_server "$STAGE_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN" -p "$(port_of "$n")" -d postgres "$@"; }
stop_all() {
  for n in "${NODES[@]}"; do
    [ -f "$RUN/$n/postmaster.pid" ] && as_server "$STAGE_BIN/pg_ctl" -D "$RUN/$n" -m immediate -w stop >/dev/null 2>&1
  done
  rm -rf "$RUN"
}
trap stop_all EXIT
trap 'exit 130' INT TERM
stop_all
mkdir -p "$RUN" "$OUT"
give_to_server "$RUN"

say "data: $ROWS Fashion-MNIST images, $QUERIES queries (text files in $RUN)"
/usr/bin/python3 - "$DATASET" "$ROWS" "$QUERIES" "$RUN" <<'PY'
import gzip, struct, sys
data, rows, queries, run = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def images(name, n):
    with gzip.open(f"{data}/{name}", "rb") as f:
        magic, count, r, c = struct.unpack(">iiii", f.read(16))
        for i in range(min(n, count)):
            yield f.read(r * c)
with open(f"{run}/items.tsv", "w") as out:
    for i, img in enumerate(images("train-images-idx3-ubyte.gz", rows), 1):
        out.write(f"{i}\t{i % 10}\t[{','.join(map(str, img))}]\n")
with open(f"{run}/queries.tsv", "w") as out:
    for i, img in enumerate(images("t10k-images-idx3-ubyte.gz", queries), 1):
        out.write(f"{i}\t[{','.join(map(str, img))}]\n")
PY
give_to_server "$RUN"

say "three clusters on 127.0.0.1:$PORT0.. (coordinator, shard1, shard2)"
for n in "${NODES[@]}"; do
  as_server "$STAGE_BIN/initdb" -D "$RUN/$n" -A trust -U "$SERVER_USER" --no-instructions >/dev/null
  as_server "$STAGE_BIN/pg_ctl" -D "$RUN/$n" -l "$RUN/$n.log" -w -o "-p $(port_of "$n") -c listen_addresses=127.0.0.1 \
    -c unix_socket_directories=$RUN -c shared_buffers=512MB -c maintenance_work_mem=1GB -c max_wal_size=4GB \
    -c autovacuum=off -c jit=off -c max_parallel_workers_per_gather=0" start >/dev/null
done

TABLE="id int NOT NULL, tenant int NOT NULL, embedding vector(784) NOT NULL"
for n in shard1 shard2; do psql_on $n -c "CREATE EXTENSION vectorext; CREATE TABLE items ($TABLE);"; done
psql_on coord <<SQL
CREATE EXTENSION vectorext;
CREATE EXTENSION postgres_fdw;
CREATE SERVER shard1 FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '$(port_of shard1)', dbname 'postgres', extensions 'vectorext', fetch_size '20', async_capable 'true', options '-c cursor_tuple_fraction=0.0001');
CREATE SERVER shard2 FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '$(port_of shard2)', dbname 'postgres', extensions 'vectorext', fetch_size '20', async_capable 'true', options '-c cursor_tuple_fraction=0.0001');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard1;
CREATE USER MAPPING FOR CURRENT_USER SERVER shard2;
CREATE TABLE items ($TABLE) PARTITION BY HASH (id);
SELECT FROM vectorext.add_shard('items', 'shard1', modulus => 2, remainder => 0);
SELECT FROM vectorext.add_shard('items', 'shard2', modulus => 2, remainder => 1);
CREATE TABLE single ($TABLE);
CREATE TABLE queries (q int PRIMARY KEY, v vector(784) NOT NULL);
\copy single FROM '$RUN/items.tsv'
\copy items FROM '$RUN/items.tsv'
\copy queries FROM '$RUN/queries.tsv'
SQL

say "index builds (hnsw m 16, ef_construction 64)"
build_ms() {  # node sql -> milliseconds
  psql_on "$1" -At -c "SET maintenance_work_mem = '1GB'" -c '\timing on' -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}
t_single=$(build_ms coord "CREATE INDEX single_hnsw ON single USING hnsw (embedding vector_l2_ops)")
t_s1=$(build_ms shard1 "CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops)")
t_s2=$(build_ms shard2 "CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops)")
for n in "${NODES[@]}"; do psql_on $n -c "VACUUM ANALYZE" >/dev/null; done

say "bytes per vector by index type (on the single-node table)"
psql_on coord -c "CREATE INDEX single_ivfflat ON single USING ivfflat (embedding vector_l2_ops) WITH (lists = 245)" \
  -c "CREATE INDEX single_ivfpq ON single USING ivf (embedding vector_l2_ops) WITH (lists = 245, quantizer = 'pq')"
sizes=$(psql_on coord -At -F' ' -c "SELECT c.relname, pg_relation_size(c.oid), (SELECT count(*) FROM single)
  FROM pg_class c WHERE c.relname IN ('single', 'single_hnsw', 'single_ivfflat', 'single_ivfpq') ORDER BY 1")
psql_on coord -c "DROP INDEX single_ivfflat, single_ivfpq"

say "recall@10 at hnsw.ef_search 40 against exact ground truth"
recall() {  # relation -> recall@10 over the queries
  psql_on coord -At <<SQL
SET hnsw.ef_search = 40;
CREATE TEMP TABLE truth AS SELECT q, array(SELECT id FROM single s ORDER BY (s.embedding <-> v) + 0 LIMIT 10) AS ids FROM queries;
SELECT round(avg((SELECT count(*) FROM unnest(a.ids) x WHERE x = ANY (t.ids)) / 10.0), 4)
FROM truth t JOIN (SELECT q, array(SELECT id FROM $1 r ORDER BY r.embedding <-> v LIMIT 10) AS ids FROM queries) a USING (q);
SQL
}
r_single=$(recall single)
r_merge=$(recall items)

say "latency and QPS (pgbench, 1 client, prepared, ${SECONDS_PER_CASE}s per case)"
cat > "$RUN/single.sql" <<SQL
\set q random(1, $QUERIES)
SELECT id FROM single ORDER BY embedding <-> (SELECT v FROM queries WHERE q = :q) LIMIT 10;
SQL
cat > "$RUN/merge.sql" <<SQL
\set q random(1, $QUERIES)
SELECT id FROM items ORDER BY embedding <-> (SELECT v FROM queries WHERE q = :q) LIMIT 10;
SQL
cat > "$RUN/async.sql" <<SQL
\set q random(1, $QUERIES)
SELECT id FROM vectorext.search_shards(NULL::items, 'embedding', (SELECT v FROM queries WHERE q = :q), 10);
SQL
# the per-shard cost: shard1 answers queries shipped to it (its own copy of the query set)
psql_on shard1 -c "CREATE TABLE queries (q int PRIMARY KEY, v vector(784) NOT NULL)" -c "\\copy queries FROM '$RUN/queries.tsv'"
cp "$RUN/merge.sql" "$RUN/shard.sql"
give_to_server "$RUN"
bench() {  # node script -> "latency_ms tps"
  as_server env PGOPTIONS="-c hnsw.ef_search=40" "$STAGE_BIN/pgbench" -n -M prepared -c 1 -T "$SECONDS_PER_CASE" \
    -h "$RUN" -p "$(port_of "$1")" -f "$RUN/$2.sql" postgres 2>&1 |
    awk '/latency average/ {l=$4} /^tps/ {t=$3} END {print l, t}'
}
declare -A LAT TPS
for c in single merge async; do read -r LAT[$c] TPS[$c] < <(bench coord $c); done
read -r LAT[shard] TPS[shard] < <(bench shard1 shard)

say "rows each shard sends per query (LIMIT 10, fetch_size 20)"
for n in shard1 shard2; do psql_on $n -c "SELECT pg_stat_reset()" >/dev/null; done
psql_on coord -c "SET hnsw.ef_search = 40" -c "SELECT count(*) FROM queries, LATERAL (SELECT id FROM items ORDER BY embedding <-> v LIMIT 10) s" \
  -c "SELECT postgres_fdw_disconnect_all()" >/dev/null
sleep 2
sent=0
for n in shard1 shard2; do
  s=$(psql_on $n -At -c "SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes WHERE indexrelname = 'items_hnsw'")
  sent=$((sent + s))
done

{
  echo "vectorext $(git -C "$REPO" describe --always --dirty) on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
  echo "rows $ROWS x 784 (Fashion-MNIST), queries $QUERIES, hnsw m 16 / ef_construction 64, ef_search 40, LIMIT 10"
  echo
  printf '| %-44s | %9s | %12s | %9s |\n' case recall@10 latency_ms QPS
  printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" "-----------" "--------------" "-----------"
  printf '| %-44s | %9s | %12s | %9.0f |\n' "single node, one index over $ROWS rows" "$r_single" "${LAT[single]}" "${TPS[single]}"
  printf '| %-44s | %9s | %12s | %9.0f |\n' "2 shards, plain query (Merge Append)" "$r_merge" "${LAT[merge]}" "${TPS[merge]}"
  printf '| %-44s | %9s | %12s | %9.0f |\n' "2 shards, search_shards (async Append)" "$r_merge" "${LAT[async]}" "${TPS[async]}"
  printf '| %-44s | %9s | %12s | %9.0f |\n' "one shard alone ($((ROWS / 2)) rows)" "-" "${LAT[shard]}" "${TPS[shard]}"
  echo
  echo "index tuples the shards read per query (plain query, both shards): $(awk -v s="$sent" -v q="$QUERIES" 'BEGIN {printf "%.1f", s / q}')" \
       "(each row sent carries the id and the 784-dim vector as text: the coordinator computes the distance again)"
  echo "build: single node $(awk -v t="$t_single" 'BEGIN {printf "%.1f", t / 1000}') s; shards $(awk -v a="$t_s1" -v b="$t_s2" 'BEGIN {printf "%.1f + %.1f", a / 1000, b / 1000}') s"
  echo "bytes per vector:"
  echo "$sizes" | awk '{printf "  %-16s %10.0f\n", $1, $2 / $3}'
} | tee "$OUT/scaleout.txt"
