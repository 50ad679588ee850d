"""Keras 2 backend convolutions, pooling, resizing and padding against tf.keras 2 (TensorFlow 2.15).

The oracle values are in ``tests/fixtures/tf2_backend/conv.npz``, made by
``tests/fixtures/make_tf2_backend_conv_fixtures.py``; these tests never import TensorFlow.
"""

import json
import os

import numpy as np
import pytest
import torch

import keraton
from keraton import backend as K
from keraton.backend_functions import conv_ops

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "tf2_backend", "conv.npz")
DATA = dict(np.load(FIXTURE))
CASES = json.loads(str(DATA["__cases__"]))


def _tuples(value):
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _call(case, arrays):
    kwargs = {k: _tuples(v) for k, v in case["kwargs"].items()}
    return getattr(K, case["fn"])(*arrays, **kwargs)


def test_every_function_has_fixture_cases():
    assert {case["fn"] for case in CASES} == set(conv_ops.__all__) == set(conv_ops._TENSOR_FUNCTIONS)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_matches_tf_keras_2(case):
    arrays = [torch.tensor(DATA[key]) for key in case["arrays"]]
    expected = DATA[f"{case['name']}/out"]
    got = _call(case, arrays)
    assert isinstance(got, torch.Tensor) and tuple(got.shape) == expected.shape
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-5)


def _gradient_cases():
    """Every fourth fixture case, plus each function's first (resize_images: see below)."""
    cases = [c for c in CASES if c["fn"] != "resize_images"]
    chosen = cases[::4]
    firsts = {c["fn"]: c for c in reversed(cases)}
    return chosen + [c for fn, c in firsts.items() if fn not in {c["fn"] for c in chosen}]


@pytest.mark.parametrize("case", _gradient_cases(), ids=lambda c: c["name"])
def test_gradients_flow(case):
    """Float64 gradcheck with respect to every input, on a selection of the fixture cases."""
    arrays = [torch.tensor(DATA[key], dtype=torch.float64, requires_grad=True)
              for key in case["arrays"]]
    if case["fn"] in ("pool2d", "pool3d"):
        # Distinct values a safe distance apart keep max pooling differentiable under gradcheck.
        n = arrays[0].numel()
        values = torch.randperm(n, generator=torch.Generator().manual_seed(0)).double()
        arrays = [values.reshape(arrays[0].shape).requires_grad_()]
    assert torch.autograd.gradcheck(lambda *xs: _call(case, xs), arrays, eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic", "lanczos3"])
def test_resize_images_gradients(interpolation):
    x = torch.rand(1, 3, 2, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda t: K.resize_images(t, 2, 3, "channels_last", interpolation), [x])


def test_conv1d_causal_by_hand():
    x = torch.tensor([[[1.0], [2.0], [3.0], [4.0]]])
    kernel = torch.tensor([[[1.0]], [[10.0]]])  # y[t] = x[t - 1] + 10 x[t]
    np.testing.assert_allclose(K.conv1d(x, kernel, padding="causal").numpy().ravel(),
                               [10.0, 21.0, 32.0, 43.0])
    # channels_first pads the steps axis too (tf.keras 2 pads the channel axis there).
    got = K.conv1d(x.transpose(1, 2), kernel, padding="causal", data_format="channels_first")
    np.testing.assert_allclose(got.numpy().ravel(), [10.0, 21.0, 32.0, 43.0])


def test_same_padding_puts_the_odd_cell_at_the_end():
    x = torch.arange(1.0, 5.0).reshape(1, 4, 1)  # 4 steps, stride 3, kernel 2: pads one cell after
    got = K.conv1d(x, torch.ones(2, 1, 1), strides=3, padding="same")
    np.testing.assert_allclose(got.numpy().ravel(), [1.0 + 2.0, 4.0])
    got = K.pool2d(x.reshape(1, 1, 4, 1), (1, 2), (1, 3), padding="same", pool_mode="avg")
    np.testing.assert_allclose(got.numpy().ravel(), [1.5, 4.0])  # the padded cell is not counted


def test_padding_defaults_and_data_format():
    x = torch.ones(1, 2, 3, 1)
    assert tuple(K.spatial_2d_padding(x).shape) == (1, 4, 5, 1)
    assert tuple(K.spatial_2d_padding(x, data_format="channels_first").shape) == (1, 2, 5, 3)
    assert tuple(K.temporal_padding(torch.ones(1, 2, 3)).shape) == (1, 4, 3)
    assert tuple(K.spatial_3d_padding(torch.ones(1, 1, 1, 1, 1)).shape) == (1, 3, 3, 3, 1)
    keraton.backend.set_image_data_format("channels_first")
    try:
        assert tuple(K.spatial_2d_padding(x).shape) == (1, 2, 5, 3)
        assert tuple(K.pool2d(torch.ones(1, 1, 4, 4), (2, 2), (2, 2)).shape) == (1, 1, 2, 2)
    finally:
        keraton.backend.set_image_data_format("channels_last")


def test_accepts_numpy_lists_and_variables():
    kernel = keraton.Variable(np.ones((2, 2, 1, 1), "float32"))
    got = K.conv2d(np.ones((1, 3, 3, 1), "float32"), kernel)
    np.testing.assert_allclose(got.detach().numpy().ravel(), [4.0] * 4)
    assert K.temporal_padding([[[1.0]]], (1, 0)).tolist() == [[[0.0], [1.0]]]


@pytest.mark.parametrize("call, message", [
    (lambda: K.conv2d(torch.ones(1, 4, 4), torch.ones(3, 3, 1, 1)), "4D input"),
    (lambda: K.conv2d(torch.ones(1, 4, 4, 2), torch.ones(3, 3, 1, 1), data_format="NHWC"),
     "data_format"),
    (lambda: K.conv2d(torch.ones(1, 4, 4, 1), torch.ones(3, 3, 1, 1), padding="full"),
     "padding"),
    (lambda: K.conv1d(torch.ones(1, 4, 2), torch.ones(3, 3, 1)), "channels"),
    (lambda: K.pool2d(torch.ones(1, 4, 4, 1), (2, 2), pool_mode="min"), "pool_mode"),
    (lambda: K.conv2d_transpose(torch.ones(1, 2, 2, 1), torch.ones(3, 3, 1, 1), (1, 7, 7, 1),
                                strides=(2, 2), padding="same"), "output_shape"),
    (lambda: K.conv2d_transpose(torch.ones(1, 2, 2, 1), torch.ones(3, 3, 2, 1), (1, 4, 4, 1)),
     "kernel"),
    (lambda: K.conv2d_transpose(torch.ones(1, 2, 2, 1), torch.ones(3, 3, 1, 1), (1, 4, 4, 1),
                                dilation_rate=(1, 2)), "dilation"),
    (lambda: K.local_conv1d(torch.ones(1, 5, 2), torch.ones(4, 6, 1), (3,), (1,)), "windows"),
    (lambda: K.local_conv1d(torch.ones(1, 5, 2), torch.ones(3, 5, 1), (3,), (1,)), "kernel"),
    (lambda: K.resize_images(torch.ones(1, 2, 2, 1), 2, 2, "channels_last", "cubic"),
     "interpolation"),
    (lambda: K.resize_images(torch.ones(1, 2, 2, 1), 1.5, 2, "channels_last"), "height_factor"),
    (lambda: K.resize_volumes(torch.ones(1, 2, 2, 2, 1), 0, 1, 1, "channels_last"),
     "depth_factor"),
    (lambda: K.temporal_padding(torch.ones(1, 2, 3), (1, 2, 3)), "pair"),
    (lambda: K.spatial_2d_padding(torch.ones(1, 2, 3, 1), ((1, 1),)), "2 pairs"),
    (lambda: K.spatial_3d_padding(torch.ones(1, 2, 3, 1)), "5D input"),
])
def test_bad_input_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_symbolic_use_in_a_functional_model():
    rng = np.random.default_rng(1)
    kernel = torch.tensor(rng.normal(size=(3, 3, 2, 4)).astype("float32"))
    inputs = keraton.Input((6, 5, 2))
    hidden = K.conv2d(inputs, kernel, strides=(2, 2), padding="same")
    outputs = K.pool2d(K.spatial_2d_padding(hidden), (2, 2), (2, 2), pool_mode="avg")
    assert tuple(outputs.shape) == (None, 2, 2, 4)
    model = keraton.Model(inputs, outputs)
    x = torch.tensor(rng.normal(size=(2, 6, 5, 2)).astype("float32"))
    expected = K.pool2d(K.spatial_2d_padding(K.conv2d(x, kernel, (2, 2), "same")), (2, 2), (2, 2),
                        pool_mode="avg")
    np.testing.assert_allclose(model(x).detach().numpy(), expected.numpy(), rtol=1e-6)
