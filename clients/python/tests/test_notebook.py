"""examples/model_lifecycle.ipynb executed headless (nbclient) against a fresh database, so it never rots: every
cell must run without an error on the Fashion-MNIST sample (demo/fashion-mnist-sample.tsv.gz)."""
import os
from pathlib import Path

import pytest

REPO = Path(os.environ.get('VX_REPO', Path(__file__).resolve().parents[3]))
NOTEBOOK = REPO / 'examples' / 'model_lifecycle.ipynb'


def test_model_lifecycle_notebook(dsn, monkeypatch, tmp_path):
    nbformat = pytest.importorskip('nbformat')
    nbclient = pytest.importorskip('nbclient')
    monkeypatch.setenv('VECTOREXT_DSN', dsn)
    monkeypatch.setenv('VECTOREXT_SAMPLE', str(REPO / 'demo' / 'fashion-mnist-sample.tsv.gz'))
    monkeypatch.setenv('PYDEVD_DISABLE_FILE_VALIDATION', '1')
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=900, kernel_name='python3',
                            resources={'metadata': {'path': str(NOTEBOOK.parent)}}).execute()
    nbformat.write(nb, tmp_path / NOTEBOOK.name)
    outputs = [o for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', [])]
    assert not [o for o in outputs if o.output_type == 'error']
    assert sum('image/png' in o.get('data', {}) for o in outputs) >= 2   # the recall/QPS curve and per-arm plots
    text = ''.join(o.get('text', '') for o in outputs)
    assert 'interrupted: Coverage(' in text and 'refused as expected' in text and '(exit code 4)' in text
