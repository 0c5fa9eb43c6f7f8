// knex with pgvector-node's knex helpers: enableExtension('vector'), the vector/halfvec/sparsevec column builders,
// toSql / fromSql, and the distance helpers l2Distance, maxInnerProduct, cosineDistance, l1Distance, hammingDistance,
// jaccardDistance in orderBy (cases: harness.js).
import test from 'node:test';
import knexFactory from 'knex';
import pgvector from 'pgvector/knex';
import { SparseVector } from 'pgvector';
import { connection, SparseValue, DIMS, BITS } from './common.js';
import { prepareDatabase, declareTypeTests } from './harness.js';

await prepareDatabase('knex');
const knex = knexFactory({ client: 'pg', connection: connection('knex'), pool: { min: 0, max: 2 } });
await knex.schema.enableExtension('vector');
test.after(() => knex.destroy());

const toDb = (t, v) => (t.type === 'sparsevec' ? pgvector.toSql(new SparseVector(v.dense())) : t.type === 'bit' ? v : pgvector.toSql(v));
const query = (t, q) => (t.type === 'sparsevec' ? new SparseVector(q.dense()) : q);

declareTypeTests('knex', {
  createTable: (t, table) => knex.schema.createTable(table, (b) => {
    b.integer('id').primary();
    if (t.type === 'bit') b.specificType('v', `bit(${BITS})`);
    else b[t.type]('v', { dimensions: DIMS });
  }),
  createIndex: (t, table, name, method, opclass, options) =>
    knex.raw(`CREATE INDEX ?? ON ?? USING ${method} (v ${opclass})${options ? ` WITH (lists = ${options.lists})` : ''}`, [name, table]),
  insert: (t, table, rows) => knex(table).insert(rows.map((r) => ({ id: r.id, v: toDb(t, r.v) }))),
  read: async (t, table) => (await knex(table).orderBy('id')).map((r) => {
    const v = t.type === 'bit' ? r.v : pgvector.fromSql(r.v);
    return { id: r.id, v: t.type === 'sparsevec' ? new SparseValue(v.dimensions, v.indices, v.values) : v };
  }),
  nearest: (t, table, o, q) =>
    knex(table).select('id', knex.raw('? AS d', [knex[o.helper]('v', query(t, q))])).orderBy(knex[o.helper]('v', query(t, q))).limit(5),
  raw: async (sql) => (await knex.raw(sql)).rows,
});
