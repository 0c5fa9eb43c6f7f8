# kill -9 during concurrent inserts into an hnsw index; after crash recovery every committed row is found through
# the index (an iterative scan over the whole graph returns every row of the table).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use VxCrash;

my $node = crash_test_node('hnsw_crash');
$node->safe_psql('postgres', q{
  CREATE EXTENSION vectorext;
  CREATE FUNCTION rand_vec(dims int) RETURNS vector LANGUAGE sql VOLATILE AS
    $$ SELECT ('[' || string_agg(random()::real::text, ',') || ']')::vector FROM generate_series(1, dims) $$;
  CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(8));
  CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops) WITH (m = 8, ef_construction = 32);
  INSERT INTO items (embedding) SELECT rand_vec(8) FROM generate_series(1, 200);
});

my $script = $node->basedir . '/insert.sql';
PostgreSQL::Test::Utils::append_to_file($script, "INSERT INTO items (embedding) SELECT rand_vec(8) FROM generate_series(1, 5);\n");
my ($out, $err) = ('', '');
my $bench = IPC::Run::start(
  [ 'pgbench', '-n', '-c', '4', '-j', '2', '-T', '60', '-f', $script, '-h', $node->host, '-p', $node->port, 'postgres' ],
  '>', \$out, '2>', \$err);

# wait until some rows went in concurrently, then kill -9 an inserting backend: the postmaster resets every
# session and runs crash recovery from the WAL.
$node->poll_query_until('postgres', 'SELECT count(*) > 1500 FROM items') or die 'inserts did not progress';
kill_backend_and_recover($node, 'INSERT INTO items%', $bench);

my $count = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
ok($count > 1500, "rows survived the crash ($count)");
my $through_index = $node->safe_psql('postgres', q{
  SET enable_seqscan = off;
  SET hnsw.iterative_scan = relaxed_order;
  SET hnsw.max_scan_tuples = 100000000;
  SET work_mem = '64MB';
  SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]') s;
});
is($through_index, $count, 'every committed row is reachable through the index after crash recovery');
my $missing = $node->safe_psql('postgres', q{
  SET enable_seqscan = off;
  SELECT count(*) FROM (SELECT i.id, (SELECT x.id FROM items x ORDER BY x.embedding <-> i.embedding LIMIT 1) AS found
    FROM items i ORDER BY i.id DESC LIMIT 300) s WHERE found IS DISTINCT FROM id;
});
ok($missing <= 3, "recently inserted rows are their own nearest neighbour ($missing of 300 not)");

# inserts keep working after recovery
$node->safe_psql('postgres', 'INSERT INTO items (embedding) SELECT rand_vec(8) FROM generate_series(1, 100)');
is($node->safe_psql('postgres', q{SET enable_seqscan = off; SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <-> '[0,0,0,0,0,0,0,0]' LIMIT 7) s}),
  '7', 'index usable after recovery');
$node->stop;
done_testing();
