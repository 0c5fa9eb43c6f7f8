"""vectorext for Python: a thin, typed layer over vectorext's SQL functions (docs/python.md).

    import vectorext as vx
    conn = vx.connect('host=127.0.0.1 port=54329 user=postgres dbname=vectorext_demo')
    reg = vx.Registry(conn)
    reg.models('fashion')
    vx.Collection(conn, 'catalog_emb').search(query, k=5)
"""
from .adapters import register_types
from .collection import Collection
from .errors import (AlreadyExists, ConcurrentChange, ConnectionFailed, CorruptArtifact, FeatureUnavailable,
                     GateRefused, InUse, InvalidInput, KeyNotInSource, NotFound, NotReady, PermissionDenied,
                     ResourceLimit, VectorextError)
from .experiment import Experiment
from .records import Table
from .registry import Registry
from .session import connect
from .values import HalfVector, SparseVector, Vector

__version__ = '0.1.0'

__all__ = [
    'connect', 'register_types', 'Registry', 'Collection', 'Experiment', 'Table',
    'Vector', 'HalfVector', 'SparseVector',
    'VectorextError', 'InvalidInput', 'KeyNotInSource', 'ConcurrentChange', 'NotFound', 'FeatureUnavailable',
    'AlreadyExists', 'PermissionDenied', 'NotReady', 'GateRefused', 'InUse', 'ResourceLimit', 'CorruptArtifact',
    'ConnectionFailed',
]
