"""Keras 3 custom-code idioms (keras.io guides) run unchanged on keraton.

Each program is run with ``keras`` bound to real Keras 3 (torch backend) and
to keraton; with equal starting weights the numbers, log keys and structure
must agree.
"""

import numpy as np
import pytest
import torch

import keraton

keras3 = pytest.importorskip("keras")

LIBS = {"keras": keras3, "keraton": keraton}


def _run(source: str, lib) -> dict:
    scope = {"keras": lib, "ops": lib.ops, "np": np, "torch": torch}
    exec(source, scope)
    return scope


def _data(n=16, d=4):
    rs = np.random.RandomState(1)
    x = rs.normal(size=(n, d)).astype("float32")
    return x, (x @ rs.normal(size=(d, 1))).astype("float32")


def _same_weights(model, seed=0):
    rs = np.random.RandomState(seed)
    model.set_weights([(rs.normal(size=w.shape) * 0.3).astype(w.dtype)
                       for w in model.get_weights()])


# The "customizing what happens in fit()" guide: a Model subclass built as
# CustomModel(inputs, outputs), a torch-style train_step, and the compiled
# loss tracker updated with update_state(loss).
CUSTOM_FIT = '''
class CustomModel(keras.Model):
    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

inputs = keras.Input(shape=(4,))
outputs = keras.layers.Dense(1)(keras.layers.Dense(3, activation="relu")(inputs))
model = CustomModel(inputs, outputs)
'''


def test_model_subclass_called_with_inputs_outputs_runs_its_train_step():
    histories = {}
    for name, lib in LIBS.items():
        scope = _run(CUSTOM_FIT, lib)
        model = scope["model"]
        assert isinstance(model, scope["CustomModel"])
        assert type(model).__name__ == "CustomModel"
        _same_weights(model)
        model.compile(lib.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
        x, y = _data()
        hist = model.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False).history
        histories[name] = hist
    assert sorted(histories["keraton"]) == sorted(histories["keras"]) == ["loss", "mae"]
    for key in histories["keras"]:
        np.testing.assert_allclose(histories["keraton"][key], histories["keras"][key],
                                   rtol=1e-4, atol=1e-5)


def test_model_subclass_functional_keeps_subclass_init_and_is_saved_with_its_name(tmp_path):
    class WithTracker(keraton.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.extra_tracker = keraton.metrics.Mean(name="extra")

    x = keraton.Input((3,))
    model = WithTracker(x, keraton.layers.Dense(2)(x))
    assert isinstance(model, keraton.models.Functional)
    assert model.extra_tracker.name == "extra"
    assert len(model.layers) == 2
    # One derived class per subclass, not one per instance.
    assert type(WithTracker(x, keraton.layers.Dense(1)(x))) is type(model)


def test_loss_tracker_update_state_takes_the_value_alone():
    model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1)])
    model.compile("sgd", "mse")
    tracker = model.metrics[0]
    assert tracker.name == "loss"
    tracker.update_state(torch.tensor(2.0))
    tracker.update_state(4.0)
    assert float(tracker.result()) == pytest.approx(3.0)
    tracker.reset_state()
    tracker.update_state(torch.tensor([1.0, 3.0]), sample_weight=torch.tensor([1.0, 3.0]))
    assert float(tracker.result()) == pytest.approx(2.5)  # as keras.metrics.Mean


TRAIN_STEP_DATA = '''
seen = []

class Probe(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        seen.append(type(data).__name__)
        return {}
'''


@pytest.mark.parametrize("with_y", [False, True])
def test_fit_on_x_alone_hands_train_step_the_bare_tensor(with_y):
    got = {}
    x = np.zeros((4, 3), "float32")
    for name, lib in LIBS.items():
        scope = _run(TRAIN_STEP_DATA, lib)
        model = scope["Probe"]()
        model(x[:1])
        model.compile("sgd")
        model.fit(x, *([np.zeros((4, 1), "float32")] if with_y else []), epochs=1,
                  batch_size=4, verbose=0)
        got[name] = scope["seen"]
    assert got["keraton"] == got["keras"] == (["tuple"] if with_y else ["Tensor"])


def test_utils_pack_and_unpack_x_y_sample_weight():
    x = np.ones((2, 1))
    for lib in LIBS.values():
        assert lib.utils.pack_x_y_sample_weight(x) is x
        assert isinstance(lib.utils.pack_x_y_sample_weight([x, x]), tuple)
        assert lib.utils.unpack_x_y_sample_weight((x, x))[2] is None


OPS_MODEL = '''
a = keras.Input((4,), name="a")
b = keras.Input((3,), name="b")
h = keras.layers.Dense(6, name="d1")(ops.concatenate([a, b], axis=-1))
h = ops.mean(ops.reshape(ops.expand_dims(h, 1), (-1, 2, 3)), axis=1)
model = keras.Model([a, b], keras.layers.Dense(1, name="d2")(ops.tanh(h) * 2.0))
'''


def test_functional_layers_leave_out_operation_nodes_as_keras():
    names = {}
    for name, lib in LIBS.items():
        model = _run(OPS_MODEL, lib)["model"]
        names[name] = [layer.name for layer in model.layers]
        assert model.layers[-2].name == "d1"
    assert names["keraton"] == names["keras"]
    # The saved config still records the operation nodes.
    model = _run(OPS_MODEL, keraton)["model"]
    classes = [entry["class_name"] for entry in model.get_config()["layers"]]
    assert "Concatenate" in classes and "Mean" in classes
    clone = keraton.Model.from_config(model.get_config())
    x = [np.ones((2, 4), "float32"), np.ones((2, 3), "float32")]
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))


CUSTOM_PIECES = '''
class Ramp(keras.initializers.Initializer):
    def __call__(self, shape, dtype=None):
        n = int(np.prod(shape))
        return ops.reshape(ops.arange(n, dtype="float32") / n, shape)

class Ortho(keras.regularizers.Regularizer):
    def __init__(self, factor=0.01):
        self.factor = factor

    def __call__(self, w):
        return self.factor * ops.sum(ops.square(ops.matmul(ops.transpose(w), w)))

    def get_config(self):
        return {"factor": self.factor}
'''


def test_load_model_finds_custom_initializer_and_regularizer_in_custom_objects(tmp_path):
    scope = _run(CUSTOM_PIECES, keraton)
    model = keraton.Sequential([
        keraton.Input((3,)),
        keraton.layers.Dense(2, kernel_initializer=scope["Ramp"](),
                             kernel_regularizer=scope["Ortho"](0.5)),
    ])
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keraton.models.load_model(
        path, custom_objects={"Ramp": scope["Ramp"], "Ortho": scope["Ortho"]})
    assert type(loaded.layers[0].kernel_regularizer).__name__ == "Ortho"
    assert loaded.layers[0].kernel_regularizer.factor == 0.5
    np.testing.assert_allclose(loaded.layers[0].kernel.numpy(), model.layers[0].kernel.numpy())


def test_utils_deserialize_keras_object_rebuilds_builtins_from_their_module():
    for obj in (keraton.layers.Dense(3, name="dd"), keraton.losses.Huber(delta=2.0)):
        back = keraton.utils.deserialize_keras_object(keraton.utils.serialize_keras_object(obj))
        assert type(back) is type(obj)
    config = keras3.utils.serialize_keras_object(keras3.layers.Dense(3, name="dd"))
    back = keraton.utils.deserialize_keras_object(config)
    assert isinstance(back, keraton.layers.Dense) and back.units == 3


def test_serialized_class_from_the_main_script_has_no_module():
    got = {}
    for name, lib in LIBS.items():
        cls = type("Scripted", (lib.layers.Layer,), {"__module__": "__main__"})
        got[name] = lib.saving.serialize_keras_object(cls())["module"]
    assert got["keraton"] == got["keras"] is None


def test_masking_compute_mask_on_a_numpy_array():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 1.0]]], "float32")
    want = keras3.ops.convert_to_numpy(keras3.layers.Masking(0.0).compute_mask(x))
    got = keraton.ops.convert_to_numpy(keraton.layers.Masking(0.0).compute_mask(x))
    np.testing.assert_array_equal(got, want)


ADD_LOSS = '''
class ActivityReg(keras.layers.Layer):
    def call(self, inputs):
        self.add_loss(0.5 * ops.sum(ops.square(inputs)))
        return inputs

inp = keras.Input((3,))
h = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.l2(0.01),
                       kernel_initializer="ones")(inp)
model = keras.Model(inp, ActivityReg()(h))
model(np.ones((2, 3), "float32"))
'''


def test_model_losses_list_add_loss_values_before_weight_regularization():
    got = {name: [float(keraton.ops.convert_to_numpy(v)) if name == "keraton"
                  else float(keras3.ops.convert_to_numpy(v))
                  for v in _run(ADD_LOSS, lib)["model"].losses]
           for name, lib in LIBS.items()}
    np.testing.assert_allclose(got["keraton"], got["keras"], rtol=1e-6)


def test_layer_variable_dtype():
    assert keraton.layers.Dense(2).variable_dtype == "float32"
    mixed = keraton.layers.Dense(2, dtype="mixed_float16")
    assert (mixed.variable_dtype, mixed.compute_dtype) == (
        keras3.layers.Dense(2, dtype="mixed_float16").variable_dtype, "float16")


LIST_OF_LAYERS = '''
class Residual(keras.Model):
    def __init__(self, hidden=5, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.inp = keras.layers.Dense(hidden, activation="relu")
        self.blocks = [keras.layers.Dense(hidden, activation="relu") for _ in range(2)]
        self.out_layer = keras.layers.Dense(1)

    def call(self, x):
        h = self.inp(x)
        for block in self.blocks:
            h = h + block(h)
        return self.out_layer(h)

    def get_config(self):
        return {"hidden": self.hidden}
'''


def test_list_of_layers_attribute_is_tracked_trained_and_saved(tmp_path):
    x, y = _data()
    out = {}
    for name, lib in LIBS.items():
        scope = _run(LIST_OF_LAYERS, lib)
        model = scope["Residual"]()
        model(x[:1])
        assert len(model.layers) == 4
        assert [tuple(w.shape) for w in model.weights] == [(4, 5), (5,), (5, 5), (5,), (5, 5),
                                                           (5,), (5, 1), (1,)]
        _same_weights(model)
        model.compile(lib.optimizers.SGD(0.05), "mse")
        hist = model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False).history
        path = str(tmp_path / f"{name}.keras")
        model.save(path)
        loaded = lib.models.load_model(path, custom_objects={"Residual": scope["Residual"]})
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-5, atol=1e-6)
        out[name] = (hist["loss"], model.predict(x, verbose=0))
    np.testing.assert_allclose(out["keraton"][0], out["keras"][0], rtol=1e-4)
    np.testing.assert_allclose(out["keraton"][1], out["keras"][1], rtol=1e-4, atol=1e-5)
    # A file written by Keras loads into keraton's subclassed model.
    scope = _run(LIST_OF_LAYERS, keraton)
    loaded = keraton.models.load_model(str(tmp_path / "keras.keras"),
                                       custom_objects={"Residual": scope["Residual"]})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), out["keras"][1], rtol=1e-4,
                               atol=1e-5)


def test_list_of_layers_in_a_custom_layer_freezes_and_appends():
    class Block(keraton.layers.Layer):
        def __init__(self):
            super().__init__()
            self.stack = [keraton.layers.Dense(2), keraton.layers.Dense(2)]

        def call(self, x):
            for layer in self.stack:
                x = layer(x)
            return x

    block = Block()
    block.stack.append(keraton.layers.Dense(3))
    block(np.ones((1, 4), "float32"))
    assert len(block.trainable_weights) == 6
    assert len(list(block.parameters())) == 6  # torch sees them too (.to(device), state)
    block.trainable = False
    assert (len(block.trainable_weights), len(block.non_trainable_weights)) == (0, 6)
