"""Collection against the server: versions, coverage, pending, index build (options as dict and string) and
tuning, search, recall, compare and evaluate with SQL text and with Python rows, seal / retire / drop."""
import pytest

import vectorext as vx
from conftest import ROWS, clustered, embed_features, make_model, needs
from vectorext.collection import index_options


@pytest.fixture(scope='module')
def coll(conn):
    """col-model v1 (l2) and v2 (cosine) over col_src, both embedded (not indexed); v1 champion, v2 challenger."""
    c = make_model(conn, 'col', metrics=('l2', 'cosine'), index=False, champion=1, challenger=2)
    return c


def test_info_and_versions(coll):
    assert (coll.info.model, coll.info.key_column, coll.model) == ('col-model', 'id', 'col-model')
    assert [(v.version, v.metric, v.rows, v.coverage) for v in coll.versions()] == [(1, 'l2', ROWS, 1.0),
                                                                                  (2, 'cosine', ROWS, 1.0)]
    assert repr(coll) == "Collection('col_emb')"
    with pytest.raises(vx.NotFound):
        vx.Collection(coll.conn, 'nope').info


def test_coverage_and_pending(coll, conn):
    cov = coll.coverage(1)
    assert (cov.source_rows, cov.embedded, cov.missing, cov.stale, cov.orphaned, cov.coverage) == \
        (ROWS, ROWS, 0, 0, 0, 1.0)
    assert coll.pending(1) == []
    conn.execute('UPDATE col_src SET label = label WHERE id IN (5, 7)')   # same text: not stale
    assert coll.pending(1) == []
    conn.execute('UPDATE col_src SET label = label + 10 WHERE id IN (5, 7)')
    assert [(p.key, p.reason) for p in coll.pending(1)] == [('5', 'stale'), ('7', 'stale')]
    assert coll.coverage(1).stale == 2
    coll.backfill(1, embed_features, progress=False)
    assert coll.pending(1) == []


def test_index_options():
    assert index_options({'m': 16, 'ef_construction': 64}) == 'm = 16, ef_construction = 64'
    assert index_options({'lists': 4, 'quantizer': 'pq'}) == "lists = 4, quantizer = 'pq'"
    assert index_options('lists = 2') == 'lists = 2' and index_options(None) is None
    for bad in ({'m; DROP': 1}, {'m': True}, {'m': "1') --"}, {'m': [1]}):
        with pytest.raises(ValueError):
            index_options(bad)


def test_build_index_and_search(coll):
    assert coll.index_of(1) is None
    assert coll.build_index(1, options={'m': 8, 'ef_construction': 32}).endswith('col_emb_v1_hnsw_idx')
    assert coll.build_index(2, 'hnsw', 'm = 8').endswith('col_emb_v2_hnsw_idx')
    assert coll.index_of(1).endswith('col_emb_v1_hnsw_idx')
    q = clustered(3)   # row 3's own features: its nearest key is itself
    hits = coll.search(q, k=5)
    assert hits[0].key == '3' and hits[0].distance == pytest.approx(0, abs=1e-5)
    assert all(int(h.key) % 3 == 0 for h in hits)   # same cluster
    assert [h.key for h in coll.search(q, 3, alias='challenger')][0] == '3'
    assert coll.recall(1, sample=20, k=5) >= 0.9


def test_build_index_ivfflat(coll):
    assert coll.build_index(1, 'ivfflat', {'lists': 3}).endswith('col_emb_v1_ivfflat_idx')
    assert coll.versions()[0].index_method == 'ivfflat'
    coll.build_index(1, 'hnsw')


def test_compare_with_sql_and_rows(coll, conn):
    conn.execute('CREATE TABLE col_queries AS SELECT id, features::vector AS a, features::vector AS b '
                 'FROM col_src WHERE id <= 6')
    by_sql = coll.compare('SELECT id, a, b FROM col_queries', k=5)
    rows = [(i, clustered(i), clustered(i)) for i in range(1, 7)]
    by_rows = coll.compare(rows, k=5)
    assert [(r.query_id, r.overlap, r.rbo) for r in by_sql] == [(r.query_id, r.overlap, r.rbo) for r in by_rows]
    assert len(by_rows) == 6 and 0 <= by_rows.mean_overlap <= 1 and 0 <= by_rows.mean_rbo <= 1
    same = coll.compare(rows, k=5, alias_a='champion', alias_b='champion')
    assert same.mean_overlap == 1.0 and same.mean_rbo == pytest.approx(1.0)
    assert list(by_rows.to_dataframe().columns) == ['query_id', 'overlap', 'rbo']


def test_evaluate_with_sql_and_rows(coll, conn):
    queries = [(i, clustered(i, salt=99)) for i in range(1, 10)]
    judgments = [(q, k, 1) for q, _ in queries for k in range(1, ROWS + 1) if k % 3 == q % 3]
    ev = coll.evaluate(queries, judgments, k=5)
    assert (ev.alias_name, ev.version, ev.queries_evaluated) == ('champion', 1, 9)
    assert ev.precision_at_k == pytest.approx(1.0) and ev.ndcg_at_k == pytest.approx(1.0)
    conn.execute('CREATE TABLE col_judg (q int, k int, r int)')
    with conn.cursor() as cur:
        cur.executemany('INSERT INTO col_judg VALUES (%s, %s, %s)', judgments)
    by_sql = coll.evaluate([(q, v) for q, v in queries], 'SELECT q, k, r FROM col_judg', k=5, alias='challenger')
    assert by_sql.version == 2 and by_sql.precision_at_k == pytest.approx(1.0)
    wrong = coll.evaluate(queries, [(q, k, 1) for q, k, _ in judgments if k % 3 != 0], k=5)
    assert wrong.precision_at_k < 1.0
    with pytest.raises(ValueError, match='needs 2 values'):
        coll.evaluate([(1,)], judgments)


def test_tune_and_index_recall(coll):
    needs(coll.conn, 'tune', branch='automl')
    t = coll.tune(1, target_recall=0.9, k=5, sample=20)
    assert t.parameter.endswith('ef_search') and t.recall >= 0.9 and t.target_met
    assert coll.index_recall(1, k=5, sample=20) >= 0.9
    curve = coll.recall_curve(1)
    assert curve and sum(p.tuned for p in curve) == 1


def test_build_index_target_recall(coll):
    needs(coll.conn, 'build_index', 'target_recall', branch='automl')
    coll.build_index(2, target_recall=0.9)
    assert any(p.tuned for p in coll.recall_curve(2))


def test_record_evaluate(coll):
    needs(coll.conn, 'record_evaluate', branch='experiments')
    queries = [(i, clustered(i, salt=99)) for i in range(1, 10)]
    judgments = [(q, k, 1) for q, _ in queries for k in range(1, ROWS + 1) if k % 3 == q % 3]
    assert coll.record_evaluate(queries, judgments, 'golden', k=5) > 0


def test_seal_retire_drop(conn):
    c = make_model(conn, 'life', rows=10, ready=(1,), index=False)
    assert c.add_version(2).endswith('life_emb_v2')
    c.seal(1)
    assert [v.state for v in c.versions()] == ['sealed', 'open']
    with pytest.raises(vx.NotReady, match='sealed'):
        conn.execute('UPDATE life_src SET label = 99 WHERE id = 1')
        c.backfill(1, embed_features, progress=False)
    c.retire(2)
    assert [v.state for v in c.versions()] == ['sealed', 'retired']
    c.drop()
    assert vx.Registry(conn).collections('life-model') == []
    assert conn.execute("SELECT to_regclass('life_emb')").fetchone()[0] is None
