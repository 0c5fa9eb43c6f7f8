"""Registry: models, their versions and artifacts, aliases, promote / rollback and their history, as Python calls
over vectorext's SQL functions and views (docs/mlops.md §1, §3, §6). The SQL functions decide everything (version
numbers, the promotion gate, the history); this class only passes arguments and shapes results.
"""
import hashlib
import io
import os

from psycopg import sql
from psycopg.types.json import Jsonb

from .errors import CorruptArtifact, GateRefused, NotFound, NotReady, translate_errors
from .records import Alias, AliasEvent, CollectionInfo, Evidence, ModelVersion, VersionStatus, table
from .session import session

CHUNK = 1 << 20


def _open_artifact(artifact):
    """(file object, whether we opened it) for a path, bytes or a binary file object."""
    if isinstance(artifact, (bytes, bytearray, memoryview)):
        return io.BytesIO(artifact), True
    if isinstance(artifact, (str, os.PathLike)):
        return open(artifact, 'rb'), True
    if hasattr(artifact, 'read'):
        return artifact, False
    raise TypeError('artifact must be a path, bytes or a binary file object')


class Registry:
    """The model registry of the database behind `conn` (a psycopg connection; see vectorext.connect)."""

    def __init__(self, conn):
        self.conn = conn
        self.s = session(conn)

    # ---- models and artifacts -----------------------------------------------------------------------------------

    def register(self, name, dims, metric='l2', artifact=None, *, uri=None, params=None, description=None,
                 chunk_size=CHUNK):
        """Registers the next version of model `name` and returns its number.

        artifact: a path, bytes or a binary file object. It is streamed to the server in chunks (a large object,
        removed in the same transaction), so the client never holds the whole file; the SHA-256 the server records
        is checked against the one computed while sending (CorruptArtifact otherwise, and nothing is registered)."""
        params_json = None if params is None else Jsonb(params)
        with translate_errors(), self.s.transaction(), self.conn.cursor() as cur:
            if artifact is None:
                cur.execute('SELECT vectorext.register_model(%s, %s, %s, NULL, %s, coalesce(%s, \'{}\'::jsonb), %s)',
                            (name, dims, metric, uri, params_json, description))
                return cur.fetchone()[0]
            f, opened = _open_artifact(artifact)
            try:
                digest, size = hashlib.sha256(), 0
                cur.execute('SELECT pg_catalog.lo_create(0)')
                lo = cur.fetchone()[0]
                for chunk in iter(lambda: f.read(chunk_size), b''):
                    cur.execute('SELECT pg_catalog.lo_put(%s, %s, %b)', (lo, size, bytes(chunk)))
                    digest.update(chunk)
                    size += len(chunk)
            finally:
                if opened:
                    f.close()
            cur.execute('SELECT vectorext.register_model(%s, %s, %s, pg_catalog.lo_get(%s), %s, '
                        'coalesce(%s, \'{}\'::jsonb), %s)',
                        (name, dims, metric, lo, uri, params_json, description))
            version = cur.fetchone()[0]
            cur.execute('SELECT pg_catalog.lo_unlink(%s)', (lo,))
            cur.execute('SELECT size, sha256 FROM vectorext.models WHERE name = %s AND version = %s', (name, version))
            stored_size, stored_sha = cur.fetchone()
            if stored_size != size or stored_sha != digest.hexdigest():
                raise CorruptArtifact(f'the server stored {stored_size} bytes with SHA-256 {stored_sha}, '
                                      f'but {size} bytes with SHA-256 {digest.hexdigest()} were sent',
                                      hint='Nothing was registered; retry the registration.')
            return version

    def artifact(self, name, version):
        """The artifact's bytes, verified by the server (XX001 -> CorruptArtifact) and again here against the
        registered SHA-256. NotFound when the version has no artifact."""
        model = self.model(name, version)
        if model.sha256 is None:
            raise NotFound(f'version {version} of model "{name}" has no artifact',
                           hint=f'Its uri is {model.uri!r}.' if model.uri else None)
        data = self.s.scalar('SELECT vectorext.model_artifact(%s, %s)', (name, version), binary=True)
        data = bytes(data)
        if len(data) != model.size or hashlib.sha256(data).hexdigest() != model.sha256:
            raise CorruptArtifact(f'the artifact of version {version} of model "{name}" received does not match '
                                  f'its registered size {model.size} and SHA-256 {model.sha256}',
                                  hint='Retry the download; if it persists, check the connection path.')
        return data

    def download(self, name, version, dest):
        """Writes the verified artifact to `dest` (a path or a binary file object); returns its SHA-256."""
        data = self.artifact(name, version)
        f, opened = (open(dest, 'wb'), True) if isinstance(dest, (str, os.PathLike)) else (dest, False)
        try:
            view = memoryview(data)
            for off in range(0, len(view), CHUNK):
                f.write(view[off:off + CHUNK])
        finally:
            if opened:
                f.close()
        return hashlib.sha256(data).hexdigest()

    def models(self, name=None):
        """Registered model versions (all models, or one), oldest first."""
        return table(ModelVersion, self.s.execute(
            'SELECT * FROM vectorext.models WHERE %s::text IS NULL OR name = %s ORDER BY name, version', (name, name)))

    def model(self, name, version):
        rows = self.s.execute('SELECT * FROM vectorext.models WHERE name = %s AND version = %s', (name, version))
        if not rows:
            raise NotFound(f'model "{name}" has no version {version}',
                           hint='See Registry.models() for the registered versions.')
        return table(ModelVersion, rows)[0]

    # ---- aliases ------------------------------------------------------------------------------------------------

    def aliases(self, model=None):
        return table(Alias, self.s.execute(
            'SELECT * FROM vectorext.aliases WHERE %s::text IS NULL OR model = %s ORDER BY model, alias',
            (model, model)))

    def history(self, model, alias=None):
        """Every change of the model's aliases (or one alias), oldest first."""
        return table(AliasEvent, self.s.execute(
            'SELECT * FROM vectorext.alias_history WHERE model = %s AND (%s::text IS NULL OR alias = %s) ORDER BY id',
            (model, alias, alias)))

    def version_of(self, model, alias='champion'):
        return self.s.scalar('SELECT vectorext.version_of(%s, %s)', (model, alias))

    def set_alias(self, model, alias, version):
        """Points an alias at a version without the promotion gate (e.g. challenger)."""
        return self.s.scalar('SELECT vectorext.set_alias(%s, %s, %s)', (model, alias, version))

    def promote(self, model, version, alias='champion', *, force=False, if_current=None, thresholds=None,
                query_set=None):
        """vectorext.promote: GateRefused (55000) when the version is not ready, ConcurrentChange (40001) when
        `if_current` no longer holds or another transaction moved the alias. thresholds / query_set: evaluation-run
        thresholds (vectorext with experiments)."""
        args = [sql.SQL('%s, %s, %s, %s, %s')]
        values = [model, version, alias, force, if_current]
        if thresholds is not None or query_set is not None:
            self.s.require('promote', 'thresholds', 'experiments')
            args.append(sql.SQL('thresholds => %s::jsonb, query_set => %s'))
            values += [Jsonb(thresholds) if thresholds is not None else None, query_set]
        query = sql.SQL('SELECT vectorext.promote({})').format(sql.SQL(', ').join(args))
        return self.s.scalar(query, values, refine={NotReady: GateRefused})

    def rollback(self, model, alias='champion'):
        """Points the alias back at the version before its last set/promote; returns the version now served."""
        return self.s.scalar('SELECT vectorext.rollback(%s, %s)', (model, alias))

    def why_serving(self, model, alias='champion'):
        """The alias's latest change with its evidence (vectorext with experiments)."""
        self.s.require('why_serving', feature='experiments')
        return table(Evidence, self.s.execute('SELECT * FROM vectorext.why_serving(%s, %s)', (model, alias)))

    # ---- per-model privileges (docs/mlops.md §1, docs/security.md) -----------------------------------------------

    def grant(self, model, role, privilege):
        """vectorext.grant_model: privilege 'alias' (set_alias, promote, rollback), 'register' or 'artifact'."""
        self.s.require('grant_model', feature='per-model privileges')
        self.s.execute('SELECT vectorext.grant_model(%s, %s::regrole, %s)', (model, role, privilege))

    def revoke(self, model, role, privilege):
        self.s.require('revoke_model', feature='per-model privileges')
        self.s.execute('SELECT vectorext.revoke_model(%s, %s::regrole, %s)', (model, role, privilege))

    def has_privilege(self, model, privilege):
        """Whether the current role has `privilege` ('alias', 'register', 'artifact', 'owner') on the model."""
        self.s.require('has_model_privilege', feature='per-model privileges')
        return self.s.scalar('SELECT vectorext.has_model_privilege(%s, %s)', (model, privilege))

    # ---- collections at a glance --------------------------------------------------------------------------------

    def collections(self, model=None):
        return table(CollectionInfo, self.s.execute(
            'SELECT collection, relation::text, source::text, model, key_column, key_type, live_versions, champion, '
            'challenger FROM vectorext.collections WHERE %s::text IS NULL OR model = %s ORDER BY collection',
            (model, model)))

    def status(self, collection=None, model=None):
        """vectorext.collection_versions (rows, index, coverage, aliases per version; exact, so it scans)."""
        return table(VersionStatus, self.s.execute(
            'SELECT collection, model, version, dims, metric, state, partition::text, rows, index_name::text, '
            'index_method, index_size, coverage::float8, missing, stale, aliases '
            'FROM vectorext.collection_versions WHERE (%s::text IS NULL OR collection = %s) '
            'AND (%s::text IS NULL OR model = %s) ORDER BY collection, version',
            (collection, collection, model, model)))

