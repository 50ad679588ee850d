"""One battery of generic checks run on every layer (in the spirit of scikit-learn's estimator checks).

To put a new layer under these checks, add one ``Case`` to ``CASES``: a
factory making the layer with representative arguments, the input shape it
is called on, how many trainable / non-trainable weight tensors it must
have, and optionally inputs it must refuse.  A layer called on a list of
tensors (merge layers) gives ``input_shape`` (and each bad input) as a tuple
of shapes.  Every check below then runs on it:

* config: ``get_config`` is JSON-serializable, ``from_config`` rebuilds a layer
  with an equal config, and with the same weights (and the own variables and
  assets a ``.keras`` file carries, such as an adapted vocabulary) it computes
  the same output;
* weights: ``get_weights``/``set_weights`` round trip, copies, count checks;
* shapes: ``compute_output_shape`` (concrete and ``None`` batch) and the shape
  of a symbolic (functional) call equal the eager output's shape;
* gradients reach every trainable weight (and the input), unless the Case
  says ``differentiable=False`` (lookups, hashing, encodings);
* freezing: ``trainable = False`` moves all weights to non-trainable;
* inference is deterministic (layers start in inference mode, as in Keras);
* bad inputs raise ``ValueError`` naming the layer, what it expects and what it got.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from battery_cases import Case, all_cases

import keraton
from keraton import layers
from keraton.layers import call_context
from keraton.layers.layer_weights import WeightsMixin

CASES = all_cases()

IDS = [c.id for c in CASES]


def _multi(shape) -> bool:
    """A Case's ``input_shape`` may be a tuple of shapes: the layer takes a list (merge layers)."""
    return len(shape) > 0 and isinstance(shape[0], (tuple, list))


def _input(case: Case):
    gen = torch.Generator().manual_seed(1234)
    if case.make_input is not None:
        return case.make_input(gen)
    if _multi(case.input_shape):
        return [torch.randn(s, generator=gen) for s in case.input_shape]
    return torch.randn(case.input_shape, generator=gen)


def _shapes(x, batch=0):
    """Shape(s) of a tensor or a list of them; ``batch=None`` marks the batch size unknown."""
    if isinstance(x, list):
        return [_shapes(t, batch) for t in x]
    return tuple(x.shape) if batch == 0 else (batch,) + tuple(x.shape[1:])


def _tensors(x) -> list:
    return x if isinstance(x, list) else [x]


def _inferring(layer):
    """``layer``, its bare calls made to infer.

    The augmentation layers train on bare calls (Keras's default
    ``training=True``); torch's ``eval()`` pins them to inference.
    """
    if call_context.call_default(type(layer), "training") is True:
        layer.eval()
    return layer


def _inference_layer(case: Case):
    return _inferring(case.factory())


def _built(case: Case):
    layer = _inference_layer(case)
    x = _input(case)
    y = layer(x)
    return layer, x, y


def _random_weights(layer, seed=7) -> list:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=w.shape).astype(w.dtype) for w in layer.get_weights()]


def _jsonable(config):
    return json.loads(json.dumps(config))


def _comparable(config):
    """The config as JSON values; Python bytecode (Lambda) replaced by a marker.

    ``marshal`` does not produce canonical bytes (a reloaded code object may
    dump differently), so bytecode is compared by behaviour, not by text.
    """
    config = _jsonable(config)
    fn = config.get("function")
    if isinstance(fn, dict) and fn.get("class_name") == "__lambda__":
        assert isinstance(fn["config"]["code"], str) and fn["config"]["code"]
        fn["config"]["code"] = "<bytecode>"
    return config


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_weight_counts_and_build(case):
    layer = case.factory()
    layer(_input(case))
    assert layer.built
    assert len(layer.trainable_weights) == case.n_trainable
    assert len(layer.non_trainable_weights) == case.n_non_trainable
    assert len(layer.weights) == case.n_trainable + case.n_non_trainable
    assert layer.count_params() == sum(int(np.prod(w.shape)) for w in layer.get_weights())
    # The weights are the module's parameters (state_dict, .to(), optimizers see them).
    param_ids = {id(p) for p in layer.parameters()}
    assert {id(w) for w in layer.weights} == param_ids


def _copy_saved_state(layer, clone, directory) -> None:
    """What a .keras file carries beyond config and weights: own variables and assets (vocabularies)."""
    if type(layer).save_own_variables is not WeightsMixin.save_own_variables:
        store = {}
        layer.save_own_variables(store)
        clone.load_own_variables(store)
    if hasattr(layer, "save_assets"):
        layer.save_assets(directory)
        clone.load_assets(directory)


@pytest.mark.parametrize("case", [c for c in CASES if c.config_round_trip],
                         ids=[c.id for c in CASES if c.config_round_trip])
def test_config_round_trip(case, tmp_path):
    layer, x, _ = _built(case)
    config = layer.get_config()
    assert config["name"] == layer.name
    assert config["trainable"] is True
    text = json.dumps(config)  # must be JSON-friendly
    clone = _inferring(type(layer).from_config(json.loads(text), **case.from_config_kwargs))
    assert type(clone) is type(layer)
    _copy_saved_state(layer, clone, tmp_path)
    assert _comparable(clone.get_config()) == _comparable(config)
    clone(x)
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in layer.get_weights()]
    clone.set_weights(layer.get_weights())
    torch.testing.assert_close(clone(x), layer(x))


@pytest.mark.parametrize("case", [c for c in CASES if c.config_round_trip and not c.from_config_kwargs],
                         ids=[c.id for c in CASES if c.config_round_trip and not c.from_config_kwargs])
def test_serialize_deserialize(case):
    layer, x, _ = _built(case)
    serialized = _jsonable(layers.serialize(layer))
    assert serialized["class_name"] == type(layer).__name__
    assert serialized["module"] == "keras.layers"
    clone = layers.deserialize(serialized)
    assert type(clone) is type(layer)
    assert _jsonable(clone.get_config()) == serialized["config"]


@pytest.mark.parametrize("case", [c for c in CASES if not c.config_round_trip],
                         ids=[c.id for c in CASES if not c.config_round_trip])
def test_from_config_refused(case):
    layer, _, _ = _built(case)
    with pytest.raises(ValueError, match="cannot be rebuilt"):
        type(layer).from_config(layer.get_config())


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_weights_round_trip(case):
    layer, x, _ = _built(case)
    weights = layer.get_weights()
    if not weights:
        layer.set_weights([])
        with pytest.raises(ValueError, match=layer.name):
            layer.set_weights([np.zeros(1, "float32")])
        return
    new = _random_weights(layer)
    layer.set_weights(new)
    for got, want in zip(layer.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    # get_weights returns copies: editing them leaves the layer alone.
    copy = layer.get_weights()
    copy[0][...] = 123.0
    np.testing.assert_array_equal(layer.get_weights()[0], new[0])
    # Another instance given the same weights computes the same function.
    other = case.factory()
    other(x)
    other.set_weights(new)
    torch.testing.assert_close(other(x), layer(x))
    # Wrong count and wrong shape are refused, naming the layer.
    with pytest.raises(ValueError, match="expects"):
        layer.set_weights(new[:-1])
    bad = list(new)
    bad[0] = np.zeros(tuple(d + 1 for d in bad[0].shape), "float32")
    with pytest.raises(ValueError, match="shape"):
        layer.set_weights(bad)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_output_shapes_agree(case):
    layer, x, y = _built(case)
    assert tuple(layer.compute_output_shape(_shapes(x))) == tuple(y.shape)
    unknown_batch = _shapes(x, batch=None)
    assert tuple(layer.compute_output_shape(unknown_batch)) == (None,) + tuple(y.shape[1:])
    inputs = [keraton.Input(shape=tuple(t.shape[1:]), dtype=case.input_dtype) for t in _tensors(x)]
    symbolic = layer(inputs if isinstance(x, list) else inputs[0])
    assert isinstance(symbolic, keraton.KerasTensor)
    assert symbolic.shape == (None,) + tuple(y.shape[1:])
    assert symbolic.dtype == keraton.backend.standardize_dtype(y.dtype)  # Keras's dtype name


@pytest.mark.parametrize("case", [c for c in CASES if c.differentiable],
                         ids=[c.id for c in CASES if c.differentiable])
def test_gradients_reach_every_trainable_weight(case):
    layer = _inference_layer(case)
    x = _input(case)
    for t in _tensors(x):
        if t.is_floating_point():  # integer inputs (indices) take no gradient
            t.requires_grad_(True)
    y = layer(x)
    loss = (y * torch.linspace(0.5, 1.5, y.numel()).reshape(y.shape)).square().sum()
    loss = loss + sum(layer.losses, torch.tensor(0.0))
    loss.backward()
    assert len(layer.trainable_weights) == case.n_trainable
    for w in layer.trainable_weights:
        assert w.requires_grad
        assert w.grad is not None, f"no gradient reached {getattr(w, '_keras_name', w.shape)}"
        assert float(w.grad.abs().sum()) > 0
    for t in _tensors(x):
        if t.is_floating_point():
            assert t.grad is not None and float(t.grad.abs().sum()) > 0


@pytest.mark.parametrize("case", [c for c in CASES if c.n_trainable],
                         ids=[c.id for c in CASES if c.n_trainable])
def test_freezing(case):
    layer, x, _ = _built(case)
    layer.trainable = False
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == case.n_trainable + case.n_non_trainable
    assert layer.get_config()["trainable"] is False
    assert all(not w.requires_grad for w in layer.weights)
    assert not layer(x).requires_grad  # no weight asks for a gradient any more
    layer.trainable = True
    assert len(layer.trainable_weights) == case.n_trainable


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_inference_by_default_is_deterministic(case):
    layer, x, y = _built(case)
    assert layer.training is False
    torch.testing.assert_close(layer(x), y, rtol=0, atol=0)


@pytest.mark.parametrize(
    "case,bad_shape,fragments,make",
    [(c, bad[0], bad[1], bad[2] if len(bad) > 2 else None) for c in CASES for bad in c.bad_inputs],
    ids=[f"{c.id}-{bad[0]}" for c in CASES for bad in c.bad_inputs],
)
def test_bad_input_raises_value_error(case, bad_shape, fragments, make):
    layer, _, _ = _built(case)
    weights_before = layer.get_weights()
    # A bad value (rather than shape) may be a TypeError, e.g. strings given to an IntegerLookup.
    with pytest.raises(ValueError if make is None else (ValueError, TypeError)) as info:
        if make is not None:
            layer(make(bad_shape))
        else:
            layer([torch.zeros(s) for s in bad_shape] if _multi(bad_shape) else torch.zeros(bad_shape))
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    # The same check applies to symbolic calls.
    if len(bad_shape) > 0 and make is None:
        with pytest.raises(ValueError, match=layer.name):
            if _multi(bad_shape):
                layer([keraton.Input(batch_shape=(None,) + tuple(s[1:])) for s in bad_shape])
            else:
                layer(keraton.Input(batch_shape=(None,) + tuple(bad_shape[1:]), dtype=case.input_dtype))
    for before, after in zip(weights_before, layer.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_every_core_layer_is_covered():
    """The battery covers every public layer class (a new layer must get a Case)."""
    covered = {type(c.factory()).__name__ for c in CASES} | {name for c in CASES for name in c.covers}
    # MaxNumBoundingBoxes takes bounding-box dicts, not tensors: test_bounding_box_augmentation.py.
    # JaxLayer, FlaxLayer and TFSMLayer refuse to be created on PyTorch: test_foreign_layers.py.
    # AbstractRNNCell is tf.keras 2's abstract base of custom cells: rnn/test_abstract_rnn_cell.py;
    # Recurrent and ConvRecurrent2D are Keras 2's abstract bases of custom RNNs:
    # rnn/test_legacy_recurrent.py.
    not_battery = {"Layer", "Wrapper", "InputLayer", "SymbolicOp", "KerasTensor", "InputSpec",
                   "MaxNumBoundingBoxes", "JaxLayer", "FlaxLayer", "TFSMLayer", "AbstractRNNCell",
                   "Recurrent", "ConvRecurrent2D"}
    # Aliases (MaxPool2D is MaxPooling2D) are covered by their class's Case.
    public = {
        getattr(layers, name).__name__ for name in layers.__all__
        if isinstance(getattr(layers, name), type)
        and issubclass(getattr(layers, name), layers.Layer)
        and name not in not_battery
    }
    assert public - covered == set()
