"""Tests of keraton.optimizers.schedule_free_adamw against real Keras 3.15's ``ScheduleFreeAdamW``."""

import numpy as np
import pytest
import torch

import keraton
from keraton.optimizers.schedule_free_adamw import ScheduleFreeAdamW

SHAPES = ((3, 4), (5,), (2, 3, 2))


def _to_numpy(x):
    value = getattr(x, "value", x)
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(x)


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.05, "warmup_steps": 3, "weight_decay": 0.01},
    {"beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-6, "gradient_accumulation_steps": 2},
    {"learning_rate": 0.02, "clipnorm": 0.5, "use_ema": True},
])
def test_steps_match_keras(keras, kwargs):
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(s).astype("float32") for s in SHAPES]
    params = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
    variables = [keras.Variable(w) for w in weights]
    ours, theirs = ScheduleFreeAdamW(**kwargs), keras.optimizers.ScheduleFreeAdamW(**kwargs)
    ours.build(params)
    for _ in range(6):
        grads = [rng.standard_normal(s).astype("float32") for s in SHAPES]
        for p, g in zip(params, grads, strict=True):
            p.grad = torch.tensor(g)
        ours.step()
        theirs.apply_gradients(zip([torch.tensor(g) for g in grads], variables, strict=True))
    for p, v in zip(params, variables, strict=True):
        np.testing.assert_allclose(_to_numpy(p), _to_numpy(v), rtol=1e-5, atol=1e-6)
    assert len(ours.variables) == len(theirs.variables)
    for a, b in zip(ours.variables, theirs.variables, strict=True):
        np.testing.assert_allclose(_to_numpy(a), _to_numpy(b), rtol=1e-5, atol=1e-6)
    assert int(ours.iterations) == int(_to_numpy(theirs.iterations))


def test_momentum_starts_as_the_weights_and_first_step_moves_to_it():
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    opt = ScheduleFreeAdamW(learning_rate=0.5)
    opt.build([w])
    momentum, velocity = opt.variables[2:]
    assert momentum.path.endswith("_momentum") and velocity.path.endswith("_velocity")
    np.testing.assert_array_equal(momentum.detach().numpy(), [1.0, -2.0])
    w.grad = torch.tensor([2.0, -4.0])
    opt.step()
    # t=1: v = 0.001 g^2, denom = |g| + eps, so z = w - 0.5 * sign(g); y = z.
    np.testing.assert_allclose(w.detach().numpy(), [0.5, -1.5], rtol=1e-5)
    np.testing.assert_allclose(momentum.detach().numpy(), [0.5, -1.5], rtol=1e-5)


def _model(lib):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(5, activation="tanh", name="hidden"),
                           lib.layers.Dense(2, name="head")])


def test_fit_and_evaluate_match_keras(keras):
    """Weights and losses through fit (with validation each epoch) and evaluate in between."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 4)).astype("float32")
    y = rng.standard_normal((32, 2)).astype("float32")
    ours, theirs = _model(keraton), _model(keras)
    initial = [rng.standard_normal(w.shape).astype("float32") for w in theirs.get_weights()]
    ours.set_weights(initial)
    theirs.set_weights(initial)
    kwargs = {"learning_rate": 0.05, "warmup_steps": 3, "weight_decay": 0.01}
    ours.compile(optimizer=ScheduleFreeAdamW(**kwargs), loss="mse")
    theirs.compile(optimizer=keras.optimizers.ScheduleFreeAdamW(**kwargs), loss="mse")
    for model in (ours, theirs):
        model._hist = [model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                                 validation_data=(x[:8], y[:8])).history]
        model._eval = [model.evaluate(x, y, verbose=0)]
        model._hist.append(model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history)
        model._eval.append(model.evaluate(x, y, verbose=0))
    for a, b in zip(ours._hist, theirs._hist, strict=True):
        assert sorted(a) == sorted(b)
        for key in a:
            np.testing.assert_allclose(a[key], b[key], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours._eval, theirs._eval, rtol=1e-5, atol=1e-6)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # No weight swapping around evaluate/predict: they use the weights the steps left.
    before = [w.copy() for w in ours.get_weights()]
    ours.predict(x, verbose=0)
    for a, b in zip(before, ours.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert int(ours.optimizer.iterations) == 2 * 4 + 2 * 2


@pytest.mark.parametrize("kwargs", [
    {"name": "sf_a"},
    {"name": "sf_b", "learning_rate": 0.005, "beta_1": 0.95, "beta_2": 0.99, "epsilon": 1e-6,
     "warmup_steps": 100, "weight_decay": 0.01, "clipvalue": 1.0},
])
def test_config_round_trip_with_keras(keras, kwargs):
    def same(a, b):
        # Keras reads its learning rate back from a float32 variable; keraton keeps the float.
        assert list(a) == list(b)
        assert a["learning_rate"] == pytest.approx(b["learning_rate"], rel=1e-7)
        assert {**a, "learning_rate": None} == {**b, "learning_rate": None}

    ours, theirs = ScheduleFreeAdamW(**kwargs), keras.optimizers.ScheduleFreeAdamW(**kwargs)
    same(ours.get_config(), theirs.get_config())
    same(ScheduleFreeAdamW.from_config(theirs.get_config()).get_config(), theirs.get_config())
    same(keras.optimizers.ScheduleFreeAdamW.from_config(ours.get_config()).get_config(),
         ours.get_config())
    assert ScheduleFreeAdamW.from_config(ours.get_config()).get_config() == ours.get_config()


def test_defaults_match_keras(keras):
    config = {k: v for k, v in ScheduleFreeAdamW().get_config().items() if k != "name"}
    expected = {k: v for k, v in keras.optimizers.ScheduleFreeAdamW().get_config().items()
                if k != "name"}
    assert config.pop("learning_rate") == pytest.approx(expected.pop("learning_rate"))
    assert config == expected


def test_bad_arguments():
    with pytest.raises(ValueError, match="warmup_steps"):
        ScheduleFreeAdamW(warmup_steps=-1)
    with pytest.raises(ValueError, match="warmup_steps"):
        ScheduleFreeAdamW(warmup_steps=2.5)
    with pytest.raises(ValueError, match="beta_2"):
        ScheduleFreeAdamW(beta_2=1.5)
    with pytest.raises(ValueError, match="not recognized"):
        ScheduleFreeAdamW(amsgrad=True)
