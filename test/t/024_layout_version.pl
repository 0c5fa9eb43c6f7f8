# An index written with another layout version is refused with SQLSTATE 0A000, an error naming both versions and a
# hint to REINDEX, for scans and inserts; REINDEX makes it usable again. For each access method the meta page's
# version field is patched on disk while the server is stopped. (Version 1 of hnsw stored float32 vectors packed
# across pages, of ivf float32 flat postings; version 2 of both stores half copies with their encoding error; ivf
# version 3 keeps a first and an insert page per list so VACUUMed space is reused.)
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('layout_version');
$node->init;
$node->start;
$node->safe_psql('postgres', "CREATE EXTENSION vectorext;
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(4));
  INSERT INTO items SELECT i, ARRAY[i, i % 7, 1, 2]::real[]::vector(4) FROM generate_series(1, 200) i;");

# access method, index options, meta magic (Meta { uint32 magic; uint32 version; ... } after the 24-byte header),
# current layout version, the versions the error says this build reads (hnsw: 4 to 7, docs/hnsw-internals.md)
for my $case (['hnsw', '', '56584857', 4, 'versions 4 to 7'], ['ivfflat', 'WITH (lists = 4)', '56584956', 5, 'version 5'])
{
	my ($am, $with, $magic_hex, $current, $reads) = @$case;
	my $index = "items_$am";
	$node->safe_psql('postgres', "CREATE INDEX $index ON items USING $am (embedding vector_l2_ops) $with");
	my $path = $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('$index')");
	$node->stop;

	open(my $fh, '+<:raw', $path) or die "open $path: $!";
	seek($fh, 24, 0);
	read($fh, my $head, 8) == 8 or die 'short read';
	my ($magic, $version) = unpack('VV', $head);
	is(sprintf('%08x', $magic), $magic_hex, "$am: meta page magic where expected");
	is($version, $current, "$am: current layout version is $current");
	seek($fh, 28, 0);
	print $fh pack('V', 1);
	close($fh);

	$node->start;
	my ($ret, $out, $err) = $node->psql('postgres', "SET enable_seqscan = off;
	  SELECT id FROM items ORDER BY embedding <-> '[1,1,1,2]' LIMIT 1", extra_params => ['-v', 'VERBOSITY=verbose']);
	isnt($ret, 0, "$am: scan of a version-1 index fails");
	like($err, qr/ERROR:\s+0A000: index "$index" has layout version 1, this build reads $reads/,
		"$am: error names both versions, SQLSTATE 0A000");
	like($err, qr/HINT:\s+REINDEX the index/, "$am: error hints to REINDEX");
	($ret, $out, $err) = $node->psql('postgres', "INSERT INTO items VALUES (1000, '[1,1,1,1]')");
	like($err, qr/has layout version 1/, "$am: insert into a version-1 index fails too");
	$node->safe_psql('postgres', "REINDEX INDEX $index");
	is($node->safe_psql('postgres', "SET enable_seqscan = off; SET ivfflat.probes = 4;
	  SELECT id FROM items ORDER BY embedding <-> '[5,5,1,2]' LIMIT 1"), '5', "$am: REINDEX writes the current layout");
	$node->safe_psql('postgres', "DROP INDEX $index");
}
$node->stop;
done_testing();
