"""Functional models: graphs of layer calls, their configs and predictions, compared with Keras 3."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers


def _jsonable(x):
    return json.loads(json.dumps(x))


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _np(t):
    return t.detach().numpy()


def _histories(value) -> list:
    """Every keras_history found in a serialized argument structure, in order."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [value["config"]["keras_history"]]
        return [h for v in value.values() for h in _histories(v)]
    if isinstance(value, list):
        return [h for v in value for h in _histories(v)]
    return []


def _graph(config) -> dict:
    """name -> list over inbound nodes of the keras_history of each tensor argument."""
    return {
        entry["name"]: [_histories(node["args"]) + _histories(node["kwargs"])
                        for node in entry["inbound_nodes"]]
        for entry in config["layers"]
    }


# ----------------------------------------------------------------------------- graphs
def _two_tower(K):
    """Two inputs, a shared layer, symbolic arithmetic and slicing, two outputs."""
    L = K.layers
    a = K.Input((3,), name="a")
    b = K.Input((2,), name="b")
    shared = L.Dense(4, activation="tanh", name="shared")
    ha = shared(a)
    hb = shared(L.Dense(3, name="proj")(b))
    merged = ha + hb
    scaled = merged * 2.0
    out_main = L.Dense(1, name="main")(scaled)
    out_aux = L.Dense(2, activation="softmax", name="aux")(merged[:, 0:2] - hb[:, 1:3])
    return a, b, out_main, out_aux


def _model_list(K):
    a, b, main, aux = _two_tower(K)
    return K.Model([a, b], [main, aux], name="towers")


def _model_dict(K):
    a, b, main, aux = _two_tower(K)
    return K.Model({"a": a, "b": b}, {"main": main, "aux": aux}, name="towers")


def _model_nested(K):
    L = K.layers
    inner_in = K.Input((3,), name="inner_in")
    inner = K.Model(inner_in, L.Dense(2, activation="relu", name="inner_dense")(inner_in),
                    name="inner")
    x = K.Input((3,), name="x")
    h = inner(x)
    y = L.Dense(1, name="head")(L.Dense(4, name="mid")(x) [:, :2] + h)
    return K.Model(x, y, name="outer")


def _model_branches(K):
    """Branches of different depths: the layer order (and so the weight order) must be Keras's."""
    L = K.layers
    x = K.Input((3,), name="x")
    deep = L.Dense(2, name="c")(L.Dense(4, name="a")(x))
    shallow = L.Dense(2, name="b")(x)
    return K.Model(x, shallow + deep, name="branches")


BUILDERS = {"list": _model_list, "dict": _model_dict, "nested": _model_nested,
            "branches": _model_branches}


def _inputs(kind, batch=5):
    if kind in ("list", "dict"):
        return {"a": _rand(batch, 3, seed=1), "b": _rand(batch, 2, seed=2)}
    return {"x": _rand(batch, 3, seed=1)}


def _call_ours(model, kind, data):
    if kind == "list":
        return [_np(t) for t in model([torch.tensor(data["a"]), torch.tensor(data["b"])])]
    if kind == "dict":
        out = model({k: torch.tensor(v) for k, v in data.items()})
        return [_np(out["main"]), _np(out["aux"])]
    return [_np(model(torch.tensor(data["x"])))]


def _call_keras(model, kind, data):
    if kind == "list":
        return list(model.predict([data["a"], data["b"]], verbose=0))
    if kind == "dict":
        out = model.predict(data, verbose=0)
        return [out["main"], out["aux"]]
    return [model.predict(data["x"], verbose=0)]


# ----------------------------------------------------------------------------- behaviour
def test_multi_input_multi_output_list():
    model = _model_list(keraton)
    assert model.input_names == ["a", "b"]
    assert model.output_names == ["main", "aux"]
    assert [t.shape for t in model.inputs] == [(None, 3), (None, 2)]
    assert [t.shape for t in model.outputs] == [(None, 1), (None, 2)]
    main, aux = model([torch.randn(6, 3), torch.randn(6, 2)])
    assert tuple(main.shape) == (6, 1) and tuple(aux.shape) == (6, 2)
    torch.testing.assert_close(aux.sum(-1), torch.ones(6))  # softmax rows


def test_outputs_by_hand():
    a, b = keraton.Input((3,), name="a"), keraton.Input((2,), name="b")
    shared = layers.Dense(4, name="shared")
    proj = layers.Dense(3, name="proj")
    model = keraton.Model([a, b], [shared(a) + shared(proj(b)), (2 * a)[:, 1:]])
    xa, xb = torch.randn(5, 3), torch.randn(5, 2)
    out, sliced = model([xa, xb])
    torch.testing.assert_close(out, shared(xa) + shared(proj(xb)))
    torch.testing.assert_close(sliced, 2 * xa[:, 1:])


def test_dict_outputs_and_inputs():
    model = _model_dict(keraton)
    data = _inputs("dict")
    out = model({k: torch.tensor(v) for k, v in data.items()})
    assert set(out) == {"main", "aux"}
    # Inputs given as a list follow the dict's order.
    out_list = model([torch.tensor(data["a"]), torch.tensor(data["b"])])
    torch.testing.assert_close(out_list["main"], out["main"])
    with pytest.raises(ValueError, match=r"lacks \['b'\]"):
        model({"a": torch.tensor(data["a"])})


def test_list_model_accepts_dict_inputs_by_name():
    model = _model_list(keraton)
    data = _inputs("list")
    by_list = model([torch.tensor(data["a"]), torch.tensor(data["b"])])
    by_name = model({"b": torch.tensor(data["b"]), "a": torch.tensor(data["a"])})
    for x, y in zip(by_list, by_name):
        torch.testing.assert_close(x, y)


def test_wrong_number_of_inputs():
    model = _model_list(keraton)
    with pytest.raises(ValueError, match="expects 2 input"):
        model(torch.randn(2, 3))
    with pytest.raises(ValueError, match="called on 3 tensors"):
        model([torch.randn(2, 3)] * 3)


def test_shared_layer_has_two_nodes_and_one_set_of_weights():
    model = _model_list(keraton)
    shared = model.get_layer("shared")
    assert len(shared._inbound_nodes) == 2
    assert [tuple(w.shape) for w in shared.weights] == [(3, 4), (4,)]
    names = [layer.name for layer in model.layers]
    assert names.count("shared") == 1
    # Weights are counted once.
    assert model.count_params() == sum(layer.count_params() for layer in model.layers)


def test_nested_model_as_layer():
    model = _model_nested(keraton)
    inner = model.get_layer("inner")
    assert isinstance(inner, keraton.Model)
    # Keras's order: by decreasing depth (distance to the output), then first visit; the
    # operation nodes (``[:, :2]``, ``+``) are not layers, as in Keras 3.
    assert [layer.name for layer in model.layers] == ["x", "mid", "inner", "head"]
    assert [layer.name for layer in model._layer_list] == ["x", "mid", "get_item", "inner", "add",
                                                           "head"]
    x = torch.randn(4, 3)
    expected = model.get_layer("head")(model.get_layer("mid")(x)[:, :2] + inner(x))
    torch.testing.assert_close(model(x), expected)
    assert len(model.weights) == 6  # inner's 2 + mid's 2 + head's 2


def test_symbolic_arithmetic_shapes():
    x = keraton.Input((4,))
    y = keraton.Input((4,))
    assert (x + y).shape == (None, 4)
    assert (2 * x).shape == (None, 4)
    assert (x - 1.0).shape == (None, 4)
    assert (1.0 / (x + 2.0)).shape == (None, 4)
    assert (-x).shape == (None, 4)
    assert x[:, 0:2].shape == (None, 2)
    assert x[:, 1].shape == (None,)
    assert x[..., None].shape == (None, 4, 1)
    model = keraton.Model([x, y], [x + y, 2 * x, x[:, 0:2], 1.0 - y, x / 2.0, -x])
    xv, yv = torch.randn(3, 4), torch.randn(3, 4)
    outs = model([xv, yv])
    for got, want in zip(outs, [xv + yv, 2 * xv, xv[:, 0:2], 1.0 - yv, xv / 2.0, -xv]):
        torch.testing.assert_close(got, want)


def test_graph_disconnected():
    a, b = keraton.Input((3,), name="a"), keraton.Input((3,), name="b")
    with pytest.raises(ValueError, match="Graph disconnected.*'b'"):
        keraton.Model(a, layers.Dense(1)(a + b))


def test_duplicate_layer_names():
    x = keraton.Input((3,))
    y = layers.Dense(1, name="twin")(layers.Dense(3, name="twin")(x))
    with pytest.raises(ValueError, match="unique.*twin"):
        keraton.Model(x, y)


def test_inputs_must_be_symbolic():
    with pytest.raises(ValueError, match="symbolic"):
        keraton.Model(torch.zeros(1, 3), keraton.Input((3,)))


def test_model_called_on_symbolic_tensor():
    model = _model_nested(keraton)
    out = model(keraton.Input((3,)))
    assert out.shape == (None, 1)


def test_functional_is_a_torch_module():
    model = _model_list(keraton)
    names = dict(model.named_parameters())
    assert "shared.kernel" in names and "main.bias" in names
    assert sum(p.numel() for p in model.parameters()) == model.count_params()


# ----------------------------------------------------------------------------- config
@pytest.mark.parametrize("kind", list(BUILDERS))
def test_config_round_trip(kind):
    model = BUILDERS[kind](keraton)
    config = _jsonable(model.get_config())
    clone = keraton.Model.from_config(config)
    assert isinstance(clone, keraton.models.Functional)
    assert _jsonable(clone.get_config()) == config
    clone.set_weights(model.get_weights())
    data = _inputs(kind)
    for got, want in zip(_call_ours(clone, kind, data), _call_ours(model, kind, data)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_model_from_json(kind):
    model = BUILDERS[kind](keraton)
    clone = keraton.models.model_from_json(model.to_json())
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_config_structure_matches_keras(kind):
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()  # fresh Keras name counters, as ours
    ours = _jsonable(BUILDERS[kind](keraton).get_config())
    theirs = _jsonable(BUILDERS[kind](keras).get_config())
    assert set(ours) == set(theirs)
    assert ours["name"] == theirs["name"]
    assert ours["input_layers"] == theirs["input_layers"]
    assert ours["output_layers"] == theirs["output_layers"]
    our_graph, their_graph = _graph(ours), _graph(theirs)
    # Same layers, same order (Keras's depth order), same calls on the same tensors.
    assert list(our_graph) == list(their_graph)
    assert our_graph == their_graph
    for mine, keras_entry in zip(ours["layers"], theirs["layers"]):
        if keras_entry["class_name"] in ("Dense", "InputLayer"):
            keras_config = dict(keras_entry["config"])
            assert mine["class_name"] == keras_entry["class_name"]
            assert mine["config"] == keras_config


def test_from_keras_config():
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    L = keras.layers
    # Layers only: Keras writes symbolic arithmetic as keras.ops classes, which keraton
    # records differently (SymbolicOp) and does not load.
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    shared = L.Dense(4, activation="relu", name="shared")
    h = L.Dense(3, name="c")(L.Dense(5, name="deep")(shared(a)))
    keras_model = keras.Model([a, b], {"y": L.Dense(1, name="y")(h),
                                       "z": L.Dense(2, name="z")(shared(L.Dense(3, name="p")(b)))})
    model = keraton.Model.from_config(_jsonable(keras_model.get_config()))
    assert [layer.name for layer in model.layers] == [layer.name for layer in keras_model.layers]
    model.set_weights(keras_model.get_weights())
    xa, xb = _rand(6, 3, seed=4), _rand(6, 2, seed=5)
    ours = model([torch.tensor(xa), torch.tensor(xb)])
    theirs = keras_model.predict([xa, xb], verbose=0)
    for key in ("y", "z"):
        np.testing.assert_allclose(_np(ours[key]), theirs[key], rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- vs Keras
@pytest.mark.parametrize("kind", list(BUILDERS))
def test_predictions_match_keras_with_copied_weights(kind):
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()  # fresh Keras name counters, as ours
    keras_model = BUILDERS[kind](keras)
    model = BUILDERS[kind](keraton)
    keras_names = [layer.name for layer in keras_model.layers]
    assert [layer.name for layer in model.layers if layer.name in keras_names] == keras_names
    keras_weights = keras_model.get_weights()
    assert [w.shape for w in model.get_weights()] == [w.shape for w in keras_weights]
    model.set_weights(keras_weights)
    data = _inputs(kind, batch=7)
    for got, want in zip(_call_ours(model, kind, data), _call_keras(keras_model, kind, data)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_input_output_and_shapes_as_keras_give_them():
    """model.input/output are the structures the model was built with; shapes unwrap one input."""
    inp = keraton.Input((4,))
    feat = keraton.layers.Dense(3, name="feat")(inp)
    model = keraton.Model(inp, keraton.layers.Dense(2)(feat))
    assert model.input is inp and model.output is model.outputs[0]
    assert model.input_shape == (None, 4) and model.output_shape == (None, 2)
    # The feature-extractor idiom.
    extractor = keraton.Model(model.input, model.get_layer("feat").output)
    x = np.arange(8, dtype="float32").reshape(2, 4)
    expected = x @ feat._keras_history[0].kernel.detach().numpy() + feat._keras_history[0].bias.detach().numpy()
    np.testing.assert_allclose(extractor.predict(x, verbose=0), expected, rtol=1e-6)

    a, b = keraton.Input((3,), name="a"), keraton.Input((2,), name="b")
    two = keraton.Model({"a": a, "b": b}, [keraton.layers.Dense(1)(a), keraton.layers.Dense(5)(b)])
    assert two.input == {"a": a, "b": b} and isinstance(two.output, list) and len(two.output) == 2
    assert two.input_shape == [(None, 3), (None, 2)] and two.output_shape == [(None, 1), (None, 5)]


def test_calling_a_model_on_numpy_arrays_gives_tensors():
    a, b = keraton.Input((3,), name="a"), keraton.Input((2,), name="b")
    model = keraton.Model([a, b], keraton.layers.Concatenate()([a, b]))
    out = model([np.ones((1, 3)), np.zeros((1, 2))])  # float64 data, as Keras takes it
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    np.testing.assert_array_equal(out.numpy(), [[1, 1, 1, 0, 0]])


def test_a_model_deeper_than_the_recursion_limit_builds_and_runs():
    import sys

    depth = sys.getrecursionlimit() + 200
    inputs = keraton.Input((2,))
    x = inputs
    for _ in range(depth):
        x = keraton.layers.Activation("linear")(x)
    model = keraton.Model(inputs, keraton.layers.Dense(1, kernel_initializer="ones")(x))
    assert len(model.layers) == depth + 2  # the input layer, the activations, the Dense
    assert float(model(np.ones((1, 2), "float32"))[0, 0]) == 2.0
