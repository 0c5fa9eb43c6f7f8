"""Backfill of a collection version from a Python embedding function (Collection.backfill).

The work list is vectorext.pending (missing and stale keys); the source rows of each batch are read by key, embedded
by the caller's function, written by binary COPY into a temporary staging table and moved into the collection with
one INSERT ... ON CONFLICT DO UPDATE (stale rows are replaced; rows deleted from the source meanwhile are skipped;
the version's row trigger checks dims and records the source digest as for any write). Each batch is its own transaction, so an interrupted backfill keeps what it
wrote and a new call resumes from what pending still lists.
"""
from psycopg import sql
from psycopg.rows import dict_row

from .errors import InvalidInput, translate_errors
from .records import BackfillResult

KEY = '__vectorext_key'
STAGE = 'vectorext_backfill'


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


def _catalog_names(s, info):
    """Relation, source and key type as SQL text produced by the catalog (never registry text as SQL)."""
    row = s.one('SELECT %s::regclass::text AS relation, %s::regclass::text AS source, '
                '(SELECT a.atttypid::regtype::text FROM pg_catalog.pg_attribute a '
                ' WHERE a.attrelid = %s::regclass AND a.attname = %s AND NOT a.attisdropped) AS key_type',
                (info.relation, info.source, info.relation, info.key_column))
    return sql.SQL(row['relation']), sql.SQL(row['source']), sql.SQL(row['key_type'])


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


def run_backfill(coll, version, embed, *, batch_size, column, progress, limit, analyze):
    from .registry import Registry
    if batch_size < 1:
        raise ValueError('batch_size must be at least 1')
    s, info = coll.s, coll.info
    dims = Registry(coll.conn).model(info.model, version).dims
    todo = [p.key for p in coll.pending(version)]
    if limit is not None:
        todo = todo[:limit]
    relation, source, key_type = _catalog_names(s, info)
    key = sql.Identifier(info.key_column)
    picked = sql.SQL('s.*') if column is None else sql.SQL('s.{}').format(sql.Identifier(column))
    fetch = sql.SQL('SELECT s.{key}::text AS {k}, {picked} FROM {source} s '
                    'WHERE s.{key} = ANY (%s::text[]::{key_type}[])').format(
        key=key, k=sql.Identifier(KEY), picked=picked, source=source, key_type=key_type)
    # Rows deleted from the source since they were read are skipped (counted as vanished), not an error.
    move = sql.SQL('INSERT INTO {relation} ({key}, model_version, embedding) '
                   'SELECT s.{key}, %s, b.embedding FROM pg_temp.{stage} b JOIN {source} s ON s.{key} = b.key::{key_type} '
                   'ON CONFLICT ({key}, model_version) DO UPDATE SET embedding = excluded.embedding').format(
        relation=relation, key=key, key_type=key_type, source=source, stage=sql.Identifier(STAGE))
    vector_oid = s.types['vector'].oid
    if s.scalar('SELECT to_regclass(%s) IS NULL', (f'pg_temp.{STAGE}',)):
        s.execute(sql.SQL('CREATE TEMP TABLE {} (key text NOT NULL, embedding {} NOT NULL) ON COMMIT DELETE ROWS')
                  .format(sql.Identifier(STAGE), sql.SQL(s.type_sql('vector'))))
    bar = _Progress(progress, len(todo), f'{coll.name} v{version}')
    embedded = batches = vanished = 0
    try:
        for start in range(0, len(todo), batch_size):
            keys = todo[start:start + batch_size]
            with translate_errors(), s.transaction(), coll.conn.cursor(row_factory=dict_row) as cur:
                cur.execute(fetch, (keys,))
                rows = cur.fetchall()
            vanished += len(keys) - len(rows)
            if rows:
                batch_keys = [r.pop(KEY) for r in rows]
                payload = [r[column] for r in rows] if column is not None else rows
                vectors = _vectors(embed(payload), len(rows), dims, info.model, version)
                with translate_errors(), s.transaction(), coll.conn.cursor() as cur:
                    with cur.copy(sql.SQL('COPY pg_temp.{} (key, embedding) FROM STDIN (FORMAT binary)')
                                  .format(sql.Identifier(STAGE))) as copy:
                        copy.set_types(['text', vector_oid])
                        for k, v in zip(batch_keys, vectors):
                            copy.write_row((k, v))
                    cur.execute(move, (version,))
                    written = cur.rowcount
                    cur.execute(sql.SQL('TRUNCATE pg_temp.{}').format(sql.Identifier(STAGE)))
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
