// Kysely (PostgresDialect over pg) with pgvector-node's kysely helpers: toSql / fromSql and the distance helpers
// l2Distance, maxInnerProduct, cosineDistance, l1Distance, hammingDistance, jaccardDistance in select and orderBy;
// tables and indexes through Kysely's schema builder (cases: harness.js).
import test from 'node:test';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pgvector from 'pgvector/kysely';
import { SparseVector } from 'pgvector';
import { connection, SparseValue } from './common.js';
import { prepareDatabase, declareTypeTests } from './harness.js';

await prepareDatabase('kysely');
const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ ...connection('kysely'), max: 2 }) }) });
await sql`CREATE EXTENSION IF NOT EXISTS vector`.execute(db);
test.after(() => db.destroy());

const toDb = (t, v) => (t.type === 'sparsevec' ? pgvector.toSql(new SparseVector(v.dense())) : t.type === 'bit' ? v : pgvector.toSql(v));
const fromDb = (t, v) => {
  if (t.type === 'bit') return v;
  const parsed = pgvector.fromSql(v);
  return t.type === 'sparsevec' ? new SparseValue(parsed.dimensions, parsed.indices, parsed.values) : parsed;
};

declareTypeTests('kysely', {
  createTable: (t, table) =>
    db.schema.createTable(table).addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('v', sql.raw(t.sql)).execute(),
  createIndex: (t, table, name, method, opclass, options) => {
    const index = db.schema.createIndex(name).on(table).using(method).expression(sql.raw(`v ${opclass}`));
    // Kysely's index builder has no WITH (...): its SQL, completed
    return options ? sql.raw(`${index.compile().sql} WITH (lists = ${options.lists})`).execute(db) : index.execute();
  },
  insert: (t, table, rows) => db.insertInto(table).values(rows.map((r) => ({ id: r.id, v: toDb(t, r.v) }))).execute(),
  read: async (t, table) => (await db.selectFrom(table).selectAll().orderBy('id').execute()).map((r) => ({ id: r.id, v: fromDb(t, r.v) })),
  nearest: (t, table, o, q) => {
    const value = t.type === 'sparsevec' ? new SparseVector(q.dense()) : q;
    return db.selectFrom(table).select(['id', pgvector[o.helper]('v', value).as('d')]).orderBy(pgvector[o.helper]('v', value)).limit(5).execute();
  },
  raw: async (query) => (await sql.raw(query).execute(db)).rows,
});
