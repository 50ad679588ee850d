"""RandomFourierFeatures (tf.keras 2's ``layers.experimental``) against tf.keras 2.15's numbers.

``tests/fixtures/tf2_experimental_layers.npz`` holds tf.keras 2's outputs with
its weights (``tests/fixtures/make_tf2_experimental_layers_fixtures.py``).
"""

import json
import math
import os

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.kernelized import RandomFourierFeatures

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                       "tf2_experimental_layers.npz")


@pytest.fixture(scope="module")
def tf2():
    data = np.load(FIXTURE)
    return data, json.loads(str(data["configs"]))


def _plain(config):
    return {k: v for k, v in config.items() if k != "dtype"}


@pytest.mark.parametrize("kind,scale", [("gaussian", None), ("laplacian", 2.5)])
def test_outputs_weights_and_config_match_tf_keras_2(tf2, kind, scale):
    data, configs = tf2
    layer = RandomFourierFeatures(7, kernel_initializer=kind, scale=scale, name=f"rff_{kind}")
    assert _plain(layer.get_config()) == _plain(configs[f"rff_{kind}_unbuilt"])
    layer.build((None, 5))
    assert [[w.name, bool(w.trainable), list(w.shape)] for w in layer.weights] == [
        [name.split(":")[0], trainable, shape] for name, trainable, shape in configs[f"rff_{kind}_weights"]]
    assert len(layer.trainable_weights) == configs[f"rff_{kind}_trainable_count"] == 0
    np.testing.assert_allclose(layer.get_weights()[0], data[f"rff_{kind}_scale"], rtol=1e-6)
    layer.set_weights([data[f"rff_{kind}_scale"], data[f"rff_{kind}_kernel"], data[f"rff_{kind}_bias"]])
    y = layer(torch.from_numpy(data["rff_x"]))
    np.testing.assert_allclose(y.detach().numpy(), data[f"rff_{kind}_y"], atol=2e-6)
    assert _plain(layer.get_config()) == _plain(configs[f"rff_{kind}"])
    assert layer.compute_output_shape((None, 5)) == (None, 7)


def test_trainable_scale_learns_and_kernel_does_not(tf2):
    _, configs = tf2
    layer = RandomFourierFeatures(3, trainable=True)
    layer.build((None, 4))
    assert len(layer.trainable_weights) == configs["rff_trainable_count"] == 1
    assert layer.trainable_weights[0] is layer.kernel_scale
    assert layer.get_config()["scale"] == pytest.approx(configs["rff_trainable_config"]["scale"])
    x = torch.randn(6, 4)
    layer(x).sum().backward()
    # d/ds cos(x K / s + b) = sin(x K / s + b) * x K / s^2, summed.
    s = layer.kernel_scale.detach()
    z = x @ layer.unscaled_kernel.detach()
    expected = (torch.sin(z / s + layer.bias.detach()) * z / s ** 2).sum()
    torch.testing.assert_close(layer.kernel_scale.grad, expected.reshape(1), rtol=1e-4, atol=1e-5)


def test_initializers_draw_the_documented_distributions():
    torch.manual_seed(0)
    gaussian = RandomFourierFeatures(4000)
    gaussian.build((None, 20))
    kernel = gaussian.unscaled_kernel.detach()
    assert abs(kernel.mean().item()) < 0.02 and abs(kernel.std().item() - 1.0) < 0.02
    bias = gaussian.bias.detach()
    assert bias.min() >= 0 and bias.max() < 2 * math.pi
    assert gaussian.scale == pytest.approx(math.sqrt(10.0))
    laplacian = RandomFourierFeatures(4000, kernel_initializer="Laplacian")
    laplacian.build((None, 20))
    # Standard Cauchy: median |k| is 1, the mean does not exist (heavy tails).
    assert laplacian.unscaled_kernel.detach().abs().median().item() == pytest.approx(1.0, abs=0.05)
    assert laplacian.scale == 1.0
    custom = RandomFourierFeatures(3, kernel_initializer=keraton.initializers.Constant(0.5))
    custom.build((None, 2))
    assert torch.all(custom.unscaled_kernel == 0.5)
    assert custom.get_config()["kernel_initializer"]["class_name"] == "Constant"


def test_model_round_trips_through_json_and_keras_file(tmp_path):
    model = keraton.Sequential([keraton.Input((5,)), RandomFourierFeatures(6, scale=3.0),
                                keraton.layers.Dense(2)])
    x = np.random.default_rng(0).standard_normal((3, 5)).astype("float32")
    expected = model.predict(x, verbose=0)
    assert json.loads(model.to_json())["config"]["layers"][1]["class_name"] == "RandomFourierFeatures"
    rebuilt = keraton.models.model_from_json(model.to_json())
    assert isinstance(rebuilt.layers[0], RandomFourierFeatures)
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), expected, rtol=1e-6)
    model.save(tmp_path / "rff.keras")
    loaded = keraton.models.load_model(tmp_path / "rff.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)


@pytest.mark.parametrize("kwargs,shape,match", [
    ({"output_dim": 0}, None, "output_dim"),
    ({"output_dim": 3, "kernel_initializer": "uniform"}, None, "kernel_initializer"),
    ({"output_dim": 3, "scale": -1.0}, None, "scale"),
    ({"output_dim": 3}, (None, 2, 3), "rank 2"),
    ({"output_dim": 3}, (None, None), "last dimension"),
])
def test_bad_arguments_say_what_is_expected(kwargs, shape, match):
    with pytest.raises(ValueError, match=match):
        RandomFourierFeatures(**kwargs).build(shape)
