"""A ReLU convolution followed by max pooling runs ReLU after the pool: identical numbers, less work."""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

CASES = [  # (conv, pool, input shape without batch)
    (layers.Conv1D, layers.MaxPooling1D, (12, 2)),
    (layers.Conv2D, layers.MaxPooling2D, (9, 10, 2)),
    (layers.Conv3D, layers.MaxPooling3D, (6, 6, 5, 2)),
]


def _build(kind, conv_cls, pool_cls, shape, padding):
    keraton.utils.set_random_seed(3)
    conv = conv_cls(4, 3, activation="relu", padding=padding, name="conv")
    pool = pool_cls(2, padding=padding, name="pool")
    head = [layers.Flatten(), layers.Dense(3)]
    if kind == "sequential":
        model = keraton.Sequential([keraton.Input(shape), conv, pool, *head])
    else:
        inputs = keraton.Input(shape)
        x = pool(conv(inputs))
        for layer in head:
            x = layer(x)
        model = keraton.Model(inputs, x)
    return model, conv


def _spy_skipped(conv):
    seen = []
    original = conv.call

    def call(inputs, _skip_activation=False):
        seen.append(_skip_activation)
        return original(inputs, _skip_activation=_skip_activation)

    conv.call = call
    return seen


def _output_and_grads(model, x):
    model.zero_grad(set_to_none=True)
    out = model(x, training=True)
    out.square().sum().backward()
    return out.detach(), [p.grad.clone() for p in model.parameters()]


@pytest.mark.parametrize("kind", ["sequential", "functional"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("conv_cls,pool_cls,shape", CASES)
def test_reordered_equals_keras_order_bit_for_bit(kind, conv_cls, pool_cls, shape, padding):
    model, conv = _build(kind, conv_cls, pool_cls, shape, padding)
    x = torch.randn(3, *shape)
    seen = _spy_skipped(conv)
    fast_out, fast_grads = _output_and_grads(model, x)
    captured = []
    handle = conv.register_forward_hook(lambda m, i, o: captured.append(o))
    ref_out, ref_grads = _output_and_grads(model, x)  # a hook observes the conv: Keras's order
    handle.remove()
    assert seen == [True, False]
    assert captured[0].min() >= 0  # the hook saw the ReLU'd convolution output
    assert torch.equal(fast_out, ref_out)
    for fast, ref in zip(fast_grads, ref_grads):
        assert torch.equal(fast, ref)
    assert any(g.abs().sum() > 0 for g in fast_grads)


def test_functional_conv_output_used_twice_is_not_reordered():
    inputs = keraton.Input((8, 8, 1))
    conv = layers.Conv2D(2, 3, activation="relu")
    c = conv(inputs)
    pooled = layers.Flatten()(layers.MaxPooling2D()(c))
    model = keraton.Model(inputs, [pooled, c])
    seen = _spy_skipped(conv)
    _, conv_out = model(torch.randn(2, 8, 8, 1))
    assert seen == [False] and conv_out.min() >= 0


@pytest.mark.parametrize("activation,pool", [("tanh", "max"), ("relu", "average")])
def test_other_activations_and_average_pooling_keep_keras_order(activation, pool):
    pool_layer = layers.MaxPooling2D() if pool == "max" else layers.AveragePooling2D()
    conv = layers.Conv2D(2, 3, activation=activation)
    model = keraton.Sequential([keraton.Input((8, 8, 1)), conv, pool_layer])
    seen = _spy_skipped(conv)
    model(torch.randn(2, 8, 8, 1))
    assert seen == [False]


def test_plan_follows_add_and_pop():
    conv = layers.Conv2D(2, 3, activation="relu")
    model = keraton.Sequential([keraton.Input((8, 8, 1)), conv])
    seen = _spy_skipped(conv)
    model(torch.randn(1, 8, 8, 1))
    model.add(layers.MaxPooling2D())
    model(torch.randn(1, 8, 8, 1))
    model.pop()
    out = model(torch.randn(1, 8, 8, 1))
    assert seen == [False, True, False] and out.min() >= 0


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_cnn_fit_matches_keras3(kind):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 10, 10, 2)).astype("float32")
    y = rng.integers(0, 3, size=48)

    def build(lib):
        stack = [lib.layers.Conv2D(4, 3, activation="relu"), lib.layers.MaxPooling2D(2),
                 lib.layers.Conv2D(6, 2, activation="relu", padding="same"),
                 lib.layers.MaxPooling2D(2, padding="same"), lib.layers.Flatten(),
                 lib.layers.Dense(3)]
        if kind == "sequential":
            return lib.Sequential([lib.Input((10, 10, 2)), *stack])
        inputs = lib.Input((10, 10, 2))
        out = inputs
        for layer in stack:
            out = layer(out)
        return lib.Model(inputs, out)

    ours, theirs = build(keraton), build(keras)
    theirs.set_weights(ours.get_weights())
    for model, lib in ((ours, keraton), (theirs, keras)):
        model.compile(optimizer=lib.optimizers.Adam(0.01),
                      loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True))
    h = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history["loss"]
    kh = theirs.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(h, kh, rtol=1e-4)
    for mine, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, want, rtol=1e-3, atol=1e-5)
