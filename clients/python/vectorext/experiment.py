"""Experiment: a champion/challenger traffic split (docs/mlops.md §5) and, with vectorext's experiments feature
(docs/experiments.md), exposure and outcome logging, live results with their statistics, and conclude.
"""
from .records import ArmResult, Conclusion, from_row, table
from .session import session


class Experiment:
    """An experiment by name; `conn` is a psycopg connection (see vectorext.connect)."""

    def __init__(self, conn, name):
        self.conn = conn
        self.name = name
        self.s = session(conn)

    @classmethod
    def create(cls, conn, name, model, challenger_share, champion_alias='champion', challenger_alias='challenger'):
        """vectorext.create_experiment (re-running it with the same name changes the share)."""
        session(conn).execute('SELECT vectorext.create_experiment(%s, %s, %s, %s, %s)',
                              (name, model, challenger_share, champion_alias, challenger_alias))
        return cls(conn, name)

    def __repr__(self):
        return f'Experiment({self.name!r})'

    def route(self, unit):
        """The alias serving `unit` (no record kept; see expose)."""
        return self.s.scalar('SELECT vectorext.route(%s, %s)', (self.name, str(unit)))

    def bucket(self, unit):
        """The unit's bucket 0..9999 (the documented hash)."""
        return self.s.scalar('SELECT vectorext.route_bucket(%s, %s)', (self.name, str(unit)))

    def define_metric(self, metric, kind='rate', *, higher_is_better=True, min_units=100):
        self.s.require('define_metric', feature='experiments')
        self.s.execute('SELECT vectorext.define_metric(%s, %s, %s, %s, %s)',
                       (self.name, metric, kind, higher_is_better, min_units))

    def expose(self, unit):
        """Routes the unit, records its first exposure, returns the alias to search with (sticky)."""
        self.s.require('expose', feature='experiments')
        return self.s.scalar('SELECT vectorext.expose(%s, %s)', (self.name, str(unit)))

    def log_outcome(self, unit, metric, value=1.0):
        """Appends an outcome; False (nothing stored) for a unit never exposed."""
        self.s.require('log_outcome', feature='experiments')
        return self.s.scalar('SELECT vectorext.log_outcome(%s, %s, %s, %s)', (self.name, str(unit), metric, value))

    def results(self, alpha=0.05):
        """vectorext.experiment_results: one ArmResult per metric and arm (champion first)."""
        self.s.require('experiment_results', feature='experiments')
        return table(ArmResult, self.s.execute('SELECT * FROM vectorext.experiment_results(%s, %s)',
                                               (self.name, alpha)))

    def conclude(self, metric, min_lift=0.0, alpha=0.05):
        """vectorext.conclude: promotes the challenger only on a significant win; the reason otherwise."""
        self.s.require('conclude', feature='experiments')
        return from_row(Conclusion, self.s.one('SELECT * FROM vectorext.conclude(%s, %s, %s, %s)',
                                               (self.name, metric, min_lift, alpha)))
