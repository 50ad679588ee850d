"""keras.models.clone_model against real Keras 3: clone_function, call_function, recursive,
input_tensors, shared layers and the compiled clone."""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")

LIBS = [keraton, keras]


def _functional(ns):
    a = ns.Input((4,), name="a")
    shared = ns.layers.Dense(3, name="shared")
    h = ns.layers.Dropout(0.1, name="drop")(shared(a))
    b = shared(ns.layers.Dense(4, name="pre")(a))
    out = ns.layers.Dense(2, name="out")(h + b)
    return ns.Model(a, out, name="func")


def _sequential(ns):
    return ns.Sequential([ns.Input((4,)), ns.layers.Dense(3, name="d1"),
                          ns.layers.Dropout(0.2, name="drop"), ns.layers.Dense(1, name="d2")],
                         name="seq")


def _x():
    return np.random.RandomState(0).rand(5, 4).astype("float32")


def _summary(model):
    return [(layer.name, type(layer).__name__, [w.shape for w in layer.get_weights()])
            for layer in model.layers]


@pytest.mark.parametrize("build", [_functional, _sequential])
def test_default_clone_has_new_layers_and_equal_structure(build):
    results = {}
    for ns in LIBS:
        model = build(ns)
        clone = ns.models.clone_model(model)
        assert type(clone) is type(model) and clone.name == model.name
        assert all(c is not o for c, o in zip(clone.layers, model.layers))
        results[ns] = _summary(clone)
        clone.set_weights(model.get_weights())
        np.testing.assert_allclose(np.asarray(clone.predict(_x(), verbose=0)),
                                   np.asarray(model.predict(_x(), verbose=0)), rtol=1e-6)
    assert results[keraton] == results[keras]


def test_shared_layer_is_cloned_once():
    clone = keraton.models.clone_model(_functional(keraton))
    shared = clone.get_layer("shared")
    assert len(shared._inbound_nodes) == 2
    assert len(clone.weights) == len(_functional(keraton).weights)


@pytest.mark.parametrize("build", [_functional, _sequential])
def test_clone_function_replaces_layers(build):
    names = {}
    for ns in LIBS:
        def clone_function(layer, ns=ns):
            if isinstance(layer, ns.layers.Dropout):
                return ns.layers.Dropout(0.5, name=layer.name)
            return layer.__class__.from_config(layer.get_config())

        clone = ns.models.clone_model(build(ns), clone_function=clone_function)
        assert clone.get_layer("drop").rate == 0.5
        names[ns] = _summary(clone)
    assert names[keraton] == names[keras]


def test_clone_function_returning_the_layer_shares_weights():
    model = _sequential(keraton)
    clone = keraton.models.clone_model(model, clone_function=lambda layer: layer)
    assert clone.layers[0] is model.layers[0]


def test_call_function_inserts_layers_as_keras():
    summaries, outputs = {}, {}
    for ns in LIBS:
        def call_function(layer, *args, ns=ns, **kwargs):
            out = layer(*args, **kwargs)
            if isinstance(layer, ns.layers.Dense) and layer.name == "out":
                out = ns.layers.Activation("tanh", name="extra")(out)
            return out

        model = _functional(ns)
        model.set_weights([np.full(w.shape, 0.1, "float32") for w in model.get_weights()])
        clone = ns.models.clone_model(model, call_function=call_function)
        clone.set_weights(model.get_weights())
        summaries[ns] = _summary(clone)
        outputs[ns] = np.asarray(clone.predict(_x(), verbose=0))
    assert summaries[keraton] == summaries[keras]
    assert summaries[keraton][-1][0] == "extra"
    np.testing.assert_allclose(outputs[keraton], outputs[keras], rtol=1e-6)


@pytest.mark.parametrize("recursive", [False, True])
def test_recursive_clones_nested_models_layer_by_layer(recursive):
    seen = {}
    for ns in LIBS:
        inner = _sequential(ns)
        inp = ns.Input((4,))
        model = ns.Model(inp, ns.layers.Dense(2, name="head")(inner(inp)))
        visited = []

        def clone_function(layer, visited=visited):
            visited.append(type(layer).__name__)
            if isinstance(layer, (keraton.Model, keras.Model)):
                return layer  # not recursive: the nested model arrives whole
            return layer.__class__.from_config(layer.get_config())

        clone = ns.models.clone_model(model, clone_function=clone_function, recursive=recursive)
        seen[ns] = visited
        nested = clone.layers[1]
        assert (nested is inner) == (not recursive)
    assert seen[keraton] == seen[keras]


def test_input_tensors_build_the_clone_on_given_inputs():
    for ns in LIBS:
        new_input = ns.Input((4,), name="fresh")
        clone = ns.models.clone_model(_functional(ns), input_tensors=new_input)
        assert clone.inputs[0] is new_input
        seq = ns.models.clone_model(_sequential(ns), input_tensors=[ns.Input((4,))])
        assert seq.output_shape == (None, 1)


def test_compiled_original_gives_compiled_clone():
    model = _sequential(keraton)
    model.compile(keraton.optimizers.Adam(0.01), "mse", metrics=["mae"])
    clone = keraton.models.clone_model(model)
    assert clone.compiled and type(clone.optimizer).__name__ == "Adam"
    assert clone.optimizer is not model.optimizer
    assert float(clone.optimizer.learning_rate) == pytest.approx(0.01)
    logs = clone.evaluate(_x(), np.zeros((5, 1)), verbose=0, return_dict=True)
    assert sorted(logs) == ["loss", "mae"]


def test_subclassed_model_is_rebuilt_from_its_config():
    class Tiny(keraton.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = keraton.layers.Dense(units)

        def call(self, x):
            return self.dense(x)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    clone = keraton.models.clone_model(Tiny(units=3))
    assert isinstance(clone, Tiny) and clone.units == 3


@pytest.mark.parametrize("kwargs, message, libs", [
    ({"call_function": lambda layer, *a, **k: layer(*a, **k)}, "not supported with Sequential",
     LIBS),
    # Keras 3.15 fails later with "'int' object is not callable"
    ({"clone_function": 3}, "to be a callable", [keraton]),
    ({"input_tensors": [1, 2]}, "must contain a single tensor", LIBS),
    ({"bogus": 1}, "Unexpected keyword argument", LIBS),
])
def test_bad_arguments_raise_as_keras(kwargs, message, libs):
    for ns in libs:
        with pytest.raises(ValueError, match=message):
            ns.models.clone_model(_sequential(ns), **kwargs)
