# The ORDER BY value hand-over (vector_index_order_value, docs/hnsw.md) against two hazards found in review:
#  1. A scan that ran to its end once kept (TID, value) of the last candidate the index returned, even if the heap row
#     was invisible; after VACUUM freed that TID and a new row took it, another scan of the same index and query that
#     projected the new row (through the reorder queue) got the old row's value. Lookups now answer only from the scan
#     that returned a row last, and a scan that runs out forgets its entry.
#  2. A cached plan made for a role that may execute vector_index_order_value, executed by one that may not: the plan
#     is marked role-specific unless PUBLIC may execute it, so the plan cache replans for the other role.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('order_value');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vectorext');
sub stale_after_tid_reuse {
  my ($am, $opts) = @_;
  my $t = "t_$am";
  $node->safe_psql('postgres', qq{
    CREATE TABLE $t (id int, embedding vector(2)) WITH (autovacuum_enabled = off, fillfactor = 10);
    -- integers: exact half copies (the scan hands their values over)
    INSERT INTO $t VALUES (1, '[1,0]'), (2, '[2,0]'), (3, '[3,0]'), (4, '[100,0]');
    CREATE INDEX ${t}_idx ON $t USING $am (embedding vector_l2_ops) $opts;
    DELETE FROM $t WHERE id = 4;  -- dead, not vacuumed: the scan's last candidate
  });
  # session 1: a cursor runs its scan to the end and stays open
  my $s1 = $node->background_psql('postgres');
  $s1->query_safe('SET enable_seqscan = off');
  $s1->query_safe('BEGIN');
  $s1->query_safe(qq{DECLARE c CURSOR FOR SELECT id, embedding <-> '[0,0]' AS d FROM $t ORDER BY embedding <-> '[0,0]'});
  my $fetched = $s1->query_safe('FETCH ALL FROM c');
  like($fetched, qr/3\|3/, "$am: cursor returned the live rows");
  # session 2: VACUUM frees the dead row's TID; a new row (inexact half copy) takes it
  $node->safe_psql('postgres', "VACUUM (INDEX_CLEANUP ON) $t");
  $node->safe_psql('postgres', qq{INSERT INTO $t VALUES (5, '[0.1,0]')});
  is($node->safe_psql('postgres', "SELECT ctid FROM $t WHERE id = 5"), '(0,4)', "$am: the new row reuses the freed TID");
  # session 1, same transaction (read committed: sees row 5): the same index and query
  my $r = $s1->query_safe(qq{
    SELECT string_agg(id || '=' || d || '/' || (embedding <-> '[0,0]'), ' ' ORDER BY ord)
    FROM (SELECT row_number() OVER () AS ord, * FROM
            (SELECT id, embedding, embedding <-> '[0,0]' AS d FROM $t ORDER BY embedding <-> '[0,0]' LIMIT 4) s) x});
  diag("$am, session 1 after TID reuse (id=projected/recomputed): $r");
  unlike($r, qr/5=100\b/, "$am: row 5 does not get the dead row's value (100)");
  $s1->query_safe('COMMIT');
  $s1->quit;
}
stale_after_tid_reuse('ivfflat', 'WITH (lists = 1)');
stale_after_tid_reuse('hnsw', '');

# 2. cached generic plan, role switch
my ($rc, $o, $e) = $node->psql('postgres', q{
  CREATE ROLE regress_reader;
  CREATE TABLE t (id int, embedding vector(2)); INSERT INTO t VALUES (1, '[1,0]'), (2, '[2,0]'); CREATE INDEX ON t USING hnsw (embedding vector_l2_ops);
  GRANT SELECT ON t TO regress_reader;
  REVOKE EXECUTE ON FUNCTION vector_index_order_value(tid, regclass, regprocedure, vector) FROM PUBLIC;
  SET enable_seqscan = off;
  SET plan_cache_mode = force_generic_plan;
  PREPARE p(vector) AS SELECT id, embedding <-> $1 AS d FROM t ORDER BY embedding <-> $1 LIMIT 2;
  EXECUTE p('[0,0]');
  EXPLAIN (VERBOSE, COSTS OFF) EXECUTE p('[0,0]');
  SET ROLE regress_reader;
  EXECUTE p('[0,0]');
  EXPLAIN (VERBOSE, COSTS OFF) EXECUTE p('[0,0]');
});
is($e, '', 'a cached plan executed by a role without EXECUTE on vector_index_order_value does not fail');
my @plans = split /Limit/, $o;
like($plans[1] // '', qr/vector_index_order_value/, 'the superuser\'s plan is rewritten');
unlike($plans[2] // '', qr/vector_index_order_value/, 'the other role gets its own plan, without the function');
like($o, qr/^2\|2$/m, 'the other role gets the rows');

$node->stop;
done_testing();
