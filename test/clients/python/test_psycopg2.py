"""psycopg2 (Debian's python3-psycopg2) with our own adapters, the way pgvector-python's psycopg2 support works:
register_adapter for writing, new_type/register_type for reading (psycopg2 speaks text only). Rows are written as
parameters and by binary COPY (copy_expert with pgvector's binary formats), read back parsed and by binary COPY
(cases: vxclient.TypeCases)."""
import io
import struct

import psycopg2
import psycopg2.extensions as ext

import vxclient
from vxclient import CODECS, SETTINGS, make_cases


class Vector(list): pass
class HalfVector(list): pass
class SparseVector(vxclient.Sparse): pass
class Bits(str): pass


WRAP = {'vector': Vector, 'halfvec': HalfVector, 'bit': Bits, 'sparsevec': lambda s: SparseVector(s.dims, s.indices, s.values)}


def register(conn):
    cur = conn.cursor()
    for name, cls in [('vector', Vector), ('halfvec', HalfVector), ('sparsevec', SparseVector), ('bit', Bits)]:
        codec = CODECS[name]
        cast = 'varbit' if name == 'bit' else name
        ext.register_adapter(cls, lambda v, c=codec, t=cast: ext.AsIs(f"{ext.adapt(str(c['text'](v))).getquoted().decode()}::{t}"))
        cur.execute('SELECT %s::regtype::oid', ('bit' if name == 'bit' else name,))
        oid = cur.fetchone()[0]
        ext.register_type(ext.new_type((oid,), name.upper(), lambda s, _cur, c=codec: None if s is None else c['parse'](s)), conn)


def copy_binary(rows, encode):
    out = io.BytesIO()
    out.write(b'PGCOPY\n\xff\r\n\0' + struct.pack('>ii', 0, 0))
    for i, v in rows:
        data = encode(v)
        out.write(struct.pack('>hii', 2, 4, i) + struct.pack('>i', len(data)) + data)
    out.write(struct.pack('>h', -1))
    out.seek(0)
    return out


def parse_copy(data, decode):
    at = 19 + struct.unpack_from('>i', data, 15)[0]
    rows = []
    while struct.unpack_from('>h', data, at)[0] != -1:
        (length_id,) = struct.unpack_from('>i', data, at + 2)
        (id_,) = struct.unpack_from('>i', data, at + 6)
        (length,) = struct.unpack_from('>i', data, at + 6 + length_id)
        start = at + 10 + length_id
        rows.append((id_, decode(data[start:start + length])))
        at = start + length
    return rows


class Psycopg2:
    conn = None

    @classmethod
    def setUpClass(cls):
        if Psycopg2.conn is None:
            Psycopg2.conn = psycopg2.connect(**{k: v for k, v in vxclient.dsn_params().items()})
            Psycopg2.conn.autocommit = True
            cur = Psycopg2.conn.cursor()
            cur.execute('CREATE EXTENSION IF NOT EXISTS vector')
            for s in SETTINGS:
                cur.execute(f'SET {s}')
            register(Psycopg2.conn)

    def execute(self, sql, params=None):
        cur = self.conn.cursor()
        cur.execute(sql, params)
        return cur

    def create_table(self, table):
        self.execute(f'CREATE TABLE {table} (id int PRIMARY KEY, v {self.type.sql})')

    def create_index(self, table, name, method, opclass, lists):
        self.execute(f'CREATE INDEX {name} ON {table} USING {method} (v {opclass})' + (f' WITH (lists = {lists})' if lists else ''))

    def insert(self, table, rows):
        wrap = WRAP[self.type.name]
        for i, v in rows[:30]:
            self.execute(f'INSERT INTO {table} VALUES (%s, %s)', (i, wrap(v)))
        self.conn.cursor().copy_expert(f'COPY {table} (id, v) FROM STDIN (FORMAT binary)', copy_binary(rows[30:], self.type.codec['encode']))

    def read(self, table):
        text = self.execute(f'SELECT id, v FROM {table} ORDER BY id').fetchall()
        out = io.BytesIO()
        self.conn.cursor().copy_expert(f'COPY (SELECT id, v FROM {table} ORDER BY id) TO STDOUT (FORMAT binary)', out)
        self.assertEqual(parse_copy(out.getvalue(), self.type.codec['decode']), text, 'binary COPY')
        return text

    def nearest(self, table, op, q):
        q = WRAP[self.type.name](q)
        o = op.op.replace('%', '%%')
        return self.execute(f'SELECT id, v {o} %s FROM {table} ORDER BY v {o} %s LIMIT 5', (q, q)).fetchall()

    def explain(self, sql):
        cur = self.execute(sql)
        return '\n'.join(r[0] for r in cur.fetchall()) if cur.description else ''


make_cases(globals(), Psycopg2, 'psycopg2')
