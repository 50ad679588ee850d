"""DepthwiseConv2D against real Keras 3 (copied weights), channel order, gradients, errors."""

import numpy as np
import pytest
import torch

from keraton import layers


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel_size,strides,dilation_rate,depth_multiplier", [
    (3, 1, 1, 1), (4, 2, 1, 2), ((2, 3), (1, 2), 1, 3), (3, 1, 2, 2),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_keras(check_against_keras, padding, kernel_size, strides, dilation_rate,
                       depth_multiplier, data_format):
    shape = (2, 7, 6, 3) if data_format == "channels_last" else (2, 3, 7, 6)
    check_against_keras("DepthwiseConv2D", dict(
        kernel_size=kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate,
        depth_multiplier=depth_multiplier, data_format=data_format), shape)


def test_arguments_match_keras(check_against_keras):
    check_against_keras("DepthwiseConv2D", dict(kernel_size=2, activation="relu", use_bias=False,
                                                depthwise_initializer="he_normal",
                                                depthwise_regularizer="l2"), (1, 4, 4, 2))


def test_output_channel_order_is_channel_major():
    # Output channel c * depth_multiplier + m comes from input channel c with kernel[..., c, m].
    layer = layers.DepthwiseConv2D(1, depth_multiplier=2, use_bias=False)
    layer(torch.zeros(1, 1, 1, 3))
    kernel = np.arange(6, dtype="float32").reshape(1, 1, 3, 2) + 1
    layer.set_weights([kernel])
    y = layer(torch.tensor([[[[1.0, 10.0, 100.0]]]]))
    torch.testing.assert_close(y.reshape(-1), torch.tensor([1.0, 2.0, 30.0, 40.0, 500.0, 600.0]))


def test_gradcheck(gradcheck):
    gradcheck(layers.DepthwiseConv2D(2, depth_multiplier=2, padding="same", strides=2), (1, 4, 3, 2))


def test_bad_inputs_name_the_layer_and_shapes():
    layer = layers.DepthwiseConv2D(3, name="dw")
    layer(torch.zeros(1, 5, 5, 3))
    with pytest.raises(ValueError, match=r"'dw'.*axis -1 of size 3.*\(1, 5, 5, 4\)"):
        layer(torch.zeros(1, 5, 5, 4))
    with pytest.raises(ValueError, match="depth_multiplier"):
        layers.DepthwiseConv2D(3, depth_multiplier=0)
