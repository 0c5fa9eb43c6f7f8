// pg-promise with pgvector-node's pg-promise helpers (registerTypes in the connect event, toSql), through each of its
// ways of sending values: its own client-side formatting (multi-row inserts by helpers.insert with a ColumnSet: arrays
// as array[...] cast to the column type, toSql text, Custom Type Formatting objects such as pgvector's SparseVector),
// ParameterizedQuery (server-side text parameters) and PreparedStatement with Buffers (server-side binary parameters in
// pgvector's send/recv formats); read back through the registered parsers; ordered queries with every operator, both
// client-side formatted and as ParameterizedQuery (cases: harness.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import pgPromise from 'pg-promise';
import pgvector from 'pgvector/pg-promise';
import { SparseVector } from 'pgvector';
import { connection, SparseValue, BINARY } from './common.js';
import { prepareDatabase, declareTypeTests } from './harness.js';

await prepareDatabase('pgpromise');
const pgp = pgPromise({
  async connect(e) {
    if (e.useCount === 0) await pgvector.registerTypes(e.client);   // the pattern of pgvector-node's README
  },
});
const db = pgp({ ...connection('pgpromise'), max: 2 });
await db.none('CREATE EXTENSION IF NOT EXISTS vector');
test.after(() => pgp.end());

// pgvector's text forms (toSql; bit is its own string) and pgvector-node's values back to the neutral form.
const toText = (t, v) => (t.type === 'sparsevec' ? pgvector.toSql(new SparseVector(v.dense())) : t.type === 'bit' ? v : pgvector.toSql(v));
const fromLibrary = (t, v) => (t.type === 'sparsevec' ? new SparseValue(v.dimensions, v.indices, v.values) : v);
// What helpers.insert gets for rows 1-20: a plain array (vector, halfvec: pg-promise writes array[...], cast to the
// column's type), pgvector's SparseVector (Custom Type Formatting through its toPostgres), or a string.
const formatted = (t, v, k) => (t.type === 'sparsevec' ? new SparseVector(v.dense()) : t.type === 'bit' || k % 2 ? toText(t, v) : v);

declareTypeTests('pgpromise', {
  createTable: (t, table) => db.none('CREATE TABLE $1:name (id int PRIMARY KEY, v $2:raw)', [table, t.sql]),
  createIndex: (t, table, name, method, opclass, options) =>
    db.none(`CREATE INDEX $1:name ON $2:name USING ${method} (v ${opclass})${options ? ` WITH (lists = ${options.lists})` : ''}`, [name, table]),
  insert: async (t, table, rows) => {
    const columns = new pgp.helpers.ColumnSet(['id', { name: 'v', cast: t.sql }], { table });
    await db.none(pgp.helpers.insert(rows.slice(0, 20).map((r, k) => ({ id: r.id, v: formatted(t, r.v, k) })), columns));
    for (const r of rows.slice(20, 40)) {
      await db.none(new pgp.ParameterizedQuery({ text: `INSERT INTO ${table} VALUES ($1, $2)`, values: [r.id, toText(t, r.v)] }));
    }
    for (const r of rows.slice(40)) {
      await db.none(new pgp.PreparedStatement({ name: `insert_${table}`, text: `INSERT INTO ${table} VALUES ($1, $2::${t.sql})`,
        values: [r.id, BINARY[t.type].encode(r.v)] }));
    }
  },
  read: async (t, table) => (await db.any('SELECT id, v FROM $1:name ORDER BY id', [table])).map((r) => ({ id: r.id, v: fromLibrary(t, r.v) })),
  nearest: async (t, table, o, q) => {
    const text = `SELECT id, v ${o.op} $1 AS d FROM ${table} ORDER BY v ${o.op} $1 LIMIT 5`;
    const formattedRows = await db.any(text, [toText(t, q)]);
    const serverSide = await db.any(new pgp.ParameterizedQuery({ text, values: [toText(t, q)] }));
    assert.deepEqual(serverSide, formattedRows, 'ParameterizedQuery (server-side parameter) and client-side formatting agree');
    return formattedRows;
  },
  raw: (sql) => db.any(sql),
});
