"""The psycopg adapters against the server: text and binary parameters, text and binary results, binary COPY in
and out, numpy arrays and lists, and agreement with the server's own parsing and arithmetic."""
import numpy as np
import psycopg
import pytest

import vectorext as vx
from conftest import needs_type

VALUES = [[0.1, -2.5, 3e-5, 1e20], [1 / 3, 2 / 3, 1.0, -0.0]]


def test_register_types_reports_what_the_database_has(conn):
    from vectorext.session import session
    assert 'vector' in session(conn).types


def test_parameters_text_and_binary_agree_with_server_parsing(conn):
    for v in VALUES:
        text_in, binary_in, server = conn.execute(
            'SELECT %t::vector::text, %b::vector::text, %s::text::vector::text',
            (vx.Vector(v), vx.Vector(v), vx.codecs.text_vector(v))).fetchone()
        assert text_in == binary_in == server


def test_results_text_and_binary(conn):
    for binary in (False, True):
        (got,) = conn.execute("SELECT '[1.5,-2,3.25]'::vector", binary=binary).fetchone()
        assert isinstance(got, np.ndarray) and got.dtype == np.float32 and got.tolist() == [1.5, -2, 3.25]


def test_lists_mode(dsn):
    with vx.connect(dsn, arrays=False) as c:
        for binary in (False, True):
            (got,) = c.execute("SELECT '[1.5,-2]'::vector", binary=binary).fetchone()
            assert type(got) is vx.Vector and got == [1.5, -2.0]
        # a Vector goes as vector, a plain list stays a SQL array
        assert c.execute('SELECT vector_dims(%s), pg_typeof(%s)::text', (vx.Vector([1, 2, 3]), [1, 2])).fetchone() \
            == (3, 'smallint[]')


def test_numpy_in_and_server_arithmetic(conn):
    a = np.array([1, 2, 3], dtype=np.float32)
    b = np.array([4, 6, 3], dtype=np.float64)
    l2, ip, cos = conn.execute('SELECT %s <-> %s, %s <#> %s, %s <=> %s', (a, b, a, b, a, b)).fetchone()
    assert l2 == pytest.approx(5.0)
    assert ip == pytest.approx(-float(a @ b))
    assert cos == pytest.approx(1 - float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b)), rel=1e-6)


def test_binary_copy_round_trip(conn):
    rng = np.random.default_rng(7)
    rows = [(i, rng.standard_normal(16).astype(np.float32)) for i in range(300)]
    conn.execute('CREATE TABLE copy_rt (id int PRIMARY KEY, v vector(16))')
    with conn.cursor() as cur:
        with cur.copy('COPY copy_rt (id, v) FROM STDIN (FORMAT binary)') as copy:
            copy.set_types(['int4', 'vector'])
            for row in rows:
                copy.write_row(row)
        with cur.copy('COPY (SELECT id, v FROM copy_rt ORDER BY id) TO STDOUT (FORMAT binary)') as copy:
            copy.set_types(['int4', 'vector'])
            back = list(copy.rows())
    assert len(back) == len(rows)
    for (i, v), (j, w) in zip(rows, back):
        assert i == j and np.array_equal(v, w)   # bit-exact
    # and the server stored exactly those floats (checked through its text form, parsed independently)
    (text,) = conn.execute('SELECT v::text FROM copy_rt WHERE id = 42').fetchone()
    assert np.array_equal(np.array(text.strip('[]').split(','), dtype=np.float32), rows[42][1])


def test_vector_arrays(conn):
    vs = [np.array([1, 2], dtype=np.float32), np.array([3, 4], dtype=np.float32)]
    (got,) = conn.execute('SELECT %s::vector[]', (vs,)).fetchone()
    assert [g.tolist() for g in got] == [[1, 2], [3, 4]]


def test_server_refusals_surface_as_psycopg_errors(conn):
    with pytest.raises(psycopg.errors.DataException, match='NaN not allowed in vector'):
        conn.execute('SELECT %b::vector', (vx.Vector([float('nan')]),))


def copy_round_trip(conn, table, type_name, column_type, value):
    """value written by binary COPY into a new table and read back by binary COPY."""
    conn.execute(f'CREATE TABLE {table} (id int, v {column_type})')
    with conn.cursor() as cur:
        with cur.copy(f'COPY {table} FROM STDIN (FORMAT binary)') as copy:
            copy.set_types(['int4', type_name])
            copy.write_row((1, value))
        with cur.copy(f'COPY {table} TO STDOUT (FORMAT binary)') as copy:
            copy.set_types(['int4', type_name])
            return list(copy.rows())[0][1]


def test_halfvec(conn):
    needs_type(conn, 'halfvec')
    h = np.array([0.5, -1.25, 65504], dtype=np.float16)
    for binary in (False, True):
        (got, typ) = conn.execute('SELECT %s, pg_typeof(%s)::text', (h, h), binary=binary).fetchone()
        assert typ == 'halfvec' and got.dtype == np.float16 and np.array_equal(got, h)
    assert conn.execute('SELECT %t::text, %b::text', (vx.HalfVector([0.1]), vx.HalfVector([0.1]))).fetchone() \
        == (conn.execute("SELECT '[0.1]'::halfvec::text").fetchone()[0],) * 2
    assert np.array_equal(copy_round_trip(conn, 'half_rt', 'halfvec', 'halfvec(3)', h), h)


def test_sparsevec(conn):
    needs_type(conn, 'sparsevec')
    s = vx.SparseVector(1000, [999, 0, 17], [2.5, 1, -0.125])
    for binary in (False, True):
        (got, text) = conn.execute('SELECT %s, %s::text', (s, s), binary=binary).fetchone()
        assert got == s and text == '{1:1,18:-0.125,1000:2.5}/1000'
    assert conn.execute('SELECT %t::text = %b::text', (s, s)).fetchone()[0]
    assert copy_round_trip(conn, 'sparse_rt', 'sparsevec', 'sparsevec(1000)', s) == s
