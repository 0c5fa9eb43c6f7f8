"""The Python values and pgvector's formats without a server: byte layouts written out by hand from pgvector's
send/recv (big-endian headers and elements), text forms, rounding, and the refusals."""
import struct

import numpy as np
import pytest

from vectorext import HalfVector, SparseVector, Vector
from vectorext import codecs


def test_vector_binary_layout():
    b = codecs.encode_vector([1.5, -2.0, 3.25])
    assert b == struct.pack('>hh', 3, 0) + struct.pack('>fff', 1.5, -2.0, 3.25)
    assert codecs.encode_vector(np.array([1.5, -2.0, 3.25])) == b
    assert codecs.decode_vector(b) == [1.5, -2.0, 3.25]
    assert isinstance(codecs.decode_vector(b), Vector)
    arr = codecs.decode_vector(b, arrays=True)
    assert arr.dtype == np.float32 and arr.tolist() == [1.5, -2.0, 3.25]


def test_halfvec_binary_layout():
    b = codecs.encode_halfvec([1.5, -2.0, 65504.0])
    assert b == struct.pack('>hh', 3, 0) + bytes.fromhex('3e00') + bytes.fromhex('c000') + bytes.fromhex('7bff')
    assert codecs.encode_halfvec(np.array([1.5, -2.0, 65504.0], dtype=np.float16)) == b
    assert codecs.decode_halfvec(b) == [1.5, -2.0, 65504.0]
    assert codecs.decode_halfvec(b, arrays=True).dtype == np.float16


def test_sparsevec_binary_layout():
    s = SparseVector(5, [3, 0], [2.0, 1.5])
    b = codecs.encode_sparsevec(s)
    assert b == struct.pack('>iii', 5, 2, 0) + struct.pack('>ii', 0, 3) + struct.pack('>ff', 1.5, 2.0)
    assert codecs.decode_sparsevec(b) == s


def test_text_forms():
    assert codecs.text_vector([1, 2.5, -3]) == '[1,2.5,-3]'
    assert codecs.parse_vector('[1,2.5,-3]') == [1.0, 2.5, -3.0]
    assert codecs.text_halfvec([0.5, 1]) == '[0.5,1]'
    assert codecs.parse_halfvec('[0.5,1]', arrays=True).dtype == np.float16
    assert codecs.text_sparsevec(SparseVector(5, [0, 3], [1.5, 2])) == '{1:1.5,4:2}/5'
    assert codecs.parse_sparsevec('{1:1.5,4:2}/5') == SparseVector(5, [0, 3], [1.5, 2])
    assert codecs.parse_sparsevec('{}/3') == SparseVector(3)


def test_text_and_binary_send_the_same_float32():
    x = [0.1, 1 / 3, 1e-7, 123456.789, -2.5e30]
    via_text = codecs.parse_vector(codecs.text_vector(x))
    via_binary = codecs.decode_vector(codecs.encode_vector(x))
    assert via_text == via_binary == Vector(x)
    assert Vector(x) == [struct.unpack('f', struct.pack('f', v))[0] for v in x]


def test_half_rounding_and_range():
    assert HalfVector([0.1]) == [struct.unpack('e', struct.pack('e', 0.1))[0]]
    assert codecs.parse_halfvec(codecs.text_halfvec([0.1, 1000.3])) == HalfVector([0.1, 1000.3])
    with pytest.raises(ValueError, match='out of range for type halfvec'):
        HalfVector([70000])
    with pytest.raises(ValueError, match='out of range for type halfvec'):
        codecs.encode_halfvec(np.array([1.0, 70000.0]))


def test_sparse_constructors():
    s = SparseVector.from_dense([0, 1.5, 0, 0, 2])
    assert (s.dims, s.indices, s.values, s.nnz) == (5, [1, 4], [1.5, 2.0], 2)
    assert s.to_list() == [0, 1.5, 0, 0, 2]
    assert s.to_numpy().tolist() == [0, 1.5, 0, 0, 2]
    assert SparseVector.from_dict({4: 2, 1: 1.5}, 5) == s
    assert s.to_dict() == {1: 1.5, 4: 2.0}
    assert SparseVector(5, [1, 2, 4], [1.5, 0, 2]) == s   # zeros dropped
    with pytest.raises(ValueError, match='duplicates'):
        SparseVector(5, [1, 1], [1, 2])
    with pytest.raises(ValueError, match='out of bounds'):
        SparseVector(5, [5], [1])
    with pytest.raises(ValueError, match='one value per index'):
        SparseVector(5, [1, 2], [1])


def test_refusals():
    with pytest.raises(ValueError, match='at least 1 dimension'):
        codecs.encode_vector([])
    with pytest.raises(ValueError, match='more than 16000 dimensions'):
        codecs.encode_vector(np.zeros(16001))
    with pytest.raises(ValueError, match='1-D'):
        codecs.encode_vector(np.zeros((2, 2)))
    with pytest.raises(TypeError, match='SparseVector'):
        codecs.encode_sparsevec([1, 2])


def test_list_values():
    v = Vector(np.array([1, 2], dtype=np.float64))
    assert v == [1.0, 2.0] and v.to_numpy().dtype == np.float32 and v.to_list() == [1.0, 2.0]
    assert repr(v) == 'Vector([1.0, 2.0])'
    assert HalfVector([1, 2]).to_numpy().dtype == np.float16
