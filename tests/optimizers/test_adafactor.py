"""Tests of keraton.optimizers.adafactor against hand-computed steps and real Keras 3."""

import numpy as np
import pytest
import torch

from keraton.optimizers import Adafactor


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.1},
    {"learning_rate": 0.1, "relative_step": False},
    {"learning_rate": 0.5, "beta_2_decay": -0.5, "epsilon_1": 1e-6, "epsilon_2": 2.0,
     "clip_threshold": 0.3},
    {"learning_rate": 0.1, "weight_decay": 0.1, "global_clipnorm": 1.0},
    {"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 2},
    {"learning_rate": 0.1, "gradient_accumulation_steps": 2, "clipvalue": 0.5},
])
@pytest.mark.parametrize("via", ["step", "apply_gradients"])
def test_matches_keras(compare_with_keras, kwargs, via):
    compare_with_keras("Adafactor", kwargs, via=via, steps=6)


def test_state_layout_matches_keras(keras):
    """r, c, velocity per variable; 0-d int32 placeholders for r and c of rank < 2 variables."""
    shapes = [(3, 4), (5,), (2, 3, 2), ()]
    ours = Adafactor()
    ours.build([torch.nn.Parameter(torch.ones(s)) for s in shapes])
    theirs = keras.optimizers.Adafactor()
    theirs.build([keras.Variable(np.ones(s, "float32")) for s in shapes])
    assert [tuple(v.shape) for v in ours.variables] == [tuple(v.shape) for v in theirs.variables]
    assert [str(a.dtype) for a in ours.get_weights()[2:]] == \
        [str(np.asarray(v.numpy()).dtype) for v in theirs.variables[2:]]
    theirs.apply_gradients([(torch.full(s, 0.5), v) for s, v in
                            zip(shapes, theirs._trainable_variables, strict=True)])
    store = {}
    theirs.save_own_variables(store)
    ours.load_own_variables(store)
    assert int(ours.iterations) == 1
    for a, b in zip(ours.get_weights()[2:], theirs.variables[2:], strict=True):
        np.testing.assert_allclose(a, b.numpy())


def test_first_step_by_hand():
    """Step 1: beta = 0, so v = g**2 + epsilon_1 and w -= lr * max(epsilon_2, rms(w)) * sign(g)."""
    w = torch.nn.Parameter(torch.tensor([0.0, 0.5]))
    opt = Adafactor(learning_rate=0.1, clip_threshold=10.0)
    opt.build([w])
    w.grad = torch.tensor([2.0, -0.5])
    opt.step()
    rms_w = np.sqrt(np.mean(np.square([0.0, 0.5])))
    expected = np.array([0.0, 0.5]) - 0.1 * rms_w * np.array([1.0, -1.0])
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(opt.variables[-1].numpy(), [4.0, 0.25], rtol=1e-6)


def test_factored_second_moment_by_hand():
    """A matrix keeps row and column means of g**2; v is their normalised outer product."""
    w = torch.nn.Parameter(torch.ones(2, 3))
    opt = Adafactor(learning_rate=0.1)
    opt.build([w])
    g = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    w.grad = g
    opt.step()
    r, c, v = (t.numpy() for t in opt.variables[2:])
    sq = g.numpy() ** 2
    np.testing.assert_allclose(r, sq.mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(c, sq.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(v, np.outer(r / r.mean(), c), rtol=1e-6)


def test_defaults_and_bad_arguments():
    opt = Adafactor()
    assert (opt.beta_2_decay, opt.epsilon_1, opt.epsilon_2, opt.clip_threshold, opt.relative_step) \
        == (-0.8, 1e-30, 1e-3, 1.0, True)
    for kwargs in ({"epsilon_1": -1.0}, {"epsilon_2": -1.0}, {"clip_threshold": 0.0}):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            Adafactor(**kwargs)


def test_config_round_trip_with_keras(keras):
    kwargs = {"learning_rate": 0.02, "beta_2_decay": -0.6, "epsilon_1": 1e-20, "epsilon_2": 1e-2,
              "clip_threshold": 2.0, "relative_step": False}
    ours, theirs = Adafactor(**kwargs), keras.optimizers.Adafactor(**kwargs)
    assert list(ours.get_config()) == list(theirs.get_config())
    clone = Adafactor.from_config(theirs.get_config())
    for key, value in kwargs.items():
        if key != "learning_rate":
            assert getattr(clone, key) == value, key
    assert Adafactor.from_config(ours.get_config()).get_config() == ours.get_config()
    back = keras.optimizers.Adafactor.from_config(ours.get_config())
    assert (back.beta_2_decay, back.clip_threshold, back.relative_step) == (-0.6, 2.0, False)
