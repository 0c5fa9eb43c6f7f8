# An hnsw index with a filter column (docs/tuning.md, "Filtered search"): concurrent inserts and filtered searches,
# then kill -9 of an inserting backend. During the run every filtered search returns only rows of its category; after
# crash recovery index_check (heapallindexed: each element's filter value is its row's) passes, and a filtered search
# over the whole graph returns every committed row of the category.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use VxCrash;

my $node = crash_test_node('hnsw_filter_crash');
$node->safe_psql('postgres', q{
  CREATE EXTENSION vectorext;
  CREATE FUNCTION rand_vec(dims int) RETURNS vector LANGUAGE sql VOLATILE AS
    $$ SELECT ('[' || string_agg(random()::real::text, ',') || ']')::vector FROM generate_series(1, dims) $$;
  CREATE TABLE items (id bigserial PRIMARY KEY, cat int4, embedding vector(8));
  CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops, cat) WITH (m = 8, ef_construction = 32);
  INSERT INTO items (cat, embedding) SELECT (random() * 20)::int4, rand_vec(8) FROM generate_series(1, 200);
  -- what a search returned that is not of its category (must stay empty)
  CREATE TABLE wrong (cat int4, id bigint);
});

my $insert = $node->basedir . '/insert.sql';
PostgreSQL::Test::Utils::append_to_file($insert,
  "INSERT INTO items (cat, embedding) SELECT (random() * 20)::int4, rand_vec(8) FROM generate_series(1, 5);\n");
my $search = $node->basedir . '/search.sql';
PostgreSQL::Test::Utils::append_to_file($search, q{\set c random(0, 20)
SET enable_seqscan = off;
INSERT INTO wrong SELECT :c, s.id FROM (SELECT id FROM items WHERE cat = :c ORDER BY embedding <-> rand_vec(8) LIMIT 10) s
  JOIN items USING (id) WHERE items.cat IS DISTINCT FROM :c;
});
my $bench = start_pgbench($node, $insert, 3, 60);
my $searches = start_pgbench($node, $search, 1, 40);

$node->poll_query_until('postgres', 'SELECT count(*) > 1500 FROM items') or die 'inserts did not progress';
is($node->safe_psql('postgres', 'SELECT count(*) FROM wrong'), '0',
  'concurrent filtered searches return only rows of their category');
kill_backend_and_recover($node, 'INSERT INTO items%', $bench);
$searches->finish;

my $count = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
ok($count > 1500, "rows survived the crash ($count)");
is($node->safe_psql('postgres', 'SELECT count(*) FROM wrong'), '0', 'no search returned a row of another category');
is($node->safe_psql('postgres', q{SELECT heapallindexed_checked FROM vectorext.index_check('items_hnsw', true)}), 't',
  'index_check (heapallindexed: filter values are the rows\') passes after crash recovery');
my $cat7 = $node->safe_psql('postgres', 'SELECT count(*) FROM items WHERE cat = 7');
my $through_index = $node->safe_psql('postgres', q{
  SET enable_seqscan = off;
  SET hnsw.iterative_scan = relaxed_order;
  SET hnsw.max_scan_tuples = 100000000;
  SET work_mem = '64MB';
  SELECT count(*) FROM (SELECT id FROM items WHERE cat = 7 ORDER BY embedding <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]') s;
});
is($through_index, $cat7, "every committed row of a category is found through the index ($cat7)");

# inserts and filtered searches keep working after recovery
$node->safe_psql('postgres', 'INSERT INTO items (cat, embedding) SELECT 99, rand_vec(8) FROM generate_series(1, 30)');
is($node->safe_psql('postgres', q{SET enable_seqscan = off;
  SELECT count(*) FROM (SELECT id FROM items WHERE cat = 99 ORDER BY embedding <-> '[0,0,0,0,0,0,0,0]' LIMIT 20) s}),
  '20', 'filtered search after recovery');
$node->stop;
done_testing();
