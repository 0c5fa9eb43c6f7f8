# The in-memory hnsw build faults in the memory reserved for the collected vectors on a side thread while the main
# thread scans the heap (src/pg/hnsw/hnsw_build.cpp, start_prefault; vx::pg::SideThread in src/pg/workers.h). Only a
# build whose reservation reaches 16 MB starts it, so the regression tests' small tables never do. Here: the DEBUG1
# line reports the memory faulted in (MADV_POPULATE_WRITE needs Linux 5.14), and the index is whole and finds every
# sampled row by its own vector; a table that has grown since ANALYZE makes the array outgrow its reservation (the
# thread is stopped before the array moves) and builds the same way; a build cancelled by statement_timeout leaves no
# index and a working backend.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('prefault');
$node->init;
$node->append_conf('postgresql.conf', "maintenance_work_mem = 256MB\nmax_parallel_maintenance_workers = 1");
$node->start;

# 768-d rows, each value drawn for its own (row, dimension): 7,000 rows reserve ~22 MB.
sub add_rows {
  my ($from, $to) = @_;
  return qq{INSERT INTO items SELECT i, array_agg(((i % 50) * 0.01 + random())::real ORDER BY j)::vector(768)
    FROM generate_series($from, $to) i, generate_series(1, 768) j GROUP BY i;};
}
$node->safe_psql('postgres', q{CREATE EXTENSION vectorext; SELECT setseed(0.25);
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(768)) WITH (autovacuum_enabled = off);}
    . add_rows(1, 7000) . 'ANALYZE items;');

my $build = q{SET client_min_messages = debug1;
  CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops);};
# Rows whose nearest row by the index is not themselves (every 350th row: 20 or 40 of them).
my $own_misses = q{SET enable_seqscan = off; SET hnsw.ef_search = 100;
  SELECT count(*) FROM items q WHERE q.id % 350 = 0
    AND (SELECT id FROM items ORDER BY embedding <-> q.embedding LIMIT 1) <> q.id;};

my ($major, $minor) = `uname -r` =~ /^(\d+)\.(\d+)/;
my $populate = defined $major && ($major > 5 || ($major == 5 && $minor >= 14));

sub build_and_check {
  my ($label, $rows) = @_;
  my ($rc, $out, $err) = $node->psql('postgres', $build);
  is($rc, 0, "$label: CREATE INDEX succeeds") or diag($err);
  my ($mb) = $err =~ /hnsw build: $rows vectors, .* (\d+) MB faulted in beside the scan:/;
  ok(defined $mb, "$label: the DEBUG1 line reports $rows vectors and the memory faulted in") or diag($err);
  if ($populate) {
    cmp_ok($mb // 0, '>', 0, "$label: the side thread faulted memory in ($mb MB)");
  } else {
    is($mb // 0, 0, "$label: a kernel without MADV_POPULATE_WRITE faults nothing in ahead");
  }
  is($node->safe_psql('postgres', q{SELECT live, heap_rows FROM vectorext.index_check('items_hnsw', true)}),
    "$rows|$rows", "$label: index_check counts every row");
  is($node->safe_psql('postgres', $own_misses), '0', "$label: every sampled row is found by its own vector");
}

build_and_check('reserved for the analyzed rows', 7000);

# 7,000 more rows, no ANALYZE: the reservation is for 7,350 and the array has to grow past it.
$node->safe_psql('postgres', 'DROP INDEX items_hnsw;' . add_rows(7001, 14000));
is($node->safe_psql('postgres', q{SELECT reltuples FROM pg_class WHERE relname = 'items'}), '7000',
  'the planner still expects 7,000 rows');
build_and_check('more rows than reserved', 14000);

# Cancelled while it runs (the scan and the graph take far longer than 100 ms here).
$node->safe_psql('postgres', 'DROP INDEX items_hnsw;');
my ($rc, $out, $err) = $node->psql('postgres', q{SET statement_timeout = '100ms';
  CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops);});
isnt($rc, 0, 'a build past statement_timeout fails');
like($err, qr/canceling statement due to statement timeout/, 'with the timeout\'s error');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname = 'items_hnsw'}), '0',
  'and leaves no index');
build_and_check('after a cancelled build', 14000);

$node->stop;
done_testing();
