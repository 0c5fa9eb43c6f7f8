# vectorext.index_check on hnsw indexes (docs/index_check.md): passes on healthy indexes of every build path (bulk
# build in memory, build that outgrows maintenance_work_mem, inserts into an empty index, after deletes + VACUUM, a
# sparsevec index with value pages),
# and raises XX002 naming the element when the index file is damaged on disk: the server is stopped, bytes of the
# file are overwritten from Perl, the server started again.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('hnsw_check');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off");
$node->start;
$node->safe_psql('postgres', q{
  CREATE EXTENSION vectorext;
  CREATE TABLE items (id int PRIMARY KEY, v vector(8));
  SELECT setseed(0.3);
  INSERT INTO items SELECT i, ARRAY(SELECT (i % 5) + random() FROM generate_series(1, 8) WHERE i > 0)::vector
    FROM generate_series(1, 3000) i;
  CREATE TABLE items_ins (id int PRIMARY KEY, v vector(8));
  CREATE INDEX items_ins_idx ON items_ins USING hnsw (v vector_cosine_ops);
  INSERT INTO items_ins SELECT * FROM items;
});

sub check {
  my ($index) = @_;
  return $node->psql('postgres', "SELECT live, heap_rows FROM vectorext.index_check('$index', true)");
}

# Healthy indexes of every path.
$node->safe_psql('postgres', 'CREATE INDEX items_l2 ON items USING hnsw (v vector_l2_ops)');
my ($rc, $out, $err) = check('items_l2');
is($rc, 0, 'bulk-built index passes');
is($out, '3000|3000', 'every element live, every row indexed once');
my $notice;
($rc, $out, $notice) = $node->psql('postgres', q{
  SET maintenance_work_mem = '1MB';
  CREATE INDEX items_ip ON items USING hnsw (v vector_ip_ops);
  SELECT live FROM vectorext.index_check('items_ip', true);
});
like($notice, qr/hnsw graph no longer fits into maintenance_work_mem after \d+ tuples/, 'low-memory build notice');
is($out, '3000', 'index built past maintenance_work_mem passes');
($rc, $out, $err) = check('items_ins_idx');
is($out, '3000|3000', 'insert-built index passes');
$node->safe_psql('postgres', 'DELETE FROM items_ins WHERE id % 10 <> 0; VACUUM items_ins');
($rc, $out, $err) = check('items_ins_idx');
is($out, '300|300', 'index after deleting 90% and VACUUM passes');

# Damage, on disk, with the server stopped.
my $datadir = $node->data_dir;
my $path = $datadir . '/' . $node->safe_psql('postgres', q{SELECT pg_relation_filepath('items_l2')});
my $page = 8192;
my $hdr = 24;    # page header: the data area of every hnsw page starts there
my $special = 8;  # special area at the end of every hnsw page: kind u16, 2 x u16 unused, page id u16 (0xFF92)

sub read_file_bytes {
  open(my $fh, '<:raw', $path) or die "open $path: $!";
  local $/;
  my $b = <$fh>;
  close $fh;
  return $b;
}

sub write_file_bytes {
  my ($bytes) = @_;
  open(my $fh, '>:raw', $path) or die "open $path: $!";
  print $fh $bytes;
  close $fh;
}

# Layout (src/pg/hnsw/hnsw_page.h): meta = magic, version, dims, metric, m, ef_construction, record_size, entry,
# max_level, count, ... ; segment directory at byte 76 of the meta data area (after value_free_head, value_pages):
# (start_block, first_id, nelems).
# Records of the first segment: floor(8160 / record_size) per page, each = flags u8, level u8, n0 u16, tid (6 bytes),
# upper_off u16, upper_block (2 x u16), then the level-0 neighbour ids (int32).
my $orig = read_file_bytes_after_stop();

sub read_file_bytes_after_stop {
  $node->stop;
  return read_file_bytes();
}

my ($magic, $version, $dims, $metric, $m, $efc, $rsize, $entry, $maxl, $count) = unpack('V10', substr($orig, $hdr, 40));
my ($seg_start) = unpack('V', substr($orig, $hdr + 76, 4));
my $per_page = int(($page - $hdr - $special) / $rsize);
sub rec_off { my ($id) = @_; return ($seg_start + int($id / $per_page)) * $page + $hdr + ($id % $per_page) * $rsize; }

sub expect_corrupt {
  my ($bytes, $pattern, $name) = @_;
  write_file_bytes($bytes);
  $node->start;
  my ($rc2, $out2, $err2) = $node->psql('postgres', q{
    \set VERBOSITY verbose
    SELECT * FROM vectorext.index_check('items_l2', true)});
  like($err2, qr/XX002/, "$name: XX002");
  like($err2, $pattern, "$name: says where");
  $node->stop;
}

# 1. meta page magic
my $b = $orig;
substr($b, $hdr, 4) = pack('V', 0x12345678);
expect_corrupt($b, qr/magic 0x12345678/, 'meta magic');

# 2. a neighbour id that no element has
$b = $orig;
substr($b, rec_off(5) + 16, 4) = pack('V', 0x7ffffff0);
expect_corrupt($b, qr/Element 5 \(block \d+\) links at level 0 to element 2147483632/, 'neighbour id');

# 3. an element nobody links to: remove element 7 from every level-0 list
$b = $orig;
my $victim = ($entry == 7) ? 8 : 7;
for my $id (0 .. $count - 1) {
  my $off = rec_off($id);
  my $n0 = unpack('v', substr($b, $off + 2, 2));
  my @ids = unpack("l<$n0", substr($b, $off + 16, 4 * $n0));
  my @kept = grep { $_ != $victim } @ids;
  next if @kept == @ids;
  substr($b, $off + 2, 2) = pack('v', scalar @kept);
  substr($b, $off + 16, 4 * $n0) = pack('l<*', @kept, (0) x ($n0 - @kept));
}
expect_corrupt($b, qr/Live element $victim \(block \d+\) is not reachable at level 0 from the entry point/,
  'unreachable element');

# 4. heapallindexed: element 3 carries element 4's heap TID (row of element 3 missing, row of element 4 twice)
$b = $orig;
substr($b, rec_off(3) + 4, 6) = substr($b, rec_off(4) + 4, 6);
expect_corrupt($b, qr/Heap row \(\d+,\d+\) is (not indexed by any live element|indexed by 2 live elements)/,
  'heap row not indexed once');

# 5. the page id of the page holding element 5, and of the meta page
$b = $orig;
my $blk5 = int(rec_off(5) / $page);
is(unpack('v', substr($b, ($blk5 + 1) * $page - 2, 2)), 0xFF92, 'page id in the last two bytes of a record page');
substr($b, ($blk5 + 1) * $page - 2, 2) = pack('v', 0x1234);
expect_corrupt($b, qr/Block $blk5 has page id 0x1234, expected 0xff92/, 'record page id');
$b = $orig;
substr($b, $page - 2, 2) = pack('v', 0xFF91);
expect_corrupt($b, qr/Block 0 has page id 0xff91, expected 0xff92/, 'meta page id');

# 5b. layout version: an older build's (not damage: 0A000 with the REINDEX hint, as scans say) and an unknown one
$b = $orig;
substr($b, $hdr + 4, 4) = pack('V', $version - 1);
write_file_bytes($b);
$node->start;
($rc, $out, $err) = $node->psql('postgres', q{
  \set VERBOSITY verbose
  SELECT * FROM vectorext.index_check('items_l2', true)});
like($err, qr/0A000/, 'older layout version: 0A000');
like($err, qr/has layout version @{[$version - 1]}, this build reads versions $version to 7.*REINDEX the index/s,
  'older layout version: says which and what to do');
$node->stop;
$b = $orig;
substr($b, $hdr + 4, 4) = pack('V', 9999);
expect_corrupt($b, qr/unknown layout version 9999/, 'unknown layout version');

# Restored, the index passes again.
write_file_bytes($orig);
$node->start;
($rc, $out, $err) = check('items_l2');
is($out, '3000|3000', 'restored index passes');

# 6. heapallindexed: live elements of rows VACUUM removed (what a VACUUM that missed them would leave). The index file
# as it was before a VACUUM is put back after it: every row the table still has is indexed, the elements of the
# deleted rows are live and their heap TIDs hold no row any more.
$node->safe_psql('postgres', q{
  CREATE TABLE gone (id int PRIMARY KEY, v vector(8));
  CREATE INDEX gone_idx ON gone USING hnsw (v vector_l2_ops);
  INSERT INTO gone SELECT * FROM items WHERE id <= 400;
  DELETE FROM gone WHERE id % 2 = 0;
});
$path = $datadir . '/' . $node->safe_psql('postgres', q{SELECT pg_relation_filepath('gone_idx')});
my $before_vacuum = read_file_bytes_after_stop();
$node->start;
($rc, $out, $err) = $node->psql('postgres', q{SELECT live, heap_rows FROM vectorext.index_check('gone_idx', true)});
is($out, '400|200', 'before VACUUM: the elements of deleted rows are live, and pass');
$node->safe_psql('postgres', 'VACUUM gone');
($rc, $out, $err) = $node->psql('postgres', q{SELECT live, heap_rows FROM vectorext.index_check('gone_idx', true)});
is($out, '200|200', 'index after VACUUM passes');
$node->stop;
write_file_bytes($before_vacuum);
$node->start;
($rc, $out, $err) = $node->psql('postgres', q{
  \set VERBOSITY verbose
  SELECT live, heap_rows FROM vectorext.index_check('gone_idx', true)});
like($err, qr/XX002/, 'elements of removed rows: XX002');
like($err, qr/Live element \d+ \(block \d+\) has heap TID \(\d+,\d+\), which holds no row/,
  'elements of removed rows: says which');

# 6. value pages (sparsevec values over 300 nonzeros, src/pg/hnsw/hnsw_values.cpp): a healthy index passes; a value
# page whose magic is damaged is named, with its element
$node->safe_psql('postgres', q{
  CREATE TABLE sparse_wide (id int PRIMARY KEY, s sparsevec(20000));
  INSERT INTO sparse_wide SELECT i, ('{' || string_agg(((i * 13 + j * 7) % 20000 + 1)::text || ':' || (1 + j % 5)::text,
      ',' ORDER BY (i * 13 + j * 7) % 20000) || '}/20000')::sparsevec
    FROM generate_series(1, 40) i, generate_series(0, 99 + (i % 4) * 1500) j GROUP BY i;
  CREATE INDEX sparse_wide_idx ON sparse_wide USING hnsw (s sparsevec_l1_ops);
});
($rc, $out, $err) = $node->psql('postgres', q{SELECT live, heap_rows FROM vectorext.index_check('sparse_wide_idx', true)});
is($out, '40|40', 'index with value pages passes');
$path = $datadir . '/' . $node->safe_psql('postgres', q{SELECT pg_relation_filepath('sparse_wide_idx')});
my $wide = read_file_bytes_after_stop();
my $value_block;
for my $blk (1 .. length($wide) / $page - 1) {
  if (unpack('V', substr($wide, $blk * $page + $hdr, 4)) == 0x56585650) { $value_block = $blk; last; }
}
ok(defined $value_block, 'the index has value pages');
$b = $wide;
substr($b, $value_block * $page + $hdr, 4) = pack('V', 0x01020304);
write_file_bytes($b);
$node->start;
($rc, $out, $err) = $node->psql('postgres', q{
  \set VERBOSITY verbose
  SELECT * FROM vectorext.index_check('sparse_wide_idx', true)});
like($err, qr/XX002/, 'damaged value page: XX002');
like($err, qr/Value page $value_block \(page \d+ of element \d+'s chain\) has magic 0x01020304/,
  'damaged value page: says which');
$node->stop;
done_testing();
