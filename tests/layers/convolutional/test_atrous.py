"""AtrousConvolution1D/2D (Keras 2's deprecated functions): the Conv1D/Conv2D they return, and its numbers."""

import warnings

import numpy as np
import pytest
import torch

from keraton.layers.convolutional import Conv1D, Conv2D
from keraton.layers.convolutional.atrous import AtrousConvolution1D, AtrousConvolution2D


def _message(n):
    return (f"The `AtrousConvolution{n}D` layer  has been deprecated. Use instead the `Conv{n}D` "
            f"layer with the `dilation_rate` argument.")


def _quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


@pytest.mark.parametrize("make, cls, kernel, dilation, padding, filters", [
    # Keras 1 programs: positional (nb_filter, nb_row, nb_col) and Keras 1 keywords.
    (lambda: AtrousConvolution2D(16, 3, 3, atrous_rate=(2, 2), border_mode="same"),
     Conv2D, (3, 3), (2, 2), "same", 16),
    (lambda: AtrousConvolution2D(4, 3, 5, atrous_rate=2), Conv2D, (3, 5), (2, 2), "valid", 4),
    (lambda: AtrousConvolution2D(4, nb_row=2, nb_col=3, atrous_rate=(1, 3), border_mode="valid"),
     Conv2D, (2, 3), (1, 3), "valid", 4),
    (lambda: AtrousConvolution2D(4, (3, 3), atrous_rate=3, padding="same"),
     Conv2D, (3, 3), (3, 3), "same", 4),
    (lambda: AtrousConvolution2D(4, 3, 3), Conv2D, (3, 3), (1, 1), "valid", 4),
    (lambda: AtrousConvolution1D(8, 3, atrous_rate=2, border_mode="same"),
     Conv1D, (3,), (2,), "same", 8),
    (lambda: AtrousConvolution1D(nb_filter=5, filter_length=4, atrous_rate=3),
     Conv1D, (4,), (3,), "valid", 5),
    (lambda: AtrousConvolution1D(5, 2), Conv1D, (2,), (1,), "valid", 5),
])
def test_returns_the_dilated_convolution(make, cls, kernel, dilation, padding, filters):
    layer = _quietly(make)
    assert type(layer) is cls
    assert layer.filters == filters
    assert layer.kernel_size == kernel and layer.dilation_rate == dilation
    assert layer.padding == padding
    assert layer.strides == (1,) * len(kernel)


@pytest.mark.parametrize("fn, n", [(AtrousConvolution1D, 1), (AtrousConvolution2D, 2)])
def test_deprecation_warning_exact_message(fn, n):
    with pytest.warns(UserWarning) as record:
        fn(4, 3, atrous_rate=2) if n == 1 else fn(4, 3, 3, atrous_rate=2)
    assert _message(n) in [str(w.message) for w in record]


def test_same_output_as_conv2d_with_dilation_rate():
    atrous = _quietly(AtrousConvolution2D, 3, 3, 3, atrous_rate=(2, 2), border_mode="same",
                      activation="relu")
    conv = Conv2D(3, (3, 3), dilation_rate=(2, 2), padding="same", activation="relu")
    x = torch.randn(2, 9, 8, 2)
    atrous(x), conv(x)
    weights = [np.random.default_rng(0).normal(size=w.shape).astype("float32")
               for w in conv.get_weights()]
    atrous.set_weights(weights)
    conv.set_weights(weights)
    torch.testing.assert_close(atrous(x), conv(x))
    assert atrous.get_config() | {"name": None} == conv.get_config() | {"name": None}


@pytest.mark.parametrize("n", [1, 2])
def test_against_keras3_dilated_convolution(n):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(n)
    if n == 2:
        x = rng.normal(size=(2, 10, 9, 3)).astype("float32")
        ours = _quietly(AtrousConvolution2D, 4, 3, 3, atrous_rate=(2, 3), border_mode="same")
        theirs = keras.layers.Conv2D(4, (3, 3), dilation_rate=(2, 3), padding="same")
    else:
        x = rng.normal(size=(2, 11, 3)).astype("float32")
        ours = _quietly(AtrousConvolution1D, 4, 3, atrous_rate=2, border_mode="valid")
        theirs = keras.layers.Conv1D(4, 3, dilation_rate=2, padding="valid")
    theirs(x)
    theirs.set_weights([rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()])
    ours(torch.from_numpy(x))
    ours.set_weights(theirs.get_weights())
    want = keras.ops.convert_to_numpy(theirs(x))
    got = ours(torch.from_numpy(x)).detach().numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_explicit_dilation_rate_without_atrous_rate_is_kept():
    layer = _quietly(AtrousConvolution1D, 2, 3, dilation_rate=2)
    assert layer.dilation_rate == (2,)


def test_errors():
    with pytest.raises(ValueError, match="both `atrous_rate=2` and `dilation_rate=3`"):
        _quietly(AtrousConvolution2D, 4, (3, 3), atrous_rate=2, dilation_rate=3)
    with pytest.raises(ValueError, match=r"Pass the kernel as a tuple"):
        _quietly(AtrousConvolution2D, 4, 3, 3, atrous_rate=2, padding="same")
