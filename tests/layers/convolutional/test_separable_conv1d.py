"""SeparableConv1D against real Keras 3 (copied weights)."""

import pytest

from keraton import layers


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel_size,strides,dilation_rate,depth_multiplier", [
    (3, 1, 1, 1), (4, 2, 1, 2), (3, 1, 2, 3),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_keras(check_against_keras, padding, kernel_size, strides, dilation_rate,
                       depth_multiplier, data_format):
    shape = (2, 9, 3) if data_format == "channels_last" else (2, 3, 9)
    check_against_keras("SeparableConv1D", dict(
        filters=4, kernel_size=kernel_size, strides=strides, padding=padding,
        dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, data_format=data_format),
        shape)


def test_gradcheck(gradcheck):
    gradcheck(layers.SeparableConv1D(3, 3, depth_multiplier=2), (2, 6, 2))
