"""Conv1D against real Keras 3 (copied weights), causal padding, gradients, shape errors."""

import pytest
import torch

from keraton import layers


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("kernel_size,strides,dilation_rate", [(3, 1, 1), (4, 1, 1), (2, 3, 1), (3, 1, 3)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_keras(check_against_keras, padding, kernel_size, strides, dilation_rate, data_format):
    shape = (2, 11, 4) if data_format == "channels_last" else (2, 4, 11)
    check_against_keras("Conv1D", dict(filters=5, kernel_size=kernel_size, strides=strides,
                                       padding=padding, dilation_rate=dilation_rate,
                                       data_format=data_format), shape)


def test_groups_and_activation_match_keras(check_against_keras):
    check_against_keras("Conv1D", dict(filters=6, kernel_size=2, groups=3, activation="sigmoid"),
                        (3, 7, 6))


def test_causal_output_ignores_the_future():
    layer = layers.Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = torch.randn(1, 10, 3)
    y = layer(x)
    x2 = x.clone()
    x2[:, 6:] += 1.0
    y2 = layer(x2)
    torch.testing.assert_close(y2[:, :6], y[:, :6])
    assert not torch.allclose(y2[:, 6:], y[:, 6:])


@pytest.mark.parametrize("padding", ["valid", "causal"])
def test_gradcheck(gradcheck, padding):
    gradcheck(layers.Conv1D(3, 3, padding=padding), (2, 6, 2))


def test_bad_inputs_name_the_layer_and_shapes():
    layer = layers.Conv1D(4, 3, name="c1")
    layer(torch.zeros(2, 8, 3))
    with pytest.raises(ValueError, match=r"'c1'.*axis -1 of size 3.*\(2, 8, 5\)"):
        layer(torch.zeros(2, 8, 5))
    with pytest.raises(ValueError, match=r"'c1'.*ndim=3.*\(2, 8, 8, 3\)"):
        layer(torch.zeros(2, 8, 8, 3))
