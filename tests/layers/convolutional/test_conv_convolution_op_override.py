"""A ``Conv*`` subclass overriding ``convolution_op`` is run through it, as in Keras 3.

keras.io's "Customizing the convolution operation" recipe standardizes the
kernel there; keraton ignored the override. The kernel arrives in Keras's
layout, the bias and activation are added after it, gradients reach the weight.
"""

import numpy as np
import pytest

import keraton


def _standardized(lib, base):
    ops = lib.ops

    class Standardized(base):
        def convolution_op(self, inputs, kernel):
            mean, var = ops.moments(kernel, axes=list(range(kernel.ndim - 1)), keepdims=True)
            return ops.conv(inputs, (kernel - mean) / ops.sqrt(var + 1e-10),
                            strides=list(self.strides), padding=self.padding.upper(),
                            dilation_rate=list(self.dilation_rate), data_format=self.data_format)

    return Standardized


def _run(lib, base_name, data_format, x):
    layer = _standardized(lib, getattr(lib.layers, base_name))(
        3, 2, activation="relu", data_format=data_format, padding="same")
    layer.build(x.shape)
    rs = np.random.RandomState(0)
    layer.set_weights([rs.normal(0, 0.5, w.shape).astype("float32") for w in layer.get_weights()])
    return lib.ops.convert_to_numpy(layer(x)), layer


@pytest.mark.parametrize("base_name,shape,data_format", [
    ("Conv2D", (2, 5, 6, 4), "channels_last"),
    ("Conv2D", (2, 4, 5, 6), "channels_first"),
    ("Conv3D", (1, 4, 5, 3, 2), "channels_last"),
])
def test_override_used_and_matches_hand_computation(base_name, shape, data_format):
    x = np.random.RandomState(1).normal(size=shape).astype("float32")
    out, layer = _run(keraton, base_name, data_format, x)
    kernel, bias = layer.get_weights()
    axes = tuple(range(kernel.ndim - 1))
    std = (kernel - kernel.mean(axis=axes, keepdims=True)) / np.sqrt(
        kernel.var(axis=axes, keepdims=True) + 1e-10)
    conv = keraton.ops.conv(x, std, padding="same", data_format=data_format)
    bias_shape = (-1,) + (1,) * (kernel.ndim - 2) if data_format == "channels_first" else (-1,)
    expected = np.maximum(keraton.ops.convert_to_numpy(conv) + bias.reshape(bias_shape), 0)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    keras = pytest.importorskip("keras")
    ref, _ = _run(keras, base_name, data_format, x)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_conv1d_ignores_the_override_as_keras():
    # Keras's Conv1D.call convolves directly (its causal padding path), not via convolution_op.
    x = np.random.RandomState(3).normal(size=(2, 7, 3)).astype("float32")
    out, layer = _run(keraton, "Conv1D", "channels_last", x)
    kernel, bias = layer.get_weights()
    plain = keraton.ops.conv(x, kernel, padding="same")
    np.testing.assert_allclose(out, np.maximum(keraton.ops.convert_to_numpy(plain) + bias, 0),
                               rtol=1e-5, atol=1e-5)
    keras = pytest.importorskip("keras")
    ref, _ = _run(keras, "Conv1D", "channels_last", x)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_gradient_reaches_kernel_and_default_convolution_op_matches_call():
    layer = _standardized(keraton, keraton.layers.Conv2D)(2, 3)
    x = np.random.RandomState(2).normal(size=(1, 5, 5, 2)).astype("float32")
    out = layer(x)
    out.sum().backward()
    assert layer.kernel.grad is not None and float(layer.kernel.grad.abs().sum()) > 0
    plain = keraton.layers.Conv2D(2, 3, use_bias=False)
    plain.build(x.shape)
    kernel_keras = plain.get_weights()[0]
    np.testing.assert_allclose(keraton.ops.convert_to_numpy(plain.convolution_op(x, kernel_keras)),
                               keraton.ops.convert_to_numpy(plain(x)), rtol=1e-5, atol=1e-6)
