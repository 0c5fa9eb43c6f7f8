"""Fixtures of the vectorext package tests: a real cluster (started by test/python/run.sh, or any server given by
VX_PGHOST / VX_PGPORT / VX_PGUSER), one fresh database with the extension per test module, connections to it, a
small clustered source table, and `needs()` to skip tests of features that are not on main yet (with the reason).
"""
import os
import random
import uuid

import psycopg
import pytest

import vectorext as vx

DIMS = 8
ROWS = 120


def server_params(dbname='postgres', user=None):
    return dict(host=os.environ.get('VX_PGHOST', '127.0.0.1'), port=int(os.environ.get('VX_PGPORT', '5432')),
                user=user or os.environ.get('VX_PGUSER', 'postgres'), dbname=dbname)


def conninfo(**kw):
    return psycopg.conninfo.make_conninfo(**server_params(**kw))


@pytest.fixture(scope='module')
def dbname(request):
    name = 'py_' + request.module.__name__.split('.')[-1].removeprefix('test_') + '_' + uuid.uuid4().hex[:6]
    with psycopg.connect(conninfo(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE {name}')
    with psycopg.connect(conninfo(dbname=name), autocommit=True) as c:
        c.execute('CREATE EXTENSION vectorext')
    yield name
    with psycopg.connect(conninfo(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


@pytest.fixture(scope='module')
def dsn(dbname):
    return conninfo(dbname=dbname)


@pytest.fixture(scope='module')
def conn(dsn):
    c = vx.connect(dsn)
    yield c
    c.close()


def needs(conn, function, argument=None, branch=None):
    """Skips the calling test unless vectorext.<function> (with parameter `argument`) exists in the database."""
    from vectorext.session import session
    if not session(conn).has(function, argument):
        pytest.skip(f'needs {branch} on main (vectorext.{function}' + (f'({argument} => ...)' if argument else '')
                    + ' is not in this build)')


def needs_type(conn, name, branch='types'):
    from vectorext.session import session
    if name not in session(conn).types:
        pytest.skip(f'needs {branch} on main (type {name} is not in this build)')


def clustered(i, salt=0, dims=DIMS):
    """Row i's features: three clusters in different directions (apart by l2 and by cosine), deterministic."""
    rng = random.Random(i * 7919 + salt)
    return [(4.0 if j % 3 == i % 3 else 0.0) + rng.uniform(-1, 1) for j in range(dims)]


def make_source(conn, table, rows=ROWS, key_type='int'):
    """A source table (id, label, features real[]) of clustered rows."""
    conn.execute(f'CREATE TABLE {table} (id {key_type} PRIMARY KEY, label int NOT NULL, features real[] NOT NULL)')
    with conn.cursor() as cur:
        with cur.copy(f'COPY {table} (id, label, features) FROM STDIN') as copy:
            for i in range(1, rows + 1):
                copy.write_row((i if key_type == 'int' else f'k{i}', i % 3, clustered(i)))


def embed_features(rows):
    """An embedding function: the features themselves (a list of lists)."""
    return [r['features'] for r in rows]


def make_model(conn, name, *, rows=ROWS, metrics=('l2', 'l2'), ready=(1, 2), added=(), embed=None, index=True,
               champion=None, challenger=None):
    """Source <name>_src, model <name>-model with one version per metric, collection <name>_emb where the versions
    in `ready` are added, backfilled (embed: a function or {version: function}; default the features) and indexed,
    and those in `added` only added; aliases as given. Returns the Collection."""
    make_source(conn, f'{name}_src', rows=rows)
    model = f'{name}-model'
    reg = vx.Registry(conn)
    for metric in metrics:
        reg.register(model, DIMS, metric)
    c = vx.Collection.create(conn, f'{name}_emb', f'{name}_src', model)
    for v in ready:
        c.add_version(v)
        c.backfill(v, (embed or {}).get(v, embed_features) if isinstance(embed, dict) else embed or embed_features,
                   progress=False)
        if index:
            c.build_index(v)
    for v in added:
        c.add_version(v)
    if champion is not None:
        reg.promote(model, champion, force=not index)
    if challenger is not None:
        reg.set_alias(model, 'challenger', challenger)
    return c
