"""SeparableConv2D against real Keras 3 (copied weights), weight layouts, gradients, errors."""

import pytest
import torch

from keraton import layers


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel_size,strides,dilation_rate,depth_multiplier", [
    (3, 1, 1, 1), (4, 2, 1, 2), ((2, 3), (2, 1), 1, 1), (3, 1, 2, 2),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_keras(check_against_keras, padding, kernel_size, strides, dilation_rate,
                       depth_multiplier, data_format):
    shape = (2, 7, 6, 3) if data_format == "channels_last" else (2, 3, 7, 6)
    check_against_keras("SeparableConv2D", dict(
        filters=5, kernel_size=kernel_size, strides=strides, padding=padding,
        dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, data_format=data_format),
        shape)


def test_arguments_match_keras(check_against_keras):
    check_against_keras("SeparableConv2D", dict(
        filters=2, kernel_size=3, activation="elu", use_bias=False,
        pointwise_initializer="he_normal", depthwise_regularizer="l2",
        pointwise_constraint="unit_norm"), (1, 5, 5, 2))


def test_weight_layouts():
    layer = layers.SeparableConv2D(5, 3, depth_multiplier=2)
    layer(torch.zeros(1, 6, 6, 3))
    assert [w.shape for w in layer.get_weights()] == [(3, 3, 3, 2), (1, 1, 6, 5), (5,)]
    assert [w._keras_name for w in layer.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]


def test_gradcheck(gradcheck):
    gradcheck(layers.SeparableConv2D(2, 2, depth_multiplier=2, padding="same"), (1, 3, 3, 2))


def test_bad_inputs_name_the_layer_and_shapes():
    layer = layers.SeparableConv2D(4, 3, name="sep")
    layer(torch.zeros(1, 5, 5, 3))
    with pytest.raises(ValueError, match=r"'sep'.*axis -1 of size 3.*\(1, 5, 5, 2\)"):
        layer(torch.zeros(1, 5, 5, 2))
    with pytest.raises(ValueError, match=r"'sep'.*ndim=4"):
        layer(torch.zeros(5, 5, 3))
