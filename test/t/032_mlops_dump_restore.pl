# pg_dump / restore keeps the MLOps state: the registry (models, artifacts, aliases with history, experiments with
# their exposures, outcomes and decisions, evaluation runs and the evidence linked to alias changes) is
# dumped with the extension's data (pg_extension_config_dump), collections as ordinary tables with their partitions,
# checks and triggers; after the restore the same alias serves the same results and artifacts verify.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('mlops_dump');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
  CREATE EXTENSION vectorext;
  CREATE TABLE docs (id int PRIMARY KEY, body text);
  INSERT INTO docs SELECT i, 'doc ' || i FROM generate_series(1, 20) i;
  SELECT vectorext.register_model('m', 3, artifact => decode(repeat('00ff', 700000), 'hex'));
  SELECT vectorext.register_model('m', 2, metric => 'cosine');
  SELECT vectorext.create_collection('docs_emb', 'docs', 'm');
  SELECT vectorext.add_version('docs_emb', 1);
  SELECT vectorext.add_version('docs_emb', 2);
  INSERT INTO docs_emb (id, model_version, embedding)
    SELECT i, 1, ARRAY[i, 20 - i, 1]::real[]::vector FROM generate_series(1, 20) i;
  INSERT INTO docs_emb (id, model_version, embedding)
    SELECT i, 2, ARRAY[1, i]::real[]::vector FROM generate_series(1, 20) i;
  SELECT vectorext.seal('docs_emb', 1);
  SELECT vectorext.promote('m', 1, force => true);
  SELECT vectorext.promote('m', 2, force => true);
  SELECT vectorext.rollback('m');
  SELECT vectorext.set_alias('m', 'challenger', 2);
  SELECT vectorext.create_experiment('exp', 'm', 0.3);
  SELECT vectorext.define_metric('exp', 'click', min_units => 2);
  SELECT count(vectorext.expose('exp', 'user-' || i)) FROM generate_series(1, 20) i;
  SELECT count(vectorext.log_outcome('exp', 'user-' || i, 'click')) FROM generate_series(1, 20, 3) i;
  SELECT vectorext.conclude('exp', 'click');   -- refused by the guard: a decision without a promotion
  SELECT vectorext.record_evaluate('docs_emb', 'SELECT 1, ''[1,4]''::vector', 'SELECT 1, 4, 1', 'golden', 3, 'challenger');
  -- (version 2 has no index: forced, with the evaluation run linked as evidence)
  SELECT vectorext.promote('m', 2, alias => 'canary', force => true, thresholds => '{"ndcg_at_k": {"threshold": 0}}',
                           query_set => 'golden');
});

my $state = q{
  SELECT vectorext.version_of('m') || ' | '
      || (SELECT string_agg(key, ',') FROM vectorext.search('docs_emb', '[5,15,1]', 3)) || ' | '
      || (SELECT string_agg(key, ',') FROM vectorext.search('docs_emb', '[1,4]', 3, 'challenger')) || ' | '
      || md5(vectorext.model_artifact('m', 1)) || ' | '
      || (SELECT string_agg(action || ':' || coalesce(from_version::text, '-') || '>' || to_version || ':' || rolled_back, ',' ORDER BY id)
          FROM vectorext.alias_history) || ' | '
      || vectorext.route('exp', 'user-7') || ' | '
      || (SELECT string_agg(metric || ':' || arm || ':' || units || ':' || round(value::numeric, 4), ',')
          FROM vectorext.experiment_results('exp')) || ' | '
      || (SELECT count(*) || ':' || string_agg(reason, ',') FROM vectorext.experiment_decision) || ' | '
      || (SELECT string_agg(action || ':' || to_version || ':' || forced || ':' || coalesce(evidence, '-') || ':'
                            || coalesce(metric, '-') || ':' || coalesce(query_set, '-'), ',')
          FROM vectorext.why_serving('m', 'canary')) || ' | '
      || (SELECT string_agg(version || ':' || state || ':' || rows || ':' || coverage, ',' ORDER BY version)
          FROM vectorext.collection_versions)
};
my $before = $node->safe_psql('src', $state);
like($before, qr/^1 \| \S+ \| \S+ \| [0-9a-f]{32} \| set|promote/, "state captured: $before");

my $dump = $node->basedir . '/src.sql';
command_ok(['pg_dump', '-d', $node->connstr('src'), '-f', $dump], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dst'), '-f', $dump], 'restore');

my $after = $node->safe_psql('dst', $state);
is($after, $before, 'same alias, search results, artifact, history, routing and versions after restore');

# The restored collection still validates writes and keeps the sealed version read-only.
my ($rc, $out, $err) = $node->psql('dst', q{INSERT INTO docs_emb (id, model_version, embedding) VALUES (1, 2, '[1,2,3]')});
like($err, qr/embedding has 3 dimensions, but version 2 of model "m" produces 2/, 'dims check survives restore');
($rc, $out, $err) = $node->psql('dst', q{DELETE FROM docs_emb WHERE model_version = 1});
like($err, qr/version 1 of collection "docs_emb" is sealed/, 'seal survives restore');
is($node->safe_psql('dst', q{SELECT vectorext.register_model('m', 3)}), '3', 'version numbering continues');
is($node->safe_psql('dst', q{
  SELECT vectorext.record_evaluate('docs_emb', 'SELECT 1, ''[1,4]''::vector', 'SELECT 1, 4, 1', 'golden', 3, 'challenger')
         > (SELECT min(id) FROM vectorext.evaluation_run)
     AND vectorext.expose('exp', 'user-7') = vectorext.route('exp', 'user-7')}), 't',
   'evaluation runs and exposures continue after restore');

$node->stop;
done_testing();
