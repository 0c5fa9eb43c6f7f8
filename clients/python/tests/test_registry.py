"""Registry against the server: registration with and without artifacts (streamed from a path, bytes, a file
object), artifact download verified by SHA-256, listings, aliases, promote / rollback with their gate and history."""
import hashlib
import io
import os

import pytest

import vectorext as vx
from conftest import make_model, needs


@pytest.fixture(scope='module')
def reg(conn):
    return vx.Registry(conn)


@pytest.fixture(scope='module')
def served(conn, reg):
    """reg-model: v1 and v2 embedded and indexed in reg_emb, v1 champion, v3 registered but not added."""
    c = make_model(conn, 'reg', rows=40, metrics=('cosine',) * 3, champion=1)
    return c


def test_register_without_artifact(reg):
    v1 = reg.register('reg-plain', 16, 'ip', uri='s3://models/x', params={'lr': 0.1, 'tags': ['a']},
                      description='first')
    v2 = reg.register('reg-plain', 32)
    assert (v1, v2) == (1, 2)
    m = reg.model('reg-plain', 1)
    assert (m.dims, m.metric, m.uri, m.params, m.description, m.size, m.sha256) == \
        (16, 'ip', 's3://models/x', {'lr': 0.1, 'tags': ['a']}, 'first', None, None)
    assert [m.version for m in reg.models('reg-plain')] == [1, 2]
    assert reg.models('reg-plain')[1].metric == 'l2'


def test_register_streams_a_file_and_download_verifies(reg, tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 123)
    path = tmp_path / 'model.onnx'
    path.write_bytes(data)
    v = reg.register('reg-art', 4, artifact=path, chunk_size=256 * 1024)   # 13 chunks
    m = reg.model('reg-art', v)
    assert m.size == len(data) and m.sha256 == hashlib.sha256(data).hexdigest()
    assert reg.artifact('reg-art', v) == data
    out = tmp_path / 'back.onnx'
    assert reg.download('reg-art', v, out) == m.sha256
    assert out.read_bytes() == data
    buf = io.BytesIO()
    reg.download('reg-art', v, buf)
    assert buf.getvalue() == data


def test_register_from_bytes_and_file_object(reg, conn):
    v = reg.register('reg-art2', 4, artifact=b'abc')
    f = io.BytesIO(b'defgh')
    w = reg.register('reg-art2', 4, artifact=f)
    assert not f.closed   # the caller's file stays open
    assert (reg.artifact('reg-art2', v), reg.artifact('reg-art2', w)) == (b'abc', b'defgh')
    # the temporary large objects are gone
    assert conn.execute('SELECT count(*) FROM pg_largeobject_metadata').fetchone()[0] == 0


def test_register_failure_leaves_nothing(reg, conn):
    before = conn.execute('SELECT count(*) FROM pg_largeobject_metadata').fetchone()[0]
    with pytest.raises(vx.InvalidInput):
        reg.register('reg-bad', 8, 'hamming', artifact=b'x' * 1000)
    assert conn.execute('SELECT count(*) FROM pg_largeobject_metadata').fetchone()[0] == before
    assert reg.models('reg-bad') == []


def test_artifact_missing(reg):
    reg.register('reg-noart', 4, uri='file:///m.bin')
    with pytest.raises(vx.NotFound, match='no artifact'):
        reg.artifact('reg-noart', 1)
    with pytest.raises(vx.NotFound):
        reg.model('reg-noart', 9)


def test_aliases_promote_rollback_history(reg, served):
    assert reg.version_of('reg-model') == 1
    assert reg.set_alias('reg-model', 'challenger', 2) == 2
    assert {(a.alias, a.version) for a in reg.aliases('reg-model')} == {('champion', 1), ('challenger', 2)}
    assert {a.model for a in reg.aliases()} >= {'reg-model'}
    with pytest.raises(vx.GateRefused, match='no partition for version 3'):
        reg.promote('reg-model', 3)
    with pytest.raises(vx.ConcurrentChange):
        reg.promote('reg-model', 2, if_current=2)
    assert reg.promote('reg-model', 2, if_current=1) == 2
    assert reg.version_of('reg-model') == 2
    assert reg.promote('reg-model', 3, force=True) == 3
    assert reg.rollback('reg-model') == 2
    assert reg.rollback('reg-model') == 1
    h = reg.history('reg-model')
    assert [(e.alias, e.action, e.from_version, e.to_version, e.forced) for e in h] == [
        ('champion', 'promote', None, 1, False), ('challenger', 'set', None, 2, False),
        ('champion', 'promote', 1, 2, False), ('champion', 'promote', 2, 3, True),
        ('champion', 'rollback', 3, 2, False), ('champion', 'rollback', 2, 1, False)]
    assert [e.to_version for e in reg.history('reg-model', 'challenger')] == [2]
    assert [m.aliases for m in reg.models('reg-model')] == [['champion'], ['challenger'], []]


def test_promote_inside_a_rolled_back_transaction(reg, served, conn):
    before = reg.version_of('reg-model')
    with pytest.raises(RuntimeError):
        with conn.transaction():
            reg.promote('reg-model', 2)
            assert reg.version_of('reg-model') == 2
            raise RuntimeError('abort')
    assert reg.version_of('reg-model') == before


def test_collections_and_status(reg, served):
    (info,) = reg.collections('reg-model')
    assert (info.collection, info.model, info.key_column, info.live_versions) == ('reg_emb', 'reg-model', 'id', [1, 2])
    assert info.relation.endswith('reg_emb') and info.source.endswith('reg_src')
    st = reg.status(collection='reg_emb')
    assert [(s.version, s.rows, s.coverage, s.missing, s.index_method) for s in st] == \
        [(1, 40, 1.0, 0, 'hnsw'), (2, 40, 1.0, 0, 'hnsw')]
    assert reg.status(model='no-such-model') == []
    df = st.to_dataframe()
    assert list(df['version']) == [1, 2] and 'coverage' in df.columns


def test_why_serving(reg, served):
    needs(reg.conn, 'why_serving', branch='experiments')
    ev = reg.why_serving('reg-model')
    assert ev and ev[0].to_version == reg.version_of('reg-model')


def test_promote_thresholds(reg, served):
    needs(reg.conn, 'promote', 'thresholds', branch='experiments')
    with pytest.raises(vx.GateRefused):
        reg.promote('reg-model', 2, thresholds={'ndcg_at_k': {'min_absolute_change': 0.01}}, query_set='nothing')
