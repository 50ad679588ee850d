"""Conv3D against real Keras 3 (copied weights), memory format, gradients, shape errors."""

import pytest
import torch

from keraton import layers


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel_size,strides,dilation_rate", [(3, 1, 1), ((2, 3, 2), (2, 1, 2), 1), (2, 1, 2)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_keras(check_against_keras, padding, kernel_size, strides, dilation_rate, data_format):
    shape = (2, 6, 5, 7, 3) if data_format == "channels_last" else (2, 3, 6, 5, 7)
    check_against_keras("Conv3D", dict(filters=4, kernel_size=kernel_size, strides=strides,
                                       padding=padding, dilation_rate=dilation_rate,
                                       data_format=data_format), shape)


def test_groups_match_keras(check_against_keras):
    check_against_keras("Conv3D", dict(filters=4, kernel_size=2, groups=2, use_bias=False),
                        (1, 4, 4, 4, 4))


def test_kernel_in_channels_last_3d_memory_format():
    layer = layers.Conv3D(4, 2)
    layer(torch.zeros(1, 3, 3, 3, 2))
    assert tuple(layer.kernel.shape) == (2, 2, 2, 2, 4)
    weight = layer.kernel.permute(4, 3, 0, 1, 2)
    assert weight.is_contiguous(memory_format=torch.channels_last_3d)
    assert layer.get_weights()[0].shape == (2, 2, 2, 2, 4)


def test_gradcheck(gradcheck):
    gradcheck(layers.Conv3D(2, 2, padding="same"), (1, 3, 3, 3, 2))


def test_bad_inputs_name_the_layer_and_shapes():
    layer = layers.Conv3D(4, 2, name="c3", data_format="channels_first")
    layer(torch.zeros(1, 2, 3, 3, 3))
    with pytest.raises(ValueError, match=r"'c3'.*axis 1 of size 2.*\(1, 3, 3, 3, 3\)"):
        layer(torch.zeros(1, 3, 3, 3, 3))
