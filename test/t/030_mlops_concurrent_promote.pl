# Two sessions promote versions of one model concurrently while a third searches by alias throughout:
# no session sees an error, every search returns the results of exactly one version (the one version_of() names in
# the same statement), and the alias history is one unbroken chain (each change starts where the previous ended).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Test::More;

my $iterations = 150;

my $node = PostgreSQL::Test::Cluster->new('mlops');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vectorext');

# v1 embeds key i as [i,0,0], v2 as [51-i,0,0]: the 5 nearest to [0,0,0] are keys 1..5 in v1 and 50..46 in v2.
$node->safe_psql('postgres', q{
  CREATE TABLE items (id int PRIMARY KEY, body text);
  INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 50) i;
  SELECT vectorext.register_model('m', 3);
  SELECT vectorext.register_model('m', 3);
  SELECT vectorext.create_collection('items_emb', 'items', 'm');
  SELECT vectorext.add_version('items_emb', 1);
  SELECT vectorext.add_version('items_emb', 2);
  INSERT INTO items_emb (id, model_version, embedding)
    SELECT i, 1, ARRAY[i, 0, 0]::real[]::vector FROM generate_series(1, 50) i
    UNION ALL SELECT i, 2, ARRAY[51 - i, 0, 0]::real[]::vector FROM generate_series(1, 50) i;
});
my $has_hnsw = $node->safe_psql('postgres', q{SELECT count(*) FROM pg_am WHERE amname = 'hnsw'});
my $force = 'true';
if ($has_hnsw) {
  $node->safe_psql('postgres', q{
    SELECT vectorext.build_index('items_emb', 1);
    SELECT vectorext.build_index('items_emb', 2);
  });
  $force = 'false';
}
else {
  diag('no hnsw access method: promoting with force => true (gate skipped)');
}
$node->safe_psql('postgres', "SELECT vectorext.promote('m', 1, force => $force)");

# Scripts: each statement autocommits; promoters alternate targets in opposite phase, so they collide constantly.
my $dir = $node->basedir;
for my $who (0, 1) {
  open my $fh, '>', "$dir/promoter$who.sql" or die $!;
  print $fh "SET client_min_messages = error;\n";
  for my $i (1 .. $iterations) {
    my $v = (($i + $who) % 2) + 1;
    print $fh "SELECT vectorext.promote('m', $v, force => $force);\n";
  }
  close $fh;
}
open my $rf, '>', "$dir/reader.sql" or die $!;
for my $i (1 .. 2 * $iterations) {
  print $rf "SELECT vectorext.version_of('m') || ':' || (SELECT string_agg(key, ',' ORDER BY distance, key)"
    . " FROM vectorext.search('items_emb', '[0,0,0]', 5));\n";
  print $rf "SELECT vectorext.version_of('m') || ':' || (SELECT string_agg(id::text, ',' ORDER BY d, id) FROM"
    . " (SELECT id, embedding <-> '[0,0,0]' AS d FROM items_emb WHERE model_version = vectorext.version_of('m')"
    . " ORDER BY embedding <-> '[0,0,0]' LIMIT 5) s);\n";
}
close $rf;

my $connstr = $node->connstr('postgres');
my %out;
my %err;
my @runs;
for my $who ('promoter0', 'promoter1', 'reader') {
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

my @lines = grep { $_ ne '' } split /\n/, $out{reader};
is(scalar @lines, 4 * $iterations, 'reader ran every search');
my %allowed = ('1' => '1,2,3,4,5', '2' => '50,49,48,47,46');
my $mixed = 0;
my %seen;
for my $line (@lines) {
  my ($v, $keys) = split /:/, $line, 2;
  $seen{$v}++;
  $mixed++ unless defined $allowed{$v} && $allowed{$v} eq $keys;
}
is($mixed, 0, 'every search returned exactly the results of the version its statement saw');
diag('reader statements per version: ' . join(', ', map { "v$_: $seen{$_}" } sort keys %seen));
ok(scalar(keys %seen) >= 1, 'reader saw a served version in every statement');

# The history is one chain: every event starts from the previous event's target, nothing lost or duplicated.
my $breaks = $node->safe_psql('postgres', q{
  SELECT count(*) FROM (
    SELECT from_version, lag(to_version) OVER (ORDER BY id) AS prev FROM vectorext.alias_history
    WHERE model = 'm' AND alias = 'champion') s
  WHERE prev IS NOT NULL AND from_version IS DISTINCT FROM prev});
is($breaks, '0', 'alias history is an unbroken chain');
my $events = $node->safe_psql('postgres',
  q{SELECT count(*) FROM vectorext.alias_history WHERE model = 'm' AND alias = 'champion'});
diag("alias history: $events events for " . 2 * $iterations . ' promotes (no-ops record nothing)');
ok($events > 1 && $events <= 2 * $iterations + 1, 'history recorded the effective promotes');
my $last = $node->safe_psql('postgres', q{
  SELECT (SELECT to_version FROM vectorext.alias_history WHERE model = 'm' AND alias = 'champion' ORDER BY id DESC LIMIT 1)
       = vectorext.version_of('m')});
is($last, 't', 'the alias serves the target of the last history event');

$node->stop;
done_testing();
