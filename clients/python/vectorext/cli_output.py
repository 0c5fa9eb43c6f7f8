"""How the CLI prints: aligned plain-text tables for people, JSON for machines."""
import datetime
import json
import sys

from .records import Table, jsonable


def _cell(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if isinstance(value, float):
        return f'{value:.4f}'
    if isinstance(value, datetime.datetime):
        return value.strftime('%Y-%m-%d %H:%M:%S')
    if isinstance(value, (list, tuple)):
        return ','.join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(',', ':'))
    return str(value)


def _numeric(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_table(rows, columns=None, title=None):
    """rows: a Table or a list of dicts; columns: the ones to show (default all)."""
    dicts = rows.to_dicts() if isinstance(rows, Table) else list(rows)
    if columns is None:
        columns = rows.columns if isinstance(rows, Table) else (list(dicts[0]) if dicts else [])
    cells = [[_cell(d.get(c)) for c in columns] for d in dicts]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    right = [any(_numeric(d.get(c)) for d in dicts) for c in columns]

    def line(values):
        return '  '.join(v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right)).rstrip()

    out = [title] if title else []
    out += [line(columns), line(['-' * w for w in widths])] + [line(r) for r in cells]
    if not dicts:
        out.append('(none)')
    return '\n'.join(out)


def emit_json(value, stream=None):
    json.dump(jsonable(value), stream or sys.stdout, indent=2)
    (stream or sys.stdout).write('\n')
