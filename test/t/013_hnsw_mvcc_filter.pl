# MVCC through the heap: rolled-back rows are never returned (also before VACUUM removes them from the graph), and
# a filtered query at 1% selectivity returns k rows with an iterative scan.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('hnsw_mvcc');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off");
$node->start;
$node->safe_psql('postgres', q{
  CREATE EXTENSION vectorext;
  CREATE FUNCTION rand_vec(dims int, seed int) RETURNS vector LANGUAGE sql VOLATILE AS
    $$ SELECT ('[' || string_agg(random()::real::text, ',') || ']')::vector FROM generate_series(1, dims) WHERE seed IS NOT NULL $$;
  SELECT setseed(0.75);
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(16), category int);
  INSERT INTO items SELECT i, rand_vec(16, i), i % 100 FROM generate_series(1, 10000) i;
  CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops);
  BEGIN;
  INSERT INTO items SELECT 100000 + i, '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'::vector, 7 FROM generate_series(1, 50) i;
  ROLLBACK;
});

my $rolled_back = $node->safe_psql('postgres', q{
  SET enable_seqscan = off;
  SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 20) s WHERE id >= 100000;
});
is($rolled_back, '0', 'rolled-back rows are never returned');
my $returned = $node->safe_psql('postgres', q{
  SET enable_seqscan = off;
  SET hnsw.iterative_scan = relaxed_order;
  SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 20) s;
});
is($returned, '20', 'with an iterative scan the live neighbours are returned instead');
# INDEX_CLEANUP ON: 50 dead rows sit on under 2% of the heap's pages, and then a plain VACUUM skips index vacuuming
# altogether (PostgreSQL's bypass optimisation), so the elements would stay unflagged and fill result slots.
$node->safe_psql('postgres', 'VACUUM (INDEX_CLEANUP ON) items');
is($node->safe_psql('postgres', q{
  SET enable_seqscan = off;
  SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 20) s WHERE id < 100000;
}), '20', 'after VACUUM flagged them dead, a plain scan returns 20 live rows');

# 1% selectivity: category = 7 holds 100 of 10,000 rows
my $filtered = q{
  SET enable_seqscan = off;
  SET enable_bitmapscan = off;
  SELECT count(*) FROM (SELECT id FROM items WHERE category = 7
    ORDER BY embedding <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10) s;
};
my $off = $node->safe_psql('postgres', $filtered);
ok($off < 10, "without iterative scan the filter leaves fewer than 10 rows ($off)");
is($node->safe_psql('postgres', "SET hnsw.iterative_scan = relaxed_order; $filtered"), '10',
  'relaxed_order iterative scan returns 10 rows at 1% selectivity');
is($node->safe_psql('postgres', "SET hnsw.iterative_scan = strict_order; $filtered"), '10',
  'strict_order iterative scan returns 10 rows at 1% selectivity');
my $exact = $node->safe_psql('postgres', q{
  SELECT string_agg(id::text, ',') FROM (SELECT id FROM items WHERE category = 7
    ORDER BY (embedding <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]') + 0 LIMIT 10) s;
});
my $approx = $node->safe_psql('postgres', q{
  SET enable_seqscan = off; SET enable_bitmapscan = off; SET hnsw.iterative_scan = relaxed_order;
  SELECT string_agg(id::text, ',') FROM (SELECT id FROM items WHERE category = 7
    ORDER BY embedding <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10) s;
});
my %e = map { $_ => 1 } split /,/, $exact;
my $hits = grep { $e{$_} } split /,/, $approx;
ok($hits >= 9, "filtered iterative scan finds the true nearest qualifying rows ($hits of 10)");
$node->stop;
done_testing();
