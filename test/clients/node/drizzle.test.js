// drizzle-orm (node-postgres driver) with its own pgvector support: the vector, halfvec, sparsevec and bit column
// types, the distance functions l2Distance, innerProduct, cosineDistance, l1Distance, hammingDistance,
// jaccardDistance, and indexes declared with .using('hnsw' | 'ivfflat', column.op(opclass)) (cases: harness.js).
// drizzle makes DDL only through drizzle-kit (not a runtime library): the tables are created with its sql template.
import test from 'node:test';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { pgTable, integer, vector, halfvec, sparsevec, bit } from 'drizzle-orm/pg-core';
import { sql, asc, l2Distance, innerProduct, cosineDistance, l1Distance, hammingDistance, jaccardDistance } from 'drizzle-orm';
import { connection, SparseValue, DIMS, BITS } from './common.js';
import { prepareDatabase, declareTypeTests } from './harness.js';

await prepareDatabase('drizzle');
const pool = new pg.Pool({ ...connection('drizzle'), max: 2 });
const db = drizzle(pool);
await db.execute(sql`CREATE EXTENSION IF NOT EXISTS vector`);
test.after(() => pool.end());

const COLUMNS = { vector: () => vector('v', { dimensions: DIMS }), halfvec: () => halfvec('v', { dimensions: DIMS }),
  sparsevec: () => sparsevec('v', { dimensions: DIMS }), bit: () => bit('v', { dimensions: BITS }) };
const HELPERS = { l2Distance, maxInnerProduct: innerProduct, cosineDistance, l1Distance, hammingDistance, jaccardDistance };
const tables = {};
// drizzle maps vector and halfvec to number[]; sparsevec and bit stay text.
const toDb = (t, v) => (t.type === 'sparsevec' ? v.text() : v);
const fromDb = (t, v) => (t.type === 'sparsevec' ? SparseValue.parse(v) : v);

declareTypeTests('drizzle', {
  createTable: async (t, table) => {
    tables[table] = pgTable(table, { id: integer('id').primaryKey(), v: COLUMNS[t.type]() });
    await db.execute(sql.raw(`CREATE TABLE ${table} (id integer PRIMARY KEY, v ${t.sql})`));
  },
  createIndex: (t, table, name, method, opclass, options) =>
    db.execute(sql.raw(`CREATE INDEX ${name} ON ${table} USING ${method} (v ${opclass})${options ? ` WITH (lists = ${options.lists})` : ''}`)),
  insert: (t, table, rows) => db.insert(tables[table]).values(rows.map((r) => ({ id: r.id, v: toDb(t, r.v) }))),
  read: async (t, table) => (await db.select().from(tables[table]).orderBy(asc(tables[table].id))).map((r) => ({ id: r.id, v: fromDb(t, r.v) })),
  nearest: (t, table, o, q) => {
    const distance = HELPERS[o.helper](tables[table].v, toDb(t, q));
    return db.select({ id: tables[table].id, d: distance }).from(tables[table]).orderBy(distance).limit(5);
  },
  raw: async (query) => (await db.execute(sql.raw(query))).rows,
});
