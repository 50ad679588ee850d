"""Layer sizes given as numpy integers, as Keras 2 accepts them (``standardize_positive_int``).

Keras 2's ``examples/imdb_fasttext.py`` builds ``Embedding(np.max(ids) + 1, ...)``
with a ``numpy.int64`` vocabulary size; Keras 2's ``Dense``, ``Conv``, ``LSTM``,
``GRU``, ``SimpleRNN`` and ``ConvLSTM`` take numpy integers too.  The sizes are
stored as Python ints so configs stay plain, and non-integers, booleans and
non-positive sizes are still refused.
"""

import json

import numpy as np
import pytest
import torch

from keraton import layers
from keraton.utils.argument_validation import standardize_positive_int


def test_standardize_positive_int_accepts_numpy_integers():
    value = standardize_positive_int(np.int64(7), "units", "Dense 'd'")
    assert value == 7 and type(value) is int
    assert type(standardize_positive_int(np.int32(2), "filters", "Conv1D")) is int


@pytest.mark.parametrize("value", [0, -3, np.int64(0), 2.0, np.float32(2.0), True, "4", None])
def test_standardize_positive_int_refuses(value):
    with pytest.raises(ValueError, match=r"Dense 'd': `units` must be a positive integer, got units="):
        standardize_positive_int(value, "units", "Dense 'd'")


def test_embedding_numpy_input_dim_as_in_imdb_fasttext():
    ids = [31, 258, 17]
    layer = layers.Embedding(np.max(ids) + 1, np.int64(3), input_length=5)
    out = layer(torch.tensor([[0, 258, 1, 2, 3]]))
    assert tuple(out.shape) == (1, 5, 3)
    assert [tuple(w.shape) for w in layer.get_weights()] == [(259, 3)]
    config = layer.get_config()
    assert (config["input_dim"], config["output_dim"]) == (259, 3)
    json.dumps(config)  # plain ints, not numpy scalars
    assert layers.Embedding.from_config(config).input_dim == 259


# Output shapes and parameter counts as Keras 2.15 gives them for a size of np.int64(3).
@pytest.mark.parametrize("make,shape,out_shape,count", [
    (lambda n: layers.Dense(n), (2, 4), (2, 3), 15),
    (lambda n: layers.LSTM(n), (2, 5, 4), (2, 3), 96),
    (lambda n: layers.GRU(n), (2, 5, 4), (2, 3), 81),
    (lambda n: layers.SimpleRNN(n), (2, 5, 4), (2, 3), 24),
    (lambda n: layers.ConvLSTM1D(n, 2), (2, 3, 5, 4), (2, 4, 3), 180),
    (lambda n: layers.Conv1D(n, 2), (2, 5, 4), (2, 4, 3), 27),
    (lambda n: layers.SeparableConv1D(n, 2), (2, 5, 4), (2, 4, 3), 23),
    (lambda n: layers.Conv1DTranspose(n, 2), (2, 5, 4), (2, 6, 3), 27),
])
def test_layer_sizes_accept_numpy_integers(make, shape, out_shape, count):
    layer = make(np.int64(3))
    out = layer(torch.zeros(shape))
    assert tuple(out.shape) == out_shape
    assert layer.count_params() == count
    size = layer.get_config().get("units", layer.get_config().get("filters"))
    assert size == 3 and type(size) is int


def test_embedding_bad_size_message_names_layer():
    with pytest.raises(ValueError, match=r"Embedding 'emb': `input_dim` must be a positive integer"):
        layers.Embedding(0, 2, name="emb")
