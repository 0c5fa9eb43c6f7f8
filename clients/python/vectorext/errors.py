"""Python exceptions for vectorext's SQL errors: one class per SQLSTATE family the MLOps functions raise
(docs/mlops.md#errors), each carrying the SQLSTATE, the message, the DETAIL and the HINT (the next step), and
`translate_errors`, which turns psycopg errors into them. The original psycopg error is the `__cause__`.
"""
import contextlib

import psycopg


class VectorextError(Exception):
    """Base class. `str(e)` is the server's message followed by its HINT."""
    exit_code = 1

    def __init__(self, message, sqlstate=None, hint=None, detail=None):
        super().__init__(message)
        self.message, self.sqlstate, self.hint, self.detail = message, sqlstate, hint, detail

    def __str__(self):
        text = self.message
        if self.detail:
            text += f'\nDETAIL: {self.detail}'
        if self.hint:
            text += f'\nHINT: {self.hint}'
        return text


class InvalidInput(VectorextError, ValueError):
    """22xxx: wrong dims, empty names, out-of-range parameters, NULL query vector."""


class KeyNotInSource(VectorextError):
    """23503: an embedding for a key that is not in the source table."""


class ConcurrentChange(VectorextError):
    """40001 / 40P01: another transaction moved the alias (or `if_current` no longer holds): re-evaluate and retry."""
    exit_code = 4


class NotFound(VectorextError, LookupError):
    """42704 / 42703 / 42P01: model, version, alias, collection, experiment, column or relation does not exist."""
    exit_code = 6


class FeatureUnavailable(NotFound):
    """42883: the database's vectorext has no such function (an older version, or a feature not installed)."""


class AlreadyExists(VectorextError):
    """42710 / 42P07: collection, version or table already exists."""


class PermissionDenied(VectorextError, PermissionError):
    """42501: the role may not do this (see vectorext.grant_admin and the model's grants)."""
    exit_code = 7


class NotReady(VectorextError):
    """55000: an object is not in the state the operation needs: the promotion gate, a sealed or retired version,
    nothing to roll back to, recall without an index."""
    exit_code = 3


class GateRefused(NotReady):
    """55000 raised by promote: the version is not ready to serve (not embedded, stale, not indexed, thresholds)."""


class InUse(VectorextError):
    """55006: retiring a version an alias serves."""


class ResourceLimit(VectorextError):
    """54000: input larger than a documented limit."""


class CorruptArtifact(VectorextError):
    """XX001 (or a client-side SHA-256 mismatch): the artifact does not match its registered size or SHA-256."""


class ConnectionFailed(VectorextError, ConnectionError):
    """The database could not be reached or the connection broke (class 08, or no SQLSTATE at all)."""
    exit_code = 5


_BY_SQLSTATE = {
    '23503': KeyNotInSource,
    '40001': ConcurrentChange, '40P01': ConcurrentChange,
    '42704': NotFound, '42703': NotFound, '42P01': NotFound,
    '42883': FeatureUnavailable,
    '42710': AlreadyExists, '42P07': AlreadyExists,
    '42501': PermissionDenied,
    '55000': NotReady,
    '55006': InUse,
    '54000': ResourceLimit,
    'XX001': CorruptArtifact,
}


def exception_class(sqlstate):
    """The VectorextError subclass for a SQLSTATE."""
    if not sqlstate:
        return VectorextError
    if sqlstate in _BY_SQLSTATE:
        return _BY_SQLSTATE[sqlstate]
    if sqlstate.startswith('22'):
        return InvalidInput
    if sqlstate.startswith('08'):
        return ConnectionFailed
    return VectorextError


def from_psycopg(e, refine=None):
    """The VectorextError for a psycopg error; `refine` maps a class to a more specific one (e.g. GateRefused)."""
    if isinstance(e, psycopg.OperationalError) and not e.sqlstate:
        return ConnectionFailed(str(e).strip() or 'connection failed')
    diag = e.diag
    cls = exception_class(e.sqlstate)
    cls = (refine or {}).get(cls, cls)
    message = diag.message_primary or str(e).strip()
    return cls(message, sqlstate=e.sqlstate, hint=diag.message_hint, detail=diag.message_detail)


@contextlib.contextmanager
def translate_errors(refine=None):
    """Re-raises psycopg errors inside the block as VectorextError subclasses (with the HINT)."""
    try:
        yield
    except psycopg.Error as e:
        raise from_psycopg(e, refine) from e
