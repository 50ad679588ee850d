"""CategoryEncoding and Discretization against real Keras 3 (outputs, adapt, configs)."""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")


def _np(t):
    return keras.ops.convert_to_numpy(t)


def _clear():
    keras.backend.clear_session()
    keraton.backend.clear_session()


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("data", [[[0, 1, 3], [2, 2, 0]], [[1], [3], [0]], [0, 3, 3, 1], [[[0, 1], [2, 3]]]])
def test_category_encoding_matches_keras(mode, data):
    _clear()
    x = np.array(data)
    ours, theirs = layers.CategoryEncoding(4, output_mode=mode), keras.layers.CategoryEncoding(4, output_mode=mode)
    got = ours(torch.as_tensor(x))
    np.testing.assert_allclose(got.numpy(), _np(theirs(x)), rtol=1e-6)
    assert ours.get_config() == theirs.get_config()


def test_category_encoding_count_weights_and_errors():
    layer = layers.CategoryEncoding(3, output_mode="count")
    out = layer(torch.tensor([[0, 2, 2]]), count_weights=torch.tensor([[0.5, 1.0, 2.0]]))
    torch.testing.assert_close(out, torch.tensor([[0.5, 0.0, 3.0]]))
    with pytest.raises(ValueError, match=r"'category_encoding.*\[0, 3\).*\[0, 5\]"):
        layer(torch.tensor([[0, 5]]))
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding(None)
    with pytest.raises(ValueError, match="output_mode"):
        layers.CategoryEncoding(3, output_mode="tf_idf")


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_boundaries_match_keras(mode):
    _clear()
    x = np.array([[-1.5, 0.0, 0.2], [1.0, 2.5, 0.99]], dtype="float32")
    kwargs = {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": mode}
    ours, theirs = layers.Discretization(**kwargs), keras.layers.Discretization(**kwargs)
    got = ours(torch.from_numpy(x))
    expected = _np(theirs(x))
    np.testing.assert_allclose(got.numpy(), expected)
    assert got.dtype == (torch.int32 if mode == "int" else torch.float32)
    theirs_config = theirs.get_config()
    ours_config = ours.get_config()
    # Documented difference: keraton adds the base `trainable` key and writes dtype as a policy.
    assert {k: v for k, v in ours_config.items() if k not in ("trainable", "dtype")} == \
        {k: v for k, v in theirs_config.items() if k != "dtype"}


@pytest.mark.parametrize("num_bins, epsilon", [(4, 0.01), (3, 0.1), (7, 0.001)])
@pytest.mark.parametrize("batched", [False, True])
def test_discretization_adapt_matches_keras(num_bins, epsilon, batched):
    _clear()
    data = np.random.default_rng(3).gamma(2.0, size=(500, 2)).astype("float32")
    source = [data[:170], data[170:300], data[300:]] if batched else data
    ours = layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    theirs = keras.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    ours.adapt(source)
    # Keras's adapt() needs TensorFlow (tf.data check); its update/finalize steps are NumPy.
    theirs.reset_state()
    for batch in (source if batched else [source]):
        theirs.update_state(batch)
    theirs.finalize_state()
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    np.testing.assert_array_equal(ours(torch.from_numpy(data)).numpy(), _np(theirs(data)))
    clone = layers.Discretization.from_config(ours.get_config())
    assert clone.bin_boundaries == ours.bin_boundaries


def test_discretization_errors():
    with pytest.raises(ValueError, match="exactly one of `num_bins` and `bin_boundaries`"):
        layers.Discretization()
    with pytest.raises(ValueError, match="adapt"):
        layers.Discretization(bin_boundaries=[0.0]).adapt(np.zeros(3))
    with pytest.raises(ValueError, match="adapt"):
        layers.Discretization(num_bins=3)(torch.zeros(2))
