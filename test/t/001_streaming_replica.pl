# A primary and a streaming standby: vectors written on the primary read back bit-identical on the standby.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION vectorext');
$primary->backup('base');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

$primary->safe_psql('postgres', q{
  CREATE TABLE items (id int PRIMARY KEY, embedding vector(16));
  INSERT INTO items
  SELECT i, ('[' || string_agg(((random() - 0.5) * 1e3)::real::text, ',') || ']')::vector
  FROM generate_series(1, 500) i, generate_series(1, 16) j GROUP BY i;
});
$primary->wait_for_catchup($standby);

my $digest = q{SELECT count(*) || ':' || md5(string_agg(encode(vector_send(embedding), 'hex'), ',' ORDER BY id)) FROM items};
my $on_primary = $primary->safe_psql('postgres', $digest);
my $on_standby = $standby->safe_psql('postgres', $digest);
like($on_primary, qr/^500:/, 'primary holds 500 vectors');
is($on_standby, $on_primary, 'standby returns the same vectors, byte for byte');

$standby->stop;
$primary->stop;
done_testing();
