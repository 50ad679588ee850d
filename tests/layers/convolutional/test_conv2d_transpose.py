"""Conv2DTranspose against real Keras 3 (copied weights): padding, strides, dilation, output_padding."""

import pytest
import torch

from keraton import layers


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel_size,strides,dilation_rate,output_padding", [
    (3, 1, 1, None), (3, 2, 1, None), (4, 2, 1, None), (2, 3, 1, None), ((3, 2), (2, 3), 1, None),
    (3, 2, 1, 1), (3, 2, 1, 0), (4, 3, 1, (2, 1)), (3, 1, 2, None), (2, 1, (2, 3), 0),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_keras(check_against_keras, padding, kernel_size, strides, dilation_rate,
                       output_padding, data_format):
    shape = (2, 5, 4, 3) if data_format == "channels_last" else (2, 3, 5, 4)
    check_against_keras("Conv2DTranspose", dict(
        filters=4, kernel_size=kernel_size, strides=strides, padding=padding,
        dilation_rate=dilation_rate, output_padding=output_padding, data_format=data_format), shape)


def test_arguments_match_keras(check_against_keras):
    check_against_keras("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, activation="relu",
                                                use_bias=False, kernel_initializer="he_uniform"),
                        (1, 4, 4, 3))


def test_kernel_layout():
    layer = layers.Conv2DTranspose(5, (2, 3))
    layer(torch.zeros(1, 4, 4, 3))
    assert tuple(layer.kernel.shape) == (2, 3, 5, 3)
    assert layer.get_weights()[0].shape == (2, 3, 5, 3)
    # torch's (in, out, kh, kw) view of it is channels_last: no copy per call.
    assert layer.kernel.permute(3, 2, 0, 1).is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("kwargs", [dict(strides=2), dict(strides=2, padding="same", output_padding=0)])
def test_gradcheck(gradcheck, kwargs):
    gradcheck(layers.Conv2DTranspose(2, 3, **kwargs), (1, 3, 3, 2))


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"Conv2DTranspose.*output_padding"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    layer = layers.Conv2DTranspose(2, 3, name="t")
    layer(torch.zeros(1, 3, 3, 2))
    with pytest.raises(ValueError, match=r"'t'.*axis -1 of size 2.*\(1, 3, 3, 4\)"):
        layer(torch.zeros(1, 3, 3, 4))
