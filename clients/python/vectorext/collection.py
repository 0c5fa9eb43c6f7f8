"""Collection: one vectorext collection (docs/mlops.md §2, §4, §5): versions, coverage and the backfill work list,
backfill from a Python embedding function, index build and tuning, search by alias, compare / recall / evaluate.
Each method is one call of the SQL function of the same name; results come back as records (vectorext.records).
"""
import re

from psycopg import sql

from .backfill import run_backfill
from .errors import NotFound
from .query_sets import query_source
from .records import (Comparison, Coverage, Evaluation, Neighbor, Pending, QueryComparison, RecallPoint, TuneResult,
                      from_row, table)
from .session import session
from .values import Vector, np

_OPTION_NAME = re.compile(r'^[a-z_][a-z0-9_]*$')
_OPTION_WORD = re.compile(r'^[A-Za-z0-9_.]+$')


def index_options(options):
    """The WITH (...) text of build_index from a dict ({'m': 16, 'ef_construction': 64}) or a string (as is)."""
    if options is None or isinstance(options, str):
        return options
    parts = []
    for name, value in options.items():
        if not _OPTION_NAME.match(name):
            raise ValueError(f'invalid index option name {name!r}')
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f'index option {name} must be a number or a word, not {value!r}')
        text = str(value)
        if isinstance(value, str) and not _OPTION_WORD.match(text):
            raise ValueError(f'index option {name}: {value!r} is not a plain word')
        parts.append(f"{name} = '{text}'" if isinstance(value, str) else f'{name} = {text}')
    return ', '.join(parts)


class Collection:
    """A vectorext collection by name; `conn` is a psycopg connection (see vectorext.connect)."""

    def __init__(self, conn, name):
        self.conn = conn
        self.name = name
        self.s = session(conn)
        self._info = None

    @classmethod
    def create(cls, conn, name, source, model, key_column='id'):
        """vectorext.create_collection: the collection table next to `source` (a table name), for `model`."""
        session(conn).scalar('SELECT vectorext.create_collection(%s, %s::regclass, %s, %s)::text',
                             (name, source, model, key_column))
        return cls(conn, name)

    def __repr__(self):
        return f'Collection({self.name!r})'

    @property
    def info(self):
        """The collection's row of vectorext.collections (relation, source, model, key column and type)."""
        if self._info is None:
            from .registry import Registry
            rows = [c for c in Registry(self.conn).collections() if c.collection == self.name]
            if not rows:
                raise NotFound(f'collection "{self.name}" does not exist',
                               hint='Create it with Collection.create(conn, name, source, model).')
            self._info = rows[0]
        return self._info

    @property
    def model(self):
        return self.info.model

    def versions(self):
        """This collection's rows of vectorext.collection_versions."""
        from .registry import Registry
        return Registry(self.conn).status(collection=self.name)

    def add_version(self, version):
        """vectorext.add_version: the version's partition; returns its name."""
        return self.s.scalar('SELECT vectorext.add_version(%s, %s)::text', (self.name, version))

    def coverage(self, version):
        return from_row(Coverage, self.s.one('SELECT source_rows, embedded, missing, stale, orphaned, '
                                             'coverage::float8 FROM vectorext.coverage(%s, %s)', (self.name, version)))

    def pending(self, version):
        """vectorext.pending: the keys (as text) missing or stale in the version, in key order."""
        return table(Pending, self.s.execute('SELECT key, reason FROM vectorext.pending(%s, %s)', (self.name, version)))

    def backfill(self, version, embed, *, batch_size=256, column=None, progress=True, limit=None, analyze=True):
        """Embeds what vectorext.pending lists, `batch_size` source rows at a time, and writes each batch by binary
        COPY in its own transaction: an interrupted backfill keeps the batches written, and running it again
        continues with what is still missing or stale.

        embed(batch) -> vectors: batch is a list of source rows as dicts (or of the values of `column`); vectors is
        a 2-D numpy array or a list of sequences, one per row, in order. progress: a tqdm bar on stderr (True), none
        (False), or a callable(done, total). limit: embed at most this many pending keys. analyze: ANALYZE the
        version's partition afterwards when rows were written (planner statistics, so searches use the index)."""
        return run_backfill(self, version, embed, batch_size=batch_size, column=column, progress=progress,
                            limit=limit, analyze=analyze)

    def seal(self, version):
        self.s.execute('SELECT vectorext.seal(%s, %s)', (self.name, version))

    def retire(self, version):
        """vectorext.retire_version: drops the version's partition (refused while an alias serves it)."""
        self.s.execute('SELECT vectorext.retire_version(%s, %s)', (self.name, version))

    def drop(self):
        self.s.execute('SELECT vectorext.drop_collection(%s)', (self.name,))

    # ---- indexes ------------------------------------------------------------------------------------------------

    def build_index(self, version, method='hnsw', options=None, *, target_recall=None):
        """vectorext.build_index; options as a dict or a string. target_recall tunes right after the build
        (vectorext with automl). Returns the index name."""
        args, values = [sql.SQL('%s, %s, %s, %s')], [self.name, version, method, index_options(options)]
        if target_recall is not None:
            self.s.require('build_index', 'target_recall', 'automl')
            args.append(sql.SQL('target_recall => %s'))
            values.append(target_recall)
        return self.s.scalar(sql.SQL('SELECT vectorext.build_index({})::text').format(sql.SQL(', ').join(args)),
                             values)

    def index_of(self, version):
        """The name of the version's ANN index, or None."""
        return self.s.scalar('SELECT index_name::text FROM vectorext.collection_versions '
                             'WHERE collection = %s AND version = %s', (self.name, version))

    def _index(self, version):
        index = self.index_of(version)
        if index is None:
            raise NotFound(f'collection "{self.name}" version {version} has no ANN index',
                           hint=f'Call build_index({version}) first.')
        return index

    def tune(self, version, target_recall=0.95, *, k=10, sample=100, queries=None, filter=None, perturb=0.0):
        """vectorext.tune on the version's index: measures the recall curve and makes the cheapest setting meeting
        target_recall the index's default (vectorext with automl)."""
        self.s.require('tune', feature='automl')
        return from_row(TuneResult, self.s.one(
            'SELECT * FROM vectorext.tune(%s::regclass, %s, %s, %s, %s, %s, %s)',
            (self._index(version), target_recall, k, sample, queries, filter, perturb)))

    def index_recall(self, version, *, k=10, sample=100, queries=None, filter=None, perturb=0.0):
        """vectorext.index_recall of the version's index at the session's settings (vectorext with automl)."""
        self.s.require('index_recall', feature='automl')
        return self.s.scalar('SELECT vectorext.index_recall(%s::regclass, %s, %s, %s, %s, %s)',
                             (self._index(version), k, sample, queries, filter, perturb))

    def recall_curve(self, version):
        """The tuned recall curve of the version's index, one point per setting (vectorext with automl)."""
        self.s.require('tune', feature='automl')
        return table(RecallPoint, self.s.execute(
            'SELECT index::text, method, parameter, value, recall, ms_per_query, rerank, tuned, target_recall '
            'FROM vectorext.recall_curves WHERE index = %s::regclass ORDER BY rerank NULLS FIRST, value',
            (self._index(version),)))

    # ---- search and evaluation ----------------------------------------------------------------------------------

    def search(self, query, k=10, alias='champion'):
        """vectorext.search: the k nearest keys (text) of the version the alias serves."""
        if not isinstance(query, (Vector, np.ndarray) if np is not None else Vector):
            query = Vector(query)   # a plain list would be sent as a SQL array
        return table(Neighbor, self.s.execute('SELECT key, distance FROM vectorext.search(%s, %s, %s, %s)',
                                              (self.name, query, k, alias)))

    def recall(self, version, sample=100, k=10):
        """vectorext.recall: recall@k of the version's index against exact search on `sample` of its rows."""
        return self.s.scalar('SELECT vectorext.recall(%s, %s, %s, %s)', (self.name, version, sample, k))

    def compare(self, queries, k=10, alias_a='champion', alias_b='challenger', p=0.9):
        """vectorext.compare: per-query overlap@k and RBO of two aliases. queries: a SELECT returning (query id,
        embedding for alias_a, embedding for alias_b), or those rows as Python tuples."""
        with self.s.transaction(), query_source(self.s, queries, ('text', 'vector', 'vector')) as q:
            rows = self.s.execute('SELECT query_id, overlap, rbo FROM vectorext.compare(%s, %s, %s, %s, %s, %s)',
                                  (self.name, q, k, alias_a, alias_b, p))
        return Comparison(from_row(QueryComparison, r) for r in rows)

    def evaluate(self, queries, judgments, k=10, alias='champion'):
        """vectorext.evaluate: precision@k and nDCG@k of the version an alias serves. queries: a SELECT returning
        (query id, embedding) or those rows; judgments: a SELECT returning (query id, key, relevance) or those rows."""
        with self.s.transaction(), query_source(self.s, queries, ('text', 'vector')) as q, \
                query_source(self.s, judgments, ('text', 'text', 'float8')) as j:
            row = self.s.one('SELECT * FROM vectorext.evaluate(%s, %s, %s, %s, %s)', (self.name, q, j, k, alias))
        return from_row(Evaluation, row)

    def record_evaluate(self, queries, judgments, query_set, k=10, alias='champion'):
        """vectorext.record_evaluate: evaluate and store the run (for promote thresholds; vectorext with
        experiments). Returns the run id."""
        self.s.require('record_evaluate', feature='experiments')
        with self.s.transaction(), query_source(self.s, queries, ('text', 'vector')) as q, \
                query_source(self.s, judgments, ('text', 'text', 'float8')) as j:
            return self.s.scalar('SELECT vectorext.record_evaluate(%s, %s, %s, %s, %s, %s)',
                                 (self.name, q, j, query_set, k, alias))
