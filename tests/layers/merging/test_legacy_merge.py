"""Keras 2.0/2.1's deprecated ``Merge`` layer and ``merge`` function.

Checked against hand computations (NumPy), against Keras 3's merging layers in
an equivalent functional model with the same weights (forward and SGD
training), and for Keras 2.1's error messages and warnings.
"""

import warnings

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")

MERGE_WARNING = "The `Merge` layer is deprecated and will be removed after 08/2017"
FUNCTION_WARNING = "The `merge` function is deprecated and will be removed after 08/2017"


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


def _arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype("float32") for s in shapes]


def _cos(x, y, axis):
    dot = (x * y).sum(axis, keepdims=True)
    norm = np.sqrt((x * x).sum(axis, keepdims=True) * (y * y).sum(axis, keepdims=True))
    return dot / np.maximum(norm, 1e-7)


CASES = [
    ("sum", {}, [(3, 4)] * 3, lambda xs: xs[0] + xs[1] + xs[2]),
    ("mul", {}, [(3, 4)] * 3, lambda xs: xs[0] * xs[1] * xs[2]),
    ("ave", {}, [(3, 2, 4)] * 2, lambda xs: (xs[0] + xs[1]) / 2),
    ("max", {}, [(3, 4)] * 3, lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2])),
    ("concat", {}, [(3, 4), (3, 2)], lambda xs: np.concatenate(xs, -1)),
    ("concat", {"concat_axis": 1}, [(3, 2, 4), (3, 5, 4)], lambda xs: np.concatenate(xs, 1)),
    ("dot", {}, [(3, 4), (3, 4)], lambda xs: (xs[0] * xs[1]).sum(-1, keepdims=True)),
    ("dot", {"dot_axes": [2, 2]}, [(3, 2, 4), (3, 5, 4)],
     lambda xs: np.einsum("bik,bjk->bij", xs[0], xs[1])),
    ("cos", {}, [(3, 4), (3, 4)], lambda xs: _cos(xs[0], xs[1], -1)),
]


@pytest.mark.parametrize("mode,kwargs,shapes,expected", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_modes_eagerly_and_symbolically_against_numpy(mode, kwargs, shapes, expected):
    xs = _arrays(*shapes)
    want = expected(xs)
    with pytest.warns(UserWarning, match=MERGE_WARNING):
        layer = layers.Merge(mode=mode, **kwargs)
    got = layer([torch.from_numpy(x) for x in xs])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape(shapes) == want.shape

    inputs = [keraton.Input(s[1:]) for s in shapes]
    with pytest.warns(UserWarning, match=FUNCTION_WARNING):
        out = layers.merge(inputs, mode=mode, **kwargs)
    assert tuple(out.shape) == (None,) + want.shape[1:]
    model = keraton.Model(inputs, out)
    np.testing.assert_allclose(model.predict(xs, verbose=0), want, rtol=1e-5, atol=1e-6)


def _two_branches(seed):
    torch.manual_seed(seed)
    left = keraton.Sequential([layers.Dense(4, input_dim=3, activation="tanh")])
    right = keraton.Sequential([layers.Dense(4, input_dim=2, activation="relu")])
    return left, right


@pytest.mark.parametrize("mode,keras_merge", [("concat", "Concatenate"), ("sum", "Add"),
                                              ("mul", "Multiply"), ("ave", "Average")])
def test_sequential_merge_of_models_trains_as_keras3_functional_model(mode, keras_merge):
    """Keras 1's ``Sequential().add(Merge([left, right]))``: two inputs, same numbers as Keras 3."""
    left, right = _two_branches(0)
    model = keraton.Sequential()
    model.add(_quiet(layers.Merge, [left, right], mode=mode))
    model.add(layers.Dense(1))
    assert [tuple(t.shape) for t in model.inputs] == [(None, 3), (None, 2)]
    assert model.input_shape == [(None, 3), (None, 2)]
    weights = model.get_weights()
    # Keras 2.1's order: the merged models' weights, then the following layers'.
    assert [w.shape for w in weights] == [(3, 4), (4,), (2, 4), (4,),
                                          (8 if mode == "concat" else 4, 1), (1,)]

    a, b = keras.Input((3,)), keras.Input((2,))
    merged = getattr(keras.layers, keras_merge)()([keras.layers.Dense(4, activation="tanh")(a),
                                                   keras.layers.Dense(4, activation="relu")(b)])
    oracle = keras.Model([a, b], keras.layers.Dense(1)(merged))
    oracle.set_weights(weights)

    x1, x2, y = _arrays((32, 3), (32, 2), (32, 1), seed=1)
    np.testing.assert_allclose(model.predict([x1, x2], verbose=0),
                               np.asarray(oracle.predict([x1, x2], verbose=0)), rtol=1e-5, atol=1e-6)
    model.compile(keraton.optimizers.SGD(lr=0.1), "mse")
    oracle.compile(keras.optimizers.SGD(learning_rate=0.1), "mse")
    ours = model.fit([x1, x2], y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    theirs = oracle.fit([x1, x2], y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    for got, want in zip(model.get_weights(), oracle.get_weights()):
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-4, atol=1e-6)
    # The merged models are the same objects: they trained too.
    np.testing.assert_allclose(left.get_weights()[0], model.get_weights()[0])


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_sequential_merge_saves_and_loads(tmp_path, suffix):
    left, right = _two_branches(2)
    model = keraton.Sequential([_quiet(layers.Merge, [left, right], mode="concat", name="joined"),
                                layers.Dense(2)])
    model.compile("adam", "mse")
    x1, x2 = _arrays((5, 3), (5, 2))
    want = model.predict([x1, x2], verbose=0)
    path = str(tmp_path / f"merged{suffix}")
    model.save(path)
    loaded = _quiet(keraton.models.load_model, path)
    assert [layer.name for layer in loaded.layers] == ["joined", model.layers[1].name]
    assert loaded.layers[0].mode == "concat" and len(loaded.layers[0].layers) == 2
    np.testing.assert_allclose(loaded.predict([x1, x2], verbose=0), want, rtol=1e-6)
    config = model.layers[0].get_config()
    assert {k: config[k] for k in ("mode", "concat_axis", "dot_axes", "output_shape",
                                   "output_mask", "arguments")} == {
        "mode": "concat", "concat_axis": -1, "dot_axes": -1, "output_shape": None,
        "output_mask": None, "arguments": {}}
    assert [c["class_name"] for c in config["layers"]] == ["Sequential", "Sequential"]


def test_functional_merge_saves_and_loads(tmp_path):
    a, b = keraton.Input((4,)), keraton.Input((4,))
    out = layers.Dense(2)(_quiet(layers.merge, [a, b], mode="dot", dot_axes=1, name="m"))
    model = keraton.Model([a, b], out)
    xa, xb = _arrays((3, 4), (3, 4))
    model.save(tmp_path / "f.keras")
    loaded = _quiet(keraton.models.load_model, tmp_path / "f.keras")
    np.testing.assert_allclose(loaded.predict([xa, xb], verbose=0),
                               model.predict([xa, xb], verbose=0), rtol=1e-6)
    assert loaded.get_layer("m").dot_axes == 1


def test_merge_of_connected_layers_takes_their_inputs():
    inp = keraton.Input((3,))
    first, second = layers.Dense(2, name="first"), layers.Dense(2, name="second")
    first(inp), second(inp)
    merged = _quiet(layers.Merge, [first, second], mode="max")
    x = _arrays((4, 3))[0]
    got = merged(torch.from_numpy(x))  # one shared source input
    want = np.maximum(first(torch.from_numpy(x)).detach().numpy(),
                      second(torch.from_numpy(x)).detach().numpy())
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-6)
    with pytest.raises(NotImplementedError, match="not models"):
        merged.get_config()


def test_masks_follow_keras_2_rules():
    ids = torch.tensor([[1, 2, 0], [3, 0, 0]])
    other = torch.tensor([[4, 0, 5], [6, 7, 8]])
    embed_a = layers.Embedding(10, 2, mask_zero=True)
    embed_b = layers.Embedding(10, 2, mask_zero=True)
    ea, eb = embed_a(ids), embed_b(other)
    mask_a, mask_b = ids != 0, other != 0
    summed = _quiet(layers.merge, [ea, eb], mode="sum")
    assert torch.equal(summed._keras_mask, mask_a & mask_b)  # AND (Keras 3's Add: OR)
    concat = _quiet(layers.merge, [ea, eb], mode="concat")
    assert torch.equal(concat._keras_mask, mask_a & mask_b)
    unmasked = _quiet(layers.merge, [ea, eb.detach().clone()], mode="concat", concat_axis=1)
    assert torch.equal(unmasked._keras_mask, torch.cat([mask_a, torch.ones_like(mask_b)], 1))
    assert getattr(_quiet(layers.merge, [ea, eb], mode="dot", dot_axes=2), "_keras_mask",
                   None) is None


def test_function_mode_with_arguments_mask_and_output_shape():
    seen = {}

    def weighted(tensors, scale, mask=None):
        seen["mask"] = mask
        return scale * tensors[0] - tensors[1]

    layer = _quiet(layers.Merge, mode=weighted, arguments={"scale": 3.0}, output_shape=(4,),
                   output_mask=lambda masks: masks[0])
    x, y = _arrays((2, 4), (2, 4))
    got = layer([torch.from_numpy(x), torch.from_numpy(y)])
    np.testing.assert_allclose(got.numpy(), 3 * x - y, rtol=1e-6)
    assert seen["mask"] == [None, None]
    assert layer.compute_output_shape([(2, 4), (2, 4)]) == (2, 4)
    assert layer.compute_mask([x, y], ["m0", "m1"]) == "m0"
    with pytest.raises(NotImplementedError, match="function as `mode`"):
        layer.get_config()
    with pytest.raises(ValueError, match="cannot infer its output shape"):
        _quiet(layers.Merge, mode=weighted).compute_output_shape([(2, 4), (2, 4)])


@pytest.mark.parametrize("kwargs,shapes,error,match", [
    ({"mode": "avg"}, None, ValueError, "Invalid merge mode: 'avg'"),
    ({"mode": "sum"}, [(4,), (5,)], ValueError, "Only layers of same output shape can be merged "
                                                "using sum mode"),
    ({"mode": "dot"}, [(4,), (5,)], ValueError, "Dimension incompatibility using dot mode: 4 != 5"),
    ({"mode": "cos"}, [(4,)] * 3, ValueError, "cos merge takes exactly 2 layers"),
    ({"mode": "concat"}, [(2, 4), (3, 4)], ValueError, '"concat" mode can only merge layers'),
    ({"mode": "sum"}, [(4,)], TypeError, "at least 2"),
])
def test_keras_2_argument_errors(kwargs, shapes, error, match):
    with pytest.raises(error, match=match):
        layer = _quiet(layers.Merge, **kwargs)
        layer([keraton.Input(s) for s in shapes])


def test_layers_argument_needs_two_layers():
    left, _ = _two_branches(0)
    with pytest.raises(TypeError, match="at least 2 elements"):
        _quiet(layers.Merge, [left])


def test_keras2_merge_module_is_also_the_merge_function():
    """Keras 2.0/2.1's ``keras.layers.merge`` was both a module and the ``merge`` function."""
    import keraton.layers.merge as merge_module

    a, b = keraton.Input((2,)), keraton.Input((3,))
    out = _quiet(merge_module, [a, b], mode="concat")
    assert tuple(out.shape) == (None, 5)
    assert _quiet(keraton.layers.merge, [a, b], mode="concat").shape == (None, 5)
    assert merge_module.concatenate is layers.concatenate


def test_keras1_babi_rnn_program_matches_keras3():
    """Keras 1.2's examples/babi_rnn.py model (Merge of two Sequentials, nb_epoch) vs Keras 3."""
    vocab, story_len, query_len, hidden = 12, 7, 3, 8
    torch.manual_seed(0)
    sentrnn = keraton.Sequential()
    sentrnn.add(layers.Embedding(vocab, hidden, input_length=story_len))
    sentrnn.add(layers.Dropout(0.0))
    qrnn = keraton.Sequential()
    qrnn.add(layers.Embedding(vocab, hidden, input_length=query_len))
    qrnn.add(layers.Dropout(0.0))
    qrnn.add(layers.LSTM(hidden, return_sequences=False))
    qrnn.add(layers.RepeatVector(story_len))
    model = keraton.Sequential()
    model.add(_quiet(layers.Merge, [sentrnn, qrnn], mode="sum"))
    model.add(layers.LSTM(hidden, return_sequences=False))
    model.add(layers.Dense(vocab, activation="softmax"))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])

    story, query = keras.Input((story_len,)), keras.Input((query_len,))
    twins = [(sentrnn.layers[0], keras.layers.Embedding(vocab, hidden)),
             (qrnn.layers[0], keras.layers.Embedding(vocab, hidden)),
             (qrnn.layers[2], keras.layers.LSTM(hidden)),
             (model.layers[1], keras.layers.LSTM(hidden)),
             (model.layers[2], keras.layers.Dense(vocab, activation="softmax"))]
    s = twins[0][1](story)
    q = keras.layers.RepeatVector(story_len)(twins[2][1](twins[1][1](query)))
    oracle = keras.Model([story, query], twins[4][1](twins[3][1](keras.layers.Add()([s, q]))))
    for ours_layer, their_layer in twins:
        their_layer.set_weights(ours_layer.get_weights())
    oracle.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])

    rng = np.random.default_rng(3)
    x, xq = rng.integers(1, vocab, (40, story_len)), rng.integers(1, vocab, (40, query_len))
    y = np.eye(vocab, dtype="float32")[xq[:, 0]]  # the answer: the query's first word
    with pytest.warns(UserWarning, match="nb_epoch"):
        ours = model.fit([x, xq], y, batch_size=8, nb_epoch=3, shuffle=False, verbose=0).history
    theirs = oracle.fit([x, xq], y, batch_size=8, epochs=3, shuffle=False, verbose=0).history
    np.testing.assert_allclose(ours["loss"], theirs["loss"], rtol=1e-4)
    np.testing.assert_allclose(ours["accuracy"], theirs["accuracy"])
    loss, acc = model.evaluate([x, xq], y, batch_size=8, verbose=0)
    want = oracle.evaluate([x, xq], y, batch_size=8, verbose=0)
    np.testing.assert_allclose([loss, acc], want, rtol=1e-4)
