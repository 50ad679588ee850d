"""Convolution and recurrent kernels: Keras's shapes on the layer, torch's memory order underneath.

``layer.kernel`` has the shape real Keras 3 gives it (so ``kernel.shape``,
``ops.shape(kernel)`` and arithmetic on the kernel read as in Keras), while
its strides make the view handed to torch (``(out, in, *k)`` for a
convolution, ``(4*units, n)`` for a fused LSTM) dense in the memory format
torch prefers: no copy per call.  Training, ``set_weights``, loading and
copying keep those strides.
"""

import copy

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.convolutional import conv_utils

keras = pytest.importorskip("keras")

# (class, constructor arguments, one sample's input shape)
CASES = [
    ("Conv1D", dict(filters=4, kernel_size=3), (7, 3)),
    ("Conv2D", dict(filters=4, kernel_size=(2, 3)), (6, 6, 3)),
    ("Conv2D", dict(filters=4, kernel_size=3, data_format="channels_first"), (3, 6, 6)),
    ("Conv2D", dict(filters=6, kernel_size=3, groups=3), (6, 6, 3)),
    ("Conv3D", dict(filters=2, kernel_size=2), (4, 4, 4, 3)),
    ("Conv1DTranspose", dict(filters=4, kernel_size=3), (5, 3)),
    ("Conv2DTranspose", dict(filters=5, kernel_size=(2, 3)), (4, 4, 3)),
    ("Conv3DTranspose", dict(filters=2, kernel_size=2), (3, 3, 3, 3)),
    ("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2), (7, 3)),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2), (6, 6, 3)),
    ("SeparableConv1D", dict(filters=4, kernel_size=3, depth_multiplier=2), (7, 3)),
    ("SeparableConv2D", dict(filters=4, kernel_size=3, depth_multiplier=2), (6, 6, 3)),
    ("ConvLSTM1D", dict(filters=2, kernel_size=2), (3, 5, 3)),
    ("ConvLSTM2D", dict(filters=2, kernel_size=(2, 3)), (3, 5, 5, 3)),
    ("SimpleRNN", dict(units=4), (5, 3)),
    ("LSTM", dict(units=4), (5, 3)),
    ("GRU", dict(units=4), (5, 3)),
    ("GRU", dict(units=4, reset_after=False), (5, 3)),
]


def _variable_attributes(layer):
    """``{attribute: tuple(shape)}`` of the weights a (cell-holding) layer exposes by name."""
    owner = getattr(layer, "cell", layer)
    names = ("kernel", "recurrent_kernel", "depthwise_kernel", "pointwise_kernel", "bias")
    return {name: tuple(getattr(owner, name).shape) for name in names
            if getattr(owner, name, None) is not None}


@pytest.mark.parametrize("cls,kwargs,shape", CASES, ids=lambda c: c if isinstance(c, str) else None)
def test_variable_shapes_are_keras(cls, kwargs, shape):
    ours = getattr(keraton.layers, cls)(**kwargs)
    theirs = getattr(keras.layers, cls)(**kwargs)
    ours.build((2,) + shape)
    theirs.build((2,) + shape)
    assert _variable_attributes(ours) == _variable_attributes(theirs)
    owner = getattr(ours, "cell", ours)
    kernel = getattr(owner, "kernel", None)
    if kernel is None:
        kernel = owner.depthwise_kernel
    assert tuple(keraton.ops.shape(kernel)) == tuple(kernel.shape)
    assert [v.shape for v in ours.get_weights()] == [tuple(v.shape) for v in theirs.weights]


def _torch_views(layer):
    """``[(torch view of a kernel, memory format it must be dense in)]`` for ``layer``."""
    owner = getattr(layer, "cell", layer)
    data_format = getattr(owner, "data_format", None)
    if data_format is None:  # recurrent: torch's (gates * units, n) weights, row-major
        if not hasattr(owner, "fused_params"):
            return []
        return [(w, torch.contiguous_format) for w in (owner.kernel.t(), owner.recurrent_kernel.t())]
    rank = owner.rank
    fmt = {1: torch.contiguous_format, 2: torch.channels_last, 3: torch.channels_last_3d}[rank]
    if data_format == "channels_first":
        fmt = torch.contiguous_format
    views = []
    for name in ("kernel", "recurrent_kernel", "pointwise_kernel"):
        if getattr(owner, name, None) is not None:
            views.append(conv_utils.torch_kernel(getattr(owner, name)))
    if getattr(owner, "depthwise_kernel", None) is not None:
        views.append(conv_utils.torch_depthwise_kernel(owner.depthwise_kernel))
    if "Depthwise" in type(layer).__name__:
        views = [conv_utils.torch_depthwise_kernel(owner.kernel)]
    if rank == 1 and data_format == "channels_last":
        # 1-D convolutions run as 2-D ones on (out, in, 1, k): that view is channels_last.
        return [(v.unsqueeze(2), torch.channels_last) for v in views]
    return [(v, fmt) for v in views]


def _assert_torch_order(layer):
    for view, fmt in _torch_views(layer):
        assert view.is_contiguous(memory_format=fmt), (type(layer).__name__, view.shape, view.stride())


@pytest.mark.parametrize("cls,kwargs,shape", CASES, ids=lambda c: c if isinstance(c, str) else None)
def test_torch_views_need_no_copy_after_training_and_assignment(cls, kwargs, shape):
    layer = getattr(keraton.layers, cls)(**kwargs)
    inputs = keraton.Input(shape)
    outputs = keraton.layers.Flatten()(layer(inputs))
    model = keraton.Model(inputs, keraton.layers.Dense(1)(outputs))
    _assert_torch_order(layer)
    strides = [w.stride() for w in layer.weights]
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(8,) + shape).astype("float32")
    model.fit(x, np.ones((8, 1), "float32"), epochs=2, batch_size=4, verbose=0)
    assert [w.stride() for w in layer.weights] == strides
    _assert_torch_order(layer)
    new = [np.random.default_rng(1).normal(size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(new)
    for got, want in zip(layer.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    assert [w.stride() for w in layer.weights] == strides
    clone = copy.deepcopy(layer)
    assert [w.stride() for w in clone.weights] == strides


def test_saved_and_loaded_model_keeps_keras_values_and_torch_order(tmp_path):
    inputs = keraton.Input((6, 6, 3))
    x = keraton.layers.Conv2D(4, 3, name="conv")(inputs)
    x = keraton.layers.Reshape((16, 4))(x)
    outputs = keraton.layers.LSTM(3, name="lstm")(x)
    model = keraton.Model(inputs, outputs)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keraton.saving.load_model(path)
    for ours, theirs in zip(model.weights, loaded.weights):
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert ours.stride() == theirs.stride()
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    # Real Keras reads the same file with the same values.
    keras_model = keras.saving.load_model(path)
    for ours, theirs in zip(model.weights, keras_model.weights):
        np.testing.assert_array_equal(ours.numpy(), keras.ops.convert_to_numpy(theirs))


def test_kernel_arithmetic_reads_as_in_keras():
    """keras.io's PixelCNN masks a kernel in place: ``kernel.assign(kernel * mask)`` with a Keras-shaped mask."""
    conv = keraton.layers.Conv2D(2, 3)
    conv.build((None, 5, 5, 1))
    mask = np.zeros((3, 3, 1, 2), "float32")
    mask[: 3 // 2, ...] = 1.0
    mask[3 // 2, : 3 // 2, ...] = 1.0
    before = conv.kernel.numpy()
    conv.kernel.assign(conv.kernel * mask)
    np.testing.assert_array_equal(conv.kernel.numpy(), before * mask)
    assert tuple(keraton.ops.shape(conv.kernel)) == (3, 3, 1, 2)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_keras_with_copied_weights(reset_after):
    """Keras's z, r, h gate order on the layer; the fused kernel gets torch's r, z, n reorder."""
    ours = keraton.layers.GRU(4, reset_after=reset_after, return_sequences=True)
    theirs = keras.layers.GRU(4, reset_after=reset_after, return_sequences=True)
    x = np.random.default_rng(2).normal(size=(2, 5, 12)).astype("float32")
    theirs(x)
    ours(torch.as_tensor(x))
    weights = [np.random.default_rng(3).normal(size=w.shape).astype("float32") * 0.3
               for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    for ours_w, theirs_w in zip(ours.weights, theirs.weights):
        np.testing.assert_array_equal(ours_w.numpy(), keras.ops.convert_to_numpy(theirs_w))
    np.testing.assert_allclose(ours(torch.as_tensor(x)).detach().numpy(),
                               keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-5)
