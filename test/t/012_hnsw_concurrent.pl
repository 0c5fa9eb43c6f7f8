# Concurrent inserts, searches, deletes and VACUUM on one hnsw index for a bounded time: no error, no deadlock,
# and afterwards the index still reaches every row.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('hnsw_concurrent');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off\ndeadlock_timeout = '100ms'");
$node->start;
$node->safe_psql('postgres', q{
  CREATE EXTENSION vectorext;
  CREATE FUNCTION rand_vec(dims int) RETURNS vector LANGUAGE sql VOLATILE AS
    $$ SELECT ('[' || string_agg(random()::real::text, ',') || ']')::vector FROM generate_series(1, dims) $$;
  CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(12));
  INSERT INTO items (embedding) SELECT rand_vec(12) FROM generate_series(1, 1000);
  CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops) WITH (m = 8, ef_construction = 32);
});

$node->pgbench(
  '-n -c 6 -j 2 -T ' . ($ENV{HNSW_STRESS_SECONDS} // 8), 0,
  [qr{processed: [1-9]}], [qr{^$}],
  'concurrent insert / search / delete / vacuum without error',
  {
    'insert@6' => "INSERT INTO items (embedding) SELECT rand_vec(12) FROM generate_series(1, 3);\n",
    'search@6' => "SET enable_seqscan = off;\nSELECT id FROM items ORDER BY embedding <-> rand_vec(12) LIMIT 10;\n",
    'update@2' => "UPDATE items SET embedding = rand_vec(12) WHERE id = (random() * 1000)::int + 1;\n",
    'delete@2' => "DELETE FROM items WHERE id = (random() * 2000)::int + 1;\n",
    'vacuum@1' => "VACUUM items;\n",
  });

$node->safe_psql('postgres', 'VACUUM items');
my $count = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
my $through_index = $node->safe_psql('postgres', q{
  SET enable_seqscan = off;
  SET hnsw.iterative_scan = relaxed_order;
  SET hnsw.max_scan_tuples = 100000000;
  SET work_mem = '64MB';
  SELECT count(*) || ':' || count(DISTINCT id) FROM (SELECT id FROM items ORDER BY embedding <-> rand_vec(12)) s;
});
is($through_index, "$count:$count", 'after the run and VACUUM every live row is reachable through the index, once');
my $sizes = $node->safe_psql('postgres', q{
  SELECT pg_relation_size('items_hnsw') < 4 * 1024 * 1024});
is($sizes, 't', 'deleted and updated rows did not make the index grow without bound (ids recycled)');
$node->stop;
done_testing();
