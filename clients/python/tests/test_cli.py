"""The CLI against the server: every command with tables and --json, the evaluate-then-promote pipeline, and the
documented exit codes (gate refused, concurrent change, connection failure, not found, permission, not better,
usage); the installed `vectorext` entry point and `python3 -m vectorext`."""
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import vectorext as vx
from conftest import ROWS, clustered, conninfo, embed_features, make_model, make_source
from vectorext import cli


def noise(i, salt=0):
    """A useless embedding model: random vectors unrelated to the clusters."""
    rng = random.Random(i * 31 + salt + 12345)
    return [rng.uniform(-1, 1) for _ in range(8)]


@pytest.fixture(scope='module')
def pipeline(conn):
    """cli-model: v1 (the features: good) and v2 (noise: bad), both embedded and indexed; v2 champion,
    v1 challenger; query embeddings per version and same-cluster judgments."""
    c = make_model(conn, 'cli', metrics=('l2',) * 3, embed={2: lambda rows: [noise(r['id']) for r in rows]},
                   champion=2, challenger=1)
    conn.execute('CREATE TABLE cli_qemb (version int, id int, e vector)')
    conn.execute('CREATE TABLE cli_judg (q int, k int, r int)')
    with conn.cursor() as cur:
        cur.executemany('INSERT INTO cli_qemb VALUES (%s, %s, %s)',
                        [(1, q, vx.Vector(clustered(q, salt=5))) for q in range(1, 13)] +
                        [(2, q, vx.Vector(noise(q, salt=5))) for q in range(1, 13)])
        cur.executemany('INSERT INTO cli_judg VALUES (%s, %s, 1)',
                        [(q, k) for q in range(1, 13) for k in range(1, ROWS + 1) if k % 3 == q % 3])
    return c


def run(capsys, dsn, *argv):
    code = cli.main(['--dsn', dsn, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_status_models_history(capsys, dsn, pipeline):
    code, out, _ = run(capsys, dsn, 'status', '--model', 'cli-model')
    assert code == 0 and 'Aliases' in out and 'cli_emb' in out and 'challenger' in out
    code, out, _ = run(capsys, dsn, '--json', 'status', '--collection', 'cli_emb')
    doc = json.loads(out)
    assert code == 0 and [v['version'] for v in doc['versions']] == [1, 2]
    assert {(a['alias'], a['version']) for a in doc['aliases'] if a['model'] == 'cli-model'} == \
        {('champion', 2), ('challenger', 1)}
    code, out, _ = run(capsys, dsn, 'models', 'cli-model')
    assert code == 0 and out.splitlines()[0].split()[:4] == ['name', 'version', 'dims', 'metric']
    assert len(out.splitlines()) == 2 + 3
    code, out, _ = run(capsys, dsn, '--json', 'models')
    assert code == 0 and {m['name'] for m in json.loads(out)} >= {'cli-model'}
    code, out, _ = run(capsys, dsn, '--json', 'history', 'cli-model')
    assert code == 0
    assert [(e['alias'], e['to_version']) for e in json.loads(out)] == [('champion', 2), ('challenger', 1)]
    code, out, _ = run(capsys, dsn, 'history', 'cli-model', '--alias', 'challenger')
    assert code == 0 and 'set' in out and 'promote' not in out


def test_backfill_command(capsys, dsn, conn, pipeline, tmp_path):
    (tmp_path / 'embedder.py').write_text('def embed(features):\n    return [list(f) for f in features]\n')
    pipeline.add_version(3)
    code, out, _ = run(capsys, dsn, 'backfill', 'cli_emb', '3', '--embed', f'{tmp_path}/embedder.py:embed',
                       '--column', 'features', '--batch-size', '50', '--limit', '70')
    assert code == 0 and 'embedded 70 of 70 pending rows in 2 batches' in out
    code, out, _ = run(capsys, dsn, '--json', 'backfill', 'cli_emb', '3', '--embed', f'{tmp_path}/embedder.py:embed',
                       '--column', 'features')
    assert code == 0 and json.loads(out)['embedded'] == ROWS - 70
    assert pipeline.coverage(3).coverage == 1.0


def test_register_add_version_build_index(capsys, dsn, conn, pipeline, tmp_path):
    (tmp_path / 'm.bin').write_bytes(b'weights' * 1000)
    code, out, _ = run(capsys, dsn, '--json', 'register', 'cli-reg', '--dims', '8', '--metric', 'cosine',
                       '--artifact', str(tmp_path / 'm.bin'), '--params', '{"run": 7}', '--description', 'd')
    doc = json.loads(out)
    assert code == 0 and (doc['version'], doc['metric'], doc['size'], doc['params']) == (1, 'cosine', 7000, {'run': 7})
    code, out, _ = run(capsys, dsn, 'register', 'cli-reg', '--dims', '8')
    assert code == 0 and 'registered version 2' in out
    make_source(conn, 'cli_reg_src', rows=20)
    vx.Collection.create(conn, 'cli_reg_emb', 'cli_reg_src', 'cli-reg')
    code, out, _ = run(capsys, dsn, 'add-version', 'cli_reg_emb', '1')
    assert code == 0 and 'cli_reg_emb_v1' in out
    vx.Collection(conn, 'cli_reg_emb').backfill(1, embed_features, progress=False)
    code, out, _ = run(capsys, dsn, '--json', 'build-index', 'cli_reg_emb', '1', '--options', 'm = 8')
    assert code == 0 and json.loads(out)['index'].endswith('cli_reg_emb_v1_hnsw_idx')
    code, _, err = run(capsys, dsn, 'build-index', 'cli_reg_emb', '1', '--method', 'nope')
    assert code == cli.NOT_FOUND and 'access method "nope" does not exist' in err
    code, _, err = run(capsys, dsn, 'register', 'cli-reg', '--dims', '0')
    assert code == cli.ERROR and 'InvalidInput (SQLSTATE 22023)' in err


def test_evaluate_then_promote_pipeline(capsys, dsn, pipeline):
    queries = 'SELECT id, e FROM cli_qemb WHERE version = {version}'
    judgments = 'SELECT q, k, r FROM cli_judg'
    # the champion (noise) does not beat the challenger: exit 8
    code, out, _ = run(capsys, dsn, 'evaluate', 'cli_emb', '--queries', queries, '--judgments', judgments,
                       '--candidate', 'champion', '--baseline', 'challenger')
    assert code == cli.NOT_BETTER and 'does not beat' in out
    # the challenger (features) beats the champion: exit 0, versions in the JSON for the promote step
    code, out, _ = run(capsys, dsn, '--json', 'evaluate', 'cli_emb', '--queries', queries, '--judgments', judgments,
                       '--candidate', 'challenger', '--metric', 'precision_at_k')
    doc = json.loads(out)
    assert code == 0 and doc['better'] is True and doc['candidate']['version'] == 1 and doc['baseline']['version'] == 2
    assert doc['candidate']['precision_at_k'] == pytest.approx(1.0) and doc['improvement'] > 0.3
    # per-alias queries, plain evaluation of the default aliases
    code, out, _ = run(capsys, dsn, 'evaluate', 'cli_emb', '--judgments', judgments,
                       '--queries-for', 'champion', 'SELECT id, e FROM cli_qemb WHERE version = 2',
                       '--queries-for', 'challenger', 'SELECT id, e FROM cli_qemb WHERE version = 1')
    assert code == 0 and 'champion' in out and 'challenger' in out
    # promote only if the champion is still the version evaluated against
    code, out, _ = run(capsys, dsn, 'promote', 'cli-model', '1', '--if-current', '2')
    assert code == 0 and 'champion -> version 1' in out
    code, out, err = run(capsys, dsn, 'promote', 'cli-model', '1', '--if-current', '2')
    assert code == cli.CONCURRENT == 4 and 'serves version 1, not 2' in err and 'HINT:' in err
    code, out, _ = run(capsys, dsn, '--json', 'rollback', 'cli-model')
    assert code == 0 and json.loads(out) == {'model': 'cli-model', 'alias': 'champion', 'version': 2}
    code, out, _ = run(capsys, dsn, 'promote', 'cli-model', '1', '--if-current', '2')
    assert code == 0


def test_exit_codes(capsys, dsn, pipeline, conn, dbname):
    code, _, err = run(capsys, dsn, 'promote', 'cli-model', '3')   # v3: no index (no partition if run alone)
    assert code == cli.GATE_REFUSED == 3 and 'cannot promote version 3' in err and '\nHINT: Call vectorext.' in err
    code, out, _ = run(capsys, dsn, '--json', 'promote', 'cli-model', '3')
    err_doc = json.loads(out)['error']
    assert code == 3 and err_doc['type'] == 'GateRefused' and err_doc['sqlstate'] == '55000' and err_doc['hint']
    code, _, err = run(capsys, dsn, 'rollback', 'cli-model', '--alias', 'challenger')
    assert code == 3 and 'no earlier version' in err
    code, _, err = run(capsys, dsn, 'history', 'cli-model', '--alias', 'x')
    assert code == 0
    code, _, err = run(capsys, dsn, 'promote', 'no-such-model', '1')
    assert code == cli.NOT_FOUND == 6 and 'NotFound (SQLSTATE 42704)' in err
    code, _, err = run(capsys, 'host=127.0.0.1 port=1 connect_timeout=5', 'status')
    assert code == cli.CONNECTION == 5 and 'ConnectionFailed' in err
    conn.execute('DROP ROLE IF EXISTS py_cli_reader')
    conn.execute('CREATE ROLE py_cli_reader LOGIN')
    try:
        code, _, err = run(capsys, conninfo(dbname=dbname, user='py_cli_reader'), 'rollback', 'cli-model')
        assert code == cli.PERMISSION == 7
    finally:
        conn.execute('DROP OWNED BY py_cli_reader')
        conn.execute('DROP ROLE py_cli_reader')
    with pytest.raises(SystemExit) as e:
        cli.main(['promote'])
    assert e.value.code == cli.USAGE == 2


def test_force_warning_is_shown(capsys, dsn, pipeline):
    code, out, err = run(capsys, dsn, 'promote', 'cli-model', '3', '--alias', 'canary', '--force')
    assert code == 0 and 'WARNING: promoting version 3' in err


def _installed_entry_point():
    exe = Path(sys.executable).with_name('vectorext')
    if not exe.exists():
        if os.environ.get('VX_REQUIRE_INSTALLED'):
            pytest.fail(f'the vectorext entry point is not installed next to {sys.executable}')
        pytest.skip('the vectorext entry point is not installed (run through test/python/run.sh)')
    return str(exe)


def test_installed_package_is_tested():
    if os.environ.get('VX_REQUIRE_INSTALLED'):
        repo = os.environ.get('VX_REPO', '/nonexistent')
        assert not os.path.realpath(vx.__file__).startswith(os.path.realpath(repo)), vx.__file__


def test_entry_point_and_module(dsn, pipeline, tmp_path):
    env = dict(os.environ, VECTOREXT_DSN=dsn)
    for argv in ([_installed_entry_point()], [sys.executable, '-m', 'vectorext']):
        p = subprocess.run(argv + ['--json', 'models', 'cli-model'], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        assert [m['version'] for m in json.loads(p.stdout)] == [1, 2, 3]
        p = subprocess.run(argv + ['promote', 'cli-model', '3'], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
        assert p.returncode == 3 and 'HINT:' in p.stderr
        p = subprocess.run(argv + ['bogus'], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert p.returncode == 2
