"""Connections: `connect()` opens one ready for the package (adapters registered, server NOTICEs and WARNINGs sent to
the `vectorext` logger), and `Session` is what Registry / Collection / Experiment run their SQL through: every call
in one transaction (a savepoint inside a transaction the caller opened), errors translated with their HINT,
feature detection for functions that only newer vectorext versions have.
"""
import logging
import weakref

import psycopg
from psycopg.rows import dict_row

from .adapters import register_types
from .errors import FeatureUnavailable, translate_errors

log = logging.getLogger('vectorext')
_sessions = weakref.WeakKeyDictionary()
_LEVELS = {'WARNING': logging.WARNING, 'NOTICE': logging.INFO, 'INFO': logging.INFO}


def _log_notice(diag):
    level = _LEVELS.get(diag.severity_nonlocalized or diag.severity, logging.DEBUG)
    text = diag.message_primary or ''
    if diag.message_hint:
        text += f' (HINT: {diag.message_hint})'
    log.log(level, '%s', text)


def connect(conninfo='', *, arrays=None, autocommit=True, **kwargs):
    """A psycopg connection (autocommit by default, so each package call is its own transaction) with the
    adapters registered. conninfo / kwargs as psycopg.connect (libpq's PG* environment variables apply)."""
    with translate_errors():
        conn = psycopg.connect(conninfo, autocommit=autocommit, **kwargs)
    try:
        session(conn, arrays=arrays)
    except BaseException:
        conn.close()
        raise
    return conn


def session(conn, arrays=None):
    """The Session of a connection (created, and adapters registered, on first use)."""
    s = _sessions.get(conn)
    if s is None:
        s = _sessions[conn] = Session(conn, arrays)
    return s


class Session:
    def __init__(self, conn, arrays=None):
        self.conn = conn
        with translate_errors():
            self.types = register_types(conn, arrays=arrays)
        conn.add_notice_handler(_log_notice)
        self._functions = {}
        self._type_sql = {}

    def transaction(self):
        return self.conn.transaction()

    def execute(self, query, params=None, *, binary=False, refine=None):
        """Runs one statement in its own transaction; returns its rows as dicts. refine: see translate_errors."""
        with translate_errors(refine), self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, params, binary=binary)
            return cur.fetchall() if cur.description else []

    def one(self, query, params=None, **kw):
        rows = self.execute(query, params, **kw)
        return rows[0] if rows else None

    def scalar(self, query, params=None, **kw):
        row = self.one(query, params, **kw)
        return None if row is None else next(iter(row.values()))

    def has(self, function, argument=None):
        """Whether vectorext.<function> exists (with a parameter named `argument`, if given)."""
        key = (function, argument)
        if key not in self._functions:
            self._functions[key] = bool(self.scalar(
                """SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
                                  WHERE p.pronamespace = 'vectorext'::regnamespace AND p.proname = %s
                                    AND (%s::text IS NULL OR %s::text = ANY (p.proargnames)))""",
                (function, argument, argument)))
        return self._functions[key]

    def require(self, function, argument=None, feature=None):
        if not self.has(function, argument):
            what = f'vectorext.{function}' + (f'({argument} => ...)' if argument else '')
            raise FeatureUnavailable(f'this database\'s vectorext has no {what}',
                                     hint=f'Upgrade the extension ({feature or "a newer vectorext"}): '
                                          'ALTER EXTENSION vectorext UPDATE.')

    def type_sql(self, name):
        """The SQL spelling of one of our types (schema-qualified when not on the search_path), from the catalog."""
        if name not in self._type_sql:
            self._type_sql[name] = self.scalar('SELECT %s::oid::regtype::text', (self.types[name].oid,))
        return self._type_sql[name]
