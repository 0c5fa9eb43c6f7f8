# The filter directory of an hnsw index with a filter column (src/pg/hnsw/hnsw_filter_dir.h):
#  1. crash safety: concurrent inserts while a second session deletes rows and VACUUMs (ids get recycled, their
#     directory entries rewritten), then kill -9 of an inserting backend. After recovery index_check (heapallindexed)
#     passes, which compares every live element's directory entry with its record, and for every category a selective
#     filtered query, answered through the directory, returns exactly the exact scan's rows in its order.
#  2. an index written before the directory existed (the meta page's tail zeroed, as such indexes have it) is read
#     page by page as before: the same rows, index_check passes, inserts go on.
#  3. damage: a live element's entry with another value is reported by index_check (XX002), and a query for that
#     value does not return the element (the record, not the directory, decides); REINDEX repairs.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use VxCrash;

my $node = crash_test_node('hnsw_filter_dir');
# items: 8-d random vectors, a category 0 .. 99 (1% each), the index created first (every element through aminsert)
$node->safe_psql('postgres', q{CREATE EXTENSION vectorext});
$node->safe_psql('postgres', q{CREATE FUNCTION rand_vec(dims int) RETURNS vector LANGUAGE sql VOLATILE
  AS $$ SELECT array_agg(random()::real)::vector FROM generate_series(1, dims) $$});
$node->safe_psql('postgres', q{CREATE TABLE items (id bigserial PRIMARY KEY, cat int4, embedding vector(8))});
$node->safe_psql('postgres', q{CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops, cat)
  WITH (m = 8, ef_construction = 32)});
$node->safe_psql('postgres',
  q{INSERT INTO items (cat, embedding) SELECT (random() * 99)::int4, rand_vec(8) FROM generate_series(1, 1000)});

# Whether, for each of the categories, the index's 10 nearest (ids in order) are the exact scan's; and the DEBUG1
# lines of the scans (which path read the filter values).
sub same_as_exact {
  my ($cats) = @_;
  my ($same, $debug) = (0, '');
  for my $c (@$cats) {
    my ($ret, $out, $err) = $node->psql('postgres', qq{
      SET enable_seqscan = off;
      SET client_min_messages = debug1;
      SELECT (SELECT array_agg(id) FROM (SELECT id FROM items WHERE cat = $c
                ORDER BY embedding <-> '[0.5,0.4,0.3,0.6,0.5,0.4,0.7,0.5]' LIMIT 10) a) IS NOT DISTINCT FROM
             (SELECT array_agg(id) FROM (SELECT id FROM items WHERE cat = $c
                ORDER BY (embedding <-> '[0.5,0.4,0.3,0.6,0.5,0.4,0.7,0.5]') + 0 LIMIT 10) e)});
    $same++ if $out eq 't';
    $debug .= $err;
  }
  return ($same, $debug);
}

my $insert = $node->basedir . '/insert.sql';
PostgreSQL::Test::Utils::append_to_file($insert,
  "INSERT INTO items (cat, embedding) SELECT (random() * 99)::int4, rand_vec(8) FROM generate_series(1, 5);\n");
my $churn = $node->basedir . '/churn.sql';
PostgreSQL::Test::Utils::append_to_file($churn, "DELETE FROM items WHERE id % 7 = 0 AND random() < 0.5;\nVACUUM items;\n");
my $bench = start_pgbench($node, $insert, 3, 60);
my $churner = start_pgbench($node, $churn, 1, 30);

$node->poll_query_until('postgres', 'SELECT count(*) > 3000 FROM items') or die 'inserts did not progress';
kill_backend_and_recover($node, 'INSERT INTO items%', $bench);
$churner->finish;

my $count = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
ok($count > 3000, "rows survived the crash ($count)");
is($node->safe_psql('postgres', q{SELECT heapallindexed_checked FROM vectorext.index_check('items_hnsw', true)}), 't',
  'index_check (every live element has its directory entry, with its values) passes after crash recovery');
my @cats = (3, 17, 42, 64, 98);
my ($same, $debug) = same_as_exact(\@cats);
is($same, scalar @cats, 'every category: the filtered query returns exactly the exact scan\'s rows, in order');
like($debug, qr/hnsw filter: \d+ directory pages read, \d+ entries, \d+ candidates, \d+ matching; 0 segments without/,
  'the filtered queries read the directory');

# recycled ids after recovery: delete + VACUUM + inserts of a new category land in them
$node->safe_psql('postgres', q{
  DELETE FROM items WHERE id % 3 = 0;
  VACUUM items;
  INSERT INTO items (cat, embedding) SELECT 99, rand_vec(8) FROM generate_series(1, 40);
});
($same, $debug) = same_as_exact([ 99, 17 ]);
is($same, 2, 'rows inserted into recycled ids after recovery are found through their entries');
is($node->safe_psql('postgres', q{SELECT heapallindexed_checked FROM vectorext.index_check('items_hnsw', true)}), 't',
  'index_check passes after delete + VACUUM + re-insert');

# 2. An index without a directory (as written before it existed): the meta page's last 8 data bytes zeroed.
my $path = $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('items_hnsw')");
$node->stop;
my $tail = 8192 - 8 - 8;  # the meta page's data area ends before its 8-byte special area; the tail is its last 8
open(my $fh, '+<:raw', $path) or die "open $path: $!";
seek($fh, $tail, 0);
read($fh, my $was, 8) == 8 or die 'short read';
is(sprintf('%08x', unpack('V', $was)), '56584644', 'the meta page tail holds the directory magic');
seek($fh, $tail, 0);
print $fh pack('VV', 0, 0);
close($fh);
$node->start;
($same, $debug) = same_as_exact(\@cats);
is($same, scalar @cats, 'without a directory: the same rows, read page by page');
like($debug, qr/0 directory pages read, 0 entries, 0 candidates, \d+ matching; [1-9]\d* segments without a directory/,
  'without a directory the records are read page by page');
$node->safe_psql('postgres', 'INSERT INTO items (cat, embedding) SELECT 77, rand_vec(8) FROM generate_series(1, 30)');
($same, $debug) = same_as_exact([ 77, 42 ]);
is($same, 2, 'inserts into an index without a directory are found');
is($node->safe_psql('postgres', q{SELECT heapallindexed_checked FROM vectorext.index_check('items_hnsw', true)}), 't',
  'index_check passes on an index without a directory');

# 3. A damaged entry: a fresh index (CREATE INDEX: records, then the directory), element 0's value changed.
$node->safe_psql('postgres', q{
  CREATE TABLE small (id int PRIMARY KEY, cat int4, embedding vector(4));
  INSERT INTO small SELECT i, i % 10, ARRAY[sin(i), cos(i), sin(2 * i), cos(3 * i)]::real[]::vector
    FROM generate_series(1, 500) i;
  CREATE INDEX small_hnsw ON small USING hnsw (embedding vector_l2_ops, cat);
});
$path = $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('small_hnsw')");
$node->stop;
open($fh, '+<:raw', $path) or die "open $path: $!";
my $size = -s $path;
my ($dir_block, $patched) = (undef, 0);
for my $b (1 .. $size / 8192 - 1) {  # the first directory page (kind 5 in the special area's first two bytes)
  seek($fh, $b * 8192 + 8192 - 8, 0);
  read($fh, my $special, 2);
  if (unpack('v', $special) == 5) { $dir_block = $b; last; }
}
ok(defined $dir_block, 'the built index has a directory page');
# entries: 8 bytes each (uint32 null bits, int4 value) from the data area's start (after the 24-byte page header);
# find the one whose value is 3 and make it 7
for my $e (0 .. 1019) {
  seek($fh, $dir_block * 8192 + 24 + 8 * $e, 0);
  read($fh, my $entry, 8);
  my ($nulls, $v) = unpack('Vl<', $entry);
  next unless $nulls == 0 && $v == 3;
  seek($fh, $dir_block * 8192 + 24 + 8 * $e + 4, 0);
  print $fh pack('l<', 7);
  $patched = $e;
  last;
}
close($fh);
$node->start;
my ($ret, $cout2, $cerr2) = $node->psql('postgres', q{SELECT * FROM vectorext.index_check('small_hnsw', true)},
  extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($cerr2, qr/XX002: index "small_hnsw" is corrupted.*\n.*DETAIL:\s+The filter directory entry of element $patched \(block $dir_block\) differs from its record's filter values/,
  'index_check reports the damaged directory entry (XX002)');
is($node->safe_psql('postgres', q{SET enable_seqscan = off;
  SELECT count(*) FROM (SELECT id FROM small WHERE cat = 7 ORDER BY embedding <-> '[0,0,0,0]' LIMIT 60) s
  JOIN small USING (id) WHERE small.cat <> 7}), '0',
  'a query for the damaged entry\'s value does not return the element: its record decides');
$node->safe_psql('postgres', 'REINDEX INDEX small_hnsw');
is($node->safe_psql('postgres', q{SELECT heapallindexed_checked FROM vectorext.index_check('small_hnsw', true)}), 't',
  'REINDEX writes a sound directory');
is($node->safe_psql('postgres', q{SET enable_seqscan = off;
  SELECT count(*) FROM (SELECT id FROM small WHERE cat = 3 ORDER BY embedding <-> '[0,0,0,0]' LIMIT 60) s}), '50',
  'after REINDEX every row of the damaged entry\'s category is found (50)');
$node->stop;
done_testing();
