"""Fields for the four types (text form through vxclient's codecs), hnsw/ivfflat indexes, distance expressions, and one
model per type (tables made by test_django.py), with the hnsw indexes that are not waiting for issue 12."""
from django.contrib.postgres.indexes import PostgresIndex
from django.db import models
from django.db.models import FloatField, Func, Value

import vxclient
from vxclient import CODECS


class TypedField(models.Field):
    type_name = None

    def __init__(self, *args, dimensions=None, **kwargs):
        self.dimensions = dimensions
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs['dimensions'] = self.dimensions
        return name, path, args, kwargs

    def db_type(self, connection):
        return f'{self.type_name}({self.dimensions})'

    def from_db_value(self, value, expression, connection):
        return None if value is None else CODECS[self.type_name]['parse'](value)

    def get_prep_value(self, value):
        return None if value is None else CODECS[self.type_name]['text'](value)


class VectorField(TypedField): type_name = 'vector'
class HalfVectorField(TypedField): type_name = 'halfvec'
class SparseVectorField(TypedField): type_name = 'sparsevec'
class BitField(TypedField): type_name = 'bit'


class HnswIndex(PostgresIndex):
    suffix = 'hnsw'


class IvfflatIndex(PostgresIndex):
    suffix = 'ivfflat'

    def __init__(self, *args, lists=None, **kwargs):
        self.lists = lists
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs['lists'] = self.lists
        return path, args, kwargs

    def get_with_params(self):
        return [f'lists = {int(self.lists)}'] if self.lists else []


class Distance(Func):
    """column <op> value; the value goes as a text parameter, whose type the operator gives."""
    output_field = FloatField()
    template = '%(expressions)s'
    operator = None

    def __init__(self, expression, value, field):
        super().__init__(expression, Value(field.get_prep_value(value)))
        self.arg_joiner = f" {self.operator.replace('%', '%%')} "


DISTANCES = {name: type(name, (Distance,), {'operator': op}) for name, op in [
    ('l2_distance', '<->'), ('max_inner_product', '<#>'), ('cosine_distance', '<=>'), ('l1_distance', '<+>'),
    ('hamming_distance', '<~>'), ('jaccard_distance', '<%>')]}

FIELDS = {'vector': (VectorField, vxclient.DIMS), 'halfvec': (HalfVectorField, vxclient.DIMS),
          'sparsevec': (SparseVectorField, vxclient.DIMS), 'bit': (BitField, vxclient.BITS)}


def _model(t):
    field, dims = FIELDS[t.name]
    table = f'django_{t.name}'
    meta = type('Meta', (), {'db_table': table, 'indexes': [
        HnswIndex(name=f'{table}_{op.metric}_hnsw', fields=['v'], opclasses=[op.hnsw]) for op in vxclient.indexed_ops(t, 'hnsw')]})
    return type(f'Item{t.name.capitalize()}', (models.Model,), {
        '__module__': __name__, 'id': models.IntegerField(primary_key=True), 'v': field(dimensions=dims), 'Meta': meta})


MODELS = {t.name: _model(t) for t in vxclient.TYPES}
