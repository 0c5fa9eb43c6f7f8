"""Query and judgment sets for compare / evaluate: the SQL functions take a SELECT; Python callers may pass rows
instead, which are written by binary COPY to a temporary table (dropped at the end of the call) that the SELECT reads.
"""
import contextlib
import itertools

from psycopg import sql

from .errors import translate_errors

_names = itertools.count(1)


def _cell(value, type_name):
    if value is None:
        return None
    if type_name == 'text':
        return str(value)
    if type_name == 'float8':
        return float(value)
    return value


@contextlib.contextmanager
def query_source(session, rows, types):
    """Yields SELECT text: `rows` itself when it is a string, else a temporary table of the rows with `types`
    ('text', 'float8', 'vector'); must run inside a transaction
    (ON COMMIT DROP)."""
    if isinstance(rows, str):
        yield rows
        return
    rows = [list(r) for r in rows]
    for row in rows:   # before COPY: an error raised inside it would surface as the server's "COPY failed"
        if len(row) != len(types):
            raise ValueError(f'each row needs {len(types)} values, got {len(row)}: {row!r:.80}')
    name = f'vectorext_rows_{next(_names)}'
    oids = [session.types[t].oid if t in session.types else t for t in types]
    columns = sql.SQL(', ').join(
        sql.SQL('c{} {}').format(sql.SQL(str(i)), sql.SQL(session.type_sql(t) if t in session.types else t))
        for i, t in enumerate(types))
    with translate_errors(), session.conn.cursor() as cur:
        cur.execute(sql.SQL('CREATE TEMP TABLE {} ({}) ON COMMIT DROP').format(sql.Identifier(name), columns))
        with cur.copy(sql.SQL('COPY pg_temp.{} FROM STDIN (FORMAT binary)').format(sql.Identifier(name))) as copy:
            copy.set_types(oids)
            for row in rows:
                copy.write_row([_cell(v, t) for v, t in zip(row, types)])
    yield f'SELECT * FROM pg_temp.{name}'
    # Only after success: after an error the transaction is aborted and its rollback removes the table.
    with translate_errors(), session.conn.cursor() as cur:
        cur.execute(sql.SQL('DROP TABLE IF EXISTS pg_temp.{}').format(sql.Identifier(name)))
