# Waiting for a TAP cluster to come back after a kill -9 (restart_after_crash). PostgreSQL::Test::Cluster's
# poll_query_until feeds psql on its stdin; while the server refuses connections during crash recovery psql exits at
# once and the write to its stdin fails with EPIPE ("Broken pipe"), which ended 011 once on a loaded machine. This
# polls with `psql -c` instead, whose failure is only an exit code.
package VxCrash;

use strict;
use warnings;
use Exporter 'import';
use IPC::Run;

our @EXPORT = qw(wait_for_recovery);

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

1;
