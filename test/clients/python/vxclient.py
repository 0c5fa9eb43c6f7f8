"""Shared by the Python client tests (docs/clients.md): the connection, the four pgvector types (SQL type, operators,
operator classes), deterministic clustered data on a 1/64 grid (exact in vector, halfvec and sparsevec, so round
trips compare exactly), exact nearest neighbours, our own text and binary codecs of pgvector's formats
(pgvector-python is on PyPI only, which we do not use), and the per-type test cases every library runs.

Values in the neutral form: vector and halfvec as lists of floats, sparsevec as Sparse, bit as a str of 0/1.
"""
import math
import os
import random
import struct
import unittest

DIMS = 8
BITS = 16
ROWS = 60


def dsn_params():
    return dict(host=os.environ.get('VX_PGHOST', '127.0.0.1'), port=int(os.environ.get('VX_PGPORT', '5432')),
                user=os.environ.get('VX_PGUSER', 'postgres'), dbname=os.environ['VX_PGDATABASE'])


def dsn():
    return ' '.join(f'{k}={v}' for k, v in dsn_params().items())


class Sparse:
    def __init__(self, dims, indices, values):
        self.dims, self.indices, self.values = dims, list(indices), [float(v) for v in values]

    def __eq__(self, other):
        return isinstance(other, Sparse) and (self.dims, self.indices, self.values) == (other.dims, other.indices, other.values)

    def __repr__(self):
        return self.text()

    def dense(self):
        d = [0.0] * self.dims
        for i, v in zip(self.indices, self.values):
            d[i] = v
        return d

    def text(self):
        return '{' + ','.join(f'{i + 1}:{v!r}' for i, v in zip(self.indices, self.values)) + f'}}/{self.dims}'

    @staticmethod
    def parse(text):
        body, dims = text.rsplit('/', 1)
        pairs = [p.split(':') for p in body.strip('{}').split(',') if p]
        return Sparse(int(dims), [int(i) - 1 for i, _ in pairs], [float(v) for _, v in pairs])


def _dense(id_, salt):
    rng = random.Random(id_ * 7919 + salt)
    centre = id_ % 3 - 1
    return [2.0 * centre * (-1 if j % 2 else 1) + rng.randrange(-64, 64) / 64 for j in range(DIMS)]


def _sparse(id_, salt):
    rng = random.Random(id_ * 104729 + salt)
    indices = sorted({id_ % 3, 3 + rng.randrange(5), rng.randrange(DIMS)})
    return Sparse(DIMS, indices, [(rng.randrange(-128, 128) / 64) or 1 / 64 for _ in indices])


def _bits(id_, salt):
    rng = random.Random(id_ * 15485863 + salt)
    s = ''.join('1' if (((b + id_ % 3) % 4) < 2) != (rng.randrange(6) == 0) else '0' for b in range(BITS))
    return s if '1' in s else '1' + s[1:]


# Text forms (pgvector's) and binary send/recv formats, written from its documentation of the layouts.
def _vec_text(v):
    return '[' + ','.join(repr(float(x)) for x in v) + ']'


def _vec_parse(s):
    return [float(x) for x in s.strip('[]').split(',')]


CODECS = {
    'vector': dict(text=_vec_text, parse=_vec_parse,
                   encode=lambda v: struct.pack(f'>hh{len(v)}f', len(v), 0, *v),
                   decode=lambda b: list(struct.unpack_from(f'>{struct.unpack_from(">h", b)[0]}f', b, 4))),
    'halfvec': dict(text=_vec_text, parse=_vec_parse,
                    encode=lambda v: struct.pack(f'>hh{len(v)}e', len(v), 0, *v),
                    decode=lambda b: list(struct.unpack_from(f'>{struct.unpack_from(">h", b)[0]}e', b, 4))),
    'sparsevec': dict(text=lambda s: s.text(), parse=Sparse.parse,
                      encode=lambda s: struct.pack(f'>iii{len(s.indices)}i{len(s.values)}f', s.dims, len(s.indices), 0,
                                                   *s.indices, *s.values),
                      decode=lambda b: _sparse_decode(bytes(b))),
    'bit': dict(text=lambda s: s, parse=lambda s: s,
                encode=lambda s: struct.pack('>i', len(s)) + int(s.ljust(-(-len(s) // 8) * 8, '0'), 2).to_bytes(-(-len(s) // 8), 'big'),
                decode=lambda b: bin(int.from_bytes(bytes(b)[4:], 'big'))[2:].zfill((len(b) - 4) * 8)[:struct.unpack_from('>i', b)[0]]),
}


def _sparse_decode(b):
    dims, nnz, _ = struct.unpack_from('>iii', b)
    return Sparse(dims, struct.unpack_from(f'>{nnz}i', b, 12), struct.unpack_from(f'>{nnz}f', b, 12 + 4 * nnz))


def _dot(a, b):
    return sum(x * y for x, y in zip(a, b))


DISTANCES = {
    'l2': lambda a, b: math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b))),
    'ip': lambda a, b: -_dot(a, b),
    'cosine': lambda a, b: 1 - _dot(a, b) / math.sqrt(_dot(a, a) * _dot(b, b)),
    'l1': lambda a, b: sum(abs(x - y) for x, y in zip(a, b)),
    'hamming': lambda a, b: sum(x != y for x, y in zip(a, b)),
    'jaccard': lambda a, b: 1 - sum(x == y == '1' for x, y in zip(a, b)) / (
        a.count('1') + b.count('1') - sum(x == y == '1' for x, y in zip(a, b))),
}


class Op:
    def __init__(self, op, metric, name, hnsw, ivfflat):
        self.op, self.metric, self.name, self.hnsw, self.ivfflat = op, metric, name, hnsw, ivfflat


def _float_ops(prefix, ivfflat):
    return [Op('<->', 'l2', 'l2_distance', f'{prefix}_l2_ops', ivfflat and f'{prefix}_l2_ops'),
            Op('<#>', 'ip', 'max_inner_product', f'{prefix}_ip_ops', ivfflat and f'{prefix}_ip_ops'),
            Op('<=>', 'cosine', 'cosine_distance', f'{prefix}_cosine_ops', ivfflat and f'{prefix}_cosine_ops'),
            Op('<+>', 'l1', 'l1_distance', f'{prefix}_l1_ops', None)]


class Type:
    def __init__(self, name, sql, value, dense, ops):
        self.name, self.sql, self.value, self.dense, self.ops = name, sql, value, dense, ops
        self.codec = CODECS[name]

    def rows(self):
        return [(i, self.value(i, 0)) for i in range(1, ROWS + 1)]

    def queries(self):
        return [self.value(seed, 17) for seed in (1001, 1002, 1003)]


TYPES = [
    Type('vector', f'vector({DIMS})', _dense, lambda v: v, _float_ops('vector', True)),
    Type('halfvec', f'halfvec({DIMS})', lambda i, s: _dense(i, s + 1), lambda v: v, _float_ops('halfvec', True)),
    Type('sparsevec', f'sparsevec({DIMS})', _sparse, lambda v: v.dense(), _float_ops('sparsevec', False)),
    Type('bit', f'bit({BITS})', _bits, lambda v: v, [Op('<~>', 'hamming', 'hamming_distance', 'bit_hamming_ops', 'bit_hamming_ops'),
                                                      Op('<%>', 'jaccard', 'jaccard_distance', 'bit_jaccard_ops', None)]),
]

# The index cases that wait for issue 12's operator classes, from the one list of them (VX_WAITING_OPCLASSES when the
# layer runs from the stage). A waiting case makes no index: its queries run as exact scans (plan checked) against the
# exact neighbours, and its index part is a test that is SKIPPED, loudly, or fails once the operator class exists.
_LIST = os.environ.get('VX_WAITING_OPCLASSES') or os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                                                'opclasses_waiting_for_issue_12.txt')
with open(_LIST) as _f:
    WAITING = {tuple(line.split()) for line in _f if line.strip() and not line.startswith('#')}


def waiting(method, opclass):
    return (method, opclass) in WAITING


def indexed_ops(t, method):
    """The operators of type t whose index (hnsw or ivfflat) can be made today."""
    return [o for o in t.ops if getattr(o, method) and not waiting(method, getattr(o, method))]


def exact_neighbours(t, op, q, k=5):
    dist = DISTANCES[op.metric]
    return sorted(((i, dist(t.dense(v), t.dense(q))) for i, v in t.rows()), key=lambda r: (r[1], r[0]))[:k]


def literal(t, q):
    return f"'{t.codec['text'](q)}'::{'bit' if t.name == 'bit' else t.name}"


def _close(a, b):
    return abs(a - b) <= 1e-4 * max(1.0, abs(a))


def assert_neighbours(case, got, want, what):
    """Same distances in order, same rows except among rows tied at the last distance."""
    got = [(int(i), float(d)) for i, d in got]
    message = f'{what}\n  got:  {got}\n  want: {want}'
    case.assertEqual(len(got), len(want), message)
    for (_, gd), (_, wd) in zip(got, want):
        case.assertTrue(_close(gd, wd), message)
    last = want[-1][1]
    case.assertEqual(sorted(i for i, d in got if not _close(d, last)), sorted(i for i, d in want if not _close(d, last)), message)


class TypeCases:
    """The cases every library runs per type (mixed into a unittest.TestCase per type by make_cases). A library
    subclass provides: create_table(table), create_index(table, name, method, opclass, lists), insert(table, rows),
    read(table) -> [(id, value)], nearest(table, op, q) -> [(id, distance)], explain(sql) -> the first column of the
    rows of an EXPLAIN or SELECT, one line each ('' for none or for another statement); and sets `library`."""
    type = None

    @property
    def table(self):
        return f'{self.library}_{self.type.name}'

    def test_1_write(self):
        """schema, hnsw indexes before the rows, rows through the library's adapters"""
        self.create_table(self.table)
        for op in indexed_ops(self.type, 'hnsw'):
            self.create_index(self.table, f'{self.table}_{op.metric}_hnsw', 'hnsw', op.hnsw, None)
        self.insert(self.table, self.type.rows())

    def test_2_read(self):
        self.assertEqual(self.read(self.table), self.type.rows())

    def _ordered(self, method):
        for op in [o for o in self.type.ops if getattr(o, method)]:
            for n, q in enumerate(self.type.queries()):
                plan = self.explain(f'EXPLAIN (COSTS OFF) SELECT id FROM {self.table} ORDER BY v {op.op} {literal(self.type, q)} LIMIT 5')
                if waiting(method, getattr(op, method)):
                    self.assertIn(f'Seq Scan on {self.table}', plan, f'exact scan while {method} {getattr(op, method)} waits')
                else:
                    self.assertIn(f'Index Scan using {self.table}_{op.metric}_{method}', plan)
                assert_neighbours(self, self.nearest(self.table, op, q), exact_neighbours(self.type, op, q),
                                  f'{self.library} {self.type.name} {op.op} query {n + 1} via {method}')

    def test_3_ordered_hnsw(self):
        self._ordered('hnsw')

    def test_4_ordered_ivfflat(self):
        for op in indexed_ops(self.type, 'hnsw'):
            self.explain(f'DROP INDEX {self.table}_{op.metric}_hnsw')
        for op in indexed_ops(self.type, 'ivfflat'):
            self.create_index(self.table, f'{self.table}_{op.metric}_ivfflat', 'ivfflat', op.ivfflat, 3)
        self._ordered('ivfflat')

    def waiting_case(self, method, opclass):
        """An index case waiting for issue 12: skipped while the operator class does not exist, a failure after."""
        found = self.explain(f"SELECT c.opcname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod "
                             f"WHERE a.amname = '{method}' AND c.opcname = '{opclass}'")
        self.assertEqual(found, '', f'{method} {opclass} exists now: remove its line from '
                                    'test/opclasses_waiting_for_issue_12.txt so that its index cases run')
        self.skipTest(f'WAITING FOR ISSUE 12: {method} {opclass} (no such operator class yet; its queries ran as exact scans)')


SETTINGS = ['enable_seqscan = off', 'hnsw.ef_search = 100', 'ivfflat.probes = 3']


def make_cases(module_globals, base, library):
    """One unittest.TestCase per type, named Test<Type>, from a library's base class, with a test_5_waiting_* case per
    index case of the type that waits for issue 12."""
    for t in TYPES:
        name = f'Test{t.name.capitalize()}'
        attributes = {'type': t, 'library': library}
        if not any(o.ivfflat for o in t.ops):
            attributes['test_4_ordered_ivfflat'] = None  # sparsevec has no ivfflat operator class (in pgvector either)
        for method in ('hnsw', 'ivfflat'):
            for o in t.ops:
                opclass = getattr(o, method)
                if opclass and waiting(method, opclass):
                    attributes[f'test_5_waiting_{method}_{opclass}'] = lambda self, m=method, c=opclass: self.waiting_case(m, c)
        module_globals[name] = type(name, (base, TypeCases, unittest.TestCase), attributes)
