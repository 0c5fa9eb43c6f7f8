# vectorext.index_check on deliberately damaged ivfflat / ivf indexes: with the server stopped, bytes of the index
# file are overwritten from Perl (a heap TID, a chain link, a directory slot, a code, a line pointer, the meta page);
# the check then fails with SQLSTATE XX002 and a message naming what is wrong where. Restoring the file's bytes makes
# it pass again. Layout (src/pg/ivf/ivf_page.h): 8 kB pages, 24-byte page header, line pointers after it, the special
# area {uint32 next, uint16 kind, uint16 page_id} in the last 8 bytes; a posting is {tid(6), pad(2), code}.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ivf_check');
$node->init;
$node->start;
$node->safe_psql('postgres', q{CREATE EXTENSION vectorext; SELECT setseed(0.27);
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(4));
  INSERT INTO items SELECT i, array_agg((((i % 4) * 2) + random())::real ORDER BY j)::vector(4)
    FROM generate_series(1, 2000) i, generate_series(1, 4) j GROUP BY i;
  CREATE INDEX items_flat ON items USING ivfflat (embedding) WITH (lists = 4);
  CREATE INDEX items_sq8 ON items USING ivf (embedding) WITH (lists = 4, quantizer = 'sq8');
  CREATE INDEX items_pq ON items USING ivf (embedding) WITH (lists = 4, quantizer = 'pq', pq_m = 2);});

my $BLCKSZ = 8192;
sub path_of { my ($index) = @_; $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('$index')") }
sub read_file { my ($path) = @_; open(my $fh, '<:raw', $path) or die "open $path: $!"; local $/; my $d = <$fh>; close($fh); $d }
sub write_file { my ($path, $data) = @_; open(my $fh, '>:raw', $path) or die "open $path: $!"; print $fh $data; close($fh) }
sub u32 { my ($data, $off) = @_; unpack('V', substr($data, $off, 4)) }
sub put32 { my ($data, $off, $v) = @_; substr($$data, $off, 4) = pack('V', $v) }
sub put16 { my ($data, $off, $v) = @_; substr($$data, $off, 2) = pack('v', $v) }
# meta (contents at byte 24 of block 0): directory_start at +64, first_posting at +76
sub directory_start { u32($_[0], 24 + 64) }
# list's {first, insert} slot
sub slot_offset { my ($data, $list) = @_; directory_start($data) * $BLCKSZ + 24 + 8 * $list }
sub first_page { my ($data, $list) = @_; u32($data, slot_offset($data, $list)) }
# line pointer $item (1-based) of block $block: its offset in the file, and the item's offset and length
sub line_pointer { my ($block, $item) = @_; $block * $BLCKSZ + 24 + 4 * ($item - 1) }
sub item_offset {
  my ($data, $block, $item) = @_;
  my $lp = u32($data, line_pointer($block, $item));
  return $block * $BLCKSZ + ($lp & 0x7fff);
}

my $check = q{SELECT entries FROM vectorext.index_check('%s', true)};
for my $index ('items_flat', 'items_sq8', 'items_pq') {
  is($node->safe_psql('postgres', sprintf($check, $index)), '2000', "$index: healthy index passes");
}

# Each case: index, description, code patching the file contents (a string ref), expected message.
my @cases = (
  ['items_flat', 'heap TID with item number 0', sub {
     my ($d) = @_; my $b = first_page($$d, 0); put16($d, item_offset($$d, $b, 1) + 4, 0) },
   qr/list 0, block \d+, item 1 points at heap item 0 of block \d+, not a valid item number/],
  ['items_flat', 'chain link to a centroid page', sub {
     my ($d) = @_; my $b = first_page($$d, 0); put32($d, ($b + 1) * $BLCKSZ - 8, 1) },
   qr/list 0 links to block 1, before the posting pages \(from block \d+\)/],
  ['items_flat', 'two lists sharing a chain', sub {
     my ($d) = @_; put32($d, slot_offset($$d, 1), first_page($$d, 0)) },
   qr/list 1 reaches block \d+, which a list reached before/],
  ['items_flat', 'a list whose first page is skipped', sub {
     my ($d) = @_; my $b = first_page($$d, 2); put32($d, slot_offset($$d, 2), u32($$d, ($b + 1) * $BLCKSZ - 8)) },
   qr/block \d+ holds \d+ postings, but no list reaches it/],
  ['items_flat', 'a changed half in a flat code', sub {
     my ($d) = @_; my $b = first_page($$d, 3); my $at = item_offset($$d, $b, 5) + 8 + 8;
     substr($$d, $at, 1) = chr(ord(substr($$d, $at, 1)) ^ 1) },
   qr/the posting of heap row \(\d+,\d+\) does not hold the encoding of the row's vector/],
  ['items_flat', 'a heap TID indexed twice', sub {
     my ($d) = @_; my $b = first_page($$d, 1);
     substr($$d, item_offset($$d, $b, 2), 6) = substr($$d, item_offset($$d, $b, 1), 6) },
   qr/heap row \(\d+,\d+\) is indexed twice/],
  ['items_sq8', 'a posting of the wrong length', sub {
     my ($d) = @_; my $b = first_page($$d, 0); my $lp = u32($$d, line_pointer($b, 3));
     put32($d, line_pointer($b, 3), $lp - (1 << 17)) },
   qr/list 0, block \d+, item 3 has 11 bytes, expected 12/],
  ['items_pq', 'meta page with another number of lists', sub {
     my ($d) = @_; put32($d, 24 + 24, 5) },
   qr/block 1 keeps 64 bytes of contents, expected at least 80/],
  ['items_pq', 'meta page with another code size', sub {
     my ($d) = @_; put32($d, 24 + 36, 3) },
   qr/meta page has code size 3, expected 2/],
  ['items_flat', 'a chain linking to a page of the wrong kind', sub {
     my ($d) = @_; my $b = first_page($$d, 0); put16($d, ($b + 1) * $BLCKSZ - 4, 3) },
   qr/list 0: block \d+ is a codebook page, expected a posting page/],
  ['items_pq', 'an unknown layout version', sub {
     my ($d) = @_; put32($d, 24 + 4, 77) },
   qr/meta page has unknown layout version 77/],
  ['items_sq8', 'a directory slot pointing into the model pages', sub {
     my ($d) = @_; put32($d, slot_offset($$d, 3) + 4, 1) },
   qr/list 3 points at block 1, before the posting pages/],
);
for my $case (@cases) {
  my ($index, $what, $patch, $expect) = @$case;
  my $path = path_of($index);
  $node->stop;
  my $original = read_file($path);
  my $damaged = $original;
  $patch->(\$damaged);
  isnt($damaged, $original, "$index, $what: the file was changed");
  write_file($path, $damaged);
  $node->start;
  my ($ret, $out, $err) = $node->psql('postgres', sprintf($check, $index), extra_params => ['-v', 'VERBOSITY=verbose']);
  isnt($ret, 0, "$index, $what: index_check fails");
  like($err, qr/ERROR:\s+XX002: index "$index" is corrupted: /, "$index, $what: SQLSTATE XX002 naming the index");
  like($err, $expect, "$index, $what: the message says what and where");
  $node->stop;
  write_file($path, $original);
  $node->start;
  is($node->safe_psql('postgres', sprintf($check, $index)), '2000', "$index, $what: restored, it passes again");
}
$node->stop;
done_testing();
