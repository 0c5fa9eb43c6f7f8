# kill -9 of a backend during inserts (crash recovery of the whole server) into IVF indexes: after crash recovery every committed row is found through
# each index (all lists probed), and an UNLOGGED table's index comes back empty from its init fork and works.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use VxCrash;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ivf_crash');
$node->init;
$node->append_conf('postgresql.conf', 'restart_after_crash = on');
$node->start;
$node->safe_psql('postgres', "CREATE EXTENSION vectorext;
  CREATE TABLE items (id serial PRIMARY KEY, embedding vector(8));
  INSERT INTO items (embedding) SELECT array_agg(((i % 5) + random())::real)::vector(8)
    FROM generate_series(1, 1000) i, generate_series(1, 8) j GROUP BY i;
  CREATE INDEX items_flat ON items USING ivfflat (embedding) WITH (lists = 8);
  CREATE INDEX items_pq ON items USING ivf (embedding) WITH (lists = 4, quantizer = 'pq', pq_m = 2);
  CREATE UNLOGGED TABLE scratch (embedding vector(8));
  INSERT INTO scratch SELECT embedding FROM items;
  CREATE INDEX scratch_idx ON scratch USING ivf (embedding) WITH (lists = 4, quantizer = 'sq8');");

# one transaction per INSERT, acknowledged rows counted from psql's output
my $script = join('', map { "INSERT INTO items (embedding) SELECT array_agg(random()::real * 5)::vector(8) FROM generate_series(1, 8);\n" } 1 .. 20000);
my $dir = PostgreSQL::Test::Utils::tempdir();
PostgreSQL::Test::Utils::append_to_file("$dir/inserts.sql", $script);
# output goes to a file, so the client never blocks on a full pipe while nobody reads it
my $h = IPC::Run::start(['psql', '-X', '-d', $node->connstr('postgres'), '-f', "$dir/inserts.sql"],
                        '>', "$dir/out.txt", '2>', "$dir/err.txt");
$node->poll_query_until('postgres', 'SELECT count(*) > 2000 FROM items') or die 'inserts did not start';
# kill -9 the inserting backend: the postmaster resets every backend and runs crash recovery (restart_after_crash)
my $pid = $node->safe_psql('postgres', "SELECT pid FROM pg_stat_activity WHERE query LIKE 'INSERT INTO items%' LIMIT 1");
ok($pid =~ /^\d+$/, 'found the inserting backend');
kill 'KILL', $pid;
$h->finish;
my $acknowledged = () = PostgreSQL::Test::Utils::slurp_file("$dir/out.txt") =~ /INSERT 0 1/g;
ok($acknowledged > 0, "inserts were acknowledged before the crash ($acknowledged)");

wait_for_recovery($node);
my $present = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
cmp_ok($present, '>=', 1000 + $acknowledged, 'no acknowledged row is lost');
for my $case (['ivfflat.probes = 8', 'items_pq'], ['ivf.probes = 4', 'items_flat']) {
  my ($setting, $other) = @$case;
  my $found = $node->safe_psql('postgres', "BEGIN; DROP INDEX $other; SET LOCAL enable_seqscan = off; SET LOCAL $setting;
    SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <-> '[1,1,1,1,1,1,1,1]') s; ROLLBACK");
  is($found, $present, "index scan ($setting) finds every committed row after recovery");
}
is($node->safe_psql('postgres', 'SELECT count(*) FROM scratch'), '0', 'unlogged table is empty after the crash');
$node->safe_psql('postgres', "INSERT INTO scratch VALUES ('[1,1,1,1,1,1,1,1]'), ('[3,3,3,3,3,3,3,3]')");
is($node->safe_psql('postgres', "SET enable_seqscan = off;
    SELECT string_agg(embedding::text, ' ') FROM (SELECT embedding FROM scratch ORDER BY embedding <-> '[2.9,3,3,3,3,3,3,3]') s"),
   '[3,3,3,3,3,3,3,3] [1,1,1,1,1,1,1,1]', 'unlogged index works after reset from its init fork');
$node->stop;
done_testing();
