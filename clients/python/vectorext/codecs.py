"""pgvector's text and binary formats of vector, halfvec and sparsevec (docs/reference/*.md), without psycopg.

Binary (big-endian, what send/recv and COPY BINARY use):
  vector:    int16 dim, int16 unused (0), float32 x[dim]
  halfvec:   int16 dim, int16 unused (0), IEEE half x[dim]
  sparsevec: int32 dim, int32 nnz, int32 unused (0), int32 indices[nnz] (0-based, ascending), float32 values[nnz]
Text: '[1,2.5,3]' for vector and halfvec; '{1:1.5,3:2}/5' (1-based indices) for sparsevec.

Decoders return numpy arrays (float32 / float16) when `arrays` is true, else Vector / HalfVector lists; sparsevec
always decodes to SparseVector.
"""
import struct

from .values import HalfVector, SparseVector, Vector, as_float32, as_half, np

MAX_DIM = 16000


def _check_dim(n, type_name):
    if n < 1:
        raise ValueError(f'{type_name} must have at least 1 dimension')
    if n > MAX_DIM:
        raise ValueError(f'{type_name} cannot have more than {MAX_DIM} dimensions')


def _dense(obj, type_name):
    """A 1-D sequence of floats from a list, tuple, Vector, HalfVector or 1-D numpy array."""
    if np is not None and isinstance(obj, np.ndarray):
        if obj.ndim != 1:
            raise ValueError(f'a {type_name} value must be a 1-D array, not {obj.ndim}-D (shape {obj.shape})')
        return obj
    if isinstance(obj, SparseVector):
        return obj.to_list()
    return list(obj)


def _trusted(cls, values):
    """A Vector / HalfVector holding already-rounded values (no second rounding pass)."""
    v = cls.__new__(cls)
    list.extend(v, values)
    return v


# ---- binary ----------------------------------------------------------------------------------------------------

def encode_vector(obj):
    x = _dense(obj, 'vector')
    _check_dim(len(x), 'vector')
    if np is not None and isinstance(x, np.ndarray):
        return struct.pack('>hh', len(x), 0) + x.astype('>f4').tobytes()
    return struct.pack(f'>hh{len(x)}f', len(x), 0, *x)


def encode_halfvec(obj):
    x = _dense(obj, 'halfvec')
    _check_dim(len(x), 'halfvec')
    if np is not None and isinstance(x, np.ndarray):
        with np.errstate(over='ignore'):
            h = x.astype(np.float16)
        bad = np.isinf(h) & ~np.isinf(x)
        if bad.any():
            raise ValueError(f'{x[bad][0]!r} is out of range for type halfvec')
        return struct.pack('>hh', len(h), 0) + h.astype('>f2').tobytes()
    return struct.pack('>hh', len(x), 0) + b''.join(struct.pack('>e', as_half(float(v))) for v in x)


def encode_sparsevec(obj):
    if not isinstance(obj, SparseVector):
        raise TypeError(f'a sparsevec value must be a SparseVector, not {type(obj).__name__}')
    n = obj.nnz
    return struct.pack(f'>iii{n}i{n}f', obj.dims, n, 0, *obj.indices, *obj.values)


def _header16(buf, type_name):
    if len(buf) < 4:
        raise ValueError(f'binary {type_name} shorter than its 4-byte header')
    dim, unused = struct.unpack_from('>hh', buf)
    return dim


def decode_vector(buf, arrays=False):
    dim = _header16(buf, 'vector')
    if arrays:
        return np.frombuffer(buf, dtype='>f4', count=dim, offset=4).astype(np.float32)
    return _trusted(Vector, struct.unpack_from(f'>{dim}f', buf, 4))


def decode_halfvec(buf, arrays=False):
    dim = _header16(buf, 'halfvec')
    if arrays:
        return np.frombuffer(buf, dtype='>f2', count=dim, offset=4).astype(np.float16)
    return _trusted(HalfVector, struct.unpack_from(f'>{dim}e', buf, 4))


def decode_sparsevec(buf, arrays=False):
    dims, nnz, _ = struct.unpack_from('>iii', buf)
    s = SparseVector.__new__(SparseVector)
    s.dims = dims
    s.indices = list(struct.unpack_from(f'>{nnz}i', buf, 12))
    s.values = list(struct.unpack_from(f'>{nnz}f', buf, 12 + 4 * nnz))
    return s


# ---- text ------------------------------------------------------------------------------------------------------
# Values are rounded to the type's precision first and printed with enough digits to read back exactly
# (9 significant digits for float32, 5 for half), so text and binary send the same value.

def _fmt32(x):
    return '%.9g' % as_float32(float(x))


def _fmt16(x):
    return '%.5g' % as_half(float(x))


def text_vector(obj):
    x = _dense(obj, 'vector')
    _check_dim(len(x), 'vector')
    if np is not None and isinstance(x, np.ndarray):
        x = x.astype(np.float32).tolist()
    return '[' + ','.join(_fmt32(v) for v in x) + ']'


def text_halfvec(obj):
    x = _dense(obj, 'halfvec')
    _check_dim(len(x), 'halfvec')
    if np is not None and isinstance(x, np.ndarray):
        x = x.tolist()
    return '[' + ','.join(_fmt16(v) for v in x) + ']'


def text_sparsevec(obj):
    if not isinstance(obj, SparseVector):
        raise TypeError(f'a sparsevec value must be a SparseVector, not {type(obj).__name__}')
    return '{' + ','.join(f'{i + 1}:{_fmt32(v)}' for i, v in zip(obj.indices, obj.values)) + f'}}/{obj.dims}'


def _parse_list(text):
    body = text.strip()
    if not (body.startswith('[') and body.endswith(']')):
        raise ValueError(f'not a vector literal: {text[:40]!r}')
    body = body[1:-1].strip()
    return [float(t) for t in body.split(',')] if body else []


def parse_vector(text, arrays=False):
    values = _parse_list(text)
    if arrays:
        return np.array(values, dtype=np.float32)
    return Vector(values)


def parse_halfvec(text, arrays=False):
    values = _parse_list(text)
    if arrays:
        return np.array(values, dtype=np.float16)
    return HalfVector(values)


def parse_sparsevec(text, arrays=False):
    body, _, dims = text.strip().rpartition('/')
    body = body.strip()
    if not (body.startswith('{') and body.endswith('}')):
        raise ValueError(f'not a sparsevec literal: {text[:40]!r}')
    pairs = [p.split(':') for p in body[1:-1].split(',') if p.strip()]
    return SparseVector(int(dims), [int(i) - 1 for i, _ in pairs], [float(v) for _, v in pairs])


CODECS = {
    'vector': (encode_vector, decode_vector, text_vector, parse_vector),
    'halfvec': (encode_halfvec, decode_halfvec, text_halfvec, parse_halfvec),
    'sparsevec': (encode_sparsevec, decode_sparsevec, text_sparsevec, parse_sparsevec),
}
