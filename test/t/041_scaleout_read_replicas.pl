# Read scaling with streaming standbys (docs/scale-out.md "Read replicas"): two standbys answer ANN queries while
# the primary takes inserts; once replayed, both return exactly the primary's results; a libpq multi-host connection
# string with target_session_attrs picks a standby for reads and the primary for writes; a synchronous standby with
# synchronous_commit = remote_apply shows a row to its readers as soon as the primary's commit returns.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('rr_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', "autovacuum = off\nmax_wal_senders = 4");
$primary->start;
$primary->safe_psql('postgres', q{
  CREATE EXTENSION vectorext;
  CREATE FUNCTION clustered(id int) RETURNS vector LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg(3 * sin((id % 24) * 7.13 + j * 1.37) + 0.35 * sin(id * 12.9898 + j * 78.233) ORDER BY j)::real[]::vector
    FROM generate_series(1, 16) j $$;
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(16) NOT NULL);
  INSERT INTO items SELECT i, clustered(i) FROM generate_series(1, 3000) i;
  CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_cosine_ops);
  CREATE TABLE queries AS SELECT q, clustered(100000 + q * 7) AS v FROM generate_series(1, 30) q;
  CREATE SEQUENCE next_id START 100001;
});
$primary->backup('base');

my @standbys;
for my $n (1, 2) {
  my $s = PostgreSQL::Test::Cluster->new("rr_standby$n");
  $s->init_from_backup($primary, 'base', has_streaming => 1);
  # standby 1: synchronous, with feedback (VACUUM on the primary keeps what its queries still read)
  $s->append_conf('postgresql.conf', "hot_standby_feedback = on") if $n == 1;
  $s->start;
  push @standbys, $s;
}

# ---- standbys answer while the primary takes inserts (two pgbench clients, 3 seconds)
my $script = $primary->basedir . '/insert.sql';
PostgreSQL::Test::Utils::append_to_file($script,
  "INSERT INTO items SELECT nextval('next_id'), clustered(nextval('next_id')::int);\n");
my ($bench_out, $bench_err) = ('', '');
my $bench = IPC::Run::start(
  ['pgbench', '-n', '-c', '2', '-T', '3', '-f', $script, '-h', $primary->host, '-p', $primary->port, 'postgres'],
  '>', \$bench_out, '2>', \$bench_err);
my $knn_count = q{
  SET enable_seqscan = off;
  SELECT count(*) FROM queries, LATERAL (SELECT id FROM items ORDER BY embedding <=> v LIMIT 10) s;
};
my $answers = 0;
my $errors = 0;
while ($bench->pumpable) {
  for my $s (@standbys) {
    my ($ret, $out) = $s->psql('postgres', $knn_count);
    if ($ret == 0 && $out eq '300') { $answers++ } else { $errors++ }
  }
  $bench->pump_nb;
  last if $answers > 200;
}
ok($bench->finish, 'the primary took inserts from two sessions') or diag($bench_err);
like($bench_out, qr/number of transactions actually processed: [1-9]/, '... and committed some');
ok($answers >= 2 && $errors == 0, "standbys answered $answers ANN batches during the inserts, no errors");

# ---- once replayed: the same neighbours everywhere (the standby's index pages are the primary's)
$primary->wait_for_catchup($_) for @standbys;
my $neighbours = q{
  SET enable_seqscan = off;
  SELECT count(*) FILTER (WHERE true) || '/' || md5(string_agg(q || ':' || ids, ' ' ORDER BY q))
  FROM queries, LATERAL (SELECT string_agg(id::text, ',') AS ids FROM
    (SELECT id FROM items ORDER BY embedding <=> v LIMIT 10) s) x;
};
my $on_primary = $primary->safe_psql('postgres', $neighbours);
like($on_primary, qr{^30/}, 'the primary answers 30 queries');
is($_->safe_psql('postgres', $neighbours), $on_primary, $_->name . ' returns the primary\'s neighbours') for @standbys;
my $rows = $primary->safe_psql('postgres', 'SELECT count(*) FROM items');
cmp_ok($rows, '>', 3000, "rows inserted during the run are on the primary ($rows)");
is($_->safe_psql('postgres', 'SELECT count(*) FROM items'), $rows, $_->name . ' has replayed them') for @standbys;

# ---- multi-host connection strings: reads to a standby, writes to the primary
my $hosts = join(',', map { $_->host } ($primary, @standbys));
my $ports = join(',', map { $_->port } ($primary, @standbys));
sub via {
  my ($attrs, $sql) = @_;
  my ($out, $err);
  IPC::Run::run(['psql', '-XAtq', '-d', "host=$hosts port=$ports dbname=postgres target_session_attrs=$attrs", '-c', $sql],
    '>', \$out, '2>', \$err);
  chomp $out;
  return $out;
}
is(via('prefer-standby', q{SELECT pg_is_in_recovery() || ':' || current_setting('cluster_name')}), 'true:rr_standby1',
  'prefer-standby skips the primary listed first');
is(via('read-write', 'SELECT pg_is_in_recovery()::text'), 'false', 'read-write reaches the primary');
is(via('prefer-standby', "SET enable_seqscan = off; SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <=> (SELECT v FROM queries WHERE q = 1) LIMIT 10) s"),
  '10', 'an ANN query through the multi-host string is answered by a standby');
$_->stop for @standbys;
is(via('prefer-standby', 'SELECT pg_is_in_recovery()::text'), 'false', 'with every standby down, prefer-standby falls back to the primary');
$_->start for @standbys;

# ---- read-your-writes on a replica: remote_apply makes the commit wait until standby1 has replayed it
# (the TAP framework names each node's cluster_name, which a standby sends as its application_name)
$primary->append_conf('postgresql.conf', "synchronous_standby_names = 'rr_standby1'");
$primary->reload;
$primary->poll_query_until('postgres', q{SELECT sync_state = 'sync' FROM pg_stat_replication WHERE application_name = 'rr_standby1'});
my $new = $primary->safe_psql('postgres', q{
  SET synchronous_commit = remote_apply;
  INSERT INTO items VALUES (999999, clustered(999999) ) RETURNING embedding;
});
is($standbys[0]->safe_psql('postgres', qq{SET enable_seqscan = off; SELECT id FROM items ORDER BY embedding <=> '$new' LIMIT 1}),
  '999999', 'the synchronous standby finds the new row by its own vector as soon as the commit returned');

$_->stop for @standbys;
$primary->stop;
done_testing();
