// Shared by the Node client tests (docs/clients.md): the connection, the four pgvector types with their columns,
// operators and operator classes, deterministic clustered data on a 1/64 grid (exact in vector, halfvec and
// sparsevec, so every round trip compares exactly), exact nearest neighbours computed here, our own binary encoders
// and decoders of pgvector's wire formats (the libraries only speak text), and the binary COPY framing.
import assert from 'node:assert/strict';

export function connection(name) {
  return {
    host: process.env.VX_PGHOST ?? '127.0.0.1',
    port: Number(process.env.VX_PGPORT ?? 5432),
    user: process.env.VX_PGUSER ?? 'postgres',
    database: `node_${name}`,
  };
}

export const ROWS = 60;
export const DIMS = 8;
export const BITS = 16;

// Deterministic pseudo-random integers (LCG), so every run writes the same rows.
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

// Three clusters (id % 3) at -2, 0, +2 with alternating signs per dimension, noise in [-1, 1) on a 1/64 grid.
function denseValue(id, salt) {
  const next = lcg(id * 7919 + salt);
  const centre = (id % 3) - 1;
  return Array.from({ length: DIMS }, (_, j) => 2 * centre * (j % 2 ? -1 : 1) + ((next() >>> 8) % 128 - 64) / 64);
}

// Sparse: dims 8, 2-3 non-zeros at positions that depend on the cluster, never zero.
function sparseValue(id, salt) {
  const next = lcg(id * 104729 + salt);
  const indices = [...new Set([id % 3, 3 + ((next() >>> 8) % 5), (next() >>> 8) % DIMS])].sort((a, b) => a - b);
  const values = indices.map(() => {
    const v = ((next() >>> 8) % 256 - 128) / 64;
    return v === 0 ? 1 / 64 : v;
  });
  return new SparseValue(DIMS, indices, values);
}

// A per-cluster pattern with about one bit in six flipped; never all zeros.
function bitValue(id, salt) {
  const next = lcg(id * 15485863 + salt);
  let s = '';
  for (let b = 0; b < BITS; b++) {
    const pattern = (b + (id % 3)) % 4 < 2;
    s += pattern !== ((next() >>> 8) % 6 === 0) ? '1' : '0';
  }
  return s.includes('1') ? s : '1' + s.slice(1);
}

// A sparse vector as index (0-based) / value lists: the library-neutral form the tests compare.
export class SparseValue {
  constructor(dims, indices, values) {
    this.dims = dims;
    this.indices = indices;
    this.values = values;
  }
  dense() {
    const d = new Array(this.dims).fill(0);
    this.indices.forEach((i, k) => (d[i] = this.values[k]));
    return d;
  }
  text() {
    return `{${this.indices.map((i, k) => `${i + 1}:${this.values[k]}`).join(',')}}/${this.dims}`;
  }
  static parse(text) {
    const m = /^\{(.*)\}\/(\d+)$/.exec(text);
    const pairs = m[1] === '' ? [] : m[1].split(',').map((p) => p.split(':').map(Number));
    return new SparseValue(Number(m[2]), pairs.map((p) => p[0] - 1), pairs.map((p) => p[1]));
  }
}

const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const norm = (a) => Math.sqrt(dot(a, a));
const popcount = (s) => [...s].filter((c) => c === '1').length;
const bitAnd = (a, b) => [...a].filter((c, i) => c === '1' && b[i] === '1').length;
const DISTANCES = {
  l2: (a, b) => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0)),
  ip: (a, b) => -dot(a, b),
  cosine: (a, b) => 1 - dot(a, b) / (norm(a) * norm(b)),
  l1: (a, b) => a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0),
  hamming: (a, b) => [...a].filter((c, i) => c !== b[i]).length,
  jaccard: (a, b) => 1 - bitAnd(a, b) / (popcount(a) + popcount(b) - bitAnd(a, b)),
};

const FLOAT_OPS = (prefix, ivfflat) => [
  { op: '<->', metric: 'l2', helper: 'l2Distance', hnsw: `${prefix}_l2_ops`, ivfflat: ivfflat && `${prefix}_l2_ops` },
  { op: '<#>', metric: 'ip', helper: 'maxInnerProduct', hnsw: `${prefix}_ip_ops`, ivfflat: ivfflat && `${prefix}_ip_ops` },
  { op: '<=>', metric: 'cosine', helper: 'cosineDistance', hnsw: `${prefix}_cosine_ops`, ivfflat: ivfflat && `${prefix}_cosine_ops` },
  { op: '<+>', metric: 'l1', helper: 'l1Distance', hnsw: `${prefix}_l1_ops`, ivfflat: null },
];

// The four types: their column in the test tables, SQL type, data, and the operators with their operator classes.
export const TYPES = [
  { type: 'vector', column: 'embedding', sql: `vector(${DIMS})`, value: denseValue, dense: (v) => v, ops: FLOAT_OPS('vector', true) },
  { type: 'halfvec', column: 'half', sql: `halfvec(${DIMS})`, value: (id, salt) => denseValue(id, salt + 1), dense: (v) => v,
    ops: FLOAT_OPS('halfvec', true) },
  { type: 'sparsevec', column: 'sparse', sql: `sparsevec(${DIMS})`, value: sparseValue, dense: (v) => v.dense(),
    ops: FLOAT_OPS('sparsevec', false) },
  { type: 'bit', column: 'bits', sql: `bit(${BITS})`, value: bitValue, dense: (v) => v, ops: [
    { op: '<~>', metric: 'hamming', helper: 'hammingDistance', hnsw: 'bit_hamming_ops', ivfflat: 'bit_hamming_ops' },
    { op: '<%>', metric: 'jaccard', helper: 'jaccardDistance', hnsw: 'bit_jaccard_ops', ivfflat: null },
  ] },
];

export function rows() {
  return Array.from({ length: ROWS }, (_, k) => {
    const id = k + 1;
    const row = { id };
    for (const t of TYPES) row[t.column] = t.value(id, 0);
    return row;
  });
}

export function queries(t) {
  return [1001, 1002, 1003].map((seed) => t.value(seed, 17));
}

// Exact k nearest rows of `data` to q, as [{id, d}].
export function exactNeighbours(data, t, op, q, k = 5) {
  const distance = DISTANCES[op.metric];
  return data
    .map((r) => ({ id: r.id, d: distance(t.dense(r[t.column]), t.dense(q)) }))
    .sort((a, b) => a.d - b.d || a.id - b.id)
    .slice(0, k);
}

const close = (a, b) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a));

// The neighbours a query returned against the exact ones: the same distances in order, the same rows except where
// rows tie (any of the tied rows may come first; at the last distance, any of them may be cut off).
export function assertNeighbours(got, want, what) {
  const show = (l) => l.map((r) => `${r.id}:${Number(r.d).toFixed(5)}`).join(' ');
  const message = `${what}\n  got:  ${show(got)}\n  want: ${show(want)}`;
  assert.equal(got.length, want.length, message);
  got.forEach((r, i) => assert.ok(close(Number(r.d), want[i].d), message));
  const last = want[want.length - 1].d;
  const key = (l) => l.filter((r) => !close(Number(r.d), last)).map((r) => `${r.id}`).sort().join(',');
  assert.equal(key(got), key(want), message);
}

// Float to IEEE half (round to nearest even), and back: pgvector's halfvec wire format.
function toHalf(x) {
  const f32 = new Float32Array([x]);
  const u = new Uint32Array(f32.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  let exp = ((u >>> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >>> (1 - exp);
    return sign | ((mant + 0xfff + ((mant >>> 13) & 1)) >>> 13);
  }
  if (exp >= 31) return sign | 0x7c00;
  const r = mant + 0xfff + ((mant >>> 13) & 1);
  if (r & 0x800000) { mant = 0; exp += 1; } else mant = r;
  return exp >= 31 ? sign | 0x7c00 : sign | (exp << 10) | (mant >>> 13);
}
function fromHalf(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

// pgvector's binary send/recv formats, written from its documentation of the layouts.
export const BINARY = {
  vector: {
    encode(v) {
      const b = Buffer.alloc(4 + 4 * v.length);
      b.writeInt16BE(v.length, 0);
      v.forEach((x, i) => b.writeFloatBE(x, 4 + 4 * i));
      return b;
    },
    decode(b) {
      return Array.from({ length: b.readInt16BE(0) }, (_, i) => b.readFloatBE(4 + 4 * i));
    },
  },
  halfvec: {
    encode(v) {
      const b = Buffer.alloc(4 + 2 * v.length);
      b.writeInt16BE(v.length, 0);
      v.forEach((x, i) => b.writeUInt16BE(toHalf(x), 4 + 2 * i));
      return b;
    },
    decode(b) {
      return Array.from({ length: b.readInt16BE(0) }, (_, i) => fromHalf(b.readUInt16BE(4 + 2 * i)));
    },
  },
  sparsevec: {
    encode(s) {
      const n = s.indices.length;
      const b = Buffer.alloc(12 + 8 * n);
      b.writeInt32BE(s.dims, 0);
      b.writeInt32BE(n, 4);
      s.indices.forEach((i, k) => b.writeInt32BE(i, 12 + 4 * k));
      s.values.forEach((x, k) => b.writeFloatBE(x, 12 + 4 * n + 4 * k));
      return b;
    },
    decode(b) {
      const n = b.readInt32BE(4);
      return new SparseValue(b.readInt32BE(0), Array.from({ length: n }, (_, k) => b.readInt32BE(12 + 4 * k)),
        Array.from({ length: n }, (_, k) => b.readFloatBE(12 + 4 * n + 4 * k)));
    },
  },
  bit: {
    encode(s) {
      const b = Buffer.alloc(4 + Math.ceil(s.length / 8));
      b.writeInt32BE(s.length, 0);
      [...s].forEach((c, i) => { if (c === '1') b[4 + (i >> 3)] |= 0x80 >> (i & 7); });
      return b;
    },
    decode(b) {
      const n = b.readInt32BE(0);
      return Array.from({ length: n }, (_, i) => (b[4 + (i >> 3)] & (0x80 >> (i & 7)) ? '1' : '0')).join('');
    },
  },
};

// Binary COPY: the file header, one tuple of already-encoded fields (null for NULL), the trailer.
export const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
export const COPY_TRAILER = Buffer.from([0xff, 0xff]);
export function copyTuple(fields) {
  const parts = [Buffer.alloc(2)];
  parts[0].writeInt16BE(fields.length);
  for (const f of fields) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(f === null ? -1 : f.length);
    parts.push(len);
    if (f !== null) parts.push(f);
  }
  return Buffer.concat(parts);
}
export function parseCopy(buffer) {
  assert.ok(buffer.subarray(0, 11).equals(COPY_HEADER.subarray(0, 11)), 'binary COPY signature');
  let at = 19 + buffer.readInt32BE(15);
  const tuples = [];
  for (;;) {
    const n = buffer.readInt16BE(at);
    at += 2;
    if (n === -1) return tuples;
    const fields = [];
    for (let i = 0; i < n; i++) {
      const len = buffer.readInt32BE(at);
      at += 4;
      fields.push(len === -1 ? null : buffer.subarray(at, at + len));
      at += Math.max(len, 0);
    }
    tuples.push(fields);
  }
}

export const int4 = (n) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
