# vectorext under pgvector's extension name (make install PGVECTOR_NAME=1; the test stage is installed that way):
# CREATE EXTENSION vector creates vectorext's whole surface (pgvector's objects in the chosen schema, schema vectorext)
# with versions named vectorext-X.Y.Z and the same update paths as vectorext; `vector` and `vectorext` refuse to share
# a database, with a clear error and nothing half-created.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('pgvector_name');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE as_vector; CREATE DATABASE as_vectorext; CREATE DATABASE elsewhere');

# The versions: vectorext's, prefixed, and the same update paths.
my $ours = $node->safe_psql('postgres', q{SELECT default_version FROM pg_available_extensions WHERE name = 'vectorext'});
is($node->safe_psql('postgres', q{SELECT default_version FROM pg_available_extensions WHERE name = 'vector'}),
   "vectorext-$ours", 'extension vector is available with version vectorext-<vectorext version>');
is($node->safe_psql('postgres', q{
     SELECT string_agg(source || '>' || target || '=' || path, ' ' ORDER BY source, target)
     FROM pg_extension_update_paths('vector') WHERE path IS NOT NULL}),
   $node->safe_psql('postgres', q{
     SELECT string_agg(s || '>' || t || '=' || p, ' ' ORDER BY s, t)
     FROM (SELECT 'vectorext-' || source s, 'vectorext-' || target t, regexp_replace(path, '([^>-]+)(--|$)', 'vectorext-\1\2', 'g') p
           FROM pg_extension_update_paths('vectorext') WHERE path IS NOT NULL) x}),
   'vector has the update paths of vectorext, versions renamed');

# CREATE EXTENSION IF NOT EXISTS vector, as ORMs and pgvector's libraries run it.
$node->safe_psql('as_vector', 'CREATE EXTENSION IF NOT EXISTS vector');
is($node->safe_psql('as_vector', q{SELECT extversion FROM pg_extension WHERE extname = 'vector'}), "vectorext-$ours",
   'extversion names vectorext');
is($node->safe_psql('as_vector', q{
     SELECT string_agg(x, ',' ORDER BY x) FROM (
       SELECT 'type:' || typname x FROM pg_type WHERE typname = 'vector' AND typnamespace = 'public'::regnamespace
       UNION ALL SELECT 'am:' || amname FROM pg_am WHERE amname IN ('hnsw', 'ivfflat', 'ivf')
       UNION ALL SELECT 'schema:' || nspname FROM pg_namespace WHERE nspname = 'vectorext'
       UNION ALL SELECT 'fn:' || p.oid::regprocedure::text FROM pg_proc p WHERE p.oid = 'vectorext.index_check'::regproc) s}),
   'am:hnsw,am:ivf,am:ivfflat,fn:vectorext.index_check(regclass,boolean),schema:vectorext,type:vector',
   'pgvector surface in public, schema vectorext beside it');
$node->safe_psql('as_vectorext', 'CREATE EXTENSION vectorext');
my $members = q{SELECT string_agg(classid::regclass || ':' || n, ',' ORDER BY classid::regclass::text) FROM (
                  SELECT classid, count(*) n FROM pg_depend
                  WHERE deptype = 'e' AND refobjid = (SELECT oid FROM pg_extension WHERE extname LIKE 'vector%')
                  GROUP BY classid) s};
is($node->safe_psql('as_vector', $members), $node->safe_psql('as_vectorext', $members),
   'vector has the same members as vectorext (types, functions, operators, classes, access methods, tables, ...)');
is($node->safe_psql('as_vector', q{
     CREATE TABLE items (id int PRIMARY KEY, embedding vector(3));
     INSERT INTO items SELECT i, ARRAY[i, i % 7, 1]::real[] FROM generate_series(1, 50) i;
     CREATE INDEX ON items USING hnsw (embedding vector_l2_ops);
     SET enable_seqscan = off;
     SELECT vectorext.register_model('m', 3);
     SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY embedding <-> '[10.2,3,1]' LIMIT 3) s}),
   "1\n10,11,9", 'types, index and registry work');
my ($rc, $out, $err) = $node->psql('as_vector', 'ALTER EXTENSION vector UPDATE');
is($rc, 0, 'ALTER EXTENSION vector UPDATE runs');
like($err, qr/version "vectorext-\Q$ours\E" of extension "vector" is already installed/, '... and finds nothing to do');

# A database whose catalog still says pgvector (its version numbers) finds no update path into ours: vectorext's
# versions are named apart, so neither side's ALTER EXTENSION vector UPDATE runs the other's scripts.
$node->safe_psql('postgres', 'CREATE DATABASE was_pgvector');
$node->safe_psql('was_pgvector', q{CREATE EXTENSION vector; UPDATE pg_extension SET extversion = '0.8.6' WHERE extname = 'vector'});
($rc, $out, $err) = $node->psql('was_pgvector', 'ALTER EXTENSION vector UPDATE');
like($err, qr/extension "vector" has no update path from version "0\.8\.6" to version "vectorext-\Q$ours\E"/,
     'no update path from a pgvector version');

# The two names refuse to share a database, with the reason, and leave nothing behind.
($rc, $out, $err) = $node->psql('as_vector', "\\set VERBOSITY verbose\nCREATE EXTENSION vectorext");
isnt($rc, 0, 'CREATE EXTENSION vectorext fails where vector is installed');
like($err, qr/42710: extension "vectorext" cannot be created in a database that has extension "vector"/, '... with 42710 and the reason');
like($err, qr/DETAIL:  vectorext, vectorext installed as "vector", and pgvector define the same types/, '... the detail');
like($err, qr/HINT:  Use the extension this database already has/, '... and a hint');
is($node->safe_psql('as_vector', q{SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname LIKE 'vector%'}),
   'vector', 'only vector installed');

($rc, $out, $err) = $node->psql('as_vectorext', "\\set VERBOSITY verbose\nCREATE EXTENSION IF NOT EXISTS vector");
isnt($rc, 0, 'CREATE EXTENSION IF NOT EXISTS vector fails where vectorext is installed');
like($err, qr/42710: extension "vector" cannot be created in a database that has extension "vectorext"/, '... with the reason');
is($node->safe_psql('as_vectorext', q{SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname LIKE 'vector%'}),
   'vectorext', 'only vectorext installed');

# Once the database has neither, the other name can be created.
$node->safe_psql('as_vector', 'DROP TABLE items; DROP EXTENSION vector; CREATE EXTENSION vectorext');
is($node->safe_psql('as_vector', q{SELECT '[1,2]'::vector <-> '[2,2]'}), '1', 'vectorext after vector was dropped');

# WITH SCHEMA (pg_dump writes it): the surface goes there; the registry still finds the type.
$node->safe_psql('elsewhere', 'CREATE SCHEMA ext; CREATE EXTENSION vector WITH SCHEMA ext');
is($node->safe_psql('elsewhere', q{
     SELECT typnamespace::regnamespace::text FROM pg_type WHERE typname = 'vector';
     SELECT '[1,2]'::ext.vector OPERATOR(ext.<->) '[1,3]';
     CREATE TABLE docs (id int PRIMARY KEY);
     SELECT vectorext.register_model('m', 2);
     SELECT vectorext.create_collection('docs_emb', 'docs', 'm');
     SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'docs_emb'::regclass AND attname = 'embedding'}),
   "ext\n1\n1\ndocs_emb\next.vector", 'WITH SCHEMA ext');

# A build with threads says so at DEBUG1 in PostgreSQL's and pgvector's words (tools and pgvector's own tests look for
# "using N parallel workers"); a single-threaded build does not.
$node->safe_psql('as_vector', q{CREATE TABLE built (v vector(3)); INSERT INTO built SELECT ARRAY[i, i % 7, 1]::real[]::vector FROM generate_series(1, 600) i});
for my $case (['hnsw', 'vector_l2_ops', ''], ['ivfflat', 'vector_l2_ops', ' WITH (lists = 4)']) {
  my ($am, $opclass, $with) = @$case;
  for my $workers (2, 0) {
    my ($rc, $out, $err) = $node->psql('as_vector', qq{
      SET client_min_messages = debug1;
      SET max_parallel_maintenance_workers = $workers;
      CREATE INDEX built_idx ON built USING $am (v $opclass)$with;
      DROP INDEX built_idx;});
    is($rc, 0, "$am build with max_parallel_maintenance_workers = $workers");
    if ($workers > 0) { like($err, qr/using $workers parallel workers/, "... says 'using $workers parallel workers'") }
    else { unlike($err, qr/parallel workers/, '... and single-threaded says nothing of workers') }
  }
}

$node->stop;
done_testing();
