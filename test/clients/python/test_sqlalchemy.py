"""SQLAlchemy 1.4 (Debian's python3-sqlalchemy, psycopg2 driver) with our own column types, made the way
pgvector-python's SQLAlchemy support is: UserDefinedType with bind/result processors and comparator methods
l2_distance, max_inner_product, cosine_distance, l1_distance (bit: hamming_distance, jaccard_distance on
postgresql.BIT). Tables and hnsw/ivfflat indexes (postgresql_using, postgresql_ops, postgresql_with) through the
metadata, rows through the ORM session, ordered queries through the comparators (cases: vxclient.TypeCases)."""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy.types import UserDefinedType, Float

import vxclient
from vxclient import CODECS, SETTINGS, make_cases


class VectorType(UserDefinedType):
    cache_ok = True
    name = None

    def __init__(self, dim=None):
        self.dim = dim

    def get_col_spec(self, **kw):
        return self.name if self.dim is None else f'{self.name}({self.dim})'

    def bind_processor(self, dialect):
        return lambda v: None if v is None else CODECS[self.name]['text'](v)

    def result_processor(self, dialect, coltype):
        return lambda v: None if v is None else CODECS[self.name]['parse'](v)

    class comparator_factory(UserDefinedType.Comparator):
        def l2_distance(self, other):
            return self.op('<->', return_type=Float)(other)

        def max_inner_product(self, other):
            return self.op('<#>', return_type=Float)(other)

        def cosine_distance(self, other):
            return self.op('<=>', return_type=Float)(other)

        def l1_distance(self, other):
            return self.op('<+>', return_type=Float)(other)


class VECTOR(VectorType): name = 'vector'
class HALFVEC(VectorType): name = 'halfvec'
class SPARSEVEC(VectorType): name = 'sparsevec'


class BIT(postgresql.BIT):
    class comparator_factory(postgresql.BIT.Comparator):
        def hamming_distance(self, other):
            return self.op('<~>', return_type=Float)(other)

        def jaccard_distance(self, other):
            return self.op('<%>', return_type=Float)(other)


COLUMN = {'vector': lambda: VECTOR(vxclient.DIMS), 'halfvec': lambda: HALFVEC(vxclient.DIMS),
          'sparsevec': lambda: SPARSEVEC(vxclient.DIMS), 'bit': lambda: BIT(vxclient.BITS)}


class SQLAlchemy:
    engine = None

    @classmethod
    def setUpClass(cls):
        if SQLAlchemy.engine is None:
            p = vxclient.dsn_params()
            options = ' '.join(f'-c {s.replace(" ", "")}' for s in SETTINGS)
            url = sa.engine.URL.create('postgresql+psycopg2', username=p['user'], host=p['host'], port=p['port'], database=p['dbname'])
            SQLAlchemy.engine = sa.create_engine(url, connect_args={'options': options}, future=True)
            with SQLAlchemy.engine.begin() as conn:
                conn.execute(sa.text('CREATE EXTENSION IF NOT EXISTS vector'))
            SQLAlchemy.models = {}

    def create_table(self, table):
        base = declarative_base()
        self.models[table] = type(table, (base,), {'__tablename__': table, 'id': sa.Column(sa.Integer, primary_key=True),
                                                   'v': sa.Column(COLUMN[self.type.name]())})
        base.metadata.create_all(self.engine)

    def create_index(self, table, name, method, opclass, lists):
        index = sa.Index(name, self.models[table].v, postgresql_using=method, postgresql_ops={'v': opclass},
                         **({'postgresql_with': {'lists': lists}} if lists else {}))
        index.create(self.engine)

    def insert(self, table, rows):
        with Session(self.engine) as session:
            session.add_all([self.models[table](id=i, v=v) for i, v in rows])
            session.commit()

    def read(self, table):
        with Session(self.engine) as session:
            return [(r.id, r.v) for r in session.scalars(sa.select(self.models[table]).order_by(self.models[table].id))]

    def nearest(self, table, op, q):
        model = self.models[table]
        distance = getattr(model.v, op.name)(q)
        with Session(self.engine) as session:
            return [tuple(r) for r in session.execute(sa.select(model.id, distance).order_by(distance).limit(5))]

    def explain(self, sql):
        with self.engine.begin() as conn:
            result = conn.execute(sa.text(sql))
            return '\n'.join(r[0] for r in result) if result.returns_rows else ''


make_cases(globals(), SQLAlchemy, 'sqlalchemy')
