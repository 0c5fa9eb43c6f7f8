# Experiments under concurrent writers (docs/experiments.md#write-volume-and-concurrency):
# 1. No hot row: while one transaction holds uncommitted exposures and outcomes, other sessions expose other units,
#    log outcomes, read the results and conclude without waiting for it (lock_timeout would fail them).
# 2. Four loggers with overlapping units and a concluder running at the same time: no session sees an error, every
#    unit has exactly one exposure in the arm the documented hash gives it, every recorded outcome belongs to an
#    exposed unit, exactly one decision promotes, and it is linked to the alias change it made.
# As in production (docs/security.md): the loggers run as an application role holding 'log' on the model
# (vectorext.grant_logger), the concluder as a deployer holding 'alias'; both go through the owner-checked functions.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('experiments');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vectorext');

# Two versions of one model over 20 items; the challenger (v2) gets clicked twice as often.
$node->safe_psql('postgres', q{
  CREATE TABLE items (id int PRIMARY KEY);
  INSERT INTO items SELECT generate_series(1, 20);
  SELECT vectorext.register_model('m', 2), vectorext.register_model('m', 2);
  SELECT vectorext.create_collection('items_emb', 'items', 'm');
  SELECT vectorext.add_version('items_emb', 1), vectorext.add_version('items_emb', 2);
  INSERT INTO items_emb (id, model_version, embedding)
    SELECT i, v, ARRAY[i * v, 1]::real[]::vector FROM generate_series(1, 20) i, generate_series(1, 2) v;
  SELECT vectorext.build_index('items_emb', 1), vectorext.build_index('items_emb', 2);   -- the promotion gate
  SELECT vectorext.promote('m', 1), vectorext.set_alias('m', 'challenger', 2);
  SELECT vectorext.create_experiment('e', 'm', 0.5);
  SELECT vectorext.define_metric('e', 'click', min_units => 50);
  CREATE ROLE app;
  CREATE ROLE deployer;
  SELECT vectorext.grant_logger('m', 'app'), vectorext.grant_model('m', 'deployer', 'alias');
});

# 1. An open transaction's exposures and outcomes block nobody else.
my $holder = $node->background_psql('postgres');
$holder->query_safe('SET ROLE app');
$holder->query_safe('BEGIN');
$holder->query_safe(q{SELECT count(vectorext.expose('e', 'held-' || i)) FROM generate_series(1, 50) i});
$holder->query_safe(q{SELECT count(vectorext.log_outcome('e', 'held-' || i, 'click')) FROM generate_series(1, 50) i});
my ($ret, $out, $err) = $node->psql('postgres', q{
  SET lock_timeout = '5s';
  SET ROLE app;
  SELECT count(vectorext.expose('e', 'free-' || i)) FROM generate_series(1, 50) i;
  SELECT count(*) FILTER (WHERE vectorext.log_outcome('e', 'free-' || i, 'click')) FROM generate_series(1, 50) i;
  SELECT count(*) FROM vectorext.experiment_results('e');
  SET ROLE deployer;
  SELECT promoted FROM vectorext.conclude('e', 'click');
});
is($ret, 0, 'another session exposes, logs, reads results and concludes while a logging transaction is open');
is($err, '', 'without waiting for its locks');
is($out, "50\n50\n2\nf", 'it saw its own 50 units and outcomes (the open ones are invisible), and no decision yet');
$holder->query_safe('ROLLBACK');
$holder->quit;
$node->safe_psql('postgres', q{
  SELECT vectorext.prune_experiment('e');
  DELETE FROM vectorext.experiment_decision WHERE experiment = 'e';
});

# 2. Four loggers over overlapping unit ranges, and a concluder, all at once.
my $dir = $node->basedir;
my $per_logger = 400;
for my $w (0 .. 3) {
  open my $fh, '>', "$dir/logger$w.sql" or die $!;
  print $fh "SET client_min_messages = error;\nSET ROLE app;\n";
  # Logger w serves units w*200+1 .. w*200+400: every unit but the first and last 200 is served twice.
  for my $i (1 .. $per_logger) {
    my $u = 'u' . ($w * 200 + $i);
    # Served by the alias expose returns; the unit clicks with probability 0.6 on the challenger and 0.3 on the
    # champion (decided by its bucket). The application cannot read the exposures: it keeps what expose told it.
    print $fh "SELECT vectorext.log_outcome('e', s.u, 'click') FROM (SELECT '$u' AS u, vectorext.expose('e', '$u') AS arm) s"
      . " WHERE vectorext.route_bucket('click', s.u) < CASE s.arm WHEN 'challenger' THEN 6000 ELSE 3000 END;\n";
  }
  close $fh;
}
open my $cf, '>', "$dir/concluder.sql" or die $!;
print $cf "SET client_min_messages = error;\nSET ROLE deployer;\n";
for my $i (1 .. 60) {
  print $cf "SELECT promoted FROM vectorext.conclude('e', 'click');\nSELECT pg_sleep(0.02);\n";
}
close $cf;

my $connstr = $node->connstr('postgres');
my (%out, %err, @runs);
for my $who ((map { "logger$_" } 0 .. 3), 'concluder') {
  $out{$who} = '';
  $err{$who} = '';
  push @runs,
    [$who, IPC::Run::start(['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', $connstr,
                            '-f', "$dir/$who.sql"], '>', \$out{$who}, '2>', \$err{$who})];
}
for my $run (@runs) {
  my ($who, $h) = @$run;
  $h->finish;
  is($h->result(0), 0, "$who exited cleanly");
  is($err{$who}, '', "$who saw no error");
}
# The loggers may finish before the concluder saw enough units: one last decision on the complete data.
$node->safe_psql('postgres', q{SELECT vectorext.conclude('e', 'click')});

my $check = sub { $node->safe_psql('postgres', shift) };
is($check->(q{SELECT count(*) FROM vectorext.experiment_decision WHERE experiment = 'e' AND promoted}), '1',
   'exactly one decision promoted');
my $units = $check->(q{SELECT count(*) FROM vectorext.experiment_exposure WHERE experiment = 'e'});
ok($units > 100 && $units <= 1000, "one exposure per unit ($units units exposed before the conclusion)");
is($check->(q{
  SELECT count(*) FROM vectorext.experiment_exposure x
  WHERE x.experiment = 'e'
    AND x.arm <> CASE WHEN vectorext.route_bucket('e', x.unit) < 5000 THEN 'challenger' ELSE 'champion' END}), '0',
   'every unit is in the arm the routing hash gives it');
is($check->(q{
  SELECT count(*) FROM vectorext.experiment_exposure x
  WHERE x.experiment = 'e' AND x.version <> CASE x.arm WHEN 'challenger' THEN 2 ELSE 1 END}), '0',
   'every exposure records the version its arm served before the conclusion');
is($check->(q{
  SELECT count(*) FROM vectorext.experiment_outcome o
  WHERE o.experiment = 'e' AND NOT EXISTS (SELECT 1 FROM vectorext.experiment_exposure x
                                           WHERE x.experiment = 'e' AND x.unit = o.unit)}), '0',
   'every outcome belongs to an exposed unit');
my $recorded = 0;
$recorded += () = $out{"logger$_"} =~ /^t$/mg for 0 .. 3;
is($check->(q{SELECT count(*) FROM vectorext.experiment_outcome WHERE experiment = 'e'}), "$recorded",
   "every outcome a logger was told was recorded is stored ($recorded)");
is($check->(q{SELECT vectorext.version_of('m')}), '2', 'the challenger serves as champion');
is($check->(q{
  SELECT count(*) FROM vectorext.promotion_evidence p JOIN vectorext.experiment_decision d ON d.id = p.decision
  WHERE p.model = 'm' AND p.action = 'promote' AND p.to_version = 2 AND d.promoted AND p.p_value < 0.05}), '1',
   'the promotion is linked to its decision and p-value');
is($check->(q{
  SELECT d.decided_by || ' ' || e.changed_by FROM vectorext.experiment_decision d
  JOIN vectorext.alias_evidence v ON v.decision = d.id JOIN vectorext.alias_event e ON e.id = v.alias_event
  WHERE d.experiment = 'e' AND d.promoted}), 'deployer deployer',
   'the decision and the alias change are recorded as the deployer who concluded');
diag('decisions: ' . $check->(q{
  SELECT string_agg(promoted || ' ' || reason || ' (' || champion_units || ' + ' || challenger_units || ' units)', E'\n')
  FROM (SELECT * FROM vectorext.experiment_decision WHERE experiment = 'e' ORDER BY id DESC LIMIT 3) d}));
# After the conclusion, new units are served the champion and nothing is recorded for them.
is($check->(q{SELECT vectorext.expose('e', 'after') || ':' || vectorext.log_outcome('e', 'after', 'click')}),
   'champion:false', 'a concluded experiment serves the champion and records nothing');

$node->stop;
done_testing();
