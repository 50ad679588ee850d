"""Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot) against Keras 3."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")

ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]
FUNCTIONS = {"Add": "add", "Subtract": "subtract", "Multiply": "multiply", "Average": "average",
             "Maximum": "maximum", "Minimum": "minimum"}
SHAPE_SETS = [
    [(3, 4), (3, 4)],
    [(3, 2, 4), (3, 2, 4), (3, 2, 4)],
    [(3, 1, 4), (3, 5, 4)],       # size-1 broadcast
    [(3, 4), (3, 5, 4)],          # lower rank: axis inserted after the batch
    [(3, 5, 1), (3, 5, 4)],
]


def _arrays(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype("float32") for s in shapes]


def _keras_np(y):
    return np.asarray(y.detach().cpu())


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shapes", SHAPE_SETS, ids=str)
def test_elementwise_against_keras(name, shapes):
    if name == "Subtract" and len(shapes) != 2:
        pytest.skip("Subtract takes exactly two inputs")
    xs = _arrays(shapes)
    ours = getattr(layers, name)(name="layer")
    theirs = getattr(keras.layers, name)(name="layer")
    got = ours([torch.from_numpy(x) for x in xs]).numpy()
    want = _keras_np(theirs([torch.from_numpy(x) for x in xs]))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert tuple(ours.compute_output_shape(shapes)) == tuple(theirs.compute_output_shape(shapes))
    assert ours.get_config() == theirs.get_config()
    # The functional form computes the same.
    fn = getattr(layers, FUNCTIONS[name])
    np.testing.assert_allclose(fn([torch.from_numpy(x) for x in xs]).numpy(), want, rtol=1e-5)


@pytest.mark.parametrize("axis,shapes", [
    (-1, [(2, 3), (2, 4)]),
    (1, [(2, 3, 4), (2, 1, 4), (2, 2, 4)]),
    (2, [(2, 3, 4), (2, 3, 1)]),
    (-2, [(2, 3, 4), (2, 5, 4)]),
])
def test_concatenate_against_keras(axis, shapes):
    xs = _arrays(shapes)
    ours = layers.Concatenate(axis=axis, name="layer")
    theirs = keras.layers.Concatenate(axis=axis, name="layer")
    got = ours([torch.from_numpy(x) for x in xs]).numpy()
    np.testing.assert_allclose(got, np.concatenate(xs, axis=axis))
    np.testing.assert_allclose(got, _keras_np(theirs([torch.from_numpy(x) for x in xs])))
    assert tuple(ours.compute_output_shape(shapes)) == tuple(theirs.compute_output_shape(shapes))
    assert ours.get_config() == theirs.get_config()
    np.testing.assert_allclose(
        layers.concatenate([torch.from_numpy(x) for x in xs], axis=axis).numpy(), got)


@pytest.mark.parametrize("axes,normalize,shapes", [
    (1, False, [(3, 4), (3, 4)]),
    (-1, True, [(3, 4), (3, 4)]),
    ((1, 1), False, [(3, 5, 4), (3, 5, 2)]),
    ((2, 2), True, [(3, 5, 4), (3, 6, 4)]),
    ((1, 2), False, [(3, 4), (3, 6, 4)]),
    ((2, 1), False, [(3, 2, 4, 3), (3, 4, 5)]),
    (-1, False, [(3, 2, 4), (3, 4)]),
])
def test_dot_against_keras(axes, normalize, shapes):
    xs = _arrays(shapes, seed=4)
    ours = layers.Dot(axes=axes, normalize=normalize, name="layer")
    theirs = keras.layers.Dot(axes=axes, normalize=normalize, name="layer")
    got = ours([torch.from_numpy(x) for x in xs]).numpy()
    want = _keras_np(theirs([torch.from_numpy(x) for x in xs]))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert tuple(ours.compute_output_shape(shapes)) == tuple(theirs.compute_output_shape(shapes))
    assert ours.get_config() == theirs.get_config()
    fn = layers.dot([torch.from_numpy(x) for x in xs], axes=axes, normalize=normalize)
    np.testing.assert_allclose(fn.numpy(), want, rtol=1e-5, atol=1e-5)


def test_dot_by_hand_cosine():
    x = torch.tensor([[3.0, 4.0]])
    y = torch.tensor([[4.0, 3.0]])
    torch.testing.assert_close(layers.Dot(axes=1)([x, y]), torch.tensor([[24.0]]))
    torch.testing.assert_close(layers.Dot(axes=1, normalize=True)([x, y]), torch.tensor([[0.96]]))


def _masked(arrays, masks):
    out = []
    for x, m in zip(arrays, masks):
        t = torch.from_numpy(x.copy())
        if m is not None:
            t._keras_mask = torch.from_numpy(m)
        out.append(t)
    return out


MASKS = [
    np.array([[1, 1, 0, 0], [1, 0, 1, 0]], dtype=bool),
    np.array([[1, 0, 1, 0], [0, 0, 1, 1]], dtype=bool),
]


@pytest.mark.parametrize("name", ELEMENTWISE + ["Concatenate"])
@pytest.mark.parametrize("which", ["both", "first", "none"])
def test_masks_against_keras(name, which):
    xs = _arrays([(2, 4, 3), (2, 4, 3)], seed=5)
    masks = {"both": MASKS, "first": [MASKS[0], None], "none": [None, None]}[which]
    got = getattr(layers, name)()(_masked(xs, masks))
    want = getattr(keras.layers, name)()(_masked(xs, masks))
    np.testing.assert_allclose(got.numpy(), _keras_np(want), rtol=1e-5, atol=1e-5)
    want_mask = getattr(want, "_keras_mask", None)
    got_mask = getattr(got, "_keras_mask", None)
    if want_mask is None:
        assert got_mask is None
    else:
        np.testing.assert_array_equal(got_mask.numpy(), np.asarray(want_mask.cpu()))
    if which == "both":
        np.testing.assert_array_equal(got_mask.numpy(), MASKS[0] | MASKS[1])


def test_concatenate_time_axis_mask_by_hand():
    xs = _masked(_arrays([(2, 4, 3), (2, 2, 3)]), [MASKS[0], None])
    y = layers.Concatenate(axis=1)(xs)
    want = np.concatenate([MASKS[0], np.ones((2, 2), bool)], axis=1)
    np.testing.assert_array_equal(y._keras_mask.numpy(), want)


@pytest.mark.parametrize("name", ["Concatenate", "Add", "Subtract", "Multiply", "Average",
                                  "Maximum", "Minimum"])
def test_functional_two_inputs_and_config_round_trip(name):
    a, b = keraton.Input(shape=(4,), name="a"), keraton.Input(shape=(4,), name="b")
    merged = getattr(layers, name)()([a, b])
    expected = (None, 8) if name == "Concatenate" else (None, 4)
    assert merged.shape == expected
    model = keraton.Model([a, b], layers.Dense(2)(merged))
    xa, xb = torch.randn(3, 4), torch.randn(3, 4)
    y = model([xa, xb])
    config = json.loads(json.dumps(model.get_config()))
    clone = keraton.Model.from_config(config)
    clone.set_weights(model.get_weights())
    torch.testing.assert_close(clone([xa, xb]), y)
    assert clone.get_config() == model.get_config()


def test_functional_forms_on_symbolic_tensors():
    a, b = keraton.Input(shape=(3, 4)), keraton.Input(shape=(3, 2))
    assert layers.concatenate([a, b]).shape == (None, 3, 6)
    assert layers.dot([a, a], axes=2).shape == (None, 3, 3)
    assert layers.add([a, a]).shape == (None, 3, 4)
    assert layers.maximum([a, keraton.Input(shape=(1, 4))]).shape == (None, 3, 4)


def test_functional_model_config_matches_keras():

    def build(lib):
        a = lib.Input(shape=(3,), name="a")
        b = lib.Input(shape=(5,), name="b")
        c = lib.layers.Concatenate(name="cat")([a, b])
        return lib.Model([a, b], lib.layers.Dense(2, name="out")(c), name="m")

    ours, theirs = build(keraton), build(keras)
    ours_cfg, theirs_cfg = ours.get_config(), theirs.get_config()
    assert ours_cfg["layers"][2]["config"] == theirs_cfg["layers"][2]["config"]
    assert ours_cfg["layers"][2]["inbound_nodes"] == json.loads(
        json.dumps(theirs_cfg["layers"][2]["inbound_nodes"]))
    ours.set_weights(theirs.get_weights())
    xa, xb = np.ones((2, 3), "float32"), np.full((2, 5), 0.5, "float32")
    np.testing.assert_allclose(ours([torch.from_numpy(xa), torch.from_numpy(xb)]).detach().numpy(),
                               _keras_np(theirs([xa, xb])), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("make,inputs,fragments", [
    (lambda: layers.Add(name="m"), [(2, 3), (2, 4)], ["'m'", "(2, 3)", "(2, 4)"]),
    (lambda: layers.Add(name="m"), [(2, 3), (3, 3)], ["'m'", "batch"]),
    (lambda: layers.Subtract(name="m"), [(2, 3)] * 3, ["'m'", "exactly 2", "3"]),
    (lambda: layers.Concatenate(name="m"), [(2, 3, 4), (2, 2, 5)], ["'m'", "(2, 3, 4)"]),
    (lambda: layers.Concatenate(name="m"), [(2, 3), (2, 3, 1)], ["'m'", "(2, 3, 1)"]),
    (lambda: layers.Dot(axes=1, name="m"), [(2, 3), (2, 4)], ["'m'", "3", "4"]),
    (lambda: layers.Dot(axes=1, name="m"), [(2, 3)] * 3, ["'m'", "2 inputs"]),
])
def test_bad_shapes_raise(make, inputs, fragments):
    with pytest.raises(ValueError) as info:
        make()([torch.zeros(s) for s in inputs])
    for fragment in fragments:
        assert fragment in str(info.value)
    with pytest.raises(ValueError, match="'m'"):
        make()([keraton.Input(batch_shape=s) for s in inputs])


def test_single_tensor_refused():
    with pytest.raises(ValueError, match="list"):
        layers.Add(name="m")(torch.zeros(2, 3))


@pytest.mark.parametrize("axes,error", [("x", TypeError), ((1, 2, 3), ValueError),
                                        ((1.0, 2), ValueError)])
def test_dot_bad_axes(axes, error):
    with pytest.raises(error, match="axes"):
        layers.Dot(axes=axes)


def test_masks_flow_through_functional_model_as_keras():
    if not hasattr(layers, "Embedding"):
        pytest.skip("Embedding not available")

    def build(lib):
        i, j = lib.Input(shape=(5,), dtype="int32"), lib.Input(shape=(5,), dtype="int32")
        e = lib.layers.Embedding(10, 3, mask_zero=True)(i)
        f = lib.layers.Embedding(10, 3, mask_zero=True)(j)
        merged = lib.layers.Maximum()([e, f])
        return lib.Model([i, j], [lib.layers.GlobalAveragePooling1D()(e),
                                  lib.layers.GlobalAveragePooling1D()(merged)])

    theirs, ours = build(keras), build(keraton)
    ours.set_weights(theirs.get_weights())
    x = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 0, 0]])
    y = np.array([[1, 0, 3, 0, 0], [0, 4, 5, 6, 0]])
    for got, want in zip(ours([torch.tensor(x), torch.tensor(y)]), theirs([x, y])):
        np.testing.assert_allclose(got.detach().numpy(), _keras_np(want), rtol=1e-5, atol=1e-6)


def test_model_with_merge_layers_saves_and_loads(tmp_path):
    a, b = keraton.Input(shape=(3,)), keraton.Input(shape=(3,))
    x = layers.concatenate([layers.add([a, b]), layers.dot([a, b], axes=1)])
    model = keraton.Model([a, b], layers.Dense(2)(x))
    xa, xb = torch.randn(4, 3), torch.randn(4, 3)
    path = str(tmp_path / "merge.keras")
    model.save(path)
    loaded = keraton.models.load_model(path)
    torch.testing.assert_close(loaded([xa, xb]), model([xa, xb]))
