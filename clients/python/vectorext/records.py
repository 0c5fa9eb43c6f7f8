"""The plain Python objects the package returns: one dataclass per row shape of vectorext's views and functions, and
`Table`, a list of them that converts to dicts, JSON-ready values and (when pandas is installed) a DataFrame.

Rows are built by column name: columns a newer vectorext adds are ignored, columns an older one lacks are None.
"""
import dataclasses
import datetime
import decimal
from typing import Any, List, Optional


def from_row(cls, row):
    """An instance of dataclass `cls` from a dict row (unknown keys ignored, missing fields None)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: row.get(k) for k in names})


def jsonable(value):
    """A value json.dumps accepts: datetimes as ISO 8601, Decimal as float, arrays as lists."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, Record):
        return jsonable(value.as_dict())
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if hasattr(value, 'tolist'):  # numpy
        return value.tolist()
    return value


class Record:
    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


class Table(list):
    """A list of records of one type."""

    def __init__(self, record_type, items=()):
        super().__init__(items)
        self.record_type = record_type

    @property
    def columns(self):
        return [f.name for f in dataclasses.fields(self.record_type)]

    def to_dicts(self):
        return [r.as_dict() for r in self]

    def to_json(self):
        return jsonable(list(self))

    def _repr_html_(self):
        """Jupyter shows a Table as its DataFrame (when pandas is installed)."""
        try:
            return self.to_dataframe()._repr_html_()
        except ImportError:
            return None

    def to_dataframe(self):
        try:
            import pandas
        except ImportError:
            raise ImportError('to_dataframe() needs pandas (Debian: apt-get install python3-pandas)') from None
        # nullable dtypes: an int column with NULLs stays Int64 instead of becoming float
        return pandas.DataFrame(self.to_dicts(), columns=self.columns).convert_dtypes()


def table(record_type, rows):
    return Table(record_type, (from_row(record_type, r) for r in rows))


@dataclasses.dataclass
class ModelVersion(Record):
    name: str
    version: int
    dims: int
    metric: str
    size: Optional[int]
    sha256: Optional[str]
    aliases: List[str]
    uri: Optional[str]
    params: Any
    description: Optional[str]
    created_at: datetime.datetime
    created_by: str
    owner: Optional[str] = None


@dataclasses.dataclass
class Alias(Record):
    model: str
    alias: str
    version: int
    updated_at: datetime.datetime
    updated_by: str


@dataclasses.dataclass
class AliasEvent(Record):
    id: int
    model: str
    alias: str
    action: str
    from_version: Optional[int]
    to_version: int
    forced: bool
    rolled_back: bool
    changed_at: datetime.datetime
    changed_by: str


@dataclasses.dataclass
class CollectionInfo(Record):
    collection: str
    relation: str
    source: str
    model: str
    key_column: str
    key_type: str
    live_versions: Optional[List[int]]
    champion: Optional[int]
    challenger: Optional[int]


@dataclasses.dataclass
class VersionStatus(Record):
    collection: str
    model: str
    version: int
    dims: int
    metric: str
    state: str
    partition: Optional[str]
    rows: Optional[int]
    index_name: Optional[str]
    index_method: Optional[str]
    index_size: Optional[str]
    coverage: Optional[float]
    missing: Optional[int]
    stale: Optional[int]
    aliases: List[str]


@dataclasses.dataclass
class Coverage(Record):
    source_rows: int
    embedded: int
    missing: int
    stale: int
    orphaned: int
    coverage: float


@dataclasses.dataclass
class Pending(Record):
    key: str
    reason: str


@dataclasses.dataclass
class Neighbor(Record):
    key: str
    distance: float


@dataclasses.dataclass
class QueryComparison(Record):
    query_id: str
    overlap: float
    rbo: float


class Comparison(Table):
    """Per-query overlap@k and RBO of two aliases, with their means."""

    def __init__(self, items=()):
        super().__init__(QueryComparison, items)

    @property
    def mean_overlap(self):
        return sum(r.overlap for r in self) / len(self) if self else None

    @property
    def mean_rbo(self):
        return sum(r.rbo for r in self) / len(self) if self else None


@dataclasses.dataclass
class Evaluation(Record):
    alias_name: str
    version: int
    queries_evaluated: int
    precision_at_k: Optional[float]
    ndcg_at_k: Optional[float]


@dataclasses.dataclass
class TuneResult(Record):
    parameter: str
    value: int
    rerank: Optional[int]
    recall: float
    ms_per_query: float
    target_met: bool
    points: int


@dataclasses.dataclass
class RecallPoint(Record):
    index: str
    method: str
    parameter: str
    value: int
    recall: float
    ms_per_query: Optional[float]
    rerank: Optional[int]
    tuned: bool
    target_recall: Optional[float]


@dataclasses.dataclass
class ArmResult(Record):
    metric: str
    kind: str
    method: Optional[str]
    arm: str
    alias: str
    versions: Optional[List[int]]
    units_exposed: Optional[int]
    units: Optional[int]
    outcomes: Optional[int]
    value: Optional[float]
    ci_low: Optional[float]
    ci_high: Optional[float]
    difference: Optional[float]
    difference_low: Optional[float]
    difference_high: Optional[float]
    lift: Optional[float]
    statistic: Optional[float]
    df: Optional[float]
    p_value: Optional[float]
    guard: Optional[str]


@dataclasses.dataclass
class Conclusion(Record):
    promoted: bool
    version: Optional[int]
    reason: Optional[str]
    lift: Optional[float]
    p_value: Optional[float]
    decision: Optional[int]
    alias_event: Optional[int]


@dataclasses.dataclass
class Evidence(Record):
    alias_event: int
    model: str
    alias: str
    action: str
    from_version: Optional[int]
    to_version: int
    forced: bool
    changed_at: datetime.datetime
    changed_by: str
    evidence: Optional[str]
    experiment: Optional[str]
    metric: Optional[str]
    value: Optional[float]
    baseline_value: Optional[float]
    lift: Optional[float]
    p_value: Optional[float]
    method: Optional[str]
    rule: Any
    decision: Optional[int]
    evaluation_run: Optional[int]
    baseline_run: Optional[int]
    query_set: Optional[str]


@dataclasses.dataclass
class BackfillResult(Record):
    collection: str
    version: int
    pending: int
    embedded: int
    batches: int
    vanished: int  # pending keys whose source row was deleted before their batch was written
