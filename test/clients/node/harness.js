// The cases every ORM / query-builder test runs for each of the four types (docs/clients.md), written once: a table
// made through the library's schema builder with hnsw indexes before the rows, the rows written through the library
// and its pgvector helpers, read back and parsed, then ordered queries with every operator through the library's
// distance helpers, served by hnsw and then by ivfflat (EXPLAIN checked), against exact neighbours computed here.
// Index cases whose operator class waits for issue 12 (waiting.js) make no index and run their queries as exact scans.
// A library supplies: createTable(t, table), createIndex(t, table, name, method, opclass), insert(t, table, rows),
// read(t, table) -> [{id, v}] in the neutral form of common.js, nearest(t, table, op, q) -> [{id, d}], raw(sql) -> rows.
import test from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { connection, TYPES, rows, queries, exactNeighbours, assertNeighbours } from './common.js';
import { indexedOps, through, assertPlan, declareWaitingCases } from './waiting.js';

// Settings every connection of the library's pool gets (pools open connections when they like): the database's own.
export async function prepareDatabase(name) {
  const admin = new pg.Client(connection(name));
  await admin.connect();
  try {
    for (const s of ['enable_seqscan = off', 'hnsw.ef_search = 100', 'ivfflat.probes = 3']) {
      await admin.query(`ALTER DATABASE node_${name} SET ${s}`);
    }
    await admin.query('CREATE EXTENSION IF NOT EXISTS vector');   // the library runs it again, as apps do
  } finally {
    await admin.end();
  }
}

// A literal of a query value for the EXPLAIN check (the library builds the real query).
function literal(t, q) {
  const text = t.type === 'sparsevec' ? q.text() : t.type === 'bit' ? q : `[${q.join(',')}]`;
  return `'${text}'::${t.type === 'bit' ? 'bit' : t.type}`;
}

export function declareTypeTests(library, lib) {
  const data = rows();
  for (const t of TYPES) {
    const table = `${library}_${t.type}`;

    test(`${library} ${t.type}: schema builder table, hnsw indexes, rows through the pgvector helpers`, async () => {
      await lib.createTable(t, table);
      for (const o of indexedOps(t, 'hnsw')) await lib.createIndex(t, table, `${table}_${o.metric}_hnsw`, 'hnsw', o.hnsw);
      await lib.insert(t, table, data.map((r) => ({ id: r.id, v: r[t.column] })));
    });

    test(`${library} ${t.type}: read back and parsed`, async () => {
      const got = await lib.read(t, table);
      assert.equal(got.length, data.length);
      got.forEach((r, i) => assert.deepEqual(r, { id: data[i].id, v: data[i][t.column] }, `row ${data[i].id}`));
    });

    const ordered = async (method) => {
      for (const o of t.ops.filter((o) => o[method])) {
        for (const [n, q] of queries(t).entries()) {
          const plan = (await lib.raw(`EXPLAIN (COSTS OFF) SELECT id FROM ${table} ORDER BY v ${o.op} ${literal(t, q)} LIMIT 5`))
            .map((r) => r['QUERY PLAN']).join('\n');
          assertPlan(plan, table, o, method);
          assertNeighbours(await lib.nearest(t, table, o, q), exactNeighbours(data, t, o, q),
            `${library} ${t.type} ${o.op} (${o.helper}) query ${n + 1} via ${method}`);
        }
      }
    };

    test(`${library} ${t.type}: ordered queries with every operator's helper through ${through(t, 'hnsw')}`, () => ordered('hnsw'));

    if (t.ops.some((o) => o.ivfflat)) {
      test(`${library} ${t.type}: ordered queries through ${through(t, 'ivfflat')}`, async () => {
        for (const o of indexedOps(t, 'hnsw')) await lib.raw(`DROP INDEX ${table}_${o.metric}_hnsw`);
        for (const o of indexedOps(t, 'ivfflat')) {
          await lib.createIndex(t, table, `${table}_${o.metric}_ivfflat`, 'ivfflat', o.ivfflat, { lists: 3 });
        }
        await ordered('ivfflat');
      });
    }
    declareWaitingCases(library, t, lib.raw);
  }
}
