"""The Python values of vectorext's types: `Vector` and `HalfVector` (lists tagged with their SQL type) and
`SparseVector`. numpy arrays are accepted wherever these are (float16 arrays mean halfvec, other dtypes vector).

Values are rounded to the type's precision on the way in (float32 for vector and sparsevec, IEEE half for halfvec),
exactly as the server would round them, so a value read back compares equal to the rounded value written.
"""
import struct

try:  # numpy is optional: without it values are lists
    import numpy as np
except ImportError:  # pragma: no cover - exercised only on machines without numpy
    np = None


def as_float32(x):
    """x rounded to the nearest float32, as a Python float."""
    return struct.unpack('f', struct.pack('f', x))[0]


def as_half(x):
    """x rounded to the nearest IEEE half, as a Python float; ValueError beyond the half range."""
    try:
        return struct.unpack('e', struct.pack('e', x))[0]
    except OverflowError:
        raise ValueError(f'{x!r} is out of range for type halfvec') from None


class _Dense(list):
    """A dense value as a list of floats rounded to its type's precision."""
    _round = None
    _dtype = None

    def __init__(self, values=()):
        super().__init__(type(self)._round(float(x)) for x in values)

    def to_list(self):
        return list(self)

    def to_numpy(self):
        return np.array(self, dtype=self._dtype)

    def __repr__(self):
        return f'{type(self).__name__}({list.__repr__(self)})'


class Vector(_Dense):
    """A `vector` value as a list of floats (float32 precision)."""
    sql_type = 'vector'
    _round = staticmethod(as_float32)
    _dtype = 'float32'


class HalfVector(_Dense):
    """A `halfvec` value as a list of floats (IEEE half precision)."""
    sql_type = 'halfvec'
    _round = staticmethod(as_half)
    _dtype = 'float16'


class SparseVector:
    """A `sparsevec` value: `dims` dimensions, nonzero `values` at 0-based, ascending `indices`.

    Zeros are dropped and indices sorted on construction, as the server does on text input."""
    sql_type = 'sparsevec'
    __slots__ = ('dims', 'indices', 'values')

    def __init__(self, dims, indices=(), values=()):
        indices, values = list(indices), list(values)
        if len(indices) != len(values):
            raise ValueError(f'sparsevec needs one value per index: {len(indices)} indices, {len(values)} values')
        pairs = sorted((int(i), as_float32(float(v))) for i, v in zip(indices, values))
        for (a, _), (b, _) in zip(pairs, pairs[1:]):
            if a == b:
                raise ValueError(f'sparsevec indices must not contain duplicates (index {a})')
        self.dims = int(dims)
        if pairs and not (0 <= pairs[0][0] and pairs[-1][0] < self.dims):
            raise ValueError(f'sparsevec index out of bounds: indices are 0-based and below dims ({self.dims})')
        self.indices = [i for i, v in pairs if v != 0]
        self.values = [v for i, v in pairs if v != 0]

    @classmethod
    def from_dense(cls, values):
        values = list(values)
        nonzero = [(i, v) for i, v in enumerate(values) if v != 0]
        return cls(len(values), [i for i, _ in nonzero], [v for _, v in nonzero])

    @classmethod
    def from_dict(cls, mapping, dims):
        """From {0-based index: value}."""
        return cls(dims, list(mapping.keys()), list(mapping.values()))

    def to_dict(self):
        return dict(zip(self.indices, self.values))

    def to_list(self):
        dense = [0.0] * self.dims
        for i, v in zip(self.indices, self.values):
            dense[i] = v
        return dense

    def to_numpy(self):
        dense = np.zeros(self.dims, dtype=np.float32)
        dense[self.indices] = self.values
        return dense

    @property
    def nnz(self):
        return len(self.indices)

    def __eq__(self, other):
        return (isinstance(other, SparseVector) and self.dims == other.dims and self.indices == other.indices
                and self.values == other.values)

    def __hash__(self):
        return hash((self.dims, tuple(self.indices), tuple(self.values)))

    def __repr__(self):
        return f'SparseVector({self.dims}, {self.indices}, {self.values})'


def is_half_array(obj):
    return np is not None and isinstance(obj, np.ndarray) and obj.dtype == np.float16

