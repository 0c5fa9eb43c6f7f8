# Concurrent inserts, deletes, searches and VACUUM on ivfflat and ivf (pq) indexes: no errors, no deadlock, and
# afterwards every live row is returned exactly once by each index (all lists probed).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ivf_concurrent');
$node->init;
$node->start;
$node->safe_psql('postgres', "CREATE EXTENSION vectorext;
  CREATE TABLE items (id serial PRIMARY KEY, embedding vector(8));
  INSERT INTO items (embedding) SELECT array_agg(((i % 4) + random())::real)::vector(8)
    FROM generate_series(1, 2000) i, generate_series(1, 8) j GROUP BY i;
  CREATE INDEX items_flat ON items USING ivfflat (embedding) WITH (lists = 4);
  CREATE INDEX items_pq ON items USING ivf (embedding vector_ip_ops) WITH (lists = 4, quantizer = 'pq', pq_m = 2);");

$node->pgbench(
  '--no-vacuum --client=4 --transactions=150', 0,
  [qr{processed: 600/600}], [qr{^$}], 'concurrent inserts, deletes, searches and vacuum',
  {
    'ivf_insert' => q{
      INSERT INTO items (embedding) SELECT array_agg((random() * 4)::real)::vector(8) FROM generate_series(1, 8);
      INSERT INTO items (embedding) SELECT array_agg((random() * 4)::real)::vector(8) FROM generate_series(1, 8);
    },
    'ivf_delete' => q{
      DELETE FROM items WHERE id = (SELECT (random() * 2500)::int);
    },
    'ivf_search' => q{
      SET enable_seqscan = off;
      SET ivfflat.probes = 2;
      SELECT id FROM items ORDER BY embedding <-> '[2,2,2,2,2,2,2,2]' LIMIT 5;
      SET ivf.probes = 2;
      SELECT id FROM items ORDER BY embedding <#> '[1,2,3,4,1,2,3,4]' LIMIT 5;
    },
    'ivf_vacuum@1' => q{
      VACUUM items;
    },
  });

my $live = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
for my $case (['<->', 'ivfflat.probes = 4'], ['<#>', 'ivf.probes = 4']) {
  my ($op, $setting) = @$case;
  is($node->safe_psql('postgres', "SET enable_seqscan = off; SET $setting;
      SELECT count(DISTINCT id) || '/' || count(*) FROM (SELECT id FROM items ORDER BY embedding $op '[1,1,1,1,1,1,1,1]') s"),
     "$live/$live", "$op index returns each of the $live live rows once");
}
$node->safe_psql('postgres', 'VACUUM items');
is($node->safe_psql('postgres', "SET enable_seqscan = off; SET ivfflat.probes = 4;
    SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <-> '[1,1,1,1,1,1,1,1]') s"), $live,
   'after a final VACUUM');
# the structure survived the concurrent writers, and every live row is indexed exactly once
for my $index ('items_flat', 'items_pq') {
  is($node->safe_psql('postgres', "SELECT heap_rows FROM vectorext.index_check('$index', true)"), $live,
     "index_check($index, heapallindexed) passes");
}
$node->stop;
done_testing();
