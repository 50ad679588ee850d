"""Conv2D against real Keras 3 (copied weights), gradients, shape errors."""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel_size,strides,dilation_rate", [
    (3, 1, 1), (4, 1, 1), ((2, 3), (2, 1), 1), (3, 2, 1), (4, 3, 1), (3, 1, 2), ((2, 3), 1, (2, 1)),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_keras(check_against_keras, padding, kernel_size, strides, dilation_rate, data_format):
    shape = (2, 9, 8, 4) if data_format == "channels_last" else (2, 4, 9, 8)
    check_against_keras("Conv2D", dict(filters=6, kernel_size=kernel_size, strides=strides,
                                       padding=padding, dilation_rate=dilation_rate,
                                       data_format=data_format), shape)


@pytest.mark.parametrize("groups,data_format", [(2, "channels_last"), (4, "channels_last"),
                                                (2, "channels_first")])
def test_groups_match_keras(check_against_keras, groups, data_format):
    shape = (2, 7, 7, 4) if data_format == "channels_last" else (2, 4, 7, 7)
    check_against_keras("Conv2D", dict(filters=8, kernel_size=3, groups=groups, padding="same",
                                       data_format=data_format), shape)


@pytest.mark.parametrize("kwargs", [
    dict(activation="relu", use_bias=False),
    dict(activation="tanh", kernel_initializer="he_normal", bias_initializer="ones"),
    dict(kernel_regularizer="l2", bias_regularizer="l2", activity_regularizer="l2"),
    dict(kernel_constraint="max_norm", bias_constraint="non_neg"),
])
def test_arguments_match_keras(check_against_keras, kwargs):
    check_against_keras("Conv2D", dict(filters=3, kernel_size=3, **kwargs), (2, 6, 6, 2))


def test_kernel_has_keras_shape_torch_memory_order_and_output_is_a_view():
    layer = layers.Conv2D(8, 3)
    x = torch.randn(2, 10, 10, 4)
    y = layer(x)
    assert tuple(layer.kernel.shape) == (3, 3, 4, 8)
    # The (out, in, kh, kw) view handed to torch is channels_last: no copy per call.
    weight = layer.kernel.permute(3, 2, 0, 1)
    assert weight.is_contiguous(memory_format=torch.channels_last)
    assert layer.get_weights()[0].shape == (3, 3, 4, 8)
    # The NHWC output is torch's channels_last result seen through a permutation: contiguous, no copy.
    assert y.is_contiguous()
    assert y.shape == (2, 8, 8, 8)


def test_positional_keras2_style_arguments():
    layer = layers.Conv2D(4, (3, 3), (2, 2), "same")
    assert layer.strides == (2, 2) and layer.padding == "same"
    assert layer(torch.zeros(1, 5, 5, 1)).shape == (1, 3, 3, 4)


def test_max_norm_constraint_applies_in_keras_layout():
    layer = layers.Conv2D(3, 2, kernel_constraint=keraton.constraints.MaxNorm(1.0))
    layer(torch.zeros(1, 3, 3, 3))
    keras_kernel = torch.full((2, 2, 3, 3), 2.0)
    layer.set_weights([keras_kernel.numpy(), layer.get_weights()[1]])
    constraint = layer.kernel._keras_constraint
    with torch.no_grad():
        layer.kernel.copy_(constraint(layer.kernel))
    # MaxNorm(axis=0) on Keras's (2, 2, 3, 3) kernel: norms over the first kernel axis -> 1
    # (over torch's first axis, the 3 filters, they would end at sqrt(2 / 3)).
    norms = torch.from_numpy(layer.get_weights()[0]).norm(dim=0)
    torch.testing.assert_close(norms, torch.ones_like(norms))


@pytest.mark.parametrize("kwargs", [dict(), dict(padding="same", strides=2, kernel_size=2),
                                    dict(groups=2, data_format="channels_first")])
def test_gradcheck(gradcheck, kwargs):
    kwargs = {"kernel_size": 3, **kwargs}
    shape = (2, 2, 5, 4) if kwargs.get("data_format") == "channels_first" else (2, 5, 4, 2)
    gradcheck(layers.Conv2D(2, **kwargs), shape)


def test_bad_inputs_name_the_layer_and_shapes():
    layer = layers.Conv2D(4, 3, name="c")
    layer(torch.zeros(1, 5, 5, 3))
    with pytest.raises(ValueError, match=r"'c'.*axis -1 of size 3.*\(1, 5, 5, 2\)"):
        layer(torch.zeros(1, 5, 5, 2))
    with pytest.raises(ValueError, match=r"'c'.*ndim=4.*\(5, 5, 3\)"):
        layer(torch.zeros(5, 5, 3))
    with pytest.raises(ValueError, match=r"divisible by groups=2.*\(1, 5, 5, 3\)"):
        layers.Conv2D(4, 3, groups=2)(torch.zeros(1, 5, 5, 3))
    small = layers.Conv2D(4, 3, dilation_rate=2, name="small")
    with pytest.raises(ValueError, match=r"'small'.*too small.*\(1, 4, 6, 3\).*\(0, 2\)"):
        small(torch.zeros(1, 4, 6, 3))
    assert not small.built


@pytest.mark.parametrize("kwargs,fragment", [
    (dict(filters=0, kernel_size=3), "filters"),
    (dict(filters=3, kernel_size=3, groups=2), "divisible"),
    (dict(filters=3, kernel_size=(3, 3, 3)), "kernel_size"),
    (dict(filters=3, kernel_size=3, strides=2, dilation_rate=2), "dilation_rate"),
    (dict(filters=3, kernel_size=3, padding="causal"), "padding"),
    (dict(filters=3, kernel_size=3, data_format="nhwc"), "data_format"),
])
def test_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment) as info:
        layers.Conv2D(**kwargs)
    assert "Conv2D" in str(info.value)


@pytest.mark.parametrize("cls,kwargs,channels", [
    ("Conv2D", dict(filters=4, kernel_size=3, strides=2, padding="same"), 4),
    ("Conv2DTranspose", dict(filters=4, kernel_size=3, strides=2), 4),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2), 6),
    ("SeparableConv2D", dict(filters=4, kernel_size=3), 4),
])
def test_unknown_spatial_dimensions_in_functional_model(cls, kwargs, channels):
    inputs = keraton.Input((None, None, 3))
    outputs = getattr(layers, cls)(**kwargs)(inputs)
    assert outputs.shape == (None, None, None, channels)
    model = keraton.Model(inputs, outputs)
    y = model(torch.zeros(2, 7, 5, 3))
    assert y.shape[0] == 2 and y.shape[-1] == channels


def test_fit_trains_and_applies_kernel_constraint_in_keras_layout():
    torch.manual_seed(0)
    model = keraton.Sequential([
        keraton.Input((6, 6, 2)),
        layers.Conv2D(3, 2, kernel_constraint=keraton.constraints.MaxNorm(0.5)),
        layers.Flatten(),
        layers.Dense(1),
    ])
    model.compile(optimizer=keraton.optimizers.SGD(0.01), loss="mse")
    x, y = torch.randn(32, 6, 6, 2), torch.randn(32, 1)
    conv = model.layers[0]
    conv.set_weights([np.full((2, 2, 2, 3), 0.4, "float32"), np.zeros(3, "float32")])
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)  # one step: weights stay near the clip
    assert model.evaluate(x, y, verbose=0) < before
    # MaxNorm(axis=0) on Keras's (2, 2, 2, 3) kernel: every norm over the first axis was
    # 0.4 * sqrt(2) > 0.5, so each is now clipped to about 0.5.  Applied to torch's
    # (3, 2, 2, 2) layout instead (norms over filters, 0.4 * sqrt(3)), they would be ~0.41.
    norms = torch.from_numpy(conv.get_weights()[0]).norm(dim=0)
    assert float(norms.max()) <= 0.5 + 1e-5
    assert float(norms.min()) > 0.45
    assert model.layers[0].kernel.permute(3, 2, 0, 1).is_contiguous(memory_format=torch.channels_last)


def test_default_data_format_comes_from_the_backend():
    keraton.backend.set_image_data_format("channels_first")
    try:
        layer = layers.Conv2D(4, 3)
    finally:
        keraton.backend.set_image_data_format("channels_last")
    assert layer.data_format == "channels_first"
    assert layer(torch.zeros(1, 2, 5, 5)).shape == (1, 4, 3, 3)
    assert layers.Conv2D(4, 3).data_format == "channels_last"
