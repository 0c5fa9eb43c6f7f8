"""Experiment against the server: the traffic split and its documented hash; exposure, outcomes, results and
conclude where the database has them (experiments feature)."""
import hashlib

import pytest

import vectorext as vx
from conftest import make_model, needs


@pytest.fixture(scope='module')
def model(conn):
    make_model(conn, 'exp', rows=30, champion=1, challenger=2)
    reg = vx.Registry(conn)
    return reg


def bucket(experiment, unit):   # docs/mlops.md §5
    return int.from_bytes(hashlib.sha256(f'{experiment}:{unit}'.encode()).digest()[:8], 'big') % 10000


def test_split_follows_the_documented_hash(conn, model):
    x = vx.Experiment.create(conn, 'checkout', 'exp-model', challenger_share=0.25)
    assert repr(x) == "Experiment('checkout')"
    assert x.bucket('user-1') == 2447 == bucket('checkout', 'user-1')
    for u in range(50):
        expected = 'challenger' if bucket('checkout', u) < 2500 else 'champion'
        assert x.route(u) == expected
    vx.Experiment.create(conn, 'checkout', 'exp-model', challenger_share=0.0)
    assert {x.route(u) for u in range(50)} == {'champion'}
    with pytest.raises(vx.InvalidInput):
        vx.Experiment.create(conn, 'bad-share', 'exp-model', challenger_share=1.5)
    with pytest.raises(vx.NotFound):
        vx.Experiment(conn, 'no-such-experiment').route('u')


def test_live_experiment(conn, model):
    needs(conn, 'expose', branch='experiments')
    x = vx.Experiment.create(conn, 'live', 'exp-model', challenger_share=0.5)
    x.define_metric('click', 'rate', min_units=10)
    arms = {u: x.expose(u) for u in range(200)}
    assert set(arms.values()) == {'champion', 'challenger'}
    assert x.expose(0) == arms[0]                                # sticky
    for u, arm in arms.items():                                  # the challenger gets clicked far more (80% vs 20%)
        if (arm == 'challenger') == (u % 5 != 0):
            assert x.log_outcome(u, 'click') is True
    assert x.log_outcome('never-exposed', 'click') is False
    res = x.results()
    assert [(r.metric, r.arm) for r in res] == [('click', 'champion'), ('click', 'challenger')]
    assert res[1].p_value is not None and res[1].p_value < 0.001 and res[1].lift > 0
    assert list(res.to_dataframe()['arm']) == ['champion', 'challenger']
    c = x.conclude('click')
    assert c.promoted and c.version == 2 and model.version_of('exp-model') == 2
    assert model.why_serving('exp-model')[0].experiment == 'live'
