# An HNSW index written with another layout version (version 1 stored float32 vectors packed across pages,
# version 2 half copies with their encoding error, whole records per page) is refused with a clear error and a
# hint to REINDEX, for scans and inserts; REINDEX makes it usable again. The meta page's version field is patched
# on disk while the server is stopped.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('hnsw_layout');
$node->init;
$node->start;
$node->safe_psql('postgres', "CREATE EXTENSION vectorext;
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(4));
  INSERT INTO items SELECT i, ARRAY[i, i % 7, 1, 2]::real[]::vector(4) FROM generate_series(1, 200) i;
  CREATE INDEX items_hnsw ON items USING hnsw (embedding);");
my $path = $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('items_hnsw')");
$node->stop;

# meta page: page header (24 bytes, MAXALIGNed), then Meta { uint32 magic; uint32 version; ... }
open(my $fh, '+<:raw', $path) or die "open $path: $!";
seek($fh, 24, 0);
read($fh, my $head, 8) == 8 or die 'short read';
my ($magic, $version) = unpack('VV', $head);
is(sprintf('%08x', $magic), '56584857', 'meta page magic where expected');
is($version, 2, 'current layout version is 2');
seek($fh, 28, 0);
print $fh pack('V', 1);
close($fh);

$node->start;
my ($ret, $out, $err) = $node->psql('postgres', "SET enable_seqscan = off;
  SELECT id FROM items ORDER BY embedding <-> '[1,1,1,2]' LIMIT 1", extra_params => ['-v', 'VERBOSITY=verbose']);
isnt($ret, 0, 'scan of a version-1 index fails');
like($err, qr/hnsw index "items_hnsw" has layout version 1, expected 2/, 'error names both versions');
like($err, qr/HINT:\s+REINDEX the index/, 'error hints to REINDEX');
($ret, $out, $err) = $node->psql('postgres', "INSERT INTO items VALUES (1000, '[1,1,1,1]')");
like($err, qr/has layout version 1/, 'insert into a version-1 index fails too');
$node->safe_psql('postgres', 'REINDEX INDEX items_hnsw');
is($node->safe_psql('postgres', "SET enable_seqscan = off;
  SELECT id FROM items ORDER BY embedding <-> '[5,5,1,2]' LIMIT 1"), '5', 'REINDEX writes the current layout');
$node->stop;
done_testing();
