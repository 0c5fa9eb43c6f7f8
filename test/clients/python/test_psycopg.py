"""psycopg 3 (Debian's python3-psycopg) with our own adapters, registered the way pgvector-python registers its own
(pgvector-python is on PyPI only): text and binary dumpers and loaders per type. Rows are written as text parameters
(%t), as binary parameters (%b) and by binary COPY (write_row), read back as text, as binary results and by binary
COPY; ordered queries use text and binary query parameters (cases: vxclient.TypeCases)."""
import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

import vxclient
from vxclient import CODECS, SETTINGS, make_cases


# One Python class per SQL type, so a dumper can be chosen by the value's class.
class Vector(list): pass
class HalfVector(list): pass
class SparseVector(vxclient.Sparse): pass
class Bits(str): pass


WRAP = {'vector': Vector, 'halfvec': HalfVector, 'bit': Bits,
        'sparsevec': lambda s: SparseVector(s.dims, s.indices, s.values)}


def register(conn):
    """Our adapters for the four types, on this connection."""
    for name, wrap in WRAP.items():
        info = TypeInfo.fetch(conn, 'varbit' if name == 'bit' else name)
        info.register(conn)
        codec = CODECS[name]
        text_dumper = type(f'{name}TextDumper', (Dumper,), {'oid': info.oid, 'dump': lambda self, v, c=codec: c['text'](v).encode()})
        binary_dumper = type(f'{name}BinaryDumper', (Dumper,), {'oid': info.oid, 'format': Format.BINARY, 'dump': lambda self, v, c=codec: c['encode'](v)})
        text_loader = type(f'{name}TextLoader', (Loader,), {'load': lambda self, d, c=codec: c['parse'](bytes(d).decode())})
        binary_loader = type(f'{name}BinaryLoader', (Loader,), {'format': Format.BINARY, 'load': lambda self, d, c=codec: c['decode'](bytes(d))})
        cls = wrap if isinstance(wrap, type) else SparseVector
        conn.adapters.register_dumper(cls, text_dumper)
        conn.adapters.register_dumper(cls, binary_dumper)
        if name == 'bit':  # bit(n) columns come back as bit; the values are sent as varbit, which casts implicitly
            conn.adapters.register_loader(TypeInfo.fetch(conn, 'bit').oid, text_loader)
            conn.adapters.register_loader(TypeInfo.fetch(conn, 'bit').oid, binary_loader)
        conn.adapters.register_loader(info.oid, text_loader)
        conn.adapters.register_loader(info.oid, binary_loader)


class Psycopg:
    conn = None

    @classmethod
    def setUpClass(cls):
        if Psycopg.conn is None:
            Psycopg.conn = psycopg.connect(vxclient.dsn(), autocommit=True)
            Psycopg.conn.execute('CREATE EXTENSION IF NOT EXISTS vector')
            for s in SETTINGS:
                Psycopg.conn.execute(f'SET {s}')
            register(Psycopg.conn)

    def wrap(self, v):
        return WRAP[self.type.name](v)

    def create_table(self, table):
        self.conn.execute(f'CREATE TABLE {table} (id int PRIMARY KEY, v {self.type.sql})')

    def create_index(self, table, name, method, opclass, lists):
        self.conn.execute(f'CREATE INDEX {name} ON {table} USING {method} (v {opclass})' + (f' WITH (lists = {lists})' if lists else ''))

    def insert(self, table, rows):
        with self.conn.cursor() as cur:
            for i, v in rows[:20]:
                cur.execute(f'INSERT INTO {table} VALUES (%s, %t)', (i, self.wrap(v)))
            for i, v in rows[20:40]:
                cur.execute(f'INSERT INTO {table} VALUES (%s, %b)', (i, self.wrap(v)))
            with cur.copy(f'COPY {table} (id, v) FROM STDIN (FORMAT binary)') as copy:
                copy.set_types(['int4', 'varbit' if self.type.name == 'bit' else self.type.name])
                for i, v in rows[40:]:
                    copy.write_row((i, self.wrap(v)))

    def plain(self, v):
        return vxclient.Sparse(v.dims, v.indices, v.values) if isinstance(v, vxclient.Sparse) else (v if isinstance(v, str) else list(v))

    def read(self, table):
        text = [(i, self.plain(v)) for i, v in self.conn.execute(f'SELECT id, v FROM {table} ORDER BY id')]
        with self.conn.cursor(binary=True) as cur:
            binary = [(i, self.plain(v)) for i, v in cur.execute(f'SELECT id, v FROM {table} ORDER BY id')]
        with self.conn.cursor() as cur:
            with cur.copy(f'COPY (SELECT id, v FROM {table} ORDER BY id) TO STDOUT (FORMAT binary)') as copy:
                copy.set_types(['int4', 'bit' if self.type.name == 'bit' else self.type.name])
                copied = [(i, self.plain(v)) for i, v in copy.rows()]
        self.assertEqual(binary, text, 'binary results')
        self.assertEqual(copied, text, 'binary COPY')
        return text

    def nearest(self, table, op, q):
        op = vxclient.Op(op.op.replace('%', '%%'), op.metric, op.name, op.hnsw, op.ivfflat)  # <%> in a query with parameters
        text = self.conn.execute(f'SELECT id, v {op.op} %t FROM {table} ORDER BY v {op.op} %t LIMIT 5', (self.wrap(q), self.wrap(q))).fetchall()
        binary = self.conn.execute(f'SELECT id, v {op.op} %b FROM {table} ORDER BY v {op.op} %b LIMIT 5', (self.wrap(q), self.wrap(q))).fetchall()
        self.assertEqual(binary, text, 'binary query parameter')
        return text

    def explain(self, sql):
        cur = self.conn.execute(sql)
        return '\n'.join(r[0] for r in cur.fetchall()) if cur.description else ''


make_cases(globals(), Psycopg, 'psycopg')
