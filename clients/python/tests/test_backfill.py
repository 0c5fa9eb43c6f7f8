"""Backfill against the server: numpy and list outputs, one column or whole rows, progress, resume after an
interruption (only the rest is embedded), stale rows re-embedded, rows deleted meanwhile, text keys that need
quoting, and the checks made before anything is written."""
import numpy as np
import psycopg
import pytest

import vectorext as vx
from conftest import DIMS, ROWS, clustered, embed_features, make_source


@pytest.fixture
def fresh(conn, request):
    """A new source, model and collection (version 1 added) per test."""
    name = request.node.name.removeprefix('test_')[:30]
    make_source(conn, f'bf_{name}_src')
    vx.Registry(conn).register(f'bf-{name}', DIMS)
    c = vx.Collection.create(conn, f'bf_{name}_emb', f'bf_{name}_src', f'bf-{name}')
    c.add_version(1)
    return c


def stored(conn, c):
    return {k: v for k, v in conn.execute(f'SELECT id, embedding FROM {c.name} WHERE model_version = 1')}


def test_numpy_output_written_exactly(fresh, conn):
    seen = []

    def embed(rows):
        seen.append(len(rows))
        return np.array([r['features'] for r in rows], dtype=np.float32) * 2

    r = fresh.backfill(1, embed, batch_size=50, progress=False)
    assert (r.pending, r.embedded, r.batches, r.vanished) == (ROWS, ROWS, 3, 0)
    assert seen == [50, 50, 20]
    got = stored(conn, fresh)
    assert len(got) == ROWS
    for i in (1, 60, ROWS):
        assert np.array_equal(got[i], np.array(clustered(i), dtype=np.float32) * 2)
    assert fresh.coverage(1).coverage == 1.0
    # the partition was analyzed (planner statistics after the bulk load)
    assert conn.execute(f"SELECT reltuples FROM pg_class WHERE oid = '{fresh.name}_v1'::regclass").fetchone()[0] == ROWS
    # nothing left: a second run embeds nothing
    assert fresh.backfill(1, embed, progress=False).embedded == 0 and seen == [50, 50, 20]


def test_column_and_list_output(fresh, conn):
    r = fresh.backfill(1, lambda feats: [list(f) for f in feats], column='features', batch_size=1000, progress=False)
    assert r.embedded == ROWS and r.batches == 1
    assert np.array_equal(stored(conn, fresh)[7], np.array(clustered(7), dtype=np.float32))


def test_progress_callback_and_limit(fresh):
    calls = []
    r = fresh.backfill(1, embed_features, batch_size=30, limit=70,
                       progress=lambda done, total: calls.append((done, total)))
    assert r.embedded == 70 and calls == [(30, 70), (60, 70), (70, 70)]
    assert fresh.coverage(1).missing == ROWS - 70


def test_tqdm_progress_bar(fresh, capsys):
    fresh.backfill(1, embed_features, batch_size=40, progress=True)
    assert f'{ROWS}/{ROWS}' in capsys.readouterr().err


def test_resume_after_interruption(fresh, conn):
    embedded_keys = []

    def flaky(rows):
        if len(embedded_keys) >= 60:
            raise KeyboardInterrupt   # e.g. Ctrl-C in a notebook during the third batch
        embedded_keys.extend(r['id'] for r in rows)
        return embed_features(rows)

    with pytest.raises(KeyboardInterrupt):
        fresh.backfill(1, flaky, batch_size=30, progress=False)
    cov = fresh.coverage(1)
    assert (cov.embedded, cov.missing) == (60, ROWS - 60)   # the two committed batches stayed
    assert len(fresh.pending(1)) == ROWS - 60
    second = []
    r = fresh.backfill(1, lambda rows: second.extend(x['id'] for x in rows) or embed_features(rows),
                       batch_size=30, progress=False)
    assert r.pending == ROWS - 60 and r.embedded == ROWS - 60
    assert sorted(second) == sorted(set(range(1, ROWS + 1)) - set(embedded_keys))   # only the rest
    assert fresh.coverage(1).coverage == 1.0


def test_interruption_inside_a_batch_writes_nothing_of_it(fresh, conn):
    def broken(rows):
        return embed_features(rows)[:-1]   # one vector short

    with pytest.raises(vx.InvalidInput, match='returned 29 vectors for 30 rows'):
        fresh.backfill(1, broken, batch_size=30, progress=False)
    assert fresh.coverage(1).embedded == 0
    with pytest.raises(vx.InvalidInput, match='3 dimensions, but version 1 of model'):
        fresh.backfill(1, lambda rows: [[1, 2, 3]] * len(rows), progress=False)
    assert fresh.coverage(1).embedded == 0


def test_stale_rows_are_re_embedded(fresh, conn):
    fresh.backfill(1, embed_features, progress=False)
    conn.execute(f'UPDATE {fresh.info.source} SET features = array_fill(0.5::real, ARRAY[{DIMS}]) WHERE id IN (3, 4)')
    assert [(p.key, p.reason) for p in fresh.pending(1)] == [('3', 'stale'), ('4', 'stale')]
    r = fresh.backfill(1, embed_features, progress=False)
    assert r.embedded == 2
    assert fresh.pending(1) == [] and fresh.coverage(1).stale == 0
    assert stored(conn, fresh)[3].tolist() == [0.5] * DIMS
    assert conn.execute(f'SELECT count(*) FROM {fresh.name}').fetchone()[0] == ROWS


def test_rows_deleted_meanwhile(fresh, conn, dsn):
    def embed_and_delete(rows):
        with psycopg.connect(dsn, autocommit=True) as other:   # another session deletes a row of a later batch
            other.execute(f'DELETE FROM {fresh.info.source} WHERE id = {ROWS}')
        return embed_features(rows)

    r = fresh.backfill(1, embed_and_delete, batch_size=50, progress=False)
    assert (r.embedded, r.vanished) == (ROWS - 1, 1)
    assert fresh.coverage(1).coverage == 1.0


def test_text_keys_needing_quotes(conn):
    conn.execute('CREATE TABLE bf_text_src (key text PRIMARY KEY, body text)')
    keys = ["plain", "it's", 'with "quotes"', 'comma,brace{}', 'ünïcode ✓', ' spaced ']
    with conn.cursor() as cur:
        cur.executemany('INSERT INTO bf_text_src VALUES (%s, %s)', [(k, k * 2) for k in keys])
    vx.Registry(conn).register('bf-text', 2)
    c = vx.Collection.create(conn, 'bf_text_emb', 'bf_text_src', 'bf-text', key_column='key')
    c.add_version(1)
    r = c.backfill(1, lambda bodies: [[len(b), 1] for b in bodies], column='body', progress=False)
    assert r.embedded == len(keys)
    got = dict(conn.execute('SELECT key, embedding FROM bf_text_emb'))
    assert {k: v.tolist() for k, v in got.items()} == {k: [2 * len(k), 1] for k in keys}
