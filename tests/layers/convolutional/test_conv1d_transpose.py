"""Conv1DTranspose against real Keras 3 (copied weights)."""

import pytest

from keraton import layers


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel_size,strides,dilation_rate,output_padding", [
    (3, 1, 1, None), (3, 2, 1, None), (4, 2, 1, None), (2, 4, 1, None), (3, 3, 1, 2), (5, 2, 1, 1),
    (3, 1, 3, None),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_keras(check_against_keras, padding, kernel_size, strides, dilation_rate,
                       output_padding, data_format):
    shape = (2, 6, 3) if data_format == "channels_last" else (2, 3, 6)
    check_against_keras("Conv1DTranspose", dict(
        filters=4, kernel_size=kernel_size, strides=strides, padding=padding,
        dilation_rate=dilation_rate, output_padding=output_padding, data_format=data_format), shape)


def test_gradcheck(gradcheck):
    gradcheck(layers.Conv1DTranspose(2, 4, strides=3, padding="same"), (1, 4, 2))
