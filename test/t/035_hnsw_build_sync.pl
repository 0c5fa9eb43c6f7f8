# The in-memory hnsw build writes its pages outside shared buffers (src/pg/hnsw/hnsw_bulk_write.cpp), so they must be
# on disk before any checkpoint whose redo starts after their WAL records. When no checkpoint began while the pages
# were written, the build hands the fork's fsync to the checkpointer (DEBUG1: "handed to the checkpointer") instead
# of waiting for it; when one did, it fsyncs the fork itself. Either way the index is whole after a crash right after
# the build and after a crash that follows a checkpoint; an unlogged index (no WAL) is not synced at all.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('build_sync');
$node->init;
$node->append_conf('postgresql.conf',
  "wal_level = replica\nmaintenance_work_mem = 256MB\ncheckpoint_timeout = 1h\nmax_wal_size = 4GB\nlog_checkpoints = off");
$node->start;

my $rows = 20000;
sub fill {
  my ($table) = @_;
  return qq{INSERT INTO $table SELECT i, array_agg(((i % 40) * 0.02 + random())::real ORDER BY j)::vector(256)
    FROM generate_series(1, $rows) i, generate_series(1, 256) j GROUP BY i;};
}
$node->safe_psql('postgres', q{CREATE EXTENSION vectorext; SELECT setseed(0.5);
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(256)) WITH (autovacuum_enabled = off);}
    . fill('items') . 'ANALYZE items; CHECKPOINT;');

my $build = q{SET client_min_messages = debug1;
  CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops);};

# The pages part of the build's DEBUG1 line: "pages N ms (sync N)" or "pages N ms (sync N, handed to the checkpointer)".
sub build {
  my ($label) = @_;
  $node->safe_psql('postgres', 'DROP INDEX IF EXISTS items_hnsw');
  my ($rc, $out, $err) = $node->psql('postgres', $build);
  is($rc, 0, "$label: CREATE INDEX succeeds") or diag($err);
  my ($pages) = $err =~ /hnsw build: $rows vectors, .*(pages \d+ ms \(sync \d+[^)]*\))/;
  ok(defined $pages, "$label: the DEBUG1 line reports the pages and their sync") or diag($err);
  return $pages // '';
}

sub check_index {
  my ($label) = @_;
  is($node->safe_psql('postgres', q{SELECT live, heap_rows FROM vectorext.index_check('items_hnsw', true)}),
    "$rows|$rows", "$label: index_check counts every row");
  is($node->safe_psql('postgres', q{SET enable_seqscan = off; SET hnsw.ef_search = 100;
      SELECT count(*) FROM items q WHERE q.id % 500 = 0
        AND (SELECT id FROM items ORDER BY embedding <-> q.embedding LIMIT 1) <> q.id;}),
    '0', "$label: every sampled row is found by its own vector");
}

# 1. Nothing else running: the fsync goes to the checkpointer; a crash before the next checkpoint replays the pages.
my $pages = build('quiet');
like($pages, qr/handed to the checkpointer/, 'quiet: the build hands the fork\'s fsync to the checkpointer');
$node->stop('immediate');
$node->start;
check_index('crash right after the build');

# 2. The same, then a checkpoint (which must sync the fork: its redo starts after the pages' records), then a crash.
$pages = build('quiet, then a checkpoint');
like($pages, qr/handed to the checkpointer/, 'the second quiet build hands its fsync over too');
$node->safe_psql('postgres', 'CHECKPOINT');
$node->stop('immediate');
$node->start;
check_index('crash after the checkpoint that followed the build');

# 3. Checkpoints back to back while the index is built: one that begins while the pages are written moves the redo
# pointer, and the build then fsyncs the fork itself (the pages take a fraction of the build: tried up to 10 times).
my $script = $node->basedir . '/checkpoints.sql';
append_to_file($script, "CHECKPOINT;\n" x 200000);
my ($out, $err) = ('', '');
my $loop = IPC::Run::start([ 'psql', '-X', '-q', '-h', $node->host, '-p', $node->port, '-f', $script, 'postgres' ],
  '>', \$out, '2>', \$err);
my $synced_itself = 0;
for my $try (1 .. 10) {
  $pages = build("during checkpoints, try $try");
  if ($pages !~ /handed/) {
    $synced_itself = 1;
    last;
  }
}
$loop->kill_kill;
ok($synced_itself, 'a checkpoint that began during the pages makes the build fsync the fork itself') or diag($pages);
$node->stop('immediate');
$node->start;
check_index('crash after a build that synced its fork');

# 4. An unlogged table's index writes no WAL: nothing to sync, nothing handed over.
$node->safe_psql('postgres', q{CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY, embedding vector(256));}
    . fill('scratch'));
my ($rc, $o, $e) = $node->psql('postgres', q{SET client_min_messages = debug1;
  CREATE INDEX scratch_hnsw ON scratch USING hnsw (embedding vector_l2_ops);});
is($rc, 0, 'unlogged: CREATE INDEX succeeds') or diag($e);
like($e, qr/pages \d+ ms \(sync 0\)/, 'unlogged: no fsync and nothing handed to the checkpointer');

$node->stop;
done_testing();
