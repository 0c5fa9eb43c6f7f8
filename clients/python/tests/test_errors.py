"""SQLSTATE -> exception mapping, each raised by the real SQL function: class, SQLSTATE, HINT in the message,
the psycopg error as __cause__, and the Python base classes callers may catch instead."""
import psycopg
import pytest

import vectorext as vx
from conftest import conninfo, make_model, needs
from vectorext.errors import exception_class


@pytest.fixture(scope='module')
def world(conn):
    """err-model: v1 embedded, indexed and champion; v2 added but empty."""
    c = make_model(conn, 'err', rows=30, ready=(1,), added=(2,), champion=1)
    reg = vx.Registry(conn)
    return reg, c


def check(e, cls, sqlstate, hint_part):
    assert type(e) is cls
    assert e.sqlstate == sqlstate
    assert e.hint and hint_part in e.hint
    assert f'HINT: {e.hint}' in str(e)
    assert isinstance(e.__cause__, psycopg.Error)


def test_not_found(world):
    reg, _ = world
    with pytest.raises(vx.NotFound) as ei:
        reg.version_of('no-such-model')
    check(ei.value, vx.NotFound, '42704', 'register_model')
    assert isinstance(ei.value, LookupError)
    with pytest.raises(vx.NotFound):
        vx.Collection(world[0].conn, 'no_such_collection').coverage(1)


def test_invalid_input(world):
    reg, c = world
    with pytest.raises(vx.InvalidInput) as ei:
        reg.register('bad', 0)
    check(ei.value, vx.InvalidInput, '22023', 'length of the vectors')
    assert isinstance(ei.value, ValueError)
    with pytest.raises(vx.InvalidInput) as ei:
        c.search([1, 2, 3], 5)
    check(ei.value, vx.InvalidInput, '22000', 'Embed the query')


def test_already_exists(world, conn):
    with pytest.raises(vx.AlreadyExists) as ei:
        vx.Collection.create(conn, 'err_emb', 'err_src', 'err-model')
    check(ei.value, vx.AlreadyExists, '42710', 'add_version')


def test_key_not_in_source(world, conn):
    with pytest.raises(vx.KeyNotInSource) as ei:
        from vectorext.session import session
        session(conn).execute('INSERT INTO err_emb (id, model_version, embedding) VALUES (9999, 2, %s)',
                              (vx.Vector([0] * 8),))
    assert ei.value.sqlstate == '23503' and ei.value.hint


def test_not_ready_and_gate_refused(world):
    reg, _ = world
    with pytest.raises(vx.GateRefused) as ei:
        reg.promote('err-model', 2)
    check(ei.value, vx.GateRefused, '55000', 'pending')
    assert isinstance(ei.value, vx.NotReady)
    with pytest.raises(vx.NotReady) as ei:
        reg.rollback('err-model')
    check(ei.value, vx.NotReady, '55000', 'set_alias')


def test_concurrent_change(world):
    reg, _ = world
    with pytest.raises(vx.ConcurrentChange) as ei:
        reg.promote('err-model', 2, force=True, if_current=2)
    check(ei.value, vx.ConcurrentChange, '40001', 're-evaluate')
    assert reg.version_of('err-model') == 1


def test_in_use(world):
    _, c = world
    with pytest.raises(vx.InUse) as ei:
        c.retire(1)
    check(ei.value, vx.InUse, '55006', 'Move the alias')


def test_permission_denied(world, conn, dbname):
    conn.execute('DROP ROLE IF EXISTS py_err_reader')
    conn.execute('CREATE ROLE py_err_reader LOGIN')
    try:
        with vx.connect(conninfo(dbname=dbname, user='py_err_reader')) as ro:
            assert vx.Registry(ro).version_of('err-model') == 1   # reading is open
            with pytest.raises(vx.PermissionDenied) as ei:
                vx.Registry(ro).promote('err-model', 1, alias='other')
            assert ei.value.sqlstate == '42501' and isinstance(ei.value, PermissionError)
    finally:
        conn.execute('DROP OWNED BY py_err_reader')
        conn.execute('DROP ROLE py_err_reader')


def test_model_privileges(world, conn, dbname):
    needs(conn, 'grant_model', branch='security')
    conn.execute('DROP ROLE IF EXISTS py_err_deployer')
    conn.execute('CREATE ROLE py_err_deployer LOGIN')
    try:
        with vx.connect(conninfo(dbname=dbname, user='py_err_deployer')) as ci:
            assert vx.Registry(ci).has_privilege('err-model', 'alias') is False
            vx.Registry(conn).grant('err-model', 'py_err_deployer', 'alias')   # the owner lets the role move aliases
            assert vx.Registry(ci).has_privilege('err-model', 'alias') is True
            assert vx.Registry(ci).set_alias('err-model', 'canary', 1) == 1
            vx.Registry(conn).revoke('err-model', 'py_err_deployer', 'alias')
            with pytest.raises(vx.PermissionDenied):
                vx.Registry(ci).set_alias('err-model', 'canary', 2)
    finally:
        conn.execute('DROP OWNED BY py_err_deployer')
        conn.execute('DROP ROLE py_err_deployer')


def test_corrupt_artifact(world, conn):
    reg, _ = world
    v = reg.register('err-art', 4, artifact=b'x' * 5000)
    conn.execute("UPDATE vectorext.artifact_chunk SET data = 'tampered' WHERE model = 'err-art'")
    with pytest.raises(vx.CorruptArtifact) as ei:
        reg.artifact('err-art', v)
    assert ei.value.sqlstate == 'XX001'


def test_connection_failed():
    with pytest.raises(vx.ConnectionFailed) as ei:
        vx.connect('host=127.0.0.1 port=1 connect_timeout=5')
    assert isinstance(ei.value, ConnectionError) and ei.value.exit_code == 5


def test_feature_unavailable(world, conn):
    from vectorext.session import session
    with pytest.raises(vx.FeatureUnavailable) as ei:
        session(conn).execute('SELECT vectorext.no_such_function(1)')
    assert ei.value.sqlstate == '42883' and isinstance(ei.value, vx.NotFound)
    with pytest.raises(vx.FeatureUnavailable, match='no vectorext.no_such_function'):
        session(conn).require('no_such_function', feature='a test')


def test_mapping_table():
    assert exception_class('22P02') is vx.InvalidInput
    assert exception_class('08006') is vx.ConnectionFailed
    assert exception_class('40P01') is vx.ConcurrentChange
    assert exception_class('54000') is vx.ResourceLimit
    assert exception_class('XX000') is vx.VectorextError
    assert exception_class(None) is vx.VectorextError
    assert [c.exit_code for c in (vx.GateRefused, vx.ConcurrentChange, vx.ConnectionFailed, vx.NotFound,
                                  vx.PermissionDenied, vx.VectorextError)] == [3, 4, 5, 6, 7, 1]
