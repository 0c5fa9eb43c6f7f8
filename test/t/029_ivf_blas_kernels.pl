# The OpenBLAS kernels an IVF build's training runs on (src/pg/ivf/ivf_train.cpp, openblas_coretype): before it loads
# vectorext_faiss, the backend names the kernel family this CPU can run in OPENBLAS_CORETYPE (OpenBLAS 0.3.21 gives a
# CPU model it does not know its SSE3 kernels), unless the server's environment already names one: then the user's
# choice wins. The DEBUG1 line that reports the module's load says which; the index built either way answers queries.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $setup = q{CREATE EXTENSION vectorext; SELECT setseed(0.5);
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(16));
  INSERT INTO items SELECT i, array_agg(((i % 8) + random())::real ORDER BY j)::vector(16)
    FROM generate_series(1, 3000) i, generate_series(1, 16) j GROUP BY i;};
my $build = q{SET client_min_messages = debug1;
  CREATE INDEX items_ivf ON items USING ivfflat (embedding) WITH (lists = 8);};
my $query = q{SET ivfflat.probes = 8;
  SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 1) LIMIT 5) s;};

# The load's DEBUG1 line: "loaded vectorext_faiss: ... OPENBLAS_CORETYPE <value>"
sub coretype_reported {
  my ($node) = @_;
  my ($rc, $out, $err) = $node->psql('postgres', $build);
  is($rc, 0, $node->name . ': CREATE INDEX succeeds') or diag($err);
  my ($value) = $err =~ /loaded vectorext_faiss: .*OPENBLAS_CORETYPE (.*)$/m;
  return $value;
}

# The server started without the variable: the backend chooses for this CPU.
{
  local $ENV{OPENBLAS_CORETYPE};
  delete $ENV{OPENBLAS_CORETYPE};
  my $node = PostgreSQL::Test::Cluster->new('blas_default');
  $node->init;
  $node->start;
  $node->safe_psql('postgres', $setup);
  my $value = coretype_reported($node);
  ok(defined $value, 'the load of vectorext_faiss is reported at DEBUG1');
  my $machine = `uname -m`;
  chomp $machine;
  my $flags = '';
  if (open(my $fh, '<', '/proc/cpuinfo')) {
    ($flags) = join('', <$fh>) =~ /^flags\s*:\s*(.*)$/m;
    close($fh);
  }
  if ($machine eq 'x86_64' && $flags =~ /\bavx512bw\b/) {
    is($value, 'SkylakeX', 'AVX-512 F and BW: the AVX-512 kernels are named');
  } elsif ($machine eq 'x86_64' && $flags =~ /\bavx2\b/ && $flags =~ /\bfma\b/) {
    is($value, 'Haswell', 'AVX2 and FMA: the AVX2 kernels are named');
  } else {
    like($value, qr/^\(unset/, "no AVX2: OpenBLAS keeps its own choice ($value)");
  }
  is($node->safe_psql('postgres', $query), '5', 'the index answers a query');
  $node->stop;
}

# The server's environment names the kernels: the backend leaves them alone.
{
  local $ENV{OPENBLAS_CORETYPE} = 'Prescott';
  my $node = PostgreSQL::Test::Cluster->new('blas_user');
  $node->init;
  $node->start;
  $node->safe_psql('postgres', $setup);
  is(coretype_reported($node), 'Prescott', "a setting in the server's environment wins");
  is($node->safe_psql('postgres', $query), '5', 'the index answers a query');
  $node->stop;
}

done_testing();
