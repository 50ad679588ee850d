"""The new preprocessing layers inside models: symbolic shapes/dtypes, fit on numeric inputs, string inputs."""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers


@pytest.mark.parametrize("make, input_shape, input_dtype, shape, dtype", [
    (lambda: layers.Discretization(bin_boundaries=[0.0, 1.0]), (2,), "float32", (None, 2), torch.int32),
    (lambda: layers.Discretization(bin_boundaries=[0.0], output_mode="one_hot"), (2,), "float32",
     (None, 2, 2), torch.float32),
    (lambda: layers.CategoryEncoding(4), (3,), "int64", (None, 4), torch.float32),
    (lambda: layers.Hashing(5), (3,), "int64", (None, 3), torch.int64),
    (lambda: layers.Hashing(5, output_mode="count"), (3,), "int64", (None, 5), torch.float32),
    (lambda: layers.IntegerLookup(vocabulary=[3, 4], output_mode="multi_hot"), (3,), "int64",
     (None, 3), torch.float32),
])
def test_symbolic_output_matches_eager(make, input_shape, input_dtype, shape, dtype):
    layer = make()
    symbolic = layer(keraton.Input(input_shape, dtype=input_dtype))
    assert symbolic.shape == shape and symbolic.dtype == keraton.backend.standardize_dtype(dtype)
    eager = layer(torch.zeros((2,) + input_shape, dtype=getattr(torch, input_dtype)))
    assert tuple(eager.shape) == (2,) + shape[1:] and eager.dtype == dtype


def test_fit_with_integer_lookup_in_a_functional_model():
    inputs = keraton.Input((3,), dtype="int64")
    hot = layers.IntegerLookup(vocabulary=[5, 7, 9], output_mode="multi_hot")(inputs)
    model = keraton.Model(inputs, layers.Dense(1, kernel_initializer="zeros")(hot))
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[5, 7, 1], [9, 9, 9]])
    history = model.fit(x, np.ones((2, 1), "float32"), epochs=3, verbose=0)
    assert history.history["loss"][0] == pytest.approx(1.0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_text_vectorization_first_in_sequential_eager_and_fit():
    vectorizer = layers.TextVectorization(output_sequence_length=4)
    vectorizer.adapt(["a b c", "b c d"])
    model = keraton.Sequential([vectorizer, layers.Embedding(10, 3), layers.GlobalAveragePooling1D(),
                                layers.Dense(1)])
    texts = np.array(["a b", "c d e f g"], dtype=object)
    out = model(texts)
    rest = keraton.Sequential(model.layers[1:])
    torch.testing.assert_close(out, rest(vectorizer(texts)))
    model.compile(optimizer="sgd", loss="mse")
    # String arrays stay NumPy through fit (tests/trainers/test_string_inputs.py covers it fully).
    model.fit(texts, np.zeros((2, 1)), verbose=0)
    torch.testing.assert_close(torch.as_tensor(model.predict(texts, verbose=0)),
                               rest(vectorizer(texts)).detach(), rtol=0, atol=0)
