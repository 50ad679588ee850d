"""``keraton.Operation`` (custom operations) against Keras 3's ``keras.Operation``.

Each custom operation is written once per library (``_ops(lib)``) and the two
are compared: eager outputs, ``compute_output_spec`` shapes and dtypes,
names, configs, functional models (outputs, training, saving both ways).
"""

import numpy as np
import pytest
import torch

import keraton

keras = pytest.importorskip("keras")


def _ops(lib):
    """The same custom operations written against ``lib`` (keras or keraton)."""
    ops = lib.ops

    class Scale(lib.Operation):  # automatic config, default output spec (from call)
        def __init__(self, factor, offset=0.0, name=None):
            super().__init__(name=name)
            self.factor = factor
            self.offset = offset

        def call(self, x):
            return x * self.factor + self.offset

    class Swish(lib.Operation):  # explicit output spec, keyword call argument
        def call(self, x, beta=1.0):
            return x * ops.sigmoid(beta * x)

        def compute_output_spec(self, x, beta=1.0):
            return lib.KerasTensor(x.shape, dtype=x.dtype)

    class SplitSum(lib.Operation):  # two inputs, two outputs, a hand-written config
        def __init__(self, axis=-1, name=None):
            super().__init__(name=name)
            self.axis = axis

        def call(self, a, b):
            return ops.sum(a, axis=self.axis, keepdims=True), ops.cast(a * b, "int32")

        def get_config(self):
            return {**super().get_config(), "axis": self.axis}

    class Holder(lib.Operation):  # a non-serializable constructor argument
        def __init__(self, array):
            super().__init__()
            self.array = array

        def call(self, x):
            return x

    return {"Scale": Scale, "Swish": Swish, "SplitSum": SplitSum, "Holder": Holder}


@pytest.fixture
def both():
    keras.backend.clear_session(free_memory=False)  # name counters only (fast)
    keraton.backend.clear_session()
    return _ops(keras), _ops(keraton)


def _np(x):
    return np.asarray(x.detach() if isinstance(x, torch.Tensor) else x)


def test_layers_are_operations():
    assert isinstance(keraton.layers.Dense(1), keraton.Operation)
    assert isinstance(keras.layers.Dense(1), keras.Operation)


def test_names_configs_and_repr(both):
    k, t = both
    for ops in (k, t):
        made = [ops["Scale"](2.0), ops["Scale"](3.0, name="s3"), ops["Swish"](),
                ops["SplitSum"](axis=0), ops["Scale"](1.5)]
        ops["made"] = made
    assert [o.name for o in t["made"]] == [o.name for o in k["made"]] == [
        "scale", "s3", "swish", "split_sum", "scale_1"]
    assert [o.get_config() for o in t["made"]] == [o.get_config() for o in k["made"]]
    assert t["made"][0].get_config() == {"name": "scale", "factor": 2.0, "offset": 0.0}
    assert repr(t["made"][0]) == repr(k["made"][0]) == "<Operation name=scale>"
    clone = type(t["made"][3]).from_config(t["made"][3].get_config())
    assert (clone.name, clone.axis) == ("split_sum", 0)


@pytest.mark.parametrize("name", ["a/b", 3])
def test_bad_name_raises(both, name):
    for ops in both:
        with pytest.raises(ValueError, match="name"):
            ops["Swish"](name=name)


def test_unserializable_argument_has_no_config(both):
    for ops in both:
        op = ops["Holder"](np.zeros(2))
        assert op.name == "holder"
        with pytest.raises(NotImplementedError, match="get_config"):
            op.get_config()
        with pytest.raises(TypeError, match="Scale"):
            ops["Scale"].from_config({"factor": 1.0, "unknown": 2})


def _extra_ops(lib):
    class NoName(lib.Operation):  # no `name` argument: the automatic config leaves it out
        def __init__(self, k=1):
            super().__init__()

        def call(self, x):
            return x

    class Failing(lib.Operation):  # no output spec, and a call that fails on any input
        def call(self, x):
            raise ValueError("boom")

    return NoName, Failing


def test_config_without_name_and_failed_inference(both):
    for lib in (keras, keraton):
        no_name, failing = _extra_ops(lib)
        assert no_name(k=2).get_config() == {"k": 2}
        with pytest.raises(ValueError, match="(?s)Could not automatically infer.*boom"):
            failing()(lib.Input((2,)))


def test_eager_calls_match(both):
    k, t = both
    x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    xt = torch.from_numpy(x)
    np.testing.assert_allclose(_np(t["Scale"](2.0, 1.0)(xt)),
                               _np(k["Scale"](2.0, 1.0)(xt)), rtol=1e-6)
    np.testing.assert_allclose(_np(t["Swish"]()(xt, beta=0.5)),
                               _np(k["Swish"]()(xt, beta=0.5)), rtol=1e-6)
    outs_t, outs_k = t["SplitSum"]()(xt, xt), k["SplitSum"]()(xt, xt)
    for a, b in zip(outs_t, outs_k):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-6)
        assert a.dtype == b.dtype


@pytest.mark.parametrize("shape", [(None, 3), (4, None, 2)])
def test_output_specs_match(both, shape):
    specs = []
    for lib, ops in zip((keras, keraton), both):
        a, b = lib.Input(shape[1:], batch_size=shape[0]), lib.Input(shape[1:], batch_size=shape[0])
        direct = ops["Scale"](2.0).compute_output_spec(a)  # inferred from call
        outs = [ops["Scale"](2.0)(a), ops["Swish"]()(a), *ops["SplitSum"](axis=1)(a, b), direct]
        specs.append([(tuple(o.shape), str(o.dtype)) for o in outs])
    assert specs[1] == specs[0]
    assert specs[1][2] == ((shape[0], 1, *shape[2:]), "float32")
    assert specs[1][3] == (shape, "int32")


def test_input_output_of_first_call(both):
    for lib, ops in zip((keras, keraton), both):
        op = ops["SplitSum"]()
        with pytest.raises(AttributeError, match="never been called"):
            _ = op.output
        a, b = lib.Input((3,)), lib.Input((3,))
        outs = op(a, b)
        assert op.input[0] is a and op.input[1] is b
        assert op.output[0] is outs[0] and op.output[1] is outs[1]


def _model(lib, ops):
    inputs = lib.Input((3,), name="x")
    h = lib.layers.Dense(4, name="d1")(inputs)
    h = ops["Swish"](name="sw")(ops["Scale"](2.0, offset=0.5, name="sc")(h), beta=0.5)
    return lib.Model(inputs, lib.layers.Dense(1, name="d2")(h))


def test_functional_model_calls_and_trains(both):
    k, t = both
    mk, mt = _model(keras, k), _model(keraton, t)
    mt.set_weights(mk.get_weights())
    assert [layer.name for layer in mt.layers] == [layer.name for layer in mk.layers]
    assert [layer["class_name"] for layer in mt.get_config()["layers"]] == [
        layer["class_name"] for layer in mk.get_config()["layers"]]
    for model in (mk, mt):  # as Keras, summary() lists the operations
        lines = []
        model.summary(print_fn=lambda text, out=lines, **kwargs: out.append(text))
        assert "sc (Scale)" in "\n".join(lines) and "sw (Swish)" in "\n".join(lines)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")
    np.testing.assert_allclose(_np(mt(torch.from_numpy(x))), _np(mk(x)), rtol=1e-5, atol=1e-6)
    first_kernel = mt.get_weights()[0]
    for model, lib in ((mk, keras), (mt, keraton)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(mt.get_weights(), mk.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    # the kernel before the operations learnt: gradients flow through them
    assert not np.allclose(mt.get_weights()[0], first_kernel)


@pytest.mark.parametrize("saver,loader", [("keraton", "keraton"), ("keraton", "keras"),
                                          ("keras", "keraton")])
def test_save_load_round_trip(both, tmp_path, saver, loader):
    libs = {"keras": (keras, both[0]), "keraton": (keraton, both[1])}
    save_lib, save_ops = libs[saver]
    load_lib, load_ops = libs[loader]
    model = _model(save_lib, save_ops)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = load_lib.models.load_model(
        path, custom_objects={"Scale": load_ops["Scale"], "Swish": load_ops["Swish"]})
    x = np.random.default_rng(2).normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(_np(loaded(torch.from_numpy(x))), _np(model(torch.from_numpy(x))),
                               rtol=1e-5, atol=1e-6)
    entries = {e["name"]: e for e in loaded.get_config()["layers"]}
    assert entries["sc"]["config"] == {"name": "sc", "factor": 2.0, "offset": 0.5}
    assert entries["sw"]["class_name"] == "Swish"


def test_registered_operation_loads_without_custom_objects(tmp_path):
    @keraton.saving.register_keras_serializable(package="op_test")
    class Offset(keraton.Operation):
        def __init__(self, value=1.0, name=None):
            super().__init__(name=name)
            self.value = value

        def call(self, x):
            return x + self.value

    inputs = keraton.Input((2,))
    model = keraton.Model(inputs, Offset(3.0)(inputs))
    entry = model.get_config()["layers"][1]
    assert entry["registered_name"] == "op_test>Offset"
    model.save(tmp_path / "r.keras")
    loaded = keraton.models.load_model(tmp_path / "r.keras")
    np.testing.assert_allclose(_np(loaded(torch.ones(1, 2))), [[4.0, 4.0]])


def test_tensors_passed_by_keyword(both, tmp_path):
    x = np.random.default_rng(3).normal(size=(2, 3)).astype("float32")
    results = []
    for lib in (keras, keraton):
        class Mul(lib.Operation):
            def call(self, a, b):
                return a * b

        a, b = lib.Input((3,)), lib.Input((3,))
        model = lib.Model([a, b], Mul()(a=a, b=b))
        model.save(tmp_path / f"{lib.__name__}.keras")
        loaded = lib.models.load_model(tmp_path / f"{lib.__name__}.keras",
                                       custom_objects={"Mul": Mul})
        xt = torch.from_numpy(x)
        results += [_np(model([xt, xt])), _np(loaded([xt, xt]))]
        assert model.get_config()["layers"][2]["inbound_nodes"][0]["args"] in ([], ())
    for r in results:
        np.testing.assert_allclose(r, x * x, rtol=1e-6)
