"""LossScaleOptimizer: dynamic scaling numbers and variables against Keras 3; fit with mixed_float16."""

import numpy as np
import pytest
import torch

import keraton
from keraton import mixed_precision


def test_dynamic_scale_and_skips_match_keras():
    keras = pytest.importorskip("keras")
    ours = mixed_precision.LossScaleOptimizer(keraton.optimizers.SGD(0.1), initial_scale=4.0,
                                              dynamic_growth_steps=2)
    theirs = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=4.0,
                                                 dynamic_growth_steps=2)
    w = torch.nn.Parameter(torch.ones(2))
    kw = keras.Variable(np.ones(2, "float32"))
    ours.build([w])
    theirs.build([kw])
    for g in [4.0, 8.0, np.inf, 2.0, 3.0, np.nan, 1.0]:
        grad = np.full(2, g, "float32")
        ours.apply([torch.as_tensor(grad)], [w])
        theirs.apply([keras.ops.convert_to_tensor(grad)], [kw])
        np.testing.assert_allclose(w.detach().numpy(), kw.numpy(), rtol=1e-6)
        got = [np.asarray(v) for v in ours.get_weights()]
        want = [np.asarray(v.numpy()) for v in theirs.variables]
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    assert int(ours.iterations) == int(theirs.iterations.numpy()) == 5
    assert float(ours.scale_loss(torch.tensor(1.0))) == float(theirs.dynamic_scale.numpy())


def test_config_matches_keras_and_round_trips():
    keras = pytest.importorskip("keras")
    ours = mixed_precision.LossScaleOptimizer(keraton.optimizers.Adam(0.01, name="adam"),
                                              initial_scale=128.0, dynamic_growth_steps=10,
                                              name="lso")
    theirs = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.01, name="adam"),
                                                 initial_scale=128.0, dynamic_growth_steps=10,
                                                 name="lso")
    got, want = ours.get_config(), theirs.get_config()
    inner, inner_want = dict(got["inner_optimizer"]["config"]), dict(want["inner_optimizer"]["config"])
    assert inner.pop("learning_rate") == pytest.approx(inner_want.pop("learning_rate"))
    assert inner == inner_want
    assert {k: v for k, v in got.items() if k != "inner_optimizer"} == \
        {k: v for k, v in want.items() if k != "inner_optimizer"}
    again = mixed_precision.LossScaleOptimizer.from_config(got)
    assert again.get_config() == got


def test_bad_arguments():
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        mixed_precision.LossScaleOptimizer(keraton.optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="dynamic=False"):
        mixed_precision.LossScaleOptimizer(keraton.optimizers.SGD(), dynamic=False)
    with pytest.raises(TypeError, match="keraton optimizer"):
        mixed_precision.LossScaleOptimizer(torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], 0.1))


def test_fit_under_mixed_float16_wraps_and_scales():
    mixed_precision.set_global_policy("mixed_float16")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype("float32")
    y = x @ np.array([[1.0], [-1.0], [0.5], [2.0]], "float32")
    keraton.utils.set_random_seed(0)
    model = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(1)])
    model.compile(keraton.optimizers.SGD(0.05), "mse")
    assert isinstance(model.optimizer, mixed_precision.LossScaleOptimizer)
    history = model.fit(x, y, batch_size=16, epochs=10, verbose=0).history
    assert history["loss"][-1] < 0.1 * history["loss"][0]
    # float16 gradients of a 2**15-scaled loss overflow at first: each overflow skips the
    # update and halves the scale (no growth within 2000 steps), as Keras.
    skipped = 40 - int(model.optimizer.iterations)
    assert skipped >= 1
    assert float(model.optimizer.dynamic_scale) == 2.0 ** (15 - skipped)
    assert model.layers[0].kernel.dtype == torch.float32
