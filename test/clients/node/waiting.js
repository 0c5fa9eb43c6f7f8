// The index cases that wait for issue 12's operator classes (halfvec / sparsevec / bit under hnsw and ivfflat), read
// from the one list of them, test/opclasses_waiting_for_issue_12.txt (VX_WAITING_OPCLASSES when the layer runs from
// the stage). A waiting case creates no index: its queries run as exact scans (plan checked) against the exact
// neighbours, and the index part is one test per library, type and operator class that is reported as SKIPPED, or
// fails once the operator class exists (then its line must go, so that the index case runs).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const LIST = process.env.VX_WAITING_OPCLASSES ?? new URL('../../opclasses_waiting_for_issue_12.txt', import.meta.url);
const WAITING = new Set(readFileSync(LIST, 'utf8').split('\n').map((l) => l.trim().split(/\s+/).join(' '))
  .filter((l) => l && !l.startsWith('#')));

export const waiting = (method, opclass) => WAITING.has(`${method} ${opclass}`);

// The operators of type t whose index (hnsw or ivfflat) can be made today.
export const indexedOps = (t, method) => t.ops.filter((o) => o[method] && !waiting(method, o[method]));

// What serves the ordered queries of type t in a test's name: the index method, or exact scans while it waits.
export const through = (t, method) => (indexedOps(t, method).length ? method : `exact scans (${method} waits for issue 12)`);

// The query plan of `ORDER BY v <op> q LIMIT 5`: the index when it exists, else an exact (sequential) scan.
export function assertPlan(plan, table, o, method) {
  if (waiting(method, o[method])) assert.match(plan, /Seq Scan on/, `exact scan while ${method} ${o[method]} waits: ${plan}`);
  else assert.match(plan, new RegExp(`Index Scan using ${table}_${o.metric}_${method}`), `${o.op}: ${plan}`);
}

// One skipped test per waiting index case of type t; raw(sql) -> rows runs SQL through the library.
export function declareWaitingCases(library, t, raw) {
  for (const method of ['hnsw', 'ivfflat']) {
    for (const o of t.ops.filter((o) => o[method] && waiting(method, o[method]))) {
      test(`${library} ${t.type}: ${method} index with ${o[method]}`, async (tc) => {
        const found = await raw(`SELECT c.opcname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
                                 WHERE a.amname = '${method}' AND c.opcname = '${o[method]}'`);
        assert.equal(found.length, 0,
          `${method} ${o[method]} exists now: remove its line from test/opclasses_waiting_for_issue_12.txt so that its index cases run`);
        tc.skip(`WAITING FOR ISSUE 12: ${method} ${o[method]} (no such operator class yet; its queries ran as exact scans)`);
      });
    }
  }
}
