# ivfflat and ivf (sq8, pq) on a primary and a streaming standby, with wal_consistency_checking = 'generic'
# (tap.conf): the standby replays the build (log_newpage_range), inserts into existing and new posting pages, and
# VACUUM, and returns exactly the primary's results; also at pgvector's halfvec and bit dimension limits.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('ivf_primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION vectorext');
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('ivf_standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

my $rows = q{
  SELECT i, array_agg((((i % 10) * 0.3) + random() * 0.5)::real ORDER BY j)::vector(16)
  FROM generate_series(%d, %d) i, generate_series(1, 16) j GROUP BY i};
$primary->safe_psql('postgres', "SELECT setseed(0.5);
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(16));
  INSERT INTO items " . sprintf($rows, 1, 3000) . ";
  CREATE INDEX items_flat ON items USING ivfflat (embedding) WITH (lists = 20);
  CREATE INDEX items_sq8 ON items USING ivf (embedding vector_cosine_ops) WITH (lists = 10, quantizer = 'sq8');
  CREATE INDEX items_pq ON items USING ivf (embedding vector_ip_ops) WITH (lists = 10, quantizer = 'pq', pq_m = 4);");
# incremental changes: inserts (into head pages and new pages), deletes, vacuum
$primary->safe_psql('postgres', "INSERT INTO items " . sprintf($rows, 3001, 5000));
$primary->safe_psql('postgres', 'DELETE FROM items WHERE id % 7 = 0');
$primary->safe_psql('postgres', 'VACUUM items');
$primary->safe_psql('postgres', "INSERT INTO items " . sprintf($rows, 5001, 5500));
$primary->wait_for_catchup($standby);

my @queries = map { "SELECT embedding FROM items WHERE id = $_" } (5, 1234, 4999, 5321);
my %ops = ('<->' => ['ivfflat.probes = 5', 'items_flat'], '<=>' => ['ivf.probes = 3', 'items_sq8'],
           '<#>' => ['ivf.probes = 3', 'items_pq']);
for my $op (sort keys %ops) {
  my ($setting, $index) = @{ $ops{$op} };
  for my $q (@queries) {
    my $sql = "SET enable_seqscan = off; SET $setting;
      SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY embedding $op ($q) LIMIT 20) s";
    my $on_primary = $primary->safe_psql('postgres', $sql);
    my $on_standby = $standby->safe_psql('postgres', $sql);
    isnt($on_primary, '', "$index returns rows");
    is($on_standby, $on_primary, "$index: standby returns the primary's result");
  }
  my $plan = $standby->safe_psql('postgres', "SET enable_seqscan = off; EXPLAIN (COSTS OFF)
    SELECT id FROM items ORDER BY embedding $op '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]' LIMIT 5");
  like($plan, qr/Index Scan using $index/, "standby plans $index");
}
my $count = q{SET enable_seqscan = off; SET ivfflat.probes = 20;
  SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]') s};
is($standby->safe_psql('postgres', $count), $primary->safe_psql('postgres', 'SELECT count(*) FROM items'),
   'standby index holds every live row');

# a column without typmod: the empty index takes its dimensions from the first insert (meta + centroid page in one
# GenericXLog record), the standby replays it
$primary->safe_psql('postgres', "CREATE TABLE untyped (id int, v vector);
  CREATE INDEX untyped_idx ON untyped USING ivfflat (v) WITH (lists = 4);");
$primary->safe_psql('postgres', "INSERT INTO untyped SELECT i, ARRAY[i, 1, 2]::real[]::vector FROM generate_series(1, 50) i");
$primary->wait_for_catchup($standby);
my $untyped = q{SET enable_seqscan = off; SET ivfflat.probes = 4;
  SELECT string_agg(id::text, ',') FROM (SELECT id FROM untyped ORDER BY v <-> '[7,1,2]' LIMIT 3) s};
is($standby->safe_psql('postgres', $untyped), '7,6,8', 'standby: dims fixed by the first insert');
my ($ret, $out, $err) = $standby->psql('postgres', "SET enable_seqscan = off; SELECT id FROM untyped ORDER BY v <-> '[7,1]' LIMIT 3");
like($err, qr/different vector dimensions 3 and 2/, 'standby: query of other dims errors');

# at pgvector's dimension limits: halfvec(4000) (half centroids, one 8,016-byte posting per page) and bit(64000)
# (packed-bit centroids and postings): build, inserts that extend the lists, VACUUM, and an untyped halfvec column
# whose first insert writes a 4,000-dimension half centroid, replayed under wal_consistency_checking
my $wide = q{
  SELECT i, (SELECT array_agg(((i % 5) + (j % 7) * 0.01 * (i % 11))::real ORDER BY j) FROM generate_series(1, 4000) j)::halfvec(4000),
         repeat(lpad(((i * 40503) % 65536)::bit(16)::text, 16, '0'), 4000)::bit(64000)
  FROM generate_series(%d, %d) i};
$primary->safe_psql('postgres', "CREATE TABLE wide (id int PRIMARY KEY, h halfvec(4000), b bit(64000));
  INSERT INTO wide " . sprintf($wide, 1, 60) . ";
  CREATE INDEX wide_h ON wide USING ivfflat (h halfvec_l2_ops) WITH (lists = 5);
  CREATE INDEX wide_b ON wide USING ivf (b bit_hamming_ops) WITH (lists = 5);
  CREATE TABLE wide_untyped (id int, h halfvec);
  CREATE INDEX wide_untyped_idx ON wide_untyped USING ivfflat (h halfvec_l2_ops) WITH (lists = 1);");
$primary->safe_psql('postgres', "INSERT INTO wide " . sprintf($wide, 61, 120));
$primary->safe_psql('postgres', 'DELETE FROM wide WHERE id % 9 = 0');
$primary->safe_psql('postgres', 'VACUUM wide');
$primary->safe_psql('postgres', "INSERT INTO wide " . sprintf($wide, 121, 140) . ";
  INSERT INTO wide_untyped SELECT id, h FROM wide WHERE id <= 30");
$primary->wait_for_catchup($standby);
# The index answers on the standby exactly as on the primary: ORDER BY $col $op (the value of row $id of $src) for each
# of @ids, and the standby plans the index.
sub same_on_standby {
  my ($table, $col, $op, $setting, $index, $src, @ids) = @_;
  for my $id (@ids) {
    my $sql = "SET enable_seqscan = off; SET jit = off; SET $setting;
      SELECT string_agg(id::text, ',') FROM (SELECT id FROM $table ORDER BY $col $op (SELECT $col FROM $src WHERE id = $id) LIMIT 5) s";
    my $on_primary = $primary->safe_psql('postgres', $sql);
    isnt($on_primary, '', "$index returns rows");
    is($standby->safe_psql('postgres', $sql), $on_primary, "$index: standby returns the primary's result");
  }
  like($standby->safe_psql('postgres', "SET enable_seqscan = off; EXPLAIN (COSTS OFF)
    SELECT id FROM $table ORDER BY $col $op (SELECT $col FROM $src LIMIT 1) LIMIT 5"), qr/Index Scan using $index/,
    "standby plans $index");
}
for my $case (['wide', 'h', '<->', 'ivfflat.probes = 2', 'wide_h'], ['wide', 'b', '<~>', 'ivf.probes = 2', 'wide_b'],
              ['wide_untyped', 'h', '<->', 'ivfflat.probes = 1', 'wide_untyped_idx']) {
  same_on_standby(@$case, 'wide', 7, 77, 133);
}
is($standby->safe_psql('postgres', "SELECT count(*) FROM vectorext.index_check('wide_b', false)"), '1',
   'standby: the bit index passes index_check');

# halfvec at the type's own 16,000 dimensions: centroids over runs of 4 pages, heap postings (TIDs only) re-ranked
# from the table; build, inserts, VACUUM, and an untyped column whose first insert fixes 16,000 dimensions (the meta
# page alone) and starts its list's first page, replayed under wal_consistency_checking
my $w16 = q{
  SELECT i, (SELECT array_agg(((i % 5) + (j % 7) * 0.01 * (i % 11) + i * 0.001)::real ORDER BY j)
             FROM generate_series(1, 16000) j)::halfvec(16000)
  FROM generate_series(%d, %d) i};
$primary->safe_psql('postgres', "CREATE TABLE w16 (id int PRIMARY KEY, h halfvec(16000));
  INSERT INTO w16 " . sprintf($w16, 1, 30) . ";
  CREATE INDEX w16_h ON w16 USING ivfflat (h halfvec_l2_ops) WITH (lists = 3);
  CREATE TABLE w16_untyped (id int, h halfvec);
  CREATE INDEX w16_untyped_idx ON w16_untyped USING ivf (h halfvec_l2_ops) WITH (lists = 1);");
$primary->safe_psql('postgres', "INSERT INTO w16 " . sprintf($w16, 31, 60));
$primary->safe_psql('postgres', 'DELETE FROM w16 WHERE id % 7 = 0');
$primary->safe_psql('postgres', 'VACUUM w16');
$primary->safe_psql('postgres', "INSERT INTO w16 " . sprintf($w16, 61, 66) . ";
  INSERT INTO w16_untyped SELECT id, h FROM w16 WHERE id <= 20");
$primary->wait_for_catchup($standby);
for my $case (['w16', 'ivfflat.probes = 1', 'w16_h'], ['w16_untyped', 'ivf.probes = 1', 'w16_untyped_idx']) {
  my ($table, $setting, $index) = @$case;
  same_on_standby($table, 'h', '<->', $setting, $index, 'w16', 5, 44, 62);
  is($standby->safe_psql('postgres', "SELECT count(*) FROM vectorext.index_check('$index', false)"), '1',
     "standby: $index passes index_check");
}

$standby->stop;
$primary->stop;
done_testing();
