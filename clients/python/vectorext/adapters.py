"""psycopg 3 adapters for vector, halfvec and sparsevec: dumpers (Python -> Postgres) and loaders (Postgres ->
Python), text and binary, registered on a connection (or any psycopg adapt context) for the types the database has.

Dumped: numpy arrays (float16 -> halfvec, any other dtype -> vector), Vector, HalfVector, SparseVector. Plain lists
are left to psycopg (they are SQL arrays); wrap them in Vector(...) to send a vector. Loaded: vector -> numpy float32
array, halfvec -> numpy float16 array (Vector / HalfVector lists with arrays=False or without numpy),
sparsevec -> SparseVector. Binary dumpers are registered last, so %s sends binary; %t forces text.
"""
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

from .codecs import CODECS
from .values import HalfVector, SparseVector, Vector, is_half_array, np

TYPES = ('vector', 'halfvec', 'sparsevec')
PY_CLASS = {'vector': Vector, 'halfvec': HalfVector, 'sparsevec': SparseVector}


def _dumper(name, oid, fmt):
    encode, _, text, _ = CODECS[name]
    if fmt == Format.BINARY:
        return type(f'{name}BinaryDumper', (Dumper,), {'oid': oid, 'format': Format.BINARY,
                                                        'dump': lambda self, obj: encode(obj)})
    return type(f'{name}TextDumper', (Dumper,), {'oid': oid, 'dump': lambda self, obj: text(obj).encode()})


def _loader(name, fmt, arrays):
    _, decode, _, parse = CODECS[name]
    if fmt == Format.BINARY:
        return type(f'{name}BinaryLoader', (Loader,), {'format': Format.BINARY,
                                                        'load': lambda self, data: decode(data, arrays)})
    return type(f'{name}TextLoader', (Loader,), {'load': lambda self, data: parse(bytes(data).decode(), arrays)})


def _ndarray_dumper(vector, halfvec):
    """numpy arrays go as vector, float16 arrays as halfvec (chosen per value)."""
    class NdarrayDumper(vector):
        def __init__(self, cls, context=None):
            super().__init__(cls, context)
            self._context = context

        def get_key(self, obj, format):
            return (self.cls, 'halfvec') if halfvec is not None and is_half_array(obj) else self.cls

        def upgrade(self, obj, format):
            return halfvec(self.cls, self._context) if halfvec is not None and is_half_array(obj) else self
    return NdarrayDumper


def register_types(context, arrays=None):
    """Registers the adapters on `context` (a connection or cursor) for the types its database has.

    arrays: load vector/halfvec as numpy arrays (default: when numpy is installed) or as Vector/HalfVector lists.
    Returns {type name: TypeInfo} of the types found."""
    if arrays is None:
        arrays = np is not None
    if arrays and np is None:
        raise ImportError('arrays=True needs numpy (Debian: apt-get install python3-numpy)')
    conn = getattr(context, 'connection', context)
    found = {}
    for name in TYPES:
        info = TypeInfo.fetch(conn, name)
        if info is None:
            continue
        info.register(context)
        found[name] = info
        for fmt in (Format.TEXT, Format.BINARY):  # binary last: the default for %s
            context.adapters.register_dumper(PY_CLASS[name], _dumper(name, info.oid, fmt))
            context.adapters.register_loader(info.oid, _loader(name, fmt, arrays))
    if 'vector' not in found:
        raise LookupError('type vector not found: CREATE EXTENSION vectorext in a schema on the search_path')
    if np is not None:
        for fmt in (Format.TEXT, Format.BINARY):
            vector = _dumper('vector', found['vector'].oid, fmt)
            half = _dumper('halfvec', found['halfvec'].oid, fmt) if 'halfvec' in found else None
            context.adapters.register_dumper(np.ndarray, _ndarray_dumper(vector, half))
    return found
