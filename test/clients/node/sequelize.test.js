// Sequelize with pgvector-node's sequelize helpers: registerTypes (DataTypes.VECTOR, HALFVEC, SPARSEVEC), models
// synced with hnsw/ivfflat indexes declared in the model (using + operator), and the distance helpers in order
// (cases: harness.js).
import test from 'node:test';
import { Sequelize, DataTypes } from 'sequelize';
import pgvector from 'pgvector/sequelize';
import { SparseVector } from 'pgvector';
import { connection, SparseValue, DIMS, BITS } from './common.js';
import { prepareDatabase, declareTypeTests } from './harness.js';
import { indexedOps } from './waiting.js';

await prepareDatabase('sequelize');
pgvector.registerTypes(Sequelize);
const c = connection('sequelize');
const sequelize = new Sequelize(c.database, c.user, '', { host: c.host, port: c.port, dialect: 'postgres', logging: false });
await sequelize.query('CREATE EXTENSION IF NOT EXISTS vector');
test.after(() => sequelize.close());

const models = {};
const columnType = (t) => ({ vector: DataTypes.VECTOR(DIMS), halfvec: DataTypes.HALFVEC(DIMS), sparsevec: DataTypes.SPARSEVEC(DIMS),
  bit: `BIT(${BITS})` })[t.type];
const toModel = (t, v) => (t.type === 'sparsevec' ? new SparseVector(v.dense()) : v);
const fromModel = (t, v) => (t.type === 'sparsevec' ? new SparseValue(v.dimensions, v.indices, v.values) : v);

declareTypeTests('sequelize', {
  createTable: async (t, table) => {
    models[table] = sequelize.define(table, { id: { type: DataTypes.INTEGER, primaryKey: true }, v: { type: columnType(t) } },
      { tableName: table, timestamps: false,
        indexes: indexedOps(t, 'hnsw').map((o) => ({ name: `${table}_${o.metric}_hnsw`, fields: ['v'], using: 'hnsw', operator: o.hnsw })) });
    await models[table].sync();
  },
  createIndex: async (t, table, name, method, opclass, options) => {
    if (method === 'hnsw') return;   // declared in the model, made by sync()
    // addIndex has no WITH (lists = ...): the default 100 lists on 60 rows would leave most lists unprobed
    await sequelize.query(`CREATE INDEX ${name} ON ${table} USING ${method} (v ${opclass}) WITH (lists = ${options.lists})`);
  },
  insert: (t, table, rows) => models[table].bulkCreate(rows.map((r) => ({ id: r.id, v: toModel(t, r.v) }))),
  read: async (t, table) => (await models[table].findAll({ order: [['id', 'ASC']], raw: true })).map((r) => ({ id: r.id, v: fromModel(t, r.v) })),
  nearest: async (t, table, o, q) => {
    const distance = pgvector[o.helper]('v', toModel(t, q), sequelize);
    return models[table].findAll({ attributes: ['id', [distance, 'd']], order: distance, limit: 5, raw: true });
  },
  raw: async (sql) => (await sequelize.query(sql))[0],
});
