# Tuned search parameters on a streaming standby: vectorext.tune on the primary writes index options (catalog
# state, WAL-logged like any ALTER INDEX), so scans on the standby use the primary's tuned values and recall curve,
# with the same precedence (explicit SET, vectorext.target_recall, tuned value, then the setting; here the setting
# comes from postgresql.conf and must lose to the tuned value). A scan without iterative scan returns exactly
# ef_search rows from hnsw and the rows of its probed lists from ivfflat: counting them shows what a scan used.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('tuning_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', "autovacuum = off\nmax_parallel_maintenance_workers = 0\nhnsw.ef_search = 100");
$primary->start;
$primary->safe_psql('postgres', q{
  CREATE EXTENSION vectorext;
  SELECT setseed(0.31);
  CREATE TABLE centers AS SELECT c, ARRAY(SELECT random() * 2 FROM generate_series(1, 16) WHERE c >= 0) AS center
    FROM generate_series(0, 19) c;
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(16));
  INSERT INTO items SELECT i, (SELECT array_agg(x + (random() - 0.5) * 1.5 ORDER BY o) FROM unnest(center) WITH ORDINALITY u(x, o)
                               WHERE i > 0)::real[]::vector
    FROM generate_series(1, 4000) i JOIN centers ON c = i % 20;
  CREATE TABLE items2 AS SELECT * FROM items;
  CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops) WITH (m = 6, ef_construction = 20);
  CREATE INDEX items2_ivf ON items2 USING ivfflat (embedding vector_l2_ops) WITH (lists = 80);
});
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('tuning_standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

# tuned after the standby is up: the options reach it through WAL
$primary->safe_psql('postgres', q{
  SET client_min_messages = warning;
  SELECT * FROM vectorext.tune('items_hnsw', 0.95);
  SELECT * FROM vectorext.tune('items2_ivf', 0.95);
});
$primary->wait_for_catchup($standby);

my $tuned_ef = $primary->safe_psql('postgres', q{SELECT value FROM vectorext.index_tuning WHERE index = 'items_hnsw'::regclass});
my $tuned_probes = $primary->safe_psql('postgres', q{SELECT value FROM vectorext.index_tuning WHERE index = 'items2_ivf'::regclass});
ok($tuned_ef >= 10 && $tuned_ef != 100, "hnsw tuned to ef_search $tuned_ef");

my $hnsw_rows = q{SET enable_seqscan = off;
  SELECT count(*) FROM (SELECT 1 FROM items ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 7) LIMIT 3000) s;};
my $ivf_rows = q{SET enable_seqscan = off;
  SELECT count(*) FROM (SELECT 1 FROM items2 ORDER BY embedding <-> (SELECT embedding FROM items2 WHERE id = 7) LIMIT 100000) s;};

for my $node ($primary, $standby) {
  my $name = $node->name;
  is($node->safe_psql('postgres', $hnsw_rows), $tuned_ef, "$name: hnsw scan uses the tuned ef_search over postgresql.conf's");
  is($node->safe_psql('postgres', q{SELECT value || ' ' || source FROM vectorext.search_params('items_hnsw')}),
     "$tuned_ef tuned (index option)", "$name: search_params reports the tuned value");
  is($node->safe_psql('postgres', "SET hnsw.ef_search = 17; $hnsw_rows"), 17, "$name: an explicit SET wins");
}

# vectorext.target_recall picks the same point from the same curve on both
my $pick = q{SELECT min(value) FILTER (WHERE recall >= 0.99) FROM vectorext.recall_curves WHERE index = 'items_hnsw'::regclass};
my $pick_primary = $primary->safe_psql('postgres', $pick);
is($standby->safe_psql('postgres', $pick), $pick_primary, 'standby sees the primary\'s curve');
is($standby->safe_psql('postgres', "SET vectorext.target_recall = 0.99; $hnsw_rows"), $pick_primary,
   'standby: target_recall picks from the curve');
is($standby->safe_psql('postgres', "SET vectorext.target_recall = 0.99; SET hnsw.ef_search = 17; $hnsw_rows"), 17,
   'standby: an explicit SET wins over target_recall');

# ivfflat: the same probed lists on both
my $ivf_primary = $primary->safe_psql('postgres', $ivf_rows);
is($standby->safe_psql('postgres', $ivf_rows), $ivf_primary, 'ivfflat scan on the standby probes the tuned lists');
is($standby->safe_psql('postgres', "SET ivfflat.probes = $tuned_probes; $ivf_rows"), $ivf_primary,
   "ivfflat: the tuned value is probes = $tuned_probes");

# measuring works on the standby (read-only), with the primary's result; tuning does not
is($standby->safe_psql('postgres', q{SELECT vectorext.index_recall('items_hnsw')}),
   $primary->safe_psql('postgres', q{SELECT vectorext.index_recall('items_hnsw')}), 'index_recall: same on both');
is($standby->safe_psql('postgres', q{SELECT count(*) FILTER (WHERE recall IS NOT NULL) FROM vectorext.recall_drift()}), 2,
   'recall_drift measures on the standby');
my ($ret, $out, $err) = $standby->psql('postgres', q{SELECT * FROM vectorext.tune('items_hnsw')});
like($err, qr/read-only transaction|during recovery/, 'tune is refused on the standby');

# a new tuning replaces the old one on the standby too; dropping the index drops its row
$primary->safe_psql('postgres', q{SET client_min_messages = warning; SELECT * FROM vectorext.tune('items_hnsw', 0.99)});
$primary->wait_for_catchup($standby);
my $tuned_99 = $primary->safe_psql('postgres', q{SELECT value FROM vectorext.index_tuning WHERE index = 'items_hnsw'::regclass});
is($standby->safe_psql('postgres', $hnsw_rows), $tuned_99, 're-tuned value on the standby');
$primary->safe_psql('postgres', 'DROP INDEX items_hnsw');
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', q{SELECT count(*) FROM vectorext.index_tuning}), 1, 'dropped index: its row is gone');

$standby->stop;
$primary->stop;
done_testing();
