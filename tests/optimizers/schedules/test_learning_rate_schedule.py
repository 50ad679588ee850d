"""Learning-rate schedules: values against Keras 3 at many steps, configs, serialization, use in fit."""

import numpy as np
import pytest
import torch

import keraton
from keraton.optimizers import schedules

STEPS = [0, 1, 2, 5, 9, 10, 11, 17, 25, 50, 99, 100, 101, 250, 1000]

CASES = [
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.9)),
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.5, staircase=True)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.2, decay_steps=10, decay_rate=0.5)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.2, decay_steps=3, decay_rate=2.0, staircase=True)),
    ("PiecewiseConstantDecay", dict(boundaries=[10, 100], values=[1.0, 0.5, 0.1])),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=100)),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=30, end_learning_rate=0.01,
                             power=2.0, cycle=True)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=100)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=100, alpha=0.2)),
    ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=100, alpha=0.1, warmup_target=0.5,
                         warmup_steps=20)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=10)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=7, t_mul=1.0,
                                 m_mul=0.5, alpha=0.1)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.3, first_decay_steps=5, t_mul=3.0, m_mul=0.8)),
]


@pytest.mark.parametrize("name,kwargs", CASES)
def test_values_and_config_match_keras(name, kwargs):
    keras = pytest.importorskip("keras")
    ours = getattr(schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    got = [float(ours(s)) for s in STEPS]
    want = [float(np.asarray(theirs(s))) for s in STEPS]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert ours.get_config() == theirs.get_config()
    assert schedules.serialize(ours) == keras.optimizers.schedules.serialize(theirs)


@pytest.mark.parametrize("name,kwargs", CASES)
def test_round_trip_and_from_keras(name, kwargs):
    schedule = getattr(schedules, name)(**kwargs)
    again = schedules.deserialize(schedules.serialize(schedule))
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()
    assert float(again(17)) == float(schedule(17))
    assert type(schedule).from_config(schedule.get_config()).get_config() == schedule.get_config()


@pytest.mark.parametrize("name,kwargs", [
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=0, decay_rate=0.9)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=-1)),
    ("PiecewiseConstantDecay", dict(boundaries=[1, 2], values=[1.0])),
])
def test_bad_arguments_name_the_schedule(name, kwargs):
    with pytest.raises(ValueError, match=name if name != "PiecewiseConstantDecay" else "boundaries"):
        getattr(schedules, name)(**kwargs)


def test_hand_values():
    assert float(schedules.ExponentialDecay(0.1, 10, 0.5)(20)) == pytest.approx(0.025)
    assert float(schedules.CosineDecay(0.1, 10)(5)) == pytest.approx(0.05)
    assert float(schedules.CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=4)(2)) == pytest.approx(0.5)
    assert float(schedules.PiecewiseConstantDecay([3], [1.0, 2.0])(3)) == 1.0


def test_schedule_drives_optimizer_steps_like_keras():
    keras = pytest.importorskip("keras")
    kwargs = dict(initial_learning_rate=0.5, decay_steps=2, decay_rate=0.5)
    w = torch.nn.Parameter(torch.ones(3))
    opt = keraton.optimizers.SGD(learning_rate=schedules.ExponentialDecay(**kwargs))
    opt.build([w])
    kw = keras.Variable(np.ones(3, "float32"))
    kopt = keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.ExponentialDecay(**kwargs))
    for _ in range(6):
        w.grad = torch.ones(3)
        opt.step()
        kopt.apply([keras.ops.ones(3)], [kw])
    np.testing.assert_allclose(w.detach().numpy(), np.asarray(kw.numpy()), rtol=1e-6)
    assert float(opt.learning_rate) == pytest.approx(0.5 * 0.5 ** 3)


def test_optimizer_config_round_trip_with_schedule():
    opt = keraton.optimizers.Adam(learning_rate=schedules.CosineDecay(0.01, 100, alpha=0.1))
    config = keraton.optimizers.serialize(opt)
    assert config["config"]["learning_rate"]["class_name"] == "CosineDecay"
    again = keraton.optimizers.deserialize(config)
    assert isinstance(again._learning_rate, schedules.CosineDecay)
    assert again._learning_rate.alpha == 0.1
