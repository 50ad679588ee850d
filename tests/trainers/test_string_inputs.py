"""fit/evaluate/predict on raw strings: NumPy string arrays stay on the host, batched with the rest."""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers
from keraton.trainers.data_adapters import ArrayDataAdapter

WORDS_POS = ["good", "great", "fine", "superb"]
WORDS_NEG = ["bad", "awful", "poor", "dull"]


def _corpus(n=48, seed=0):
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        words = WORDS_POS if i % 2 == 0 else WORDS_NEG
        texts.append(" ".join(rng.choice(words, size=rng.integers(1, 4))) + " movie")
        labels.append(1.0 - i % 2)
    return np.array(texts), np.array(labels, dtype="float32")[:, None]


def _vectorizer(texts, **kwargs):
    vectorizer = layers.TextVectorization(output_sequence_length=4, **kwargs)
    vectorizer.adapt(texts)
    return vectorizer


def _text_classifier(vectorizer):
    return keraton.Sequential([vectorizer, layers.Embedding(12, 4), layers.GlobalAveragePooling1D(),
                               layers.Dense(1, activation="sigmoid")])


@pytest.mark.parametrize("as_list", [False, True])
def test_sequential_text_classifier_fits_and_matches_integer_model(as_list):
    texts, y = _corpus()
    vectorizer = _vectorizer(texts)
    model = _text_classifier(vectorizer)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x = texts.tolist() if as_list else texts
    history = model.fit(x, y, batch_size=8, epochs=8, verbose=0, shuffle=True)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] - 0.02
    # The same weights fed the vectorized integers give exactly the same predictions.
    rest = keraton.Sequential(model.layers[1:])
    ids = vectorizer(texts)
    np.testing.assert_array_equal(model.predict(x, batch_size=5, verbose=0),
                                  rest.predict(ids.numpy(), batch_size=5, verbose=0))


def test_predict_keeps_sample_order_after_a_shuffled_fit():
    texts, y = _corpus(30)
    vectorizer = _vectorizer(texts)
    model = _text_classifier(vectorizer)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(texts, y, batch_size=4, epochs=2, shuffle=True, verbose=0)
    predictions = model.predict(texts, batch_size=7, verbose=0)
    one_by_one = np.concatenate([model(texts[i:i + 1]).detach().numpy() for i in range(len(texts))])
    np.testing.assert_allclose(predictions, one_by_one, rtol=1e-6, atol=1e-7)
    assert predictions.shape == (30, 1)
    assert len(np.unique(predictions.round(6))) > 2  # distinct texts, distinct outputs


@pytest.mark.parametrize("shuffle", [True, "batch"])
def test_array_adapter_batches_strings_with_the_same_indices(shuffle):
    x = np.array([f"s{i}" for i in range(10)])
    y = torch.arange(10)
    adapter = ArrayDataAdapter(x, y, batch_size=3, shuffle=shuffle)
    seen = []
    for bx, by in adapter.get_torch_iterator():
        assert isinstance(bx, np.ndarray) and bx.dtype.kind == "U"
        assert [f"s{i}" for i in by.tolist()] == bx.tolist()
        seen += by.tolist()
    assert sorted(seen) == list(range(10))


@pytest.mark.parametrize("shape", [(1,), ()])
def test_functional_string_input_with_validation_and_evaluate(shape):
    texts, y = _corpus(40)
    inputs = keraton.Input(shape=shape, dtype="string")
    assert inputs.dtype == "string" and inputs.shape == (None,) + shape
    vectorizer = _vectorizer(texts)
    ids = vectorizer(inputs)
    assert ids.shape == (None, 4) and ids.dtype == "int64"
    hidden = layers.GlobalAveragePooling1D()(layers.Embedding(12, 4)(ids))
    model = keraton.Model(inputs, layers.Dense(1, activation="sigmoid")(hidden))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(texts, y, batch_size=8, epochs=3, validation_split=0.25, verbose=0)
    assert len(history.history["val_loss"]) == 3
    history = model.fit(texts[:30], y[:30], epochs=1, validation_data=(texts[30:], y[30:]), verbose=0)
    rest = keraton.Sequential(model.layers[2:])
    vectors = vectorizer(texts)
    expected = rest(vectors)
    rest.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    np.testing.assert_allclose(history.history["val_loss"][0],
                               rest.evaluate(vectors[30:], y[30:], verbose=0)[0], rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(texts, y, batch_size=6, verbose=0),
                               rest.evaluate(vectors, y, batch_size=6, verbose=0), rtol=1e-6)
    np.testing.assert_array_equal(model.predict(texts, verbose=0), expected.detach().numpy())


def test_string_lookup_input_in_a_dict_of_inputs():
    colors = np.array(["red", "green", "blue", "red", "teal", "green"] * 4)
    amounts = np.linspace(0, 1, len(colors), dtype="float32")[:, None]
    y = ((colors == "red") * 1.0 + amounts[:, 0]).astype("float32")[:, None]
    color_in = keraton.Input(shape=(), dtype="string", name="color")
    amount_in = keraton.Input(shape=(1,), name="amount")
    lookup = layers.StringLookup(vocabulary=["red", "green", "blue"], output_mode="one_hot")
    hot = lookup(color_in)
    assert hot.shape == (None, 4) and hot.dtype == "float32"
    joined = layers.Concatenate()([hot, amount_in])
    model = keraton.Model({"color": color_in, "amount": amount_in}, layers.Dense(1)(joined))
    model.compile(optimizer=keraton.optimizers.SGD(0.1), loss="mse")
    x = {"color": colors, "amount": amounts}
    history = model.fit(x, y, batch_size=4, epochs=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    dense = model.layers[-1]
    expected = torch.cat([lookup(colors), torch.as_tensor(amounts)], -1) @ dense.kernel + dense.bias
    np.testing.assert_allclose(model.predict(x, batch_size=5, verbose=0),
                               expected.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_strings_into_a_numeric_input_and_numbers_into_a_string_input_are_refused():
    numeric = keraton.Input(shape=(1,), name="numbers")
    model = keraton.Model(numeric, layers.Dense(1)(numeric))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match=r"Input 'numbers'.*float32.*strings"):
        model.fit(np.array(["a", "b"]), np.zeros((2, 1)), verbose=0)
    text = keraton.Input(shape=(), dtype="string", name="words")
    lookup_model = keraton.Model(text, layers.StringLookup(vocabulary=["a"])(text))
    with pytest.raises(TypeError, match=r"Input 'words'.*strings.*float32"):
        lookup_model.predict(np.zeros((2,), "float32"), verbose=0)


def test_non_finite_targets_are_still_caught_next_to_strings():
    texts, y = _corpus(8)
    model = _text_classifier(_vectorizer(texts))
    model.compile(optimizer="sgd", loss="mse")
    y[3] = np.nan
    with pytest.raises(ValueError, match=r"training data \(y\) contains NaN.*sample 3"):
        model.fit(texts, y, verbose=0)


def test_string_input_config_round_trip_matches_keras_format():
    inputs = keraton.Input(shape=(1,), dtype="string", name="text")
    config = inputs._keras_history[0].get_config()
    assert config == {"batch_shape": [None, 1], "dtype": "string", "sparse": False,
                      "ragged": False, "name": "text", "optional": False}
    rebuilt = layers.InputLayer.from_config(config)
    assert rebuilt.output.dtype == "string"


def test_a_generator_of_string_batches_trains_like_the_arrays():
    texts, y = _corpus(16)
    vectorizer = _vectorizer(texts)

    def batches():
        for i in range(0, 16, 4):
            yield texts[i:i + 4].tolist(), y[i:i + 4]

    model = _text_classifier(vectorizer)
    model.compile(optimizer="sgd", loss="mse")
    twin = keraton.Sequential(model.layers[1:])
    twin.compile(optimizer="sgd", loss="mse")
    model(texts[:1])  # builds the shared layers
    start = [w.copy() for w in twin.get_weights()]
    model.fit(batches(), epochs=1, verbose=0)
    trained = twin.get_weights()
    twin.set_weights(start)
    twin.fit(vectorizer(texts).numpy(), y, batch_size=4, shuffle=False, epochs=1, verbose=0)
    for got, want in zip(trained, twin.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert any(not np.array_equal(a, b) for a, b in zip(trained, start))
