"""asyncpg (Debian's python3-asyncpg) with our own codecs, registered the way pgvector-python's asyncpg support does
(set_type_codec): binary codecs on one connection, text codecs on another. Rows are written with binary parameters,
with text parameters and by copy_records_to_table (binary COPY through the codecs), read back through both codecs;
ordered queries with binary and text parameters (cases: vxclient.TypeCases)."""
import asyncio

import asyncpg

import vxclient
from vxclient import CODECS, SETTINGS, make_cases


class AsyncPG:
    loop = None
    binary = None
    text = None

    @classmethod
    def setUpClass(cls):
        if AsyncPG.loop is None:
            AsyncPG.loop = asyncio.new_event_loop()
            AsyncPG.binary = AsyncPG.wait(AsyncPG.connect('binary'))
            AsyncPG.text = AsyncPG.wait(AsyncPG.connect('text'))

    @staticmethod
    def wait(coroutine):
        return AsyncPG.loop.run_until_complete(coroutine)

    @staticmethod
    async def connect(fmt):
        p = vxclient.dsn_params()
        conn = await asyncpg.connect(host=p['host'], port=p['port'], user=p['user'], database=p['dbname'])
        await conn.execute('CREATE EXTENSION IF NOT EXISTS vector')
        for s in SETTINGS:
            await conn.execute(f'SET {s}')
        for name, codec in CODECS.items():
            if name != 'bit':   # bit: asyncpg's own BitString codec is used for both forms
                if fmt == 'binary':
                    await conn.set_type_codec(name, encoder=codec['encode'], decoder=codec['decode'], format='binary')
                else:
                    await conn.set_type_codec(name, encoder=codec['text'], decoder=codec['parse'], format='text')
        return conn

    def to_db(self, v):
        return asyncpg.BitString(v) if self.type.name == 'bit' else v

    def from_db(self, v):
        return v.as_string().replace(' ', '') if isinstance(v, asyncpg.BitString) else v

    def create_table(self, table):
        self.wait(self.binary.execute(f'CREATE TABLE {table} (id int PRIMARY KEY, v {self.type.sql})'))

    def create_index(self, table, name, method, opclass, lists):
        self.wait(self.binary.execute(f'CREATE INDEX {name} ON {table} USING {method} (v {opclass})' + (f' WITH (lists = {lists})' if lists else '')))

    def insert(self, table, rows):
        rows = [(i, self.to_db(v)) for i, v in rows]
        self.wait(self.binary.executemany(f'INSERT INTO {table} VALUES ($1, $2)', rows[:20]))
        self.wait(self.text.executemany(f'INSERT INTO {table} VALUES ($1, $2)', rows[20:40]))
        self.wait(self.binary.copy_records_to_table(table, records=rows[40:], columns=['id', 'v']))

    def read(self, table):
        binary = [(r[0], self.from_db(r[1])) for r in self.wait(self.binary.fetch(f'SELECT id, v FROM {table} ORDER BY id'))]
        text = [(r[0], self.from_db(r[1])) for r in self.wait(self.text.fetch(f'SELECT id, v FROM {table} ORDER BY id'))]
        self.assertEqual(text, binary, 'text codecs')
        return binary

    def nearest(self, table, op, q):
        sql = f'SELECT id, v {op.op} $1 FROM {table} ORDER BY v {op.op} $1 LIMIT 5'
        binary = [tuple(r) for r in self.wait(self.binary.fetch(sql, self.to_db(q)))]
        text = [tuple(r) for r in self.wait(self.text.fetch(sql, self.to_db(q)))]
        self.assertEqual(text, binary, 'text query parameter')
        return binary

    def explain(self, sql):
        if sql.startswith(('EXPLAIN', 'SELECT')):
            return '\n'.join(r[0] for r in self.wait(self.binary.fetch(sql)))
        self.wait(self.binary.execute(sql))
        return ''


make_cases(globals(), AsyncPG, 'asyncpg')
