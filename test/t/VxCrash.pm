# The crash tests' shared pieces: their cluster (crash_test_node) and waiting for it to come back after a kill -9
# (restart_after_crash). PostgreSQL::Test::Cluster's
# poll_query_until feeds psql on its stdin; while the server refuses connections during crash recovery psql exits at
# once and the write to its stdin fails with EPIPE ("Broken pipe"), which ended 011 once on a loaded machine. This
# polls with `psql -c` instead, whose failure is only an exit code.
package VxCrash;

use strict;
use warnings;
use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(crash_test_node start_pgbench wait_for_recovery kill_backend_and_recover);

# crash_test_node($name): a started TAP cluster that comes back by itself after a backend is killed
# (restart_after_crash) and whose tables only the test vacuums (autovacuum off), as the hnsw crash tests need.
sub crash_test_node {
  my ($name) = @_;
  my $node = PostgreSQL::Test::Cluster->new($name);
  $node->init;
  $node->append_conf('postgresql.conf', "autovacuum = off\nrestart_after_crash = on");
  $node->start;
  return $node;
}

# start_pgbench($node, $script, $clients, $seconds): pgbench running the script file in the background (no vacuum,
# up to 2 threads, its output discarded); the handle is what kill_backend_and_recover and ->finish take.
sub start_pgbench {
  my ($node, $script, $clients, $seconds) = @_;
  my ($out, $err) = ('', '');
  return IPC::Run::start(
    [ 'pgbench', '-n', '-c', $clients, '-j', ($clients > 1 ? 2 : 1), '-T', $seconds, '-f', $script,
      '-h', $node->host, '-p', $node->port, 'postgres' ],
    '>', \$out, '2>', \$err);
}

# wait_for_recovery($node): returns once the server accepts connections and is out of recovery; dies after 180 s.
sub wait_for_recovery {
  my ($node) = @_;
  for (1 .. 1800) {
    my ($out, $err) = ('', '');
    eval {
      IPC::Run::run([ 'psql', '-XAtq', '-h', $node->host, '-p', $node->port, '-d', 'postgres', '-c',
                      'SELECT NOT pg_is_in_recovery()' ], '<', \undef, '>', \$out, '2>', \$err);
    };
    return if $out =~ /^t/;
    select(undef, undef, undef, 0.1);
  }
  die 'server did not come back';
}

# kill_backend_and_recover($node, $query_like, $bench): kill -9 a backend running a statement LIKE $query_like (the
# postmaster resets every session and runs crash recovery from the WAL), let the client harness $bench end, wait for
# recovery; two tests: a backend was found, and recovery ran.
sub kill_backend_and_recover {
  my ($node, $query_like, $bench) = @_;
  my $pid = $node->safe_psql('postgres',
    "SELECT pid FROM pg_stat_activity WHERE query LIKE '$query_like' AND pid <> pg_backend_pid() LIMIT 1");
  ok($pid =~ /^\d+$/, 'found a backend running ' . $query_like);
  kill 'KILL', $pid;
  $bench->finish;
  wait_for_recovery($node);
  like(slurp_file($node->logfile), qr/all server processes terminated; reinitializing/, 'crash recovery ran');
}

1;
