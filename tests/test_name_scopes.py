"""Variable paths and name scopes (``keras.name_scope``), compared with real Keras 3.

Every builder below makes the same model with ``lib`` = keraton or Keras, with
explicit names (automatic names depend on how many layers a process made).
"""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


def _seq_with_input(lib):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, name="d1"),
                           lib.layers.Dense(2, name="d2")], name="seq")


def _seq_built(lib):
    model = lib.Sequential([lib.layers.Dense(3, name="d1"), lib.layers.Dense(2, name="d2")],
                           name="seq")
    model.build((None, 4))
    return model


def _seq_called(lib):
    model = lib.Sequential([lib.layers.Dense(3, name="d1"), lib.layers.BatchNormalization(name="bn")],
                           name="seq")
    model(np.zeros((2, 4), "float32"))
    return model


def _functional(lib):
    inputs = lib.Input((4,))
    x = lib.layers.Dense(3, name="d1")(inputs)
    return lib.Model(inputs, lib.layers.Dense(2, name="d2")(x), name="func")


def _bidirectional(lib):
    inputs = lib.Input((5, 3))
    x = lib.layers.Bidirectional(lib.layers.LSTM(2, return_sequences=True, name="l"), name="bi")(inputs)
    x = lib.layers.Bidirectional(lib.layers.GRU(2, name="g"), name="bg")(x)
    return lib.Model(inputs, x)


def _rnn_cell_and_time_distributed(lib):
    inputs = lib.Input((5, 3))
    x = lib.layers.TimeDistributed(lib.layers.Dense(4, name="td_d"), name="td")(inputs)
    x = lib.layers.RNN(lib.layers.SimpleRNNCell(2, name="cell"), name="rnn")(x)
    return lib.Model(inputs, x)


def _attention(lib):
    inputs = lib.Input((5, 4))
    return lib.Model(inputs, lib.layers.MultiHeadAttention(2, 3, name="mha")(inputs, inputs))


def _block_class(lib):
    class Block(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.ffn = lib.layers.Dense(3, name="ffn")
            self.norm = lib.layers.LayerNormalization(name="norm")

        def call(self, x):
            return self.norm(self.ffn(x))

    return Block


def _custom_block_in_functional(lib):
    inputs = lib.Input((4,))
    return lib.Model(inputs, _block_class(lib)(name="block")(inputs))


def _subclassed_model(lib):
    block_cls = _block_class(lib)

    class Net(lib.Model):
        def __init__(self):
            super().__init__(name="net")
            self.d = lib.layers.Dense(3, name="d")
            self.block = block_cls(name="block")

        def call(self, x):
            return self.block(self.d(x))

    model = Net()
    model(np.zeros((1, 4), "float32"))
    return model


def _nested_models(lib):
    inner = lib.Sequential([lib.layers.Dense(3, name="in_d")], name="inner")
    inputs = lib.Input((4,))
    functional = lib.Model(inputs, lib.layers.Dense(2, name="fd")(inputs), name="func")
    outer = lib.Sequential([lib.Input((4,)), lib.layers.Dense(4, name="pre"), functional,
                            inner], name="outer")
    prebuilt = lib.Sequential([lib.layers.Dense(2, name="pb")], name="prebuilt")
    prebuilt.build((None, 3))
    x = lib.Input((3,))
    return [outer, lib.Model(x, prebuilt(x))]


def _weights_made_everywhere(lib):
    class Weights(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.a = self.add_weight(shape=(2,), name="a")
            self.v = lib.Variable(np.zeros(2, "float32"), name="v")  # outside any scope: "v"

        def build(self, input_shape):
            self.b = self.add_weight(shape=(2,), name="b")
            self.u = lib.Variable(np.zeros(2, "float32"), name="u")
            self.inner = lib.layers.Dense(2, name="inner")
            self.inner.build(input_shape)  # built by its parent's build: nested path

        def call(self, x):
            return self.inner(x)

    layer = Weights(name="w")
    layer(np.zeros((1, 2), "float32"))
    return layer


BUILDERS = [_seq_with_input, _seq_built, _seq_called, _functional, _bidirectional,
            _rnn_cell_and_time_distributed, _attention, _custom_block_in_functional,
            _subclassed_model, _nested_models, _weights_made_everywhere]


def _paths(obj):
    objs = obj if isinstance(obj, list) else [obj]
    return [[(w.name, w.path) for w in o.weights] for o in objs]


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__.strip("_"))
def test_weight_paths_match_keras(builder):
    assert _paths(builder(keraton)) == _paths(builder(keras))


def test_nested_paths_examples():
    assert [w.path for w in _seq_with_input(keraton).weights] == [
        "seq/d1/kernel", "seq/d1/bias", "seq/d2/kernel", "seq/d2/bias"]
    assert [w.path for w in _functional(keraton).weights][:2] == ["d1/kernel", "d1/bias"]
    assert _bidirectional(keraton).weights[0].path == "bi/forward_l/lstm_cell/kernel"


@pytest.mark.parametrize("make", [
    lambda lib: lib.optimizers.Adam(),
    lambda lib: lib.optimizers.SGD(momentum=0.9, name="my_sgd"),
    lambda lib: lib.optimizers.AdamW(weight_decay=0.1),
    lambda lib: lib.optimizers.RMSprop(momentum=0.5, centered=True),
], ids=["adam", "sgd_named", "adamw", "rmsprop"])
def test_optimizer_variable_names_and_paths_match_keras(make):
    def names(lib):
        model = _subclassed_model(lib)
        optimizer = make(lib)
        optimizer.build(model.trainable_weights)
        return [(v.name, v.path) for v in optimizer.variables]

    ours = names(keraton)
    assert ours == names(keras)
    assert ("net_d_kernel_momentum" in dict(ours)) or ("net_d_kernel_velocity" in dict(ours))


def test_optimizer_state_is_variables_and_training_still_updates_them():
    model = _seq_with_input(keraton)
    model.compile(keraton.optimizers.Adam(0.01), "mse")
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    model.fit(x, np.zeros((8, 2), "float32"), epochs=2, verbose=0)
    state = model.optimizer.variables[2:]
    assert all(isinstance(v, keraton.Variable) and not v.trainable for v in state)
    assert state[0].path == "adam/seq_d1_kernel_momentum"
    assert float(np.abs(state[0].numpy()).sum()) > 0  # the slots the update wrote
    # torch.save of the optimizer state holds plain tensors (loadable with weights_only=True)
    assert all(type(t) is __import__("torch").Tensor for t in model.optimizer.state_dict()["variables"][2:])


@pytest.mark.parametrize("make", [
    lambda lib: lib.metrics.Mean(name="avg"),
    lambda lib: lib.metrics.AUC(num_thresholds=3, name="auc"),
    lambda lib: lib.metrics.MeanSquaredError(),
], ids=["mean", "auc", "mse"])
def test_metric_variable_paths_match_keras(make):
    assert ([(v.name, v.path) for v in make(keraton).variables]
            == [(v.name, v.path) for v in make(keras).variables])


def test_name_scope_context_manager_matches_keras():
    def paths(lib):
        with lib.name_scope("outer"):
            a = lib.Variable(1.0, name="a")
            with lib.name_scope("inner"):
                b = lib.Variable(1.0, name="b")
                dense = lib.layers.Dense(2, name="d")
                dense.build((None, 3))
            with lib.name_scope("outer"):  # no caller: nested again, as Keras does
                c = lib.Variable(1.0, name="c")
        d = lib.Variable(1.0, name="d")
        return [a.path, b.path, dense.kernel.path, c.path, d.path]

    assert paths(keraton) == paths(keras)
    assert paths(keraton)[:3] == ["outer/a", "outer/inner/b", "outer/inner/d/kernel"]


@pytest.mark.parametrize("bad", ["a/b", 3, None])
def test_name_scope_rejects_bad_names(bad):
    with pytest.raises(ValueError, match="without the character '/'"):
        keraton.name_scope(bad)


def test_layer_first_scope_fixes_its_parent_path():
    # A layer built at top level keeps its path when a model built later uses it (Keras).
    dense = keraton.layers.Dense(2, name="early")
    dense.build((None, 3))
    model = keraton.Sequential([keraton.Input((3,)), dense], name="late")
    assert [w.path for w in model.weights] == ["early/kernel", "early/bias"]


def test_build_called_directly_records_build_config_and_marks_built():
    class NoSuper(keraton.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")

        def call(self, x):
            return x @ self.w

    layer = NoSuper(name="ns")
    layer.build((5, 3))
    assert layer.built and layer.get_build_config() == {"input_shape": [None, 3]}
    layer(np.ones((1, 3), "float32"))  # no second build
    assert [w.path for w in layer.weights] == ["ns/w"]


def _entry_build_configs(lib):
    inputs = lib.Input((4,), name="x")
    model = lib.Model(inputs, lib.layers.Dense(2, name="d")(inputs), name="m")
    config = lib.saving.serialize_keras_object(model)
    return [(e["class_name"], e.get("build_config")) for e in config["config"]["layers"]]


def test_serialized_layers_carry_build_config_as_keras():
    def normal(entries):
        return [(name, None if b is None else {k: list(v) for k, v in b.items()})
                for name, b in entries]

    assert normal(_entry_build_configs(keraton)) == normal(_entry_build_configs(keras))
    dense = keraton.layers.Dense(3)
    assert "build_config" not in keraton.layers.serialize(dense)
    dense.build((None, 5))
    assert keraton.layers.serialize(dense)["build_config"] == {"input_shape": [None, 5]}


def test_not_equal_on_symbolic_tensors_is_an_op_as_keras():
    x = np.array([[0.5, 1.0, 0.5]], "float32")

    def run(lib):
        inputs = lib.Input((3,))
        out = inputs != 0.5
        return np.asarray(lib.Model(inputs, out).predict(x, verbose=0))

    np.testing.assert_array_equal(run(keraton), run(keras))
    np.testing.assert_array_equal(run(keraton), [[False, True, False]])
