"""Backfill of a collection version from a Python embedding function (Collection.backfill).

The work list is vectorext.pending (missing and stale keys); the source rows of each batch are read by key, embedded
by the caller's function, written by binary COPY into a temporary staging table and moved into the collection with
one INSERT ... ON CONFLICT DO UPDATE (stale rows are replaced; rows deleted from the source meanwhile are skipped;
the version's row trigger checks dims and records the source digest as for any write). Each batch is its own
transaction, so an interrupted backfill keeps what it wrote and a new call resumes from what pending still lists.
"""
from psycopg import sql

from .errors import InvalidInput, translate_errors
from .records import BackfillResult

KEY = '__vectorext_key'
STAGE = sql.Identifier('vectorext_backfill')


class _Progress:
    def __init__(self, progress, total, desc):
        self.bar, self.callback, self.done, self.total = None, None, 0, total
        if callable(progress):
            self.callback = progress
        elif progress:
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=desc, unit='row', dynamic_ncols=True)

    def update(self, n):
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        if self.callback is not None:
            self.callback(self.done, self.total)

    def close(self):
        if self.bar is not None:
            self.bar.close()


class _Statements:
    """The SQL of one backfill, composed from names the catalog produced (never registry text as SQL)."""

    def __init__(self, s, info, column):
        row = s.one('SELECT %s::regclass::text AS relation, %s::regclass::text AS source, '
                    '(SELECT a.atttypid::regtype::text FROM pg_catalog.pg_attribute a '
                    ' WHERE a.attrelid = %s::regclass AND a.attname = %s AND NOT a.attisdropped) AS key_type',
                    (info.relation, info.source, info.relation, info.key_column))
        names = dict(relation=sql.SQL(row['relation']), source=sql.SQL(row['source']),
                     key_type=sql.SQL(row['key_type']), key=sql.Identifier(info.key_column), stage=STAGE)
        picked = sql.SQL('s.*') if column is None else sql.SQL('s.{}').format(sql.Identifier(column))
        self.fetch = sql.SQL('SELECT s.{key}::text AS {k}, {picked} FROM {source} s '
                             'WHERE s.{key} = ANY (%s::text[]::{key_type}[])').format(
            k=sql.Identifier(KEY), picked=picked, **names)
        self.copy = sql.SQL('COPY pg_temp.{stage} (key, embedding) FROM STDIN (FORMAT binary)').format(**names)
        # Rows deleted from the source since they were read are skipped (counted as vanished), not an error.
        self.move = sql.SQL('INSERT INTO {relation} ({key}, model_version, embedding) '
                            'SELECT s.{key}, %s, b.embedding '
                            'FROM pg_temp.{stage} b JOIN {source} s ON s.{key} = b.key::{key_type} '
                            'ON CONFLICT ({key}, model_version) DO UPDATE SET embedding = excluded.embedding'
                            ).format(**names)
        self.clear = sql.SQL('TRUNCATE pg_temp.{stage}').format(**names)
        if s.scalar('SELECT to_regclass(%s) IS NULL', ('pg_temp.vectorext_backfill',)):
            s.execute(sql.SQL('CREATE TEMP TABLE {} (key text NOT NULL, embedding {} NOT NULL) ON COMMIT DELETE ROWS')
                      .format(STAGE, sql.SQL(s.type_sql('vector'))))


def _vectors(embedded, n, dims, model, version):
    """The embedding function's output as a list of n 1-D vectors of `dims` values (checked before any write)."""
    vectors = list(embedded)  # a 2-D numpy array iterates by row
    if len(vectors) != n:
        raise InvalidInput(f'the embedding function returned {len(vectors)} vectors for {n} rows',
                           hint='Return one vector per row, in the order of the batch.')
    for v in vectors:
        if len(v) != dims:
            raise InvalidInput(f'the embedding function returned a vector of {len(v)} dimensions, but version '
                               f'{version} of model "{model}" produces {dims}',
                               hint='Embed with the model version being backfilled.')
    return vectors


def _write_batch(s, st, keys, vectors, version):
    """One transaction: the batch by binary COPY into the staging table, then into the collection; rows written."""
    with translate_errors(), s.transaction(), s.conn.cursor() as cur:
        with cur.copy(st.copy) as copy:
            copy.set_types(['text', s.types['vector'].oid])
            for k, v in zip(keys, vectors):
                copy.write_row((k, v))
        cur.execute(st.move, (version,))
        written = cur.rowcount
        cur.execute(st.clear)
    return written


def run_backfill(coll, version, embed, *, batch_size, column, progress, limit, analyze):
    from .registry import Registry
    if batch_size < 1:
        raise ValueError('batch_size must be at least 1')
    s, info = coll.s, coll.info
    dims = Registry(coll.conn).model(info.model, version).dims
    todo = [p.key for p in coll.pending(version)]
    if limit is not None:
        todo = todo[:limit]
    st = _Statements(s, info, column)
    bar = _Progress(progress, len(todo), f'{coll.name} v{version}')
    embedded = batches = vanished = 0
    try:
        for start in range(0, len(todo), batch_size):
            keys = todo[start:start + batch_size]
            rows = s.execute(st.fetch, (keys,))
            vanished += len(keys) - len(rows)
            if rows:
                batch_keys = [r.pop(KEY) for r in rows]
                payload = [r[column] for r in rows] if column is not None else rows
                vectors = _vectors(embed(payload), len(rows), dims, info.model, version)
                written = _write_batch(s, st, batch_keys, vectors, version)
                embedded += written
                vanished += len(rows) - written
                batches += 1
            bar.update(len(keys))
    finally:
        bar.close()
    if analyze and embedded:
        # Planner statistics of the version's partition after a bulk load (docs/mlops.md §4), so queries use its
        # ANN index; a role that does not own it gets the server's WARNING and no statistics.
        part = s.scalar('SELECT partition::regclass::text FROM vectorext.collection_versions '
                        'WHERE collection = %s AND version = %s', (coll.name, version))
        s.execute(sql.SQL('ANALYZE {}').format(sql.SQL(part)))
    return BackfillResult(collection=coll.name, version=version, pending=len(todo), embedded=embedded,
                          batches=batches, vanished=vanished)
