// Postgres.js (porsager's `postgres`, its own protocol implementation: parameters and results in text format) with
// the types registered through its `types` option (serialize / parse by type OID, looked up first as apps do; the
// text forms are pgvector-node's toSql / fromSql), through each of its ways of sending values: tagged-template
// parameters with pgvector.toSql strings (the way pgvector-node's README uses postgres.js), the multi-row insert helper
// sql(rows, columns) with the registered serializers, and binary COPY FROM STDIN through .writable(); read back through
// the registered parsers and by binary COPY TO STDOUT through .readable(); ordered queries with every operator as
// tagged templates (cases: harness.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import postgres from 'postgres';
import pgvector from 'pgvector';
import { SparseVector } from 'pgvector';
import { connection, SparseValue, BINARY, COPY_HEADER, COPY_TRAILER, copyTuple, parseCopy, int4 } from './common.js';
import { prepareDatabase, declareTypeTests } from './harness.js';

await prepareDatabase('postgresjs');
const options = { ...connection('postgresjs'), max: 2, onnotice: () => {} };
const bootstrap = postgres(options);
await bootstrap`CREATE EXTENSION IF NOT EXISTS vector`;
const oids = Object.fromEntries((await bootstrap`SELECT typname, oid FROM pg_type WHERE typname IN ('vector', 'halfvec', 'sparsevec')`)
  .map((r) => [r.typname, Number(r.oid)]));
await bootstrap.end();

// pgvector's text forms from the neutral values of common.js (strings, e.g. toSql's, go through unchanged), and back.
const toText = (type, v) => (typeof v === 'string' ? v : type === 'sparsevec' ? pgvector.toSql(new SparseVector(v.dense())) : pgvector.toSql(v));
const typeOption = (type, parse) => ({ to: oids[type], from: [oids[type]], serialize: (v) => toText(type, v), parse });
const sql = postgres({ ...options, types: {
  vector: typeOption('vector', pgvector.fromSql),
  halfvec: typeOption('halfvec', pgvector.fromSql),
  sparsevec: typeOption('sparsevec', (s) => { const v = pgvector.fromSql(s); return new SparseValue(v.dimensions, v.indices, v.values); }),
} });
test.after(() => sql.end());

// The value of a query parameter as pgvector-node's README passes it: toSql's text (bit: its own string).
const param = (t, v) => (t.type === 'bit' ? v : toText(t.type, v));

declareTypeTests('postgresjs', {
  createTable: (t, table) => sql`CREATE TABLE ${sql(table)} (id int PRIMARY KEY, v ${sql.unsafe(t.sql)})`,
  createIndex: (t, table, name, method, opclass, options) =>
    sql`CREATE INDEX ${sql(name)} ON ${sql(table)} USING ${sql.unsafe(method)} (v ${sql.unsafe(opclass)})
        ${options ? sql`WITH (lists = ${sql.unsafe(String(options.lists))})` : sql``}`,
  insert: async (t, table, rows) => {
    for (const r of rows.slice(0, 20)) await sql`INSERT INTO ${sql(table)} VALUES (${r.id}, ${param(t, r.v)})`;
    await sql`INSERT INTO ${sql(table)} ${sql(rows.slice(20, 40), 'id', 'v')}`;
    const copy = await sql`COPY ${sql(table)} (id, v) FROM STDIN (FORMAT binary)`.writable();
    const tuples = rows.slice(40).map((r) => copyTuple([int4(r.id), BINARY[t.type].encode(r.v)]));
    await pipeline(Readable.from([COPY_HEADER, ...tuples, COPY_TRAILER]), copy);
  },
  read: async (t, table) => {
    const text = (await sql`SELECT id, v FROM ${sql(table)} ORDER BY id`).map((r) => ({ id: r.id, v: r.v }));
    const chunks = [];
    for await (const c of await sql`COPY (SELECT id, v FROM ${sql(table)} ORDER BY id) TO STDOUT (FORMAT binary)`.readable()) chunks.push(c);
    const copied = parseCopy(Buffer.concat(chunks)).map(([id, v]) => ({ id: id.readInt32BE(0), v: BINARY[t.type].decode(v) }));
    assert.deepEqual(copied, text, 'binary COPY TO STDOUT gives the rows read as text');
    return text;
  },
  nearest: (t, table, o, q) =>
    sql`SELECT id, v ${sql.unsafe(o.op)} ${param(t, q)} AS d FROM ${sql(table)} ORDER BY v ${sql.unsafe(o.op)} ${param(t, q)} LIMIT 5`,
  raw: (query) => sql.unsafe(query),
});
