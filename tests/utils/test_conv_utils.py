"""Keras 2's ``keras.utils.conv_utils`` (``convert_kernel`` and the shape helpers) and
``convert_all_kernels_in_model``, against hand computations and true convolutions."""

import warnings

import numpy as np
import pytest

import keraton

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # the Keras 2 module-path warning
    from keraton.utils import conv_utils
from keraton.utils.kernel_conversion import convert_all_kernels_in_model, convert_kernel

signal = pytest.importorskip("scipy.signal")


def test_convert_kernel_by_hand():
    kernel = np.arange(9.0).reshape(3, 3, 1, 1)
    out = convert_kernel(kernel)
    np.testing.assert_array_equal(out[..., 0, 0], [[8, 7, 6], [5, 4, 3], [2, 1, 0]])
    out[0, 0, 0, 0] = -1.0
    assert kernel[0, 0, 0, 0] == 0.0  # a copy
    assert conv_utils.convert_kernel is convert_kernel


@pytest.mark.parametrize("shape", [(4, 2, 3), (2, 3, 2, 2), (2, 2, 3, 1, 2)])
def test_convert_kernel_flips_spatial_axes_only(shape):
    kernel = np.random.default_rng(0).normal(size=shape)
    out = convert_kernel(kernel.tolist())
    spatial = tuple(slice(None, None, -1) for _ in shape[:-2])
    np.testing.assert_array_equal(out, kernel[spatial])
    np.testing.assert_array_equal(convert_kernel(out), kernel)


@pytest.mark.parametrize("shape", [(3, 3), (1, 2, 2, 2, 1, 1)])
def test_convert_kernel_bad_rank(shape):
    with pytest.raises(ValueError, match="Invalid kernel shape"):
        convert_kernel(np.zeros(shape))


def test_convert_all_kernels_in_model_gives_a_true_convolution():
    rng = np.random.default_rng(1)
    keraton.utils.set_random_seed(0)
    inputs = keraton.Input((6, 5, 1))
    conv = keraton.layers.Conv2D(1, (3, 2), use_bias=True, bias_initializer="ones")
    depthwise = keraton.layers.DepthwiseConv2D(2)
    dense = keraton.layers.Dense(2)
    nested = keraton.Sequential([keraton.Input((5,)), keraton.layers.Reshape((5, 1)),
                                 keraton.layers.Conv1D(1, 2)])
    outputs = [conv(inputs), depthwise(inputs), dense(keraton.layers.Flatten()(inputs))]
    model = keraton.Model(inputs, outputs + [nested(keraton.layers.Reshape((30,))(inputs)[:, :5])])
    kernel = conv.get_weights()[0]
    others = [layer.get_weights() for layer in (depthwise, dense, nested)]
    x = rng.normal(size=(1, 6, 5, 1)).astype("float32")
    convert_all_kernels_in_model(model)
    got = model.predict(x, verbose=0)[0]
    expected = signal.convolve2d(x[0, :, :, 0], kernel[:, :, 0, 0], mode="valid") + 1.0
    np.testing.assert_allclose(got[0, :, :, 0], expected, rtol=1e-5, atol=1e-6)
    for layer, weights in zip((depthwise, dense, nested), others):  # not Conv1D/2D/3D/2DTranspose
        for w, w_ref in zip(layer.get_weights(), weights):
            np.testing.assert_array_equal(w, w_ref)
    convert_all_kernels_in_model(model)
    np.testing.assert_array_equal(conv.get_weights()[0], kernel)


@pytest.mark.parametrize("cls,shape", [(keraton.layers.Conv1D, (7, 2)), (keraton.layers.Conv3D, (4, 4, 4, 1)),
                                       (keraton.layers.Conv2DTranspose, (3, 3, 2))])
def test_convert_all_kernels_flips_each_conv_class(cls, shape):
    layer = cls(2, 3)
    model = keraton.Sequential([keraton.Input(shape), layer])
    kernel, bias = layer.get_weights()
    convert_all_kernels_in_model(model)
    new_kernel, new_bias = layer.get_weights()
    np.testing.assert_array_equal(new_kernel, kernel[tuple(slice(None, None, -1) for _ in shape[:-1])])
    np.testing.assert_array_equal(new_bias, bias)


@pytest.mark.parametrize("args,expected", [
    ((10, 3, "valid", 1), 8), ((10, 3, "valid", 2), 4), ((10, 3, "same", 3), 4), ((10, 3, "full", 1), 12),
    ((10, 3, "causal", 1), 10), ((10, 3, "valid", 1, 2), 6), ((None, 3, "valid", 1), None)])
def test_conv_output_length(args, expected):
    assert conv_utils.conv_output_length(*args) == expected


def test_conv_output_length_matches_conv1d():
    for padding, stride, dilation in [("valid", 2, 1), ("same", 3, 1), ("causal", 1, 2), ("valid", 1, 2)]:
        layer = keraton.layers.Conv1D(1, 3, strides=stride, padding=padding, dilation_rate=dilation)
        out = layer(np.zeros((1, 11, 1), "float32"))
        assert out.shape[1] == conv_utils.conv_output_length(11, 3, padding, stride, dilation)


@pytest.mark.parametrize("args,expected", [((8, 3, "valid", 1), 10), ((4, 3, "same", 2), 7), ((12, 3, "full", 1), 10)])
def test_conv_input_length(args, expected):
    assert conv_utils.conv_input_length(*args) == expected


@pytest.mark.parametrize("padding,output_padding", [("valid", None), ("same", None), ("same", 1), ("valid", 0)])
def test_deconv_lengths_match_conv2d_transpose(padding, output_padding):
    layer = keraton.layers.Conv2DTranspose(1, 3, strides=2, padding=padding, output_padding=output_padding)
    out = layer(np.zeros((1, 5, 5, 1), "float32"))
    assert out.shape[1] == conv_utils.deconv_output_length(5, 3, padding, output_padding, stride=2)
    assert out.shape[1] == conv_utils.deconv_length(5, 2, 3, padding, output_padding)


def test_normalizers():
    assert conv_utils.normalize_tuple(3, 2, "strides") == (3, 3)
    assert conv_utils.normalize_tuple([1, 2], 2, "strides") == (1, 2)
    with pytest.raises(ValueError, match="`strides` argument must be a tuple of 2 integers"):
        conv_utils.normalize_tuple((1, 2, 3), 2, "strides")
    with pytest.raises(ValueError, match="including element 'a'"):
        conv_utils.normalize_tuple((1, "a"), 2, "strides")
    assert conv_utils.normalize_padding("SAME") == "same"
    with pytest.raises(ValueError, match="padding"):
        conv_utils.normalize_padding("full")
    assert conv_utils.normalize_data_format(None) == keraton.backend.image_data_format()
    assert conv_utils.normalize_data_format("Channels_First") == "channels_first"
    with pytest.raises(ValueError, match="data_format"):
        conv_utils.normalize_data_format("nhwc")
