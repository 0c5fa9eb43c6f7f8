# hnsw on a streaming standby: a bulk build (log_newpage_range), incremental inserts (generic WAL), deletes and
# VACUUM's graph repair replay so that the standby's index returns exactly the primary's results.
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

my $query = q{
  SET enable_seqscan = off;
  SELECT string_agg(q || ':' || (SELECT string_agg(id::text, ',') FROM
    (SELECT id FROM items ORDER BY embedding <-> v LIMIT 10) s), ' ' ORDER BY q) FROM queries;
};
my $on_primary = $primary->safe_psql('postgres', $query);
my $on_standby = $standby->safe_psql('postgres', $query);
like($on_primary, qr/^1:\d+/, 'primary answers through the index');
is($on_standby, $on_primary, 'standby returns the same neighbours as the primary');

my $query8 = q{
  SET enable_seqscan = off;
  SELECT string_agg(q || ':' || (SELECT string_agg(id::text, ',') FROM
    (SELECT id FROM untyped ORDER BY embedding <-> v LIMIT 5) s), ' ' ORDER BY q) FROM queries8;
};
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
