# A 256 MB model artifact round-trips intact through vectorext.register_model / vectorext.model_artifact (stored as
# 1 MB chunks, SHA-256 verified on the way out), and the backend's peak memory stays well below a few copies of it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Digest::SHA;
use Test::More;

my $mb = 256;
my $size = $mb * 1024 * 1024;

my $node = PostgreSQL::Test::Cluster->new('mlops_big');
$node->init;
# Small shared buffers: the peak resident set below then mostly measures the backend's private memory.
$node->append_conf('postgresql.conf', "wal_consistency_checking = ''\nmax_wal_size = 4GB\nshared_buffers = 16MB\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vectorext');

# Deterministic content: a 1 MB pseudo-random block (fixed seed), each copy stamped with its block number so that
# reordered or swapped chunks change the digest.
my $file = $node->basedir . '/model.bin';
srand(20240531);
my $block = join '', map { chr(int(rand(256))) } 1 .. 1024 * 1024;
my $sha = Digest::SHA->new(256);
open my $fh, '>:raw', $file or die $!;
for my $i (0 .. $mb - 1) {
  my $chunk = pack('N', $i) . substr($block, 4);
  print $fh $chunk;
  $sha->add($chunk);
}
close $fh;
chmod 0644, $file;
my $expected = $sha->hexdigest;

# VmHWM: the backend's peak resident set, in kB, read in the same session right after the work.
my $peak = q{SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+)'))[1]::bigint / 1024};

# lo_get reads the large object into one buffer of exactly its size: the argument exists once in memory.
my $loid = $node->safe_psql('postgres', "SELECT lo_import('$file')");
my ($in) = $node->safe_psql('postgres', qq{
  SELECT vectorext.register_model('big', 16, artifact => lo_get($loid), uri => 'file://model.bin');
  $peak;
});
my ($version, $store_peak_mb) = split /\n/, $in;
is($version, '1', 'registered version 1');
my $row = $node->safe_psql('postgres',
  q{SELECT size || ' ' || sha256 || ' ' || (SELECT count(*) FROM vectorext.artifact_chunk WHERE model = 'big')
    FROM vectorext.models WHERE name = 'big'});
is($row, "$size $expected 256", 'stored size, SHA-256 and 256 chunks of 1 MB');

my $out = $node->safe_psql('postgres', qq{
  SELECT encode(sha256(vectorext.model_artifact('big', 1)), 'hex');
  $peak;
});
my ($got, $load_peak_mb) = split /\n/, $out;
is($got, $expected, 'model_artifact returns the 256 MB intact (SHA-256 computed by the server)');
is($node->safe_psql('postgres', q{SELECT length(vectorext.model_artifact('big', 1))}), $size, '... and all its bytes');
diag("backend peak RSS: store $store_peak_mb MB, load $load_peak_mb MB (artifact $mb MB)");
# Storing holds the argument once (pg_read_binary_file's result); loading holds the result once.
cmp_ok($store_peak_mb, '<', 1.5 * $mb, 'storing does not need several copies in memory');
cmp_ok($load_peak_mb, '<', 1.5 * $mb, 'loading does not need several copies in memory');

# A changed byte in the middle of the artifact is detected.
my ($rc, $stdout, $stderr) = $node->psql('postgres', q{
  BEGIN;
  UPDATE vectorext.artifact_chunk SET data = overlay(data PLACING '\x00'::bytea FROM 777) WHERE model = 'big' AND seq = 128;
  SELECT length(vectorext.model_artifact('big', 1));
  ROLLBACK;
}, extra_params => ['-v', 'VERBOSITY=verbose']);
like($stderr, qr/XX001: artifact of model "big" version 1 is corrupted/, 'corruption detected with data_corrupted');

unlink $file;
$node->safe_psql('postgres', "SELECT lo_unlink($loid)");
$node->stop;
done_testing();
