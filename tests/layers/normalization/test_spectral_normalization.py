"""SpectralNormalization against real Keras 3: weights, training updates, gradients, files."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")

WRAPPED = {
    "dense": (lambda lib: lib.layers.Dense(3), (2, 4)),
    "dense_3d": (lambda lib: lib.layers.Dense(5, use_bias=False), (2, 3, 4)),
    "conv2d": (lambda lib: lib.layers.Conv2D(4, 2), (2, 5, 5, 3)),
    "conv1d_channels_first": (lambda lib: lib.layers.Conv1D(3, 3, data_format="channels_first"),
                              (2, 2, 6)),
}


def _pair(wrapped, power_iterations, seed=0):
    make, shape = WRAPPED[wrapped]
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape).astype("float32")
    ours = layers.SpectralNormalization(make(keraton), power_iterations=power_iterations)
    theirs = keras.layers.SpectralNormalization(make(keras), power_iterations=power_iterations)
    ours(torch.from_numpy(x))
    theirs(x)
    weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return x, ours, theirs


@pytest.mark.parametrize("wrapped", sorted(WRAPPED))
@pytest.mark.parametrize("power_iterations", [1, 3])
def test_matches_keras_in_inference_and_training(wrapped, power_iterations):
    x, ours, theirs = _pair(wrapped, power_iterations)
    assert [w.path.split("/")[-1] for w in theirs.weights] == [w._keras_name for w in ours.weights]
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)
    for training in (False, True, True, False):
        got = ours(torch.from_numpy(x), training=training).detach().numpy()
        want = keras.ops.convert_to_numpy(theirs(x, training=training))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_training_makes_the_spectral_norm_one():
    layer = layers.SpectralNormalization(layers.Dense(6), power_iterations=1)
    x = torch.randn(4, 5)
    layer(x)
    for _ in range(30):
        layer(x, training=True)
    kernel = layer.get_weights()[0]
    np.testing.assert_allclose(np.linalg.svd(kernel, compute_uv=False)[0], 1.0, rtol=1e-3)


def test_zero_kernel_is_left_alone_and_inference_changes_nothing():
    layer = layers.SpectralNormalization(layers.Dense(3, kernel_initializer="zeros"))
    x = torch.randn(2, 4)
    layer(x)
    before = layer.get_weights()
    layer(x, training=True)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    layer.layer.kernel.data.normal_()
    before = layer.get_weights()
    layer(x)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_gradient_is_the_wrapped_layers_at_the_normalized_kernel():
    torch.manual_seed(0)
    layer = layers.SpectralNormalization(layers.Dense(3, dtype="float64"), dtype="float64")
    x = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    layer(x)
    y = layer(x, training=True)
    y.square().sum().backward()
    plain = layers.Dense(3, dtype="float64")
    plain(x)
    plain.set_weights([layer.get_weights()[0], layer.get_weights()[2]])
    x2 = x.detach().clone().requires_grad_(True)
    plain(x2).square().sum().backward()
    torch.testing.assert_close(layer.layer.kernel.grad, plain.kernel.grad)
    torch.testing.assert_close(layer.layer.bias.grad, plain.bias.grad)
    torch.testing.assert_close(x.grad, x2.grad)
    assert layer.vector_u.grad is None
    # At fixed weights the output is the wrapped layer's: check it by finite differences.
    assert torch.autograd.gradcheck(lambda t: layer(t), (x.detach().clone().requires_grad_(True),))


def test_config_matches_keras_and_round_trips():
    ours = layers.SpectralNormalization(layers.Dense(3), power_iterations=2)
    theirs = keras.layers.SpectralNormalization(keras.layers.Dense(3), power_iterations=2)
    config, their_config = ours.get_config(), theirs.get_config()
    assert set(config) == set(their_config)
    assert config["power_iterations"] == their_config["power_iterations"] == 2
    assert config["layer"]["class_name"] == their_config["layer"]["class_name"] == "Dense"
    clone = layers.deserialize(json.loads(json.dumps(keras.layers.serialize(theirs))))
    assert type(clone) is layers.SpectralNormalization and type(clone.layer) is layers.Dense
    assert clone.power_iterations == 2


def test_refusals():
    with pytest.raises(ValueError, match="power_iterations"):
        layers.SpectralNormalization(layers.Dense(3), power_iterations=0)
    with pytest.raises(ValueError, match="valid Keras layer"):
        layers.SpectralNormalization(torch.nn.Linear(2, 3))
    with pytest.raises(ValueError, match="'sn'.*kernel"):
        layers.SpectralNormalization(layers.Flatten(), name="sn")(torch.zeros(2, 3))


def test_embedding_keeps_float_outputs():
    # Keras casts the output to the input dtype, giving integer "embeddings"; keraton does not.
    layer = layers.SpectralNormalization(layers.Embedding(10, 4))
    y = layer(torch.tensor([[1, 2, 3]]), training=True)
    assert y.dtype == torch.float32 and y.shape == (1, 3, 4)
    assert [w._keras_name for w in layer.weights] == ["embeddings", "vector_u"]


def test_keras_file_both_ways(tmp_path):
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 3)).astype("float32")
    theirs = keras.Sequential([
        keras.Input((5, 5, 3)),
        keras.layers.SpectralNormalization(keras.layers.Conv2D(4, 2), power_iterations=2),
        keras.layers.Flatten(),
        keras.layers.SpectralNormalization(keras.layers.Dense(3)),
    ])
    theirs(x, training=True)  # moves vector_u and the kernels away from their initial values
    want = keras.ops.convert_to_numpy(theirs(x))
    path = str(tmp_path / "sn.keras")
    theirs.save(path)
    ours = keraton.saving.load_model(path)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(ours(torch.from_numpy(x)).detach().numpy(), want, rtol=1e-5,
                               atol=1e-6)
    back = str(tmp_path / "back.keras")
    ours.save(back)
    again = keras.saving.load_model(back)
    for a, b in zip(again.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(again(x)), want, rtol=1e-5, atol=1e-6)
