# An MLOps model version on another server (docs/scale-out.md "A model version on another server"): a coordinator
# and one shard server. A collection keeps version 1 in a local partition and version 2 in a postgres_fdw foreign
# table on the shard (vectorext.add_version(..., server => 'shard1')). Both are backfilled through the coordinator;
# version 1's index is built here, version 2's on the shard (build_index refuses, naming the server). Searches of the
# remote version are answered by the shard's hnsw index (the remote SQL ships the ORDER BY; the shard plans an index
# scan and counts it); the promotion gate refuses version 2 while rows are missing or the shard has no index, checks
# it as the owner of its partition (the extension owner has no user mapping at all), and cannot be fooled into
# reading a table only the extension owner's credentials could read; promote and rollback move between the local and
# the remote version; a stopped shard gives errors naming the server while the local version keeps answering; an
# application role searches the remote version through its own user mapping.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $dims = 16;
my $rows = 1500;

my $shard = PostgreSQL::Test::Cluster->new('shard1');
$shard->init;
$shard->append_conf('postgresql.conf', "autovacuum = off\nmax_connections = 20");
$shard->start;
# On the shard: the version's table (created by its owner there, team_remote), readable by the application's role.
# Its index comes later, after the backfill. secret_v2 is a table only the shard's superuser may read.
$shard->safe_psql('postgres', qq{
  CREATE EXTENSION vectorext;
  CREATE ROLE team_remote LOGIN;
  CREATE ROLE app_remote LOGIN;
  CREATE TABLE docs_emb_v2 (id int NOT NULL, model_version int NOT NULL CHECK (model_version = 2),
                            embedding vector($dims) NOT NULL, source_digest text,
                            embedded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (id, model_version));
  ALTER TABLE docs_emb_v2 OWNER TO team_remote;
  GRANT SELECT ON docs_emb_v2 TO app_remote;
  CREATE TABLE secret_v2 (LIKE docs_emb_v2 INCLUDING ALL);
  REVOKE ALL ON secret_v2 FROM PUBLIC;
});

my $coord = PostgreSQL::Test::Cluster->new('coordinator');
$coord->init;
$coord->start;
my ($host, $port) = ($shard->host, $shard->port);
# The extension owner (the superuser) gets no user mapping: only the collection's owner and the application
# connect to the shard. password_required 'false' because the loopback shard trusts local connections.
$coord->safe_psql('postgres', qq{
  CREATE EXTENSION vectorext;
  CREATE EXTENSION postgres_fdw;
  CREATE FUNCTION clustered(id int) RETURNS vector LANGUAGE sql IMMUTABLE AS \$\$
    SELECT array_agg(3 * sin((id % 24) * 7.13 + j * 1.37) + 0.35 * sin(id * 12.9898 + j * 78.233) ORDER BY j)::real[]::vector
    FROM generate_series(1, $dims) j \$\$;
  CREATE SERVER shard1 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '$host', port '$port', dbname 'postgres', extensions 'vectorext', fetch_size '20',
             options '-c cursor_tuple_fraction=0.0001');
  CREATE ROLE team;
  CREATE ROLE app;
  CREATE ROLE nomap;
  CREATE ROLE other;
  GRANT USAGE ON FOREIGN SERVER shard1 TO team;
  CREATE USER MAPPING FOR team SERVER shard1 OPTIONS (user 'team_remote', password_required 'false');
  CREATE USER MAPPING FOR app SERVER shard1 OPTIONS (user 'app_remote', password_required 'false');
  CREATE TABLE docs (id int PRIMARY KEY, body text);
  INSERT INTO docs SELECT i, 'doc ' || i FROM generate_series(1, $rows) i;
  GRANT SELECT ON docs TO team, app, nomap, other;
  GRANT CREATE ON SCHEMA public TO team, other;
  SELECT vectorext.register_model('emb', $dims), vectorext.register_model('emb', $dims), vectorext.register_model('emb', $dims);
  SELECT vectorext.set_model_owner('emb', 'team');
  SELECT vectorext.grant_model('emb', 'other', 'register');
  CREATE TABLE queries AS SELECT q, clustered(100000 + q * 7) AS v FROM generate_series(1, 20) q;
  GRANT SELECT ON queries TO PUBLIC;
});

sub psql_as {    # (role, sql) -> (ret, stdout, stderr), run as `role`
  my ($role, $sql) = @_;
  return $coord->psql('postgres', "SET ROLE $role;\n$sql");
}
sub safe_as { my ($role, $sql) = @_; return $coord->safe_psql('postgres', "SET ROLE $role;\n$sql"); }

# ---- the collection: version 1 here, version 2 on the shard
my ($ret, $out, $err) = psql_as('team', q{
  SELECT vectorext.create_collection('docs_emb', 'docs', 'emb');
  SELECT vectorext.add_version('docs_emb', 1);
  SELECT vectorext.add_version('docs_emb', 2, server => 'shard1');
});
is($ret, 0, 'the collection owner adds version 1 here and version 2 on server shard1') or diag($err);
like($err, qr/NOTICE:  collection "docs_emb" keeps its primary key \(id, model_version\) on each local partition/,
  '... moving the key to the local partitions, with a notice');
is($coord->safe_psql('postgres', q{
  SELECT string_agg(c.relname || ':' || c.relkind::text || ':' || coalesce(s.srvname, '-'), ' ' ORDER BY c.relname)
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  LEFT JOIN pg_foreign_table f ON f.ftrelid = c.oid LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver
  WHERE i.inhparent = 'docs_emb'::regclass}),
  'docs_emb_unknown_version:r:- docs_emb_v1:r:- docs_emb_v2:f:shard1', 'version 2 is a foreign table on shard1');
($ret, $out, $err) = psql_as('team', q{SELECT vectorext.add_version('docs_emb', 3, server => 'shard1')});
like($err, qr/version 3 of collection "docs_emb" on server "shard1" cannot be read: .*"public.docs_emb_v3" does not exist/,
  'a remote table that does not exist is refused');
like($err, qr/HINT:  Create it on server shard1 first: CREATE TABLE public.docs_emb_v3 \(id integer NOT NULL, model_version int NOT NULL CHECK \(model_version = 3\), embedding vector\(16\)/,
  '... with the CREATE TABLE to run there');
($ret, $out, $err) = psql_as('app', q{SELECT vectorext.add_version('docs_emb', 3, server => 'shard1')});
like($err, qr/permission denied: role "app" does not own collection "docs_emb"/, 'a reader may not add a version');
($ret, $out, $err) = psql_as('other', q{
  BEGIN;
  SELECT vectorext.create_collection('other_emb', 'docs', 'emb');
  SELECT vectorext.add_version('other_emb', 2, server => 'shard1', remote_table => 'docs_emb_v2');
  ROLLBACK;
});
like($err, qr/permission denied for foreign server shard1/, 'a collection owner without USAGE on the server may not add a remote version');

# ---- backfill through the coordinator: rows are routed to the shard; a few are still missing there
safe_as('team', qq{
  INSERT INTO docs_emb (id, model_version, embedding) SELECT i, 1, clustered(i) FROM generate_series(1, $rows) i;
  INSERT INTO docs_emb (id, model_version, embedding) SELECT i, 2, clustered(i) FROM generate_series(1, $rows - 100) i;
  SELECT vectorext.build_index('docs_emb', 1);
  GRANT SELECT ON docs_emb TO app, nomap;
});
is($shard->safe_psql('postgres', 'SELECT count(*), count(source_digest) FROM docs_emb_v2'), ($rows - 100) . '|' . ($rows - 100),
  'the rows of version 2 landed on the shard, with their source digests');
is(safe_as('team', q{SELECT missing || ' missing of ' || source_rows FROM vectorext.coverage('docs_emb', 2)}),
  "100 missing of $rows", 'coverage reads the remote version');
($ret, $out, $err) = psql_as('team', q{INSERT INTO docs_emb (id, model_version, embedding) VALUES (1, 2, '[1,2,3]')});
like($err, qr/embedding has 3 dimensions, but version 2 of model "emb" produces 16/, 'the row check refuses wrong dims on the way to the shard');
($ret, $out, $err) = psql_as('team', q{SELECT vectorext.build_index('docs_emb', 2, options => 'm = 8')});
like($err, qr/version 2 of collection "docs_emb" lives on server "shard1": build its index there/, 'build_index refuses a remote version');
like($err, qr/HINT:  On that server run: CREATE INDEX ON public.docs_emb_v2 USING hnsw \(embedding vector_l2_ops\) WITH \(m = '8'\)/,
  '... and says what to run there');

# ---- the gate: refuses missing rows, then a shard without an index; the extension owner cannot read it itself
is($coord->safe_psql('postgres', q{SELECT vectorext.promote('emb', 1)}), '1', 'version 1 (local) becomes champion');
($ret, $out, $err) = $coord->psql('postgres', q{SELECT count(*) FROM docs_emb_v2});
like($err, qr/user mapping not found for (user )?"postgres"/, 'the extension owner has no user mapping for the shard');
($ret, $out, $err) = $coord->psql('postgres', q{SELECT vectorext.promote('emb', 2)});
like($err, qr/cannot promote version 2 of model "emb": collection "docs_emb" version 2 on server "shard1" is not fully embedded: 100 of $rows source rows missing/,
  'the gate refuses a remote version with missing rows (read as the partition owner)');
safe_as('team', qq{INSERT INTO docs_emb (id, model_version, embedding) SELECT i, 2, clustered(i) FROM generate_series($rows - 99, $rows) i});
($ret, $out, $err) = $coord->psql('postgres', q{SELECT vectorext.promote('emb', 2)});
like($err, qr/collection "docs_emb" version 2 has no ANN index on server "shard1"/, 'the gate refuses a remote version without an index');
like($err, qr/HINT:  Build it on that server: CREATE INDEX ON public.docs_emb_v2 USING hnsw \(embedding vector_l2_ops\); or pass force => true/,
  '... saying what to build there');
$shard->safe_psql('postgres', q{CREATE INDEX docs_emb_v2_cos ON docs_emb_v2 USING hnsw (embedding vector_cosine_ops)});
($ret, $out, $err) = $coord->psql('postgres', q{SELECT vectorext.promote('emb', 2)});
like($err, qr/has no ANN index on server "shard1" \(none valid with vector_l2_ops/, 'an index of another metric does not count');
$shard->safe_psql('postgres', q{
  DROP INDEX docs_emb_v2_cos;
  CREATE INDEX docs_emb_v2_hnsw ON docs_emb_v2 USING hnsw (embedding vector_l2_ops);
  ANALYZE docs_emb_v2});
is(safe_as('app', q{SELECT string_agg(index_name || ' ' || method || ' ' || opclass || ' ' || valid, ',') FROM vectorext.remote_ann_indexes('docs_emb_v2')}),
  'docs_emb_v2_hnsw hnsw vector_l2_ops true', 'remote_ann_indexes lists the shard\'s index (read through the reader\'s mapping)');
$coord->safe_psql('postgres', 'ANALYZE docs');
safe_as('team', 'ANALYZE docs_emb');

# A collection owner who points its foreign table at a table only the extension owner's credentials could read
# gains nothing: the gate reads as the partition's owner.
$shard->safe_psql('postgres', q{INSERT INTO secret_v2 SELECT * FROM docs_emb_v2});
$coord->safe_psql('postgres', q{CREATE USER MAPPING FOR postgres SERVER shard1});
safe_as('team', q{ALTER FOREIGN TABLE docs_emb_v2 OPTIONS (SET table_name 'secret_v2')});
($ret, $out, $err) = $coord->psql('postgres', q{SELECT vectorext.promote('emb', 2)});
like($err, qr/version 2 on server "shard1" cannot be checked: permission denied for table secret_v2/,
  'the gate does not lend the extension owner\'s credentials to the collection owner');
like($err, qr/The gate reads it as the owner of public.docs_emb_v2 \(role team\)/, '... and says whose mapping it used');
safe_as('team', q{ALTER FOREIGN TABLE docs_emb_v2 OPTIONS (SET table_name 'docs_emb_v2')});
$coord->safe_psql('postgres', q{DROP USER MAPPING FOR postgres SERVER shard1});

is($coord->safe_psql('postgres', q{SELECT vectorext.promote('emb', 2)}), '2', 'the gate promotes the remote version once it is complete and indexed');

# ---- search by alias: the champion (version 2) is answered by the shard's index
my $q1 = $coord->safe_psql('postgres', 'SELECT v FROM queries WHERE q = 1');
my $plan = safe_as('app', qq{EXPLAIN (VERBOSE, COSTS OFF)
  SELECT id FROM docs_emb WHERE model_version = vectorext.version_of('emb') ORDER BY embedding <-> '$q1' LIMIT 10});
like($plan, qr/Subplans Removed: 2/, 'the plain query is pruned to the served version');
my ($remote_sql) = $plan =~ /Remote SQL: (.*)/;
like($remote_sql, qr/ORDER BY \(embedding OPERATOR\(public\.<->\) '\[.*\]'\) ASC NULLS LAST/, 'the ORDER BY is shipped to the shard');
like($shard->safe_psql('postgres', "SET cursor_tuple_fraction = 0.0001; EXPLAIN (COSTS OFF) DECLARE c CURSOR FOR $remote_sql"),
  qr/Index Scan using docs_emb_v2_hnsw/, 'the shard plans that query as a scan of its hnsw index');

# vectorext.search itself (its own statement, with parameters): the shard's index counts the scan.
$shard->poll_query_until('postgres',
  q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()});
$shard->safe_psql('postgres', 'SELECT pg_stat_reset()');
my $search_sql = q{SELECT string_agg(key, ',' ORDER BY distance, key) FROM vectorext.search('docs_emb', (SELECT v FROM queries WHERE q = 1), 10)};
my $found = safe_as('app', $search_sql);   # (its connection to the shard closes with the session)
my $scans;
for (1 .. 100) {    # the shard's backend reports its statistics when it exits
  $scans = $shard->safe_psql('postgres', q{SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'docs_emb_v2_hnsw'});
  last if $scans > 0;
  sleep 0.1;
}
cmp_ok($scans, '>=', 1, "vectorext.search of the remote champion scanned the shard's hnsw index ($scans scans)");

# Recall of both versions' indexes against exact search on the same rows (clustered data: a broken index fails).
my $recall = q{
  SELECT round(avg((SELECT count(*) FROM unnest(ann) x WHERE x = ANY (exact)) / 10.0), 3) FROM (
    SELECT ARRAY(SELECT key FROM vectorext.search('docs_emb', v, 10, '%s')) AS ann,
           ARRAY(SELECT id::text FROM docs_emb t WHERE t.model_version = %d ORDER BY (t.embedding <-> v) + 0, id LIMIT 10) AS exact
    FROM queries) s};
$coord->safe_psql('postgres', q{SELECT vectorext.set_alias('emb', 'challenger', 1)});
my $recall_remote = safe_as('app', sprintf($recall, 'champion', 2));
my $recall_local = safe_as('app', sprintf($recall, 'challenger', 1));
cmp_ok($recall_remote, '>=', 0.9, "recall\@10 of the remote version through the shard's index: $recall_remote");
cmp_ok($recall_local, '>=', 0.9, "recall\@10 of the local version: $recall_local");
is(safe_as('app', q{SELECT round(vectorext.recall('docs_emb', 2, 20, 10)::numeric, 1) >= 0.9}), 't',
  'vectorext.recall measures the remote version (ANN and exact searches shipped)');
is($found, safe_as('app', q{SELECT string_agg(key, ',' ORDER BY distance, key) FROM vectorext.search('docs_emb', (SELECT v FROM queries WHERE q = 1), 10)}),
  'the same search gives the same keys again');

# ---- rollback to the local version, and promote back
is($coord->safe_psql('postgres', q{SELECT vectorext.rollback('emb')}), '1', 'rollback points the champion at the local version');
like(safe_as('app', qq{EXPLAIN (COSTS OFF) SELECT id FROM docs_emb WHERE model_version = vectorext.version_of('emb') ORDER BY embedding <-> '$q1' LIMIT 10}),
  qr/Index Scan using docs_emb_v1_hnsw_idx/, '... and searches use its local index');
is($coord->safe_psql('postgres', q{SELECT vectorext.promote('emb', 2); SELECT string_agg(action || ':' || coalesce(from_version::text, '-') || '>' || to_version, ' ' ORDER BY id) FROM vectorext.alias_history WHERE alias = 'champion'}),
  "2\npromote:->1 promote:1>2 rollback:2>1 promote:1>2", 'promote and rollback across the local and the remote version');

# ---- privileges: a role with SELECT but no user mapping; seal
($ret, $out, $err) = psql_as('nomap', q{SELECT * FROM vectorext.search('docs_emb', (SELECT v FROM queries WHERE q = 1), 10)});
like($err, qr/user mapping not found for (user )?"nomap"/, 'a reader without a user mapping cannot search the remote version');
is(safe_as('nomap', q{SELECT count(*) FROM vectorext.search('docs_emb', (SELECT v FROM queries WHERE q = 1), 10, 'challenger')}), '10',
  '... but searches the local one');
safe_as('team', q{SELECT vectorext.seal('docs_emb', 2)});
($ret, $out, $err) = psql_as('team', q{UPDATE docs_emb SET embedding = embedding WHERE model_version = 2 AND id = 1});
like($err, qr/version 2 of collection "docs_emb" is sealed/, 'a sealed remote version refuses writes through the coordinator');
($ret, $out, $err) = psql_as('team', q{TRUNCATE docs_emb});
like($err, qr/foreign table "docs_emb_v2" does not allow truncates/, '... and TRUNCATE');
is(safe_as('app', q{SELECT state || ' ' || rows || ' ' || coverage || ' ' || server FROM vectorext.collection_versions WHERE version = 2}),
  "sealed $rows 1.0000 shard1", 'collection_versions shows the remote version and its server');

# ---- the shard stopped: errors name the server; the local version keeps answering
$shard->stop;
($ret, $out, $err) = psql_as('app', q{SELECT * FROM vectorext.search('docs_emb', (SELECT v FROM queries WHERE q = 1), 10)});
like($err, qr/could not connect to server "shard1"/, 'searching the remote champion fails, naming the server');
is(safe_as('app', q{SELECT count(*) FROM vectorext.search('docs_emb', (SELECT v FROM queries WHERE q = 1), 10, 'challenger')}), '10',
  'the local version still answers');
is(safe_as('app', q{SELECT version || ':' || coalesce(rows::text, 'null') FROM vectorext.collection_versions ORDER BY version}),
  "1:$rows\n2:null", 'collection_versions still lists every version (no rows for the unreachable one)');
is($coord->safe_psql('postgres', q{SELECT vectorext.rollback('emb')}), '1', 'rollback to the local version needs no shard');
($ret, $out, $err) = $coord->psql('postgres', q{SELECT vectorext.promote('emb', 2)});
like($err, qr/collection "docs_emb" version 2 on server "shard1" cannot be checked: could not connect to server "shard1"/,
  'the gate cannot check the remote version while the shard is down, and says so');
($ret, $out, $err) = $coord->psql('postgres', q{SELECT vectorext.promote('emb', 2, force => true)});
like($err, qr/WARNING:  promoting version 2 of model "emb" although .* cannot be checked/, '... force promotes anyway, with a warning');
is($coord->safe_psql('postgres', q{SELECT forced FROM vectorext.alias_history ORDER BY id DESC LIMIT 1}), 't', '... recorded as forced');
$shard->start;
is(safe_as('app', "SELECT string_agg(key, ',' ORDER BY distance, key) FROM vectorext.search('docs_emb', (SELECT v FROM queries WHERE q = 1), 10)"),
  $found, 'the shard back: the remote champion answers as before');

# ---- retiring the remote version drops the foreign table; its rows stay on the shard
$coord->safe_psql('postgres', q{SELECT vectorext.rollback('emb'); SELECT vectorext.set_alias('emb', 'challenger', 1)});
($ret, $out, $err) = psql_as('team', q{SELECT vectorext.retire_version('docs_emb', 2)});
like($err, qr/NOTICE:  the rows of version 2 of collection "docs_emb" stay in public.docs_emb_v2 on server "shard1"/,
  'retire_version drops the remote partition and says where its rows stay');
is($coord->safe_psql('postgres', q{SELECT state || ':' || (partition IS NULL) FROM vectorext.collection_versions WHERE version = 2}),
  'retired:true', 'the registry records the version as retired');
is($shard->safe_psql('postgres', 'SELECT count(*) FROM docs_emb_v2'), $rows, 'the shard keeps the rows');

$coord->stop;
$shard->stop;
done_testing();
