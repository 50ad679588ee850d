"""Conv3DTranspose against real Keras 3 (copied weights)."""

import pytest

from keraton import layers


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel_size,strides,output_padding", [
    (2, 1, None), (3, 2, None), ((2, 3, 2), (2, 1, 3), None), (3, 2, 1),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_keras(check_against_keras, padding, kernel_size, strides, output_padding, data_format):
    shape = (1, 3, 4, 3, 2) if data_format == "channels_last" else (1, 2, 3, 4, 3)
    check_against_keras("Conv3DTranspose", dict(
        filters=3, kernel_size=kernel_size, strides=strides, padding=padding,
        output_padding=output_padding, data_format=data_format), shape)


def test_gradcheck(gradcheck):
    gradcheck(layers.Conv3DTranspose(2, 2, strides=2, padding="same"), (1, 2, 2, 2, 2))
