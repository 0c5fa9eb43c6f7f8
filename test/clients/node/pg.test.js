// node-postgres (pg) with pgvector-node's pg helpers (registerTypes, toSql): CREATE EXTENSION IF NOT EXISTS vector,
// hnsw indexes made before the rows, rows written as text parameters, as binary parameters (Buffers: pg sends them in
// binary format) and by binary COPY (pg-copy-streams), read back as text and by binary COPY, then ordered queries with
// every operator through hnsw and then ivfflat, against exact neighbours computed here. (pg reads every result field
// as UTF-8 text, binary results included: its protocol parser has no binary mode, so binary reads go through COPY.)
import test from 'node:test';
import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import pgvector from 'pgvector/pg';
import { SparseVector } from 'pgvector';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import {
  connection, TYPES, rows, queries, exactNeighbours, assertNeighbours, SparseValue, BINARY,
  COPY_HEADER, COPY_TRAILER, copyTuple, parseCopy, int4,
} from './common.js';
import { indexedOps, through, assertPlan, declareWaitingCases } from './waiting.js';

const client = new pg.Client(connection('pg'));
await client.connect();
await client.query('CREATE EXTENSION IF NOT EXISTS vector');
await pgvector.registerTypes(client);
const data = rows();
await client.query('SET hnsw.ef_search = 100');
await client.query('SET ivfflat.probes = 3');
test.after(() => client.end());

// pgvector-node's text parsers give number[] (vector, halfvec) and its SparseVector; bit comes as a string.
function fromLibrary(t, v) {
  return v !== null && t.type === 'sparsevec' ? new SparseValue(v.dimensions, v.indices, v.values) : v;
}
function toSqlParam(t, v) {
  return t.type === 'sparsevec' ? pgvector.toSql(new SparseVector(v.dense())) : t.type === 'bit' ? v : pgvector.toSql(v);
}
function assertRows(t, got, what) {
  assert.equal(got.length, data.length, what);
  got.forEach((r, i) => assert.deepEqual(r, { id: data[i].id, v: data[i][t.column] }, `${what}: row ${r.id}`));
}

// One table per type (items_<type> (id, v)). Index cases waiting for issue 12's operator classes (waiting.js) make no
// index; their queries run as exact scans.
for (const t of TYPES) {
  const table = `items_${t.type}`;

  test(`${t.type}: hnsw indexes before the rows, rows 1-20 as text parameters (pgvector.toSql)`, async () => {
    await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v ${t.sql})`);
    for (const o of indexedOps(t, 'hnsw')) await client.query(`CREATE INDEX ${table}_${o.metric}_hnsw ON ${table} USING hnsw (v ${o.hnsw})`);
    for (const r of data.slice(0, 20)) await client.query(`INSERT INTO ${table} VALUES ($1, $2)`, [r.id, toSqlParam(t, r[t.column])]);
  });

  test(`${t.type}: rows 21-40 as binary parameters (Buffers in pgvector's send/recv format)`, async () => {
    for (const r of data.slice(20, 40)) {
      await client.query(`INSERT INTO ${table} VALUES ($1, $2::${t.sql})`, [r.id, BINARY[t.type].encode(r[t.column])]);
    }
  });

  test(`${t.type}: rows 41-60 by binary COPY FROM STDIN`, async () => {
    const stream = client.query(copyFrom(`COPY ${table} (id, v) FROM STDIN (FORMAT binary)`));
    const tuples = data.slice(40).map((r) => copyTuple([int4(r.id), BINARY[t.type].encode(r[t.column])]));
    await pipeline(Readable.from([COPY_HEADER, ...tuples, COPY_TRAILER]), stream);
  });

  test(`${t.type}: read back as text through pgvector-node's parsers`, async () => {
    const got = (await client.query(`SELECT id, v FROM ${table} ORDER BY id`)).rows;
    assertRows(t, got.map((r) => ({ id: r.id, v: fromLibrary(t, r.v) })), 'text');
  });

  test(`${t.type}: read back by binary COPY TO STDOUT`, async () => {
    const chunks = [];
    for await (const c of client.query(copyTo(`COPY (SELECT id, v FROM ${table} ORDER BY id) TO STDOUT (FORMAT binary)`))) chunks.push(c);
    const got = parseCopy(Buffer.concat(chunks)).map(([id, v]) => ({ id: id.readInt32BE(0), v: BINARY[t.type].decode(v) }));
    assertRows(t, got, 'binary COPY');
  });

  const orderedQueries = async (method) => {
    await client.query('SET enable_seqscan = off');
    for (const o of t.ops.filter((o) => o[method])) {
      for (const [n, q] of queries(t).entries()) {
        const sql = `SELECT id, v ${o.op} $1 AS d FROM ${table} ORDER BY v ${o.op} $1 LIMIT 5`;
        const params = [toSqlParam(t, q)];
        const plan = (await client.query(`EXPLAIN (COSTS OFF) ${sql}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n');
        assertPlan(plan, table, o, method);
        assertNeighbours((await client.query(sql, params)).rows, exactNeighbours(data, t, o, q), `${t.type} ${o.op} query ${n + 1} via ${method}`);
      }
    }
    await client.query('RESET enable_seqscan');
  };

  test(`${t.type}: ordered queries with every operator through ${through(t, 'hnsw')}`, () => orderedQueries('hnsw'));

  // (sparsevec has no ivfflat operator class, in pgvector either)
  if (t.ops.some((o) => o.ivfflat)) test(`${t.type}: ordered queries through ${through(t, 'ivfflat')}`, async () => {
    for (const o of indexedOps(t, 'hnsw')) await client.query(`DROP INDEX ${table}_${o.metric}_hnsw`);
    for (const o of indexedOps(t, 'ivfflat')) {
      await client.query(`CREATE INDEX ${table}_${o.metric}_ivfflat ON ${table} USING ivfflat (v ${o.ivfflat}) WITH (lists = 3)`);
    }
    await orderedQueries('ivfflat');
  });
  declareWaitingCases('pg', t, async (sql) => (await client.query(sql)).rows);
}
