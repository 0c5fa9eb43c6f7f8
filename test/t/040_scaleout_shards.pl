# Sharding over postgres_fdw (docs/scale-out.md): a coordinator and two shard servers, each shard with its own hnsw
# index filled by rows the coordinator routes there (INSERT and COPY). The plain query
#   SELECT ... FROM items ORDER BY embedding <-> $1 LIMIT 10
# must run an ordered index scan on every shard (operators shipped), merge on the coordinator, fetch a bounded number
# of rows per shard, prune to one shard for a single-tenant filter (also with generic plans), match a single-node
# table (exact: identical; ANN: recall within a margin), and fail naming the server when a shard is down unless a
# partial answer is asked for.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $dims = 16;
# Clustered, deterministic data: 24 centres, each row its centre plus small noise (a pseudo-random hash of id, j).
my $vec_sql = qq{
  CREATE FUNCTION clustered(id int) RETURNS vector LANGUAGE sql IMMUTABLE AS \$\$
    SELECT array_agg(3 * sin((id % 24) * 7.13 + j * 1.37)
                     + 0.35 * sin(id * 12.9898 + j * 78.233) ORDER BY j)::real[]::vector
    FROM generate_series(1, $dims) j \$\$;
};

my @shards;
for my $n (1, 2) {
  my $shard = PostgreSQL::Test::Cluster->new("shard$n");
  $shard->init;
  $shard->append_conf('postgresql.conf', "autovacuum = off\nmax_connections = 20");
  $shard->start;
  # The index exists before the rows: the shard's graph is built by inserts, as in production.
  $shard->safe_psql('postgres', qq{
    CREATE EXTENSION vectorext;
    CREATE TABLE items (id int NOT NULL, tenant int NOT NULL, embedding vector($dims) NOT NULL);
    CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops);
    CREATE INDEX ON items (tenant);
  });
  push @shards, $shard;
}

my $coord = PostgreSQL::Test::Cluster->new('coordinator');
$coord->init;
$coord->start;
my $server_sql = '';
for my $n (1, 2) {
  my $s = $shards[$n - 1];
  my ($host, $port) = ($s->host, $s->port);
  $server_sql .= qq{
    CREATE SERVER shard$n FOREIGN DATA WRAPPER postgres_fdw
      OPTIONS (host '$host', port '$port', dbname 'postgres', extensions 'vectorext', fetch_size '20',
               options '-c cursor_tuple_fraction=0.0001');
    CREATE USER MAPPING FOR CURRENT_USER SERVER shard$n;
  };
}
$coord->safe_psql('postgres', qq{
  CREATE EXTENSION vectorext;
  CREATE EXTENSION postgres_fdw;
  $vec_sql
  $server_sql
  CREATE TABLE items (id int NOT NULL, tenant int NOT NULL, embedding vector($dims) NOT NULL)
    PARTITION BY HASH (tenant);
});

# ---- add_shard: refusals first, then the two shards
my ($ret, $out, $err) = $coord->psql('postgres', q{
  CREATE SERVER noship FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'localhost', dbname 'postgres');
  SELECT vectorext.add_shard('items', 'noship', modulus => 2, remainder => 0);
});
like($err, qr/server "noship" does not ship the operators of extension "vectorext"/, 'a server without the extensions option is refused');
like($err, qr/HINT:.*ADD extensions 'vectorext'/, '... with the ALTER SERVER to run');
like($err, qr/WARNING:  server "noship" does not set cursor_tuple_fraction for its sessions/,
  'a server whose sessions plan cursors for 10% of the rows is warned about');
like($err, qr/HINT:  ALTER SERVER noship OPTIONS \(ADD options '-c cursor_tuple_fraction=0.0001'\)/, '... with the fix');
($ret, $out, $err) = $coord->psql('postgres', q{SELECT vectorext.add_shard('items', 'shard1', list_values => '{1}')});
like($err, qr/is hash partitioned: pass modulus and remainder/, 'list bounds on a hash-partitioned table are refused');
($ret, $out, $err) = $coord->psql('postgres',
  q{SELECT vectorext.add_shard('items', 'shard1', modulus => 2, remainder => 0, remote_table => 'missing')});
like($err, qr/shard on server "shard1" cannot be read: .*"public.missing" does not exist/, 'a missing remote table is refused');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM pg_inherits WHERE inhparent = 'items'::regclass}), '0',
  '... and leaves no partition behind');
($ret, $out, $err) = $coord->psql('postgres', q{
  CREATE TABLE plain (id int);
  SELECT vectorext.add_shard('plain', 'shard1', modulus => 2, remainder => 0);
});
like($err, qr/"public.plain" is not a partitioned table/, 'a table that is not partitioned is refused');

is($coord->safe_psql('postgres', q{
  SELECT vectorext.add_shard('items', 'shard1', modulus => 2, remainder => 0);
  SELECT vectorext.add_shard('items', 'shard2', modulus => 2, remainder => 1);
  SELECT string_agg(partition::text || '@' || server || '=' || reachable, ' ' ORDER BY partition::text)
  FROM vectorext.shard_status('items');
}), "items_shard1\nitems_shard2\nitems_shard1\@shard1=true items_shard2\@shard2=true", 'two shards attached and reachable');

# ---- rows routed by the coordinator: INSERT and COPY; a single-node table of the same rows for reference
my $copy_rows = join('', map {
  my $i = $_;
  my @v = map { sprintf('%.6f', 3 * sin(($i % 24) * 7.13 + $_ * 1.37) + 0.35 * sin($i * 12.9898 + $_ * 78.233)) } 1 .. $dims;
  "$i\t" . ($i % 10) . "\t[" . join(',', @v) . "]\n"
} 3001 .. 4000);
$coord->safe_psql('postgres', q{
  INSERT INTO items SELECT i, i % 10, clustered(i) FROM generate_series(1, 3000) i;
  CREATE TABLE single (id int NOT NULL, tenant int NOT NULL, embedding vector(16) NOT NULL);
  INSERT INTO single SELECT i, i % 10, clustered(i) FROM generate_series(1, 3000) i;
  CREATE TABLE queries AS SELECT q, clustered(100000 + q * 7) AS v FROM generate_series(1, 40) q;
});
$coord->safe_psql('postgres', "COPY items FROM STDIN;\n${copy_rows}\\.\n");
$coord->safe_psql('postgres', "COPY single FROM STDIN;\n${copy_rows}\\.\n");
$coord->safe_psql('postgres', 'CREATE INDEX single_hnsw ON single USING hnsw (embedding vector_l2_ops); ANALYZE single, queries');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM items'), '4000', '4,000 rows through the coordinator');
my @per_shard = map { $_->safe_psql('postgres', 'SELECT count(*) FROM items') } @shards;
is($per_shard[0] + $per_shard[1], 4000, "rows landed on the shards ($per_shard[0] + $per_shard[1])");
ok($per_shard[0] > 0 && $per_shard[1] > 0, 'both shards hold rows');
my @tenants = map { $_->safe_psql('postgres', 'SELECT array_agg(DISTINCT tenant ORDER BY tenant) FROM items') } @shards;
is($coord->safe_psql('postgres', "SELECT '$tenants[0]'::int[] && '$tenants[1]'::int[]"), 'f',
  "each tenant lives on one shard ($tenants[0] / $tenants[1])");
$_->safe_psql('postgres', 'ANALYZE items') for @shards;
# The coordinator's statistics of its foreign partitions (sampled through postgres_fdw): without them it guesses a
# handful of rows per tenant and sorts them locally instead of shipping the ORDER BY.
$coord->safe_psql('postgres', 'ANALYZE items');

# ---- the plan: ordered index scans on both shards, merged
my $q1 = $coord->safe_psql('postgres', 'SELECT v FROM queries WHERE q = 1');
my $plan = $coord->safe_psql('postgres',
  "EXPLAIN (VERBOSE, ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM items ORDER BY embedding <-> '$q1' LIMIT 10");
like($plan, qr/Merge Append/, 'the coordinator merges');
my @remote = $plan =~ /Remote SQL: (.*)/g;
is(scalar(@remote), 2, 'one remote query per shard');
like($_, qr/ORDER BY \(embedding OPERATOR\(public\.<->\) '\[/, 'the distance order is shipped to the shard') for @remote;
my @fetched = $plan =~ /Foreign Scan on public\.items_shard\d items_\d \(actual rows=(\d+) loops=1\)/g;
is(scalar(@fetched), 2, 'both shards scanned');
ok($fetched[0] + $fetched[1] <= 12, "the merge consumed at most k + 1 rows per shard (@fetched)");
for my $s (@shards) {
  # what the shard plans for the shipped query, with the session settings the server's options give it
  like($s->safe_psql('postgres', "SET cursor_tuple_fraction = 0.0001;
      EXPLAIN (COSTS OFF) DECLARE c CURSOR FOR SELECT id, embedding FROM items ORDER BY embedding <-> '$q1'"),
    qr/Index Scan using items_hnsw/, 'the shard answers the shipped query through its hnsw index');
}

# Bounded transfer: each shard reads about one fetch_size batch (20) of index tuples for that query, not its
# 2,000 rows (a cursor FETCH 20 reads a tuple or two more than it returns).
# Wait until the shards' earlier connections have gone (they report statistics when they exit), then reset.
for my $s (@shards) {
  $s->poll_query_until('postgres',
    q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()});
  $s->safe_psql('postgres', 'SELECT pg_stat_reset()');
}
$coord->safe_psql('postgres', "SELECT id FROM items ORDER BY embedding <-> '$q1' LIMIT 10; SELECT postgres_fdw_disconnect_all();");
for my $n (0, 1) {
  my $read;
  for (1 .. 100) {  # the shard's backend reports its statistics when it exits
    $read = $shards[$n]->safe_psql('postgres', q{SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes WHERE indexrelname = 'items_hnsw'});
    last if $read > 0;
    sleep 0.1;
  }
  ok($read >= 11 && $read <= 25, "shard " . ($n + 1) . " read $read index tuples (fetch_size 20) for LIMIT 10");
}

# ---- results: exact search identical to one node; ANN recall within 0.02 of the single-node index
my $exact = q{
  SET enable_indexscan = off;
  SELECT string_agg(q || ':' || (SELECT string_agg(id::text, ',' ORDER BY d, id) FROM
    (SELECT id, embedding <-> v AS d FROM %s ORDER BY embedding <-> v, id LIMIT 10) s), ' ' ORDER BY q) FROM queries;
};
# On the shards, an ORDER BY on an expression no index serves is an exact sort of all rows.
my $exact_sharded = q{
  SELECT string_agg(q || ':' || (SELECT string_agg(id::text, ',' ORDER BY d, id) FROM
    (SELECT id, embedding <-> v AS d FROM items ORDER BY (embedding <-> v) + 0, id LIMIT 10) s), ' ' ORDER BY q) FROM queries;
};
is($coord->safe_psql('postgres', $exact_sharded), $coord->safe_psql('postgres', sprintf($exact, 'single')),
  'exact top-10 over two shards is identical to one node');

my $recall = q{
  SET enable_seqscan = off;
  WITH truth AS (SELECT q, array(SELECT id FROM single s ORDER BY (s.embedding <-> v) + 0 LIMIT 10) AS ids FROM queries),
       ann AS (SELECT q, array(SELECT id FROM %s t ORDER BY t.embedding <-> v LIMIT 10) AS ids FROM queries)
  SELECT round(avg((SELECT count(*) FROM unnest(ann.ids) x WHERE x = ANY (truth.ids)) / 10.0), 4)
  FROM truth JOIN ann USING (q);
};
my $recall_single = $coord->safe_psql('postgres', sprintf($recall, 'single'));
my $recall_sharded = $coord->safe_psql('postgres', sprintf($recall, 'items'));
cmp_ok($recall_sharded, '>=', 0.9, "sharded ANN recall\@10 $recall_sharded");
cmp_ok($recall_sharded, '>=', $recall_single - 0.02, "... within 0.02 of the single-node index ($recall_single)");

# ---- filters: pushed down; a single-tenant query is pruned to one shard, also with a generic plan
$plan = $coord->safe_psql('postgres',
  "EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM items WHERE tenant = 3 ORDER BY embedding <-> '$q1' LIMIT 10");
is(scalar(() = $plan =~ /Foreign Scan on/g), 1, 'a single-tenant query reaches one shard');
like($plan, qr/Remote SQL: .*WHERE \(\(tenant = 3\)\) ORDER BY/, 'the filter is pushed down with the order');
my $tenant_sharded = $coord->safe_psql('postgres',
  "SELECT string_agg(id::text, ',') FROM (SELECT id FROM items WHERE tenant = 3 ORDER BY embedding <-> '$q1' LIMIT 10) s");
my $tenant_single = $coord->safe_psql('postgres',
  "SET enable_indexscan = off; SELECT string_agg(id::text, ',') FROM (SELECT id FROM single WHERE tenant = 3 ORDER BY embedding <-> '$q1' LIMIT 10) s");
is($tenant_sharded, $tenant_single, 'the single-tenant answer equals the exact one');
my $generic = $coord->safe_psql('postgres', qq{
  SET plan_cache_mode = force_generic_plan;
  PREPARE knn(vector, int) AS SELECT id FROM items WHERE tenant = \$2 ORDER BY embedding <-> \$1 LIMIT 10;
  EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE knn('$q1', 3);
});
like($generic, qr/Subplans Removed: 1/, 'the generic plan prunes the other shard at run time');
my $generic_ids = join(',', split /\n/, $coord->safe_psql('postgres', qq{
  SET plan_cache_mode = force_generic_plan;
  PREPARE knn(vector, int) AS SELECT id FROM items WHERE tenant = \$2 ORDER BY embedding <-> \$1 LIMIT 10;
  EXECUTE knn('$q1', 3);
}));
is($generic_ids, $tenant_single, 'the generic plan returns the same rows');

# ---- a shard down: a clear error naming the server, partial answers only on request
$shards[1]->stop;
($ret, $out, $err) = $coord->psql('postgres', "SELECT id FROM items ORDER BY embedding <-> '$q1' LIMIT 10");
isnt($ret, 0, 'the global query fails while a shard is down');
like($err, qr/could not connect to server "shard2"/, '... naming the server');
my $status = $coord->safe_psql('postgres', q{
  SELECT string_agg(server || '=' || reachable, ' ' ORDER BY server) FROM vectorext.shard_status('items')});
is($status, 'shard1=true shard2=false', 'shard_status shows which shard is down');
($ret, $out, $err) = $coord->psql('postgres',
  "SELECT count(*) FROM vectorext.search_shards(NULL::items, 'embedding', '$q1'::vector, 10)");
like($err, qr/shard public.items_shard2 on server "shard2" is not available: could not connect/, 'search_shards refuses a partial answer by default');
($ret, $out, $err) = $coord->psql('postgres',
  "SELECT count(*), bool_and(satisfies_hash_partition('items'::regclass, 2, 0, tenant)) FROM vectorext.search_shards(NULL::items, 'embedding', '$q1'::vector, 10, allow_partial => true)");
is($out, '10|t', 'allow_partial returns k rows from the shard that answers');
like($err, qr/WARNING:  partial answer: 1 of 2 shards did not answer/, '... with a warning');
my $tenant_on_up_shard = $shards[0]->safe_psql('postgres', 'SELECT min(tenant) FROM items');
is($coord->safe_psql('postgres',
  "SELECT count(*) FROM (SELECT id FROM items WHERE tenant = $tenant_on_up_shard ORDER BY embedding <-> '$q1' LIMIT 10) s"),
  '10', 'a query pruned to the shard that is up still answers');
$shards[1]->start;
is($coord->safe_psql('postgres',
  "SELECT string_agg(id::text, ',') FROM vectorext.search_shards(NULL::items, 'embedding', '$q1'::vector, 10)"),
  $coord->safe_psql('postgres', "SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY embedding <-> '$q1' LIMIT 10) s"),
  'with every shard up, search_shards returns what the plain query returns');

$coord->stop;
$_->stop for @shards;
done_testing();
