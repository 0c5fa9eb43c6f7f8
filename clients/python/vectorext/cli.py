"""The `vectorext` command (also `python3 -m vectorext`): status, models, history, register, add-version,
build-index, backfill, evaluate, promote, rollback. Human tables by default, --json for machines; exit codes a
pipeline can branch on (docs/python.md#exit-codes).
"""
import argparse
import importlib
import importlib.util
import logging
import os
import sys

from . import cli_output
from .collection import Collection
from .errors import VectorextError
from .registry import Registry
from .session import connect

# Exit codes (documented in docs/python.md; VectorextError subclasses carry theirs).
OK = 0
ERROR = 1            # any other error (SQL error without a specific code, bad embedding function, ...)
USAGE = 2            # bad command line (argparse)
GATE_REFUSED = 3     # 55000: promotion gate / thresholds refused, nothing to roll back to, version not ready
CONCURRENT = 4       # 40001: the alias moved (if_current no longer holds, or a concurrent change)
CONNECTION = 5       # the database could not be reached
NOT_FOUND = 6        # model, version, alias, collection does not exist
PERMISSION = 7       # 42501
NOT_BETTER = 8       # evaluate --candidate: the candidate does not beat the baseline


def _load_function(spec):
    """MODULE:FUNCTION or path/to/file.py:FUNCTION."""
    target, _, name = spec.rpartition(':')
    if not target or not name:
        raise SystemExit(f'vectorext: --embed needs MODULE:FUNCTION or FILE.py:FUNCTION, not {spec!r}')
    if target.endswith('.py'):
        module_spec = importlib.util.spec_from_file_location(os.path.basename(target)[:-3], target)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())
        module = importlib.import_module(target)
    return getattr(module, name)


def cmd_status(conn, args):
    reg = Registry(conn)
    aliases = reg.aliases(args.model)
    versions = reg.status(collection=args.collection, model=args.model)
    if args.json:
        return {'aliases': aliases, 'versions': versions}
    print(cli_output.format_table(aliases, ['model', 'alias', 'version', 'updated_at', 'updated_by'], 'Aliases'))
    print()
    print(cli_output.format_table(versions, ['collection', 'model', 'version', 'dims', 'metric', 'state', 'rows',
                                             'index_name', 'index_size', 'coverage', 'missing', 'stale', 'aliases'],
                                  'Collection versions'))


def cmd_models(conn, args):
    models = Registry(conn).models(args.name)
    if args.json:
        return models
    print(cli_output.format_table(models, ['name', 'version', 'dims', 'metric', 'size', 'sha256', 'aliases',
                                           'description', 'created_at']))


def cmd_history(conn, args):
    events = Registry(conn).history(args.model, args.alias)
    if args.json:
        return events
    print(cli_output.format_table(events, ['id', 'alias', 'action', 'from_version', 'to_version', 'forced',
                                           'rolled_back', 'changed_at', 'changed_by']))


def cmd_backfill(conn, args):
    embed = _load_function(args.embed)
    result = Collection(conn, args.collection).backfill(
        args.version, embed, batch_size=args.batch_size, column=args.column, limit=args.limit,
        progress=not args.no_progress and not args.json and sys.stderr.isatty())
    if args.json:
        return result
    gone = f' ({result.vanished} no longer in the source)' if result.vanished else ''
    print(f'{result.collection} version {result.version}: embedded {result.embedded} of {result.pending} pending '
          f'rows in {result.batches} batches{gone}')


def _queries_for(args, alias, version):
    for a, text in args.queries_for or []:
        if a == alias:
            return text
    if args.queries is None:
        raise SystemExit(f'vectorext: no queries for alias {alias!r}: pass --queries or --queries-for {alias} SQL')
    return args.queries.replace('{version}', str(int(version)))


def cmd_register(conn, args):
    import json
    version = Registry(conn).register(args.name, args.dims, args.metric, artifact=args.artifact, uri=args.uri,
                                      params=json.loads(args.params) if args.params else None,
                                      description=args.description)
    model = Registry(conn).model(args.name, version)
    if args.json:
        return model
    print(f'{args.name}: registered version {version}' +
          (f' (artifact {model.size} bytes, SHA-256 {model.sha256})' if model.sha256 else ''))


def cmd_add_version(conn, args):
    partition = Collection(conn, args.collection).add_version(args.version)
    if args.json:
        return {'collection': args.collection, 'version': args.version, 'partition': partition}
    print(f'{args.collection}: version {args.version} added ({partition})')


def cmd_build_index(conn, args):
    coll = Collection(conn, args.collection)
    index = coll.build_index(args.version, args.method, args.options, target_recall=args.target_recall)
    if args.json:
        return {'collection': args.collection, 'version': args.version, 'index': index}
    print(f'{args.collection}: version {args.version} indexed ({index})')


def cmd_evaluate(conn, args):
    coll = Collection(conn, args.collection)
    reg = Registry(conn)
    aliases = list(dict.fromkeys(([args.baseline, args.candidate] if args.candidate else []) + (args.alias or [])))
    aliases = aliases or ['champion', 'challenger']
    evaluations = []
    for alias in aliases:
        version = reg.version_of(coll.model, alias)
        evaluations.append(coll.evaluate(_queries_for(args, alias, version), args.judgments, k=args.k, alias=alias))
    result = {'collection': args.collection, 'k': args.k, 'evaluations': evaluations}
    code = OK
    if args.candidate:
        by_alias = {e.alias_name: e for e in evaluations}
        cand, base = by_alias[args.candidate], by_alias[args.baseline]
        cv, bv = getattr(cand, args.metric), getattr(base, args.metric)
        better = cv is not None and bv is not None and cv > bv + args.min_improvement
        result.update(metric=args.metric, candidate=cand, baseline=base,
                      improvement=None if cv is None or bv is None else cv - bv, better=better)
        code = OK if better else NOT_BETTER
    if args.json:
        return result, code
    print(cli_output.format_table([e.as_dict() for e in evaluations],
                                  ['alias_name', 'version', 'queries_evaluated', 'precision_at_k', 'ndcg_at_k']))
    if args.candidate:
        verdict = 'beats' if result['better'] else 'does not beat'
        print(f'\n{args.candidate} (version {cand.version}) {verdict} {args.baseline} (version {base.version}) on '
              f'{args.metric}: {cv} vs {bv} (minimum improvement {args.min_improvement})')
    return None, code


def cmd_promote(conn, args):
    thresholds = None
    if args.thresholds:
        import json
        thresholds = json.loads(args.thresholds)
    version = Registry(conn).promote(args.model, args.version, args.alias, force=args.force,
                                     if_current=args.if_current, thresholds=thresholds, query_set=args.query_set)
    if args.json:
        return {'model': args.model, 'alias': args.alias, 'version': version}
    print(f'{args.model}: {args.alias} -> version {version}')


def cmd_rollback(conn, args):
    version = Registry(conn).rollback(args.model, args.alias)
    if args.json:
        return {'model': args.model, 'alias': args.alias, 'version': version}
    print(f'{args.model}: {args.alias} rolled back to version {version}')


def build_parser():
    p = argparse.ArgumentParser(prog='vectorext', description='Model lifecycle on vectorext: registry, backfill, '
                                'evaluation, promote and rollback (docs/python.md).')
    p.add_argument('--dsn', default=os.environ.get('VECTOREXT_DSN', ''),
                   help='libpq connection string (default: $VECTOREXT_DSN, then the PG* environment variables)')
    p.add_argument('--json', action='store_true', help='print JSON instead of tables')
    p.add_argument('-v', '--verbose', action='store_true', help='also show server NOTICEs')
    sub = p.add_subparsers(dest='command', required=True, metavar='COMMAND')

    s = sub.add_parser('status', help='aliases and collection versions (rows, index, coverage)')
    s.add_argument('--collection')
    s.add_argument('--model')
    s.set_defaults(run=cmd_status)

    s = sub.add_parser('models', help='registered model versions')
    s.add_argument('name', nargs='?')
    s.set_defaults(run=cmd_models)

    s = sub.add_parser('history', help="a model's alias history")
    s.add_argument('model')
    s.add_argument('--alias')
    s.set_defaults(run=cmd_history)

    s = sub.add_parser('register', help='register the next version of a model (optionally with its artifact)')
    s.add_argument('name')
    s.add_argument('--dims', type=int, required=True)
    s.add_argument('--metric', default='l2', choices=['l2', 'ip', 'cosine', 'l1'])
    s.add_argument('--artifact', metavar='FILE', help='the model file, streamed and SHA-256 checked')
    s.add_argument('--uri')
    s.add_argument('--params', metavar='JSON')
    s.add_argument('--description')
    s.set_defaults(run=cmd_register)

    s = sub.add_parser('add-version', help="add a registered version's partition to a collection")
    s.add_argument('collection')
    s.add_argument('version', type=int)
    s.set_defaults(run=cmd_add_version)

    s = sub.add_parser('build-index', help="build (or rebuild) a version's ANN index")
    s.add_argument('collection')
    s.add_argument('version', type=int)
    s.add_argument('--method', default='hnsw')
    s.add_argument('--options', help="WITH (...) options, e.g. 'm = 16, ef_construction = 64'")
    s.add_argument('--target-recall', type=float, help='tune after building (vectorext with automl)')
    s.set_defaults(run=cmd_build_index)

    s = sub.add_parser('backfill', help='embed what vectorext.pending lists, with a Python function (resumable)')
    s.add_argument('collection')
    s.add_argument('version', type=int)
    s.add_argument('--embed', required=True, metavar='MODULE:FUNCTION',
                   help='the embedding function: batch of rows (dicts, or --column values) -> vectors')
    s.add_argument('--column', help='pass only this source column to the function')
    s.add_argument('--batch-size', type=int, default=256)
    s.add_argument('--limit', type=int, help='embed at most this many pending rows')
    s.add_argument('--no-progress', action='store_true')
    s.set_defaults(run=cmd_backfill)

    s = sub.add_parser('evaluate', help='precision@k and nDCG@k of aliases against relevance judgments')
    s.add_argument('collection')
    s.add_argument('--queries', help='SELECT (query id, embedding); {version} is replaced by the version each '
                                     'alias serves')
    s.add_argument('--queries-for', nargs=2, action='append', metavar=('ALIAS', 'SQL'),
                   help='the queries SELECT of one alias (repeatable)')
    s.add_argument('--judgments', required=True, help='SELECT (query id, key, relevance)')
    s.add_argument('-k', type=int, default=10)
    s.add_argument('--alias', action='append', help='alias to evaluate (repeatable; default champion, challenger)')
    s.add_argument('--candidate', help='exit 8 unless this alias beats --baseline on --metric')
    s.add_argument('--baseline', default='champion')
    s.add_argument('--metric', choices=['ndcg_at_k', 'precision_at_k'], default='ndcg_at_k')
    s.add_argument('--min-improvement', type=float, default=0.0)
    s.set_defaults(run=cmd_evaluate)

    s = sub.add_parser('promote', help='point an alias at a version through the promotion gate')
    s.add_argument('model')
    s.add_argument('version', type=int)
    s.add_argument('--alias', default='champion')
    s.add_argument('--if-current', type=int, metavar='N',
                   help='only if the alias still serves version N (else exit 4)')
    s.add_argument('--force', action='store_true', help='promote past the gate (recorded as forced)')
    s.add_argument('--thresholds', help='evaluation-run thresholds as JSON (vectorext with experiments)')
    s.add_argument('--query-set', help='the stored query set the thresholds use')
    s.set_defaults(run=cmd_promote)

    s = sub.add_parser('rollback', help='point an alias back at its previous version')
    s.add_argument('model')
    s.add_argument('--alias', default='champion')
    s.set_defaults(run=cmd_rollback)
    return p


def _report(e, as_json):
    if as_json:
        cli_output.emit_json({'error': {'type': type(e).__name__, 'sqlstate': e.sqlstate, 'message': e.message,
                                        'detail': e.detail, 'hint': e.hint, 'exit_code': e.exit_code}})
    where = f' (SQLSTATE {e.sqlstate})' if e.sqlstate else ''
    print(f'vectorext: {type(e).__name__}{where}: {e}', file=sys.stderr)


def main(argv=None):
    args = build_parser().parse_args(argv)
    # Server WARNINGs (e.g. a forced promotion) and, with -v, NOTICEs go to stderr.
    log = logging.getLogger('vectorext')
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter('%(levelname)s: %(message)s'))
    saved = log.level, log.propagate
    log.addHandler(handler)
    log.setLevel(logging.INFO if args.verbose else logging.WARNING)
    log.propagate = False
    try:
        conn = connect(args.dsn)
        try:
            out = args.run(conn, args)
        finally:
            conn.close()
    except VectorextError as e:
        _report(e, args.json)
        return e.exit_code
    finally:
        log.removeHandler(handler)
        log.setLevel(saved[0])
        log.propagate = saved[1]
    code = OK
    if isinstance(out, tuple):
        out, code = out
    if args.json and out is not None:
        cli_output.emit_json(out)
    return code
