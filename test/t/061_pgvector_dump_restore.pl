# Migrating from pgvector by dump and restore (docs/clients.md): pg_dump files of pgvector databases
# (test/data/pgvector_dump, made with pgvector 0.8.6 from our own data) restore into vectorext, both ways the docs
# give: as extension `vector` (PGVECTOR_NAME=1 install: the dump's own CREATE EXTENSION) and into a database that
# already has `vectorext` (the dump's two extension lines left out; also from a custom-format dump with pg_restore -L).
# After each restore every query pgvector answered in the dumped database gives the same answer (text and binary
# forms exactly, floats within 1e-6), every restored hnsw/ivfflat index is used and returns the exact neighbours.
# The halfvec/sparsevec/bit dump is restored once the build has those types; until then its part is skipped, loudly.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $fixtures = "$ENV{TESTDIR}/data/pgvector_dump";
my $node = PostgreSQL::Test::Cluster->new('pgvector_dump');
$node->init;
$node->start;

my $psql_file = sub {
	my ($db, $file, $name) = @_;
	command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db), '-f', $file], $name);
};

# The dump without its CREATE EXTENSION vector and COMMENT ON EXTENSION vector lines (docs/clients.md).
my $without_extension = sub {
	my ($in, $out) = @_;
	open(my $fh, '<', $in) or die "$in: $!";
	open(my $oh, '>', $out) or die "$out: $!";
	while (my $line = <$fh>) {
		next if $line =~ /^(CREATE EXTENSION IF NOT EXISTS vector |COMMENT ON EXTENSION vector )/;
		print $oh $line;
	}
	close $oh;
};

# Numbers within a relative 1e-6 (float32 sums in another order), everything else exactly.
sub same_answer {
	my ($want, $got, $exact) = @_;
	return $want eq $got if $exact;
	my $num = qr/(-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)/i;
	my @w = split $num, $want;
	my @g = split $num, $got;
	return 0 unless @w == @g;
	for my $i (0 .. $#w) {
		if ($i % 2 == 0) { return 0 unless $w[$i] eq $g[$i]; next; }
		my ($a, $b) = ($w[$i], $g[$i]);
		return 0 unless abs($a - $b) <= 1e-6 * (abs($a) > 1 ? abs($a) : 1);
	}
	return 1;
}

# Every query of pgvector_answers, run again here with exact scans.
sub check_answers {
	my ($db, $what) = @_;
	my $rows = $node->safe_psql($db, q{
		CREATE FUNCTION pg_temp.answer(q text) RETURNS text LANGUAGE plpgsql AS $$
		DECLARE a text;
		BEGIN
		  EXECUTE q INTO a;
		  RETURN a;
		EXCEPTION WHEN OTHERS THEN
		  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
		END $$;
		SET enable_indexscan = off;
		SET enable_bitmapscan = off;
		SELECT name || E'\x01' || coalesce(answer, 'null') || E'\x01' || coalesce(pg_temp.answer(query), 'null')
		FROM pgvector_answers ORDER BY name});
	my @rows = split /\n/, $rows;
	ok(@rows >= 20, "$what: " . scalar(@rows) . ' answers of pgvector to check');
	for my $row (@rows) {
		my ($name, $want, $got) = split /\x01/, $row, -1;
		my $exact = $name =~ /text|binary|order|long|^error/;
		ok(same_answer($want, $got, $exact), "$what: $name") or diag("pgvector: $want\nvectorext: $got");
	}
}

# Each restored ANN index alone (the others dropped in a rolled-back transaction) answers its kNN queries with the
# exact neighbours: ef_search / probes large enough on these few rows that a working index cannot miss one.
sub id_distances {
	my ($list) = @_;
	return [ map { [ split /:/ ] } split / /, ($list // '') ];
}

sub same_neighbours {
	my ($want, $got) = @_;
	my ($w, $g) = (id_distances($want), id_distances($got));
	return 0 unless @$w == @$g && @$w > 0;
	my $last = $w->[-1][1];
	for my $i (0 .. $#$w) {
		return 0 unless same_answer($w->[$i][1], $g->[$i][1], 0);
	}
	# Rows tied with the last distance may be any of the tied rows; all rows before must be the same.
	my %got = map { $_->[0] => 1 } @$g;
	for my $r (@$w) { return 0 unless $got{ $r->[0] } || same_answer($r->[1], $last, 0); }
	return 1;
}

sub check_indexes {
	my ($db, $what, $expression_queries) = @_;
	my @indexes = split /\n/, $node->safe_psql($db, q{
		SELECT c.relname || ' ' || a.amname || ' ' || pg_get_indexdef(i.indexrelid, 1, true) || ' ' || o.amopopr::regoperator::text
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
		JOIN pg_amop o ON o.amopfamily = (SELECT opcfamily FROM pg_opclass WHERE oid = i.indclass[0]) AND o.amoppurpose = 'o'
		WHERE a.amname IN ('hnsw', 'ivfflat') ORDER BY 1});
	ok(@indexes >= 7, "$what: " . scalar(@indexes) . ' hnsw/ivfflat indexes restored');
	my $answers = $node->safe_psql($db, q{SELECT name || E'\x01' || query || E'\x01' || answer FROM pgvector_answers WHERE name LIKE 'knn %'});
	my @knn = map { [ split /\x01/ ] } split /\n(?=knn )/, $answers;
	for my $index (@indexes) {
		my ($name, $am, $key, $operator) = split / /, $index, 4;
		my ($op) = $operator =~ /^(?:\w+\.)?(\S+?)\(/;
		my @queries;
		if ($key =~ /^\w+$/) {
			# Column indexes: pgvector's kNN answers on that column with that operator.
			for my $k (@knn) {
				my ($kname, $query, $want) = @$k;
				next unless $kname =~ /^knn (?:\Q$key\E )?\Q$op\E / && ($kname =~ /^knn \Q$key\E / || $key eq 'embedding');
				# Ordered by the distance alone (an index gives no order among ties) and without the IS NOT NULL filter
				# (NULLs sort after every distance; the filter would invite a btree index instead).
				(my $indexed = $query) =~ s/, id LIMIT 10\)/ LIMIT 10)/;
				$indexed =~ s/ WHERE \w+ IS NOT NULL//;
				push @queries, [ $kname, $indexed, $want ];
			}
		} else {
			my $q = $expression_queries->{$name} or die "no query for expression index $name";
			my $exact = $node->safe_psql($db, "SET enable_indexscan = off; SET enable_bitmapscan = off; $q");
			push @queries, [ 'exact scan', $q, $exact ];
		}
		ok(@queries > 0, "$what: $name has queries to answer");
		my $others = join ', ', map { (split / /)[0] } grep { (split / /)[0] ne $name } @indexes;
		for my $q (@queries) {
			my ($label, $query, $want) = @$q;
			my $out = $node->safe_psql($db, qq{
				BEGIN;
				DROP INDEX $others;
				SET LOCAL enable_seqscan = off;
				SET LOCAL enable_bitmapscan = off;
				SET LOCAL hnsw.ef_search = 200;
				SET LOCAL ivfflat.probes = 10;
				EXPLAIN (COSTS OFF) $query;
				$query;
				ROLLBACK;});
			my @lines = split /\n/, $out;
			my $got = pop @lines;
			like(join("\n", @lines), qr/Index Scan using \Q$name\E/, "$what: $name is used for $label");
			ok(same_neighbours($want, $got), "$what: $name returns the exact neighbours ($label)")
			  or diag("want: $want\ngot:  $got");
		}
	}
}

my $vector_dump = "$fixtures/vector_dump.sql";
my %vector_expressions = (
	items_hnsw_prefix => q{SELECT string_agg(id || ':' || d, ' ' ORDER BY d, id) FROM (SELECT id, subvector(embedding, 1, 4)::vector(4) <-> '[0.5,-0.2,1.1,0.3]' AS d
	                       FROM items ORDER BY subvector(embedding, 1, 4)::vector(4) <-> '[0.5,-0.2,1.1,0.3]' LIMIT 10) s});

# 1. With the drop-in install: the dump's own CREATE EXTENSION IF NOT EXISTS vector creates vectorext.
$node->safe_psql('postgres', 'CREATE DATABASE as_vector');
$psql_file->('as_vector', $vector_dump, 'vector dump restores with psql as extension vector');
is($node->safe_psql('as_vector', q{SELECT extname || ' ' || extversion FROM pg_extension WHERE extname LIKE 'vector%'}),
   'vector ' . $node->safe_psql('as_vector', q{SELECT 'vectorext-' || default_version FROM pg_available_extensions WHERE name = 'vectorext'}),
   'the dump created vectorext under pgvector\'s name');
check_answers('as_vector', 'vector dump as vector');
check_indexes('as_vector', 'vector dump as vector', \%vector_expressions);

# 2. Into a database that has vectorext: the dump without its two extension lines.
my $filtered = $node->basedir . '/vector_dump_without_extension.sql';
$without_extension->($vector_dump, $filtered);
$node->safe_psql('postgres', 'CREATE DATABASE as_vectorext');
$node->safe_psql('as_vectorext', 'CREATE EXTENSION vectorext');
$psql_file->('as_vectorext', $filtered, 'vector dump restores with psql into vectorext');
check_answers('as_vectorext', 'vector dump into vectorext');

# 3. A custom-format dump (of the restored database: the same TOC entries as pgvector's) with pg_restore -L, the
#    extension's entries left out of the list.
my $custom = $node->basedir . '/as_vector.dump';
command_ok(['pg_dump', '-Fc', '-d', $node->connstr('as_vector'), '-f', $custom], 'pg_dump -Fc');
my ($list) = run_command(['pg_restore', '-l', $custom]);
ok($list =~ /EXTENSION - vector/, 'the custom dump lists the extension');
my $list_file = $node->basedir . '/restore.list';
open(my $lh, '>', $list_file) or die;
print $lh join("\n", grep { !/ EXTENSION - vector| COMMENT - EXTENSION vector/ } split /\n/, $list), "\n";
close $lh;
$node->safe_psql('postgres', 'CREATE DATABASE custom_into_vectorext');
$node->safe_psql('custom_into_vectorext', 'CREATE EXTENSION vectorext');
command_ok(['pg_restore', '--exit-on-error', '-L', $list_file, '-d', $node->connstr('custom_into_vectorext'), $custom],
	'pg_restore -L into vectorext');
is($node->safe_psql('custom_into_vectorext', q{SELECT md5(string_agg(embedding::text || norm, ';' ORDER BY id)) FROM items}),
   $node->safe_psql('as_vector', q{SELECT md5(string_agg(embedding::text || norm, ';' ORDER BY id)) FROM items}),
   'custom-format restore has the same vectors');

# 4. halfvec, sparsevec and bit: only once the build has those types.
my $has_types = $node->safe_psql('as_vector', q{SELECT count(*) FROM pg_type WHERE typname IN ('halfvec', 'sparsevec')}) == 2;
SKIP: {
	if (!$has_types) {
		diag('SKIPPED: types_dump.sql (halfvec, sparsevec, bit) NOT restored: this build has no halfvec/sparsevec types yet');
		skip 'halfvec/sparsevec/bit not in this build yet: types_dump.sql not restored', 1;
	}
	$node->safe_psql('postgres', 'CREATE DATABASE types_as_vector');
	$psql_file->('types_as_vector', "$fixtures/types_dump.sql", 'types dump restores with psql as extension vector');
	check_answers('types_as_vector', 'types dump as vector');
	check_indexes('types_as_vector', 'types dump as vector', {
		items_embedding_as_half => q{SELECT string_agg(id || ':' || d, ' ' ORDER BY d, id) FROM (SELECT id, embedding::halfvec(8) <=> '[1,-1,1,-1,1,-1,1,-1]' AS d
		                             FROM items ORDER BY embedding::halfvec(8) <=> '[1,-1,1,-1,1,-1,1,-1]' LIMIT 10) s},
		items_embedding_quantized => q{SELECT string_agg(id || ':' || d, ' ' ORDER BY d, id) FROM (SELECT id, binary_quantize(embedding)::bit(8) <~> B'01010101' AS d
		                               FROM items ORDER BY binary_quantize(embedding)::bit(8) <~> B'01010101' LIMIT 10) s} });
}

$node->stop;
done_testing();
