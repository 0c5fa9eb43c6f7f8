# A scan's shortcuts must never change its rows (docs/hnsw-internals.md, Scans): the block -> buffer hints of the index
# and of the heap (ReadRecentBuffer re-checks the first; the second only feeds prefetches), and the greedy descent
# skipping elements it evaluated before. shared_buffers is 128 pages, the tables and indexes over 3 times that, so
# hints go stale between queries and within one; a cursor drains its scan across concurrent deletes, inserts, VACUUM
# and queries that evict its pages. Checked: the same rows in the same order from a fresh backend (no hints), from a
# backend whose hints are stale, and through the cursor; exact distance order; recall against an exact scan.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('hnsw_scan_hints');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off\nshared_buffers = 1MB");
$node->start;
$node->safe_psql('postgres', q{
  CREATE EXTENSION vectorext;
  SELECT setseed(0.25);
  -- 4,000 unit vectors of 32 dims (cosine: inexact half copies, so rows go through the executor's re-check), and a
  -- second table of the same size (l2, integer values: exact copies) whose queries evict the first one's pages
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(32));
  INSERT INTO items SELECT i, l2_normalize(ARRAY(SELECT random() - 0.5 + 0 * i FROM generate_series(1, 32))::vector)
    FROM generate_series(1, 4000) i;
  CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_cosine_ops);
  CREATE TABLE other (id int PRIMARY KEY, embedding vector(32));
  INSERT INTO other SELECT i, ARRAY(SELECT floor(random() * 100) + 0 * i FROM generate_series(1, 32))::vector
    FROM generate_series(1, 4000) i;
  CREATE INDEX other_hnsw ON other USING hnsw (embedding vector_l2_ops);
  CREATE TABLE queries AS SELECT id, embedding FROM items WHERE id % 200 = 1;  -- 20 queries
  UPDATE queries SET embedding = l2_normalize(ARRAY(SELECT random() - 0.5 + 0 * id FROM generate_series(1, 32))::vector);
});
is($node->safe_psql('postgres',
  q{SELECT pg_relation_size('items') + pg_relation_size('items_hnsw') + pg_relation_size('other') + pg_relation_size('other_hnsw') > 3 * 1048576}),
  't', 'the tables and indexes are over 3 times shared_buffers');

# Every query's top 10 by the index, in order, one line per query; between queries the other table's index is walked.
my $all_queries = q{
  SET enable_seqscan = off;
  SET hnsw.ef_search = 40;
  SELECT q.id, (SELECT string_agg(id::text, ',' ORDER BY ord) FROM
                 (SELECT row_number() OVER () AS ord, id FROM
                   (SELECT id FROM items ORDER BY embedding <=> q.embedding LIMIT 10) s) x),
         (SELECT count(*) FROM (SELECT id FROM other ORDER BY embedding <-> '[50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50]' LIMIT 10 + 0 * q.id) o)
  FROM queries q ORDER BY q.id;
};
my $fresh = $node->safe_psql('postgres', $all_queries);
my $s1 = $node->background_psql('postgres');
my $first = $s1->query_safe($all_queries);
my $again = $s1->query_safe($all_queries);  # the same backend: hints from the first round, many of them stale now
is($first, $fresh, 'a backend with hints returns what a fresh backend returns');
is($again, $first, 'the same backend with stale hints returns the same rows in the same order');

my ($ordered, $recall) = split /\|/, $node->safe_psql('postgres', q{
  SET enable_seqscan = off;
  SET hnsw.ef_search = 40;
  WITH got AS (
    SELECT q.id AS qid, s.ord, s.id, s.d FROM queries q CROSS JOIN LATERAL
      (SELECT row_number() OVER () AS ord, id, d FROM
        (SELECT id, embedding <=> q.embedding AS d FROM items ORDER BY embedding <=> q.embedding LIMIT 10) t) s),
  truth AS (
    SELECT q.id AS qid, t.id FROM queries q CROSS JOIN LATERAL
      (SELECT id FROM items ORDER BY (embedding <=> q.embedding) + 0 LIMIT 10) t)
  SELECT bool_and(d >= coalesce(prev, 0)), (SELECT count(*) FROM got JOIN truth USING (qid, id)) / 200.0
  FROM (SELECT d, lag(d) OVER (PARTITION BY qid ORDER BY ord) AS prev FROM got) g;
});
is($ordered, 't', 'rows come in exact distance order');
cmp_ok($recall, '>=', 0.9, "recall\@10 against an exact scan ($recall)");

# A cursor drains one scan while another session deletes, inserts near the query, VACUUMs and evicts pages.
my $q = $node->safe_psql('postgres', 'SELECT embedding FROM queries ORDER BY id LIMIT 1');
my $evict = q{SELECT count(*) FROM (SELECT id FROM other ORDER BY embedding <-> '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]' LIMIT 10) o};
my $k = 0;
sub changes {
  $k++;
  $node->safe_psql('postgres', qq{
    DELETE FROM items WHERE id % 7 = $k;
    INSERT INTO items SELECT 10000 * $k + i, l2_normalize(('$q'::vector + ARRAY(SELECT (random() - 0.5) / 50 + 0 * i FROM generate_series(1, 32))::vector))
      FROM generate_series(1, 200) i;
    VACUUM (INDEX_CLEANUP ON) items;
  });
  $node->safe_psql('postgres', $evict) for 1 .. 3;
}
foreach my $mode ('off', 'strict_order', 'relaxed_order') {
  my $later = 10000 * ($k + 1);  # ids of rows inserted after this cursor's snapshot start here
  $s1->query_safe('SET enable_seqscan = off');
  $s1->query_safe('SET hnsw.ef_search = 40');
  $s1->query_safe("SET hnsw.iterative_scan = $mode");
  $s1->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
  my $reference = $s1->query_safe(qq{SELECT id FROM items ORDER BY embedding <=> '$q' LIMIT 60});
  $s1->query_safe(qq{DECLARE c CURSOR FOR SELECT id, embedding <=> '$q' AS d FROM items ORDER BY embedding <=> '$q'});
  my @rows = split /\n/, $s1->query_safe('FETCH 5 FROM c');
  changes();
  push @rows, split /\n/, $s1->query_safe('FETCH 15 FROM c');
  changes();
  push @rows, split /\n/, $s1->query_safe('FETCH 40 FROM c');
  my @ids = map { (split /\|/)[0] } @rows;
  my @d = map { (split /\|/)[1] } @rows;
  my %seen;
  is(scalar(grep { $seen{$_}++ } @ids), 0, "$mode: no row twice");
  is(scalar(grep { $_ >= $later } @ids), 0, "$mode: no row inserted after the cursor's snapshot");
  my @out_of_order = grep { $d[$_] < $d[$_ - 1] } 1 .. $#d;
  is(scalar(@out_of_order), 0, "$mode: the cursor's rows are in exact distance order") unless $mode eq 'relaxed_order';
  if ($mode eq 'off') {
    # the walk happened at the first FETCH, before any change: its 40 rows are the reference's first 40
    my @ref = (split /\n/, $reference)[0 .. 39];
    is(join(',', @ids), join(',', @ref), 'off: the cursor returns the rows of the same scan before the changes, in order');
  } else {
    cmp_ok(scalar(@ids), '==', 60, "$mode: the cursor returns the 60 rows asked for");
  }
  $s1->query_safe('COMMIT');
}
$s1->quit;
$node->stop;
done_testing();
