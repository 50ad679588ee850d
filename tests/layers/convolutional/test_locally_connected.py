"""LocallyConnected1D/2D and ThresholdedReLU (Keras 2 layers) against real tf.keras 2.15.

``tests/fixtures/tf2_real/locally_connected.h5`` is a tf.keras 2.15 model with
every implementation mode, both data formats, 'same' padding and
ThresholdedReLU (``tests/fixtures/make_tf2_real_fixtures.py locally_connected``);
loading it checks the configs and Keras 2's weight layouts, predicting it the
numbers.
"""

import os
import warnings

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.convolutional.locally_connected import LocallyConnected1D, LocallyConnected2D

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "fixtures", "tf2_real")


@pytest.fixture(autouse=True)
def _quiet_keras2_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _tf2_model():
    pytest.importorskip("h5py")
    data = np.load(os.path.join(FIXTURES, "locally_connected.npz"))
    model = keraton.models.load_model(os.path.join(FIXTURES, "locally_connected.h5"))
    return model, data


def test_tf2_locally_connected_model_predicts_like_tf_keras():
    model, data = _tf2_model()
    inputs = [data[f"x{i}"] for i in range(4)]
    got = model.predict(inputs, verbose=0)
    expected = [data[f"expected{i}"] for i in range(len(got))]
    assert len(got) == 13
    for i, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5, err_msg=f"output {i}")


def test_tf2_locally_connected_weight_shapes_and_configs():
    model, _ = _tf2_model()
    layers = [layer for layer in model.layers if "locally" in layer.name]
    shapes = [tuple(layer.kernel.shape) for layer in layers]
    # (3 x 5 positions, 3*2 window * 2 channels, 3), dense (in, out) kernels, and the connected
    # entries of a 2x3 window at stride 2 with 'same' padding: 4 x 3 outputs, 2 -> 2 channels.
    assert shapes[:3] == [(15, 12, 3), (7, 6, 2, 3, 5, 3), (7, 6, 2, 7, 6, 2)]
    assert shapes[3] == (224,)
    assert layers[1].get_config()["implementation"] == 2
    assert layers[4].get_config()["data_format"] == "channels_first"
    clone = type(layers[3]).from_config(layers[3].get_config())
    assert clone.get_config() == layers[3].get_config()


@pytest.mark.parametrize("implementation", [1, 2, 3])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_implementations_agree_and_gradients_match_finite_differences(implementation, data_format):
    """Every implementation computes the same unshared convolution from the same connection weights."""
    torch.manual_seed(0)
    x = torch.randn(2, 5, 4, 3, dtype=torch.float64)
    if data_format == "channels_first":
        x = x.permute(0, 3, 1, 2).contiguous()
    ref = LocallyConnected2D(2, (2, 3), strides=(1, 1), data_format=data_format, dtype="float64",
                             implementation=1, bias_initializer="random_normal")
    ref(x)
    layer = LocallyConnected2D(2, (2, 3), data_format=data_format, dtype="float64",
                               implementation=implementation)
    layer(x)
    # Copy implementation 1's per-position kernels into the other layouts.
    k1 = ref.kernel.detach().numpy()  # (positions, kh*kw*cin, filters)
    last = data_format == "channels_last"
    kernel = np.zeros(tuple(layer.kernel.shape))
    dense = np.zeros((5, 4, 3, 4, 2, 2) if last else (3, 5, 4, 2, 4, 2))
    for p in range(8):
        oi, oj = divmod(p, 2)
        for a in range(2):
            for b in range(3):
                for c in range(3):
                    row = (a * 3 + b) * 3 + c if last else (c * 2 + a) * 3 + b
                    w = k1[p, row]
                    if last:
                        dense[oi + a, oj + b, c, oi, oj, :] = w
                    else:
                        dense[c, oi + a, oj + b, :, oi, oj] = w
    if implementation == 1:
        kernel = k1
    elif implementation == 2:
        kernel = dense
    else:
        # (input index, output index) -> implementation 3's sorted (output, input) pairs
        kernel = dense.reshape(60, 16).T[layer.kernel_rows.numpy(), layer.kernel_cols.numpy()]
    layer.set_weights([kernel, ref.bias.detach().numpy()])
    np.testing.assert_allclose(layer(x).detach().numpy(), ref(x).detach().numpy(), rtol=1e-12)
    x.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: layer(t), (x,))


def test_locally_connected_1d_matches_hand_computation():
    layer = LocallyConnected1D(1, 2, use_bias=False)
    x = torch.arange(8.0).reshape(1, 4, 2)
    layer(x)
    kernel = np.arange(12.0).reshape(3, 4, 1)  # position p sees steps p, p+1 (2 channels each)
    layer.set_weights([kernel])
    expected = [[x[0, p:p + 2].reshape(-1).numpy() @ kernel[p, :, 0]] for p in range(3)]
    np.testing.assert_allclose(layer(x).detach().numpy()[0], expected)


def test_bad_arguments_say_what_to_do():
    with pytest.raises(ValueError, match="implementation=2 or 3"):
        LocallyConnected2D(2, 3, padding="same")
    with pytest.raises(ValueError, match="implementation"):
        LocallyConnected1D(2, 3, implementation=4)
    with pytest.raises(ValueError, match="fully-defined"):
        LocallyConnected1D(2, 3).build((None, None, 3))
    with pytest.raises(ValueError, match="theta"):
        keraton.layers.ThresholdedReLU(theta=-1)


def test_keras2_names_and_module_path(monkeypatch):
    from keraton.layers.advanced_activations import ThresholdedReLU
    from keraton.layers.local import LocallyConnected2D as Local2D
    from keraton.utils import keras2_names

    assert Local2D is keraton.layers.LocallyConnected2D
    out = ThresholdedReLU(theta=1.0)(torch.tensor([0.5, 1.0, 1.5]))
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.0, 1.5])
    monkeypatch.setattr(keras2_names, "_WARNED", set())
    warnings.simplefilter("always")
    with pytest.warns(UserWarning, match="LocallyConnected1D` is a Keras 2 name"):
        LocallyConnected1D(1, 1)
