# kill -9 during concurrent inserts of wide sparsevec values (301 to 16,000 nonzeros: value pages, hnsw_values.cpp)
# into an hnsw index: after crash recovery index_check passes (records, value chains, their free list), every committed
# row is found through the index with its exact distance, and inserts, DELETE + VACUUM and reuse of the freed value
# pages go on.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use VxCrash;

my $node = crash_test_node('hnsw_sparse_wide_crash');
# A value of nnz nonzeros at distinct indices (base + 7 j) mod 30000, base and weights random per call.
$node->safe_psql('postgres', q{
  CREATE EXTENSION vectorext;
  CREATE FUNCTION wide_vec(nnz int) RETURNS sparsevec LANGUAGE sql VOLATILE AS $$
    SELECT ('{' || string_agg(k::text || ':' || w::text, ',' ORDER BY k) || '}/30000')::sparsevec
    FROM (SELECT (b.base + j * 7) % 30000 + 1 AS k, (0.1 + random())::real AS w
          FROM (SELECT (random() * 30000)::int AS base) b, generate_series(0, nnz - 1) j) t
  $$;
  CREATE TABLE items (id bigserial PRIMARY KEY, s sparsevec(30000));
  CREATE INDEX items_hnsw ON items USING hnsw (s sparsevec_l2_ops) WITH (m = 8, ef_construction = 32);
  INSERT INTO items (s) SELECT wide_vec(CASE WHEN i % 4 = 0 THEN 1001 + i * 300 ELSE 50 + i END) FROM generate_series(1, 40) i;
});

# Concurrency first: 4 clients inserting small and wide values, deleting wide rows + VACUUM (freeing value pages
# that other inserts take) and searching, for 8 s: no error, then index_check and every row found.
my $ins = $node->basedir . '/c_insert.sql';
my $churn = $node->basedir . '/c_churn.sql';
my $search = $node->basedir . '/c_search.sql';
PostgreSQL::Test::Utils::append_to_file($ins,
  "INSERT INTO items (s) VALUES (wide_vec(50 + (random() * 250)::int)), (wide_vec(301 + (random() * 8000)::int));\n");
PostgreSQL::Test::Utils::append_to_file($churn,
  "DELETE FROM items WHERE id IN (SELECT id FROM items WHERE length(s::text) - length(replace(s::text, ':', '')) > 300 ORDER BY random() LIMIT 2);\nVACUUM items;\n");
PostgreSQL::Test::Utils::append_to_file($search,
  "SET enable_seqscan = off;\nSELECT id FROM items ORDER BY s <-> (SELECT s FROM items ORDER BY random() LIMIT 1) LIMIT 5;\n");
my ($cout, $cerr) = ('', '');
my $ok = IPC::Run::run(
  [ 'pgbench', '-n', '-c', '4', '-j', '2', '-T', '8', '-f', "$ins\@5", '-f', "$churn\@1", '-f', "$search\@2",
    '-h', $node->host, '-p', $node->port, 'postgres' ], '>', \$cout, '2>', \$cerr);
ok($ok, 'concurrent inserts, deletes + VACUUM and searches of wide values ran without error') or diag($cerr);
my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
is($node->safe_psql('postgres', q{SELECT heap_rows FROM vectorext.index_check('items_hnsw', true)}), $rows,
  "index_check passes after the concurrent phase ($rows rows)");

# each transaction: a small value and a wide one (up to 16,000 nonzeros: 16 value pages)
my $script = $node->basedir . '/insert.sql';
PostgreSQL::Test::Utils::append_to_file($script,
  "INSERT INTO items (s) VALUES (wide_vec(50 + (random() * 250)::int)), (wide_vec(301 + (random() * 15699)::int));\n");
my ($out, $err) = ('', '');
my $bench = IPC::Run::start(
  [ 'pgbench', '-n', '-c', '4', '-j', '2', '-T', '90', '-f', $script, '-h', $node->host, '-p', $node->port, 'postgres' ],
  '>', \$out, '2>', \$err);

$node->poll_query_until('postgres', "SELECT count(*) > $rows + 120 FROM items") or die 'inserts did not progress';
kill_backend_and_recover($node, 'INSERT INTO items%', $bench);

my $count = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
ok($count > $rows + 120, "rows survived the crash ($count)");
my $wide = $node->safe_psql('postgres', q{SELECT count(*) FROM items WHERE length(s::text) - length(replace(s::text, ':', '')) > 300});
ok($wide > 60, "wide rows among them ($wide)");
is($node->safe_psql('postgres', q{SELECT heap_rows FROM vectorext.index_check('items_hnsw', true)}), $count,
  'index_check passes after recovery (value chains and free list included), every row indexed once');
my $through_index = $node->safe_psql('postgres', q{
  SET enable_seqscan = off;
  SET hnsw.iterative_scan = relaxed_order;
  SET hnsw.max_scan_tuples = 100000000;
  SET work_mem = '64MB';
  SELECT count(*) FROM (SELECT id FROM items ORDER BY s <-> (SELECT s FROM items ORDER BY id LIMIT 1)) s;
});
is($through_index, $count, 'every committed row is reachable through the index after crash recovery');
# every row by its own value, at a beam that covers the graph: found first, at distance 0 (its exact value)
my $missing = $node->safe_psql('postgres', q{
  SET enable_seqscan = off;
  SET hnsw.ef_search = 1000;
  SELECT count(*) FROM items i
  WHERE (SELECT x.id FROM items x ORDER BY x.s <-> i.s LIMIT 1) IS DISTINCT FROM i.id
     OR (SELECT x.s <-> i.s FROM items x ORDER BY x.s <-> i.s LIMIT 1) <> 0;
});
is($missing, '0', 'every row is found by its own value, at distance 0');

# inserts go on; deleting the wide rows and VACUUM free their value pages, which new wide rows take
$node->safe_psql('postgres', 'INSERT INTO items (s) SELECT wide_vec(2000 + i) FROM generate_series(1, 10) i');
# Two VACUUMs: the first keeps a dead element linked while it still leads to live elements nothing else leads to (it
# rewires them) and the next recycles it with its value pages (docs/hnsw.md, VACUUM). With one, how many wide rows
# stayed linked depended on the graph, and the new rows' pages then came partly from new blocks (1 run in ~10).
$node->safe_psql('postgres', q{DELETE FROM items WHERE length(s::text) - length(replace(s::text, ':', '')) > 300});
$node->safe_psql('postgres', 'VACUUM items');
$node->safe_psql('postgres', 'VACUUM items');
my $pages = $node->safe_psql('postgres', q{SELECT pg_relation_size('items_hnsw') / current_setting('block_size')::int});
$node->safe_psql('postgres', 'INSERT INTO items (s) SELECT wide_vec(5000) FROM generate_series(1, 10) i');
is($node->safe_psql('postgres', q{SELECT pg_relation_size('items_hnsw') / current_setting('block_size')::int}), $pages,
  'new wide rows reuse the value pages VACUUM freed (the index does not grow)');
my $live = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
is($node->safe_psql('postgres', q{SELECT heap_rows FROM vectorext.index_check('items_hnsw', true)}), $live,
  'index_check passes after DELETE, VACUUM and reuse');
is($node->safe_psql('postgres', q{
  SET enable_seqscan = off;
  SELECT count(*) FROM items i WHERE length(s::text) - length(replace(s::text, ':', '')) > 300
    AND (SELECT x.id FROM items x ORDER BY x.s <-> i.s LIMIT 1) = i.id}), '10', 'the new wide rows are found');
$node->stop;
done_testing();
