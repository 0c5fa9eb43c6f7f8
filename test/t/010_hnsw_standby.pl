# hnsw on a streaming standby: a bulk build (pages written with smgrextend, logged by log_newpages in batches of 32),
# incremental inserts (generic WAL), deletes and VACUUM's graph repair replay so that the standby's index returns
# exactly the primary's results; a bulk build followed by a crash (immediate stop) comes back from its WAL intact.
# tap.conf sets wal_consistency_checking = 'generic': every generic record is verified on replay.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('hnsw_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', "maintenance_work_mem = '64MB'\nautovacuum = off");
$primary->start;
$primary->safe_psql('postgres', q{
  CREATE EXTENSION vectorext;
  CREATE FUNCTION rand_vec(dims int, seed int) RETURNS vector LANGUAGE sql AS
    $$ SELECT ('[' || string_agg(random()::real::text, ',') || ']')::vector FROM generate_series(1, dims) WHERE seed IS NOT NULL $$;
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(16));
  SELECT setseed(0.25);
  INSERT INTO items SELECT i, rand_vec(16, i) FROM generate_series(1, 2000) i;
  CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops);
  CREATE UNLOGGED TABLE scratch (id int, embedding vector(4));
  CREATE INDEX ON scratch USING hnsw (embedding vector_l2_ops);
  -- columns without typmod: empty indexes whose first insert fixes the dims in the meta page (WAL-logged)
  CREATE TABLE untyped (id int, embedding vector);
  CREATE INDEX untyped_hnsw ON untyped USING hnsw (embedding vector_l2_ops);
  CREATE UNLOGGED TABLE scratch_untyped (id int, embedding vector);
  CREATE INDEX ON scratch_untyped USING hnsw (embedding vector_l2_ops);
});
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('hnsw_standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

# incremental changes after the base backup: inserts, deletes, VACUUM (flags + repair), more inserts
$primary->safe_psql('postgres', q{
  SELECT setseed(0.5);
  INSERT INTO items SELECT i, rand_vec(16, i) FROM generate_series(2001, 2600) i;
  DELETE FROM items WHERE id % 3 = 0;
  VACUUM items;
  INSERT INTO items SELECT i, rand_vec(16, i) FROM generate_series(2601, 2800) i;
  CREATE TABLE queries AS SELECT q, rand_vec(16, q) AS v FROM generate_series(1, 20) q;
  INSERT INTO untyped SELECT i, rand_vec(8, i) FROM generate_series(1, 300) i;
  CREATE TABLE queries8 AS SELECT q, rand_vec(8, q) AS v FROM generate_series(1, 10) q;
});
$primary->wait_for_catchup($standby);

# Each query's k nearest ids through the index, as "q:id,id,... q:..." (identifiers are the test's own).
sub neighbours_query {
  my ($table, $queries, $k) = @_;
  return qq{
  SET enable_seqscan = off;
  SELECT string_agg(q || ':' || (SELECT string_agg(id::text, ',') FROM
    (SELECT id FROM $table ORDER BY embedding <-> v LIMIT $k) s), ' ' ORDER BY q) FROM $queries;
};
}
my $query = neighbours_query('items', 'queries', 10);
my $on_primary = $primary->safe_psql('postgres', $query);
my $on_standby = $standby->safe_psql('postgres', $query);
like($on_primary, qr/^1:\d+/, 'primary answers through the index');
is($on_standby, $on_primary, 'standby returns the same neighbours as the primary');

# A bulk build while the standby streams: only its WAL brings the index there (~73 pages: two full batches of
# 32 pages and a partial one). Then the primary stops without a checkpoint and replays the same records.
$primary->safe_psql('postgres', q{
  SELECT setseed(0.75);
  CREATE TABLE built (id int PRIMARY KEY, embedding vector(48));
  INSERT INTO built SELECT i, rand_vec(48, i) FROM generate_series(1, 3000) i;
  CREATE INDEX built_hnsw ON built USING hnsw (embedding vector_l2_ops) WITH (m = 8, ef_construction = 32);
  CREATE TABLE queries48 AS SELECT q, rand_vec(48, q) AS v FROM generate_series(1, 20) q;
});
$primary->wait_for_catchup($standby);
my $query48 = neighbours_query('built', 'queries48', 10);
my $built_primary = $primary->safe_psql('postgres', $query48);
like($built_primary, qr/^1:\d+/, 'bulk build: primary answers through the index');
my $built_pages = $primary->safe_psql('postgres', q{SELECT pg_relation_size('built_hnsw') / current_setting('block_size')::int});
ok($built_pages > 64, "bulk build spans several log_newpages batches ($built_pages pages)");
is($standby->safe_psql('postgres', $query48), $built_primary, 'bulk build replayed on the standby: same neighbours');
is($standby->safe_psql('postgres', q{SELECT live FROM vectorext.index_check('built_hnsw', true)}), '3000',
  'bulk build replayed on the standby: index_check finds every row');
$primary->safe_psql('postgres', q{
  DROP INDEX built_hnsw;
  CREATE INDEX built_hnsw ON built USING hnsw (embedding vector_l2_ops) WITH (m = 8, ef_construction = 32);
});
my $rebuilt = $primary->safe_psql('postgres', $query48);  # a build on several threads need not repeat its graph
$primary->stop('immediate');
$primary->start;
is($primary->safe_psql('postgres', $query48), $rebuilt, 'bulk build recovered from its WAL after a crash');
is($primary->safe_psql('postgres', q{SELECT live FROM vectorext.index_check('built_hnsw', true)}), '3000',
  'bulk build after crash recovery: index_check finds every row');

my $query8 = neighbours_query('untyped', 'queries8', 5);
my $untyped_primary = $primary->safe_psql('postgres', $query8);
like($untyped_primary, qr/^1:\d+/, 'untyped column: primary answers through the index');
is($standby->safe_psql('postgres', $query8), $untyped_primary,
  'untyped column: dims fixed by the first insert replay on the standby');
my ($ret, $out, $err) = $standby->psql('postgres',
  q{SET enable_seqscan = off; SELECT id FROM untyped ORDER BY embedding <-> '[1,2,3]' LIMIT 1});
like($err, qr/different vector dimensions 3 and 8/, 'untyped column: standby rejects other dims');

my $plan = $standby->safe_psql('postgres',
  q{SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY embedding <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 5});
like($plan, qr/Index Scan using items_hnsw/, 'standby plan uses the hnsw index');

# the unlogged table's index is empty but valid on the standby's promotion path (init fork replayed)
$standby->promote;
$standby->safe_psql('postgres', q{INSERT INTO scratch VALUES (1, '[1,2,3,4]'), (2, '[0,0,0,1]')});
is($standby->safe_psql('postgres',
  q{SET enable_seqscan = off; SELECT string_agg(id::text, ',') FROM (SELECT id FROM scratch ORDER BY embedding <-> '[1,2,3,3]' LIMIT 2) s}),
  '1,2', 'unlogged hnsw index works after promotion (init fork)');
$standby->safe_psql('postgres', q{INSERT INTO scratch_untyped VALUES (1, '[1,2,3]'), (2, '[0,0,1]')});
is($standby->safe_psql('postgres',
  q{SET enable_seqscan = off; SELECT string_agg(id::text, ',') FROM (SELECT id FROM scratch_untyped ORDER BY embedding <-> '[1,2,2]' LIMIT 2) s}),
  '1,2', 'unlogged untyped hnsw index takes its dims from the first insert after promotion');

$standby->stop;
$primary->stop;
done_testing();
