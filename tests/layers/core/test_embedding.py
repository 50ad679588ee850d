"""Embedding: lookups by hand and against real Keras 3, masks, config, errors."""

import numpy as np
import pytest
import torch

from keraton import layers

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.float32])
def test_embedding_looks_up_rows(dtype):
    layer = layers.Embedding(4, 2)
    layer(torch.zeros(1, 1, dtype=torch.int64))
    table = np.arange(8, dtype="float32").reshape(4, 2)
    layer.set_weights([table])
    out = layer(torch.tensor([[3, 0], [1, 1]]).to(dtype))
    np.testing.assert_array_equal(out.detach().numpy(), table[[[3, 0], [1, 1]]])


@pytest.mark.parametrize("shape", [(3,), (2, 5), (2, 3, 4)])
def test_embedding_matches_keras(shape):
    ids = np.random.default_rng(0).integers(0, 7, size=shape)
    k = keras.layers.Embedding(7, 3)
    ours = layers.Embedding(7, 3)
    k(ids)
    ours(torch.as_tensor(ids))
    ours.set_weights(k.get_weights())
    np.testing.assert_allclose(ours(torch.as_tensor(ids)).detach().numpy(), keras.ops.convert_to_numpy(k(ids)), rtol=1e-6)


def test_embedding_mask_zero():
    layer = layers.Embedding(5, 2, mask_zero=True)
    out = layer(torch.tensor([[1, 2, 0, 0], [0, 3, 4, 0]]))
    assert out._keras_mask.tolist() == [[True, True, False, False], [False, True, True, False]]
    assert getattr(layers.Embedding(5, 2)(torch.tensor([[0, 1]])), "_keras_mask", None) is None


def test_embedding_initializer_and_config_match_keras():
    keras.backend.clear_session()
    kwargs = dict(input_dim=10, output_dim=3, mask_zero=True, embeddings_regularizer="l2",
                  embeddings_constraint="unit_norm", name="emb")
    assert layers.Embedding(**kwargs).get_config() == keras.layers.Embedding(**kwargs).get_config()
    layer = layers.Embedding(1000, 20)
    layer(torch.zeros(1, 1, dtype=torch.int64))
    table = layer.get_weights()[0]
    assert table.min() >= -0.05 and table.max() <= 0.05 and table.std() > 0.02  # 'uniform' (-0.05, 0.05)


def test_embedding_keras2_input_length_and_weights():
    table = np.ones((4, 2), "float32")
    layer = layers.Embedding(4, 2, input_length=6, weights=[table])
    assert layer.input_shape == (None, 6)
    np.testing.assert_array_equal(layer(torch.tensor([[1, 2]])).detach().numpy(), np.ones((1, 2, 2)))


def test_embedding_regularizer_is_a_loss():
    layer = layers.Embedding(3, 2, embeddings_regularizer=keras_l2())
    layer(torch.tensor([[0]]))
    layer.set_weights([np.full((3, 2), 2.0, "float32")])
    torch.testing.assert_close(sum(layer.losses), torch.tensor(0.1 * 6 * 4.0))


def keras_l2():
    from keraton import regularizers

    return regularizers.L2(0.1)


@pytest.mark.parametrize("kwargs,match", [
    ({"input_dim": 0, "output_dim": 2}, "input_dim"), ({"input_dim": 3, "output_dim": -1}, "output_dim"),
])
def test_embedding_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Embedding(**kwargs)


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16", "float32"])
def test_output_dtype_is_the_compute_dtype_as_keras(policy):
    import keraton
    from keraton.mixed_precision import DTypePolicy as KeratonPolicy

    ids = np.array([[1, 2, 3]])
    ours = keraton.layers.Embedding(10, 4, dtype=KeratonPolicy(policy))
    theirs = keras.layers.Embedding(10, 4, dtype=keras.DTypePolicy(policy))
    got, expected = ours(ids), theirs(ids)
    assert str(got.dtype).replace("torch.", "") == str(expected.dtype).replace("torch.", "")
    assert ours.embeddings.dtype == torch.float32  # variables stay float32
    symbolic = ours(keraton.Input((3,), dtype="int32"))
    assert symbolic.dtype == theirs(keras.Input((3,), dtype="int32")).dtype
