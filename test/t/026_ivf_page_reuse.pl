# ivfflat / ivf reuse the space VACUUM frees (layout version 3: per-list insert pointer, chains grow at the tail),
# WAL-logged and crash-safe, with wal_consistency_checking = 'generic' (tap.conf): after deleting every row, VACUUM
# and re-inserting the same rows from two concurrent clients, no index has grown; a streaming standby replays it and
# returns the primary's results; vectorext.index_check (heapallindexed) passes on both; a kill -9 while rows refill
# freed space loses no committed row and leaves indexes that pass index_check, on the primary and the standby.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use VxCrash;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('reuse_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', 'restart_after_crash = on');
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION vectorext');
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('reuse_standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

my @indexes = ('items_flat', 'items_sq8', 'items_pq');
$primary->safe_psql('postgres', q{SELECT setseed(0.26);
  CREATE TABLE src (id int PRIMARY KEY, embedding vector(8));
  INSERT INTO src SELECT i, array_agg((((i % 6) * 0.7) + random())::real ORDER BY j)::vector(8)
    FROM generate_series(1, 3000) i, generate_series(1, 8) j GROUP BY i;
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(8)) WITH (autovacuum_enabled = off);
  INSERT INTO items SELECT * FROM src;
  CREATE INDEX items_flat ON items USING ivfflat (embedding) WITH (lists = 8);
  CREATE INDEX items_sq8 ON items USING ivf (embedding vector_cosine_ops) WITH (lists = 8, quantizer = 'sq8');
  CREATE INDEX items_pq ON items USING ivf (embedding vector_ip_ops) WITH (lists = 8, quantizer = 'pq', pq_m = 2);
  CREATE SEQUENCE refill;});
my $sizes = q{SELECT string_agg(pg_relation_size(c)::text, ',' ORDER BY c) FROM unnest(ARRAY['items_flat', 'items_sq8', 'items_pq']) c};
my $built = $primary->safe_psql('postgres', $sizes);

sub check_indexes {
  my ($node, $label) = @_;
  for my $index (@indexes) {
    my ($ret, $out, $err) = $node->psql('postgres',
      "SELECT entries || ' ' || heap_rows FROM vectorext.index_check('$index', true)");
    my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
    is($ret, 0, "$label: index_check($index, heapallindexed) passes") or diag($err);
    like($out, qr/^\d+ $rows$/, "$label: $index holds every live row ($rows)");
  }
}

$primary->safe_psql('postgres', 'DELETE FROM items');
$primary->safe_psql('postgres', 'VACUUM items');
# the same rows again, one per transaction from two clients: inserts race on each list's insert pointer and tail
$primary->pgbench('--no-vacuum --client=2 --transactions=1500', 0, [qr{processed: 3000/3000}], [qr{^$}],
  'two clients refill the freed space',
  { 'refill' => q{INSERT INTO items SELECT s.* FROM src s, (SELECT nextval('refill') AS n) v WHERE s.id = v.n;} });
is($primary->safe_psql('postgres', 'SELECT count(*) FROM items'), '3000', 'every row is back');
is($primary->safe_psql('postgres', $sizes), $built, 'no index grew (delete all, VACUUM, re-insert)');
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', $sizes), $built, 'standby indexes have the same sizes');
check_indexes($primary, 'primary after refill');
check_indexes($standby, 'standby after refill');

my %ops = ('<->' => ['ivfflat.probes = 3', 'items_flat'], '<=>' => ['ivf.probes = 3', 'items_sq8'],
           '<#>' => ['ivf.probes = 3', 'items_pq']);
for my $op (sort keys %ops) {
  my ($setting, $index) = @{ $ops{$op} };
  for my $id (7, 1500, 2999) {
    my $sql = "SET enable_seqscan = off; SET $setting;
      SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY embedding $op (SELECT embedding FROM src WHERE id = $id) LIMIT 10) s";
    my $on_primary = $primary->safe_psql('postgres', $sql);
    isnt($on_primary, '', "$index returns rows");
    is($standby->safe_psql('postgres', $sql), $on_primary, "$index: standby returns the primary's result");
  }
}

# kill -9 while rows refill space freed by VACUUM (and, past it, extend the lists)
$primary->safe_psql('postgres', 'DELETE FROM items WHERE id % 2 = 0; VACUUM items;');
my $script = join('', map { "INSERT INTO items SELECT id + 10000, embedding FROM src WHERE id = $_;\n" } 1 .. 3000);
my $dir = PostgreSQL::Test::Utils::tempdir();
PostgreSQL::Test::Utils::append_to_file("$dir/refill.sql", $script);
my $h = IPC::Run::start(['psql', '-X', '-d', $primary->connstr('postgres'), '-f', "$dir/refill.sql"],
                        '>', "$dir/out.txt", '2>', "$dir/err.txt");
$primary->poll_query_until('postgres', 'SELECT count(*) > 2000 FROM items') or die 'inserts did not start';
my $pid = $primary->safe_psql('postgres', "SELECT pid FROM pg_stat_activity WHERE query LIKE 'INSERT INTO items%' LIMIT 1");
ok($pid =~ /^\d+$/, 'found the inserting backend');
kill 'KILL', $pid;
$h->finish;
my $acknowledged = () = PostgreSQL::Test::Utils::slurp_file("$dir/out.txt") =~ /INSERT 0 1/g;
ok($acknowledged > 0, "inserts were acknowledged before the crash ($acknowledged)");
wait_for_recovery($primary);
cmp_ok($primary->safe_psql('postgres', 'SELECT count(*) FROM items'), '>=', 1500 + $acknowledged,
       'no acknowledged row is lost');
check_indexes($primary, 'primary after crash recovery');
for my $case (['ivfflat.probes = 8', 'items_flat', '<->'], ['ivf.probes = 8', 'items_pq', '<#>']) {
  my ($setting, $index, $op) = @$case;
  my $others = join(', ', grep { $_ ne $index } @indexes);
  is($primary->safe_psql('postgres', "BEGIN; DROP INDEX $others; SET LOCAL enable_seqscan = off; SET LOCAL $setting;
      SELECT count(DISTINCT id) || '/' || count(*) FROM (SELECT id FROM items ORDER BY embedding $op '[1,1,1,1,1,1,1,1]') s;
      ROLLBACK"),
     $primary->safe_psql('postgres', "SELECT count(*) || '/' || count(*) FROM items"),
     "$index returns every committed row once after recovery");
}
$primary->wait_for_catchup($standby);
check_indexes($standby, 'standby after the primary crashed');
$standby->stop;
$primary->stop;
done_testing();
