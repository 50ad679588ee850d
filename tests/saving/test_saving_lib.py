"""``.keras`` files and ``.weights.h5``: keraton <-> real Keras 3, layouts, optimizer state, battery."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
import torch

import keraton
from keraton.saving import saving_lib

keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")


@keras.saving.register_keras_serializable("saving_test")
class KSum(keras.layers.Layer):
    def call(self, inputs):
        return inputs[0] + inputs[1]


class _Keraton:  # the same class name as the Keras one, so saved paths match
    @keraton.saving.register_keras_serializable("saving_test")
    class KSum(keraton.layers.Layer):
        def call(self, inputs):
            return inputs[0] + inputs[1]


KSumT = _Keraton.KSum


CUSTOM = {"saving_test>KSum": KSumT}
pytestmark = pytest.mark.filterwarnings("ignore:Skipping variable loading", "ignore:Skipping the saved state")


def _build(lib, kind: str):
    """The same architecture in Keras (lib=keras) or keraton (lib=keraton)."""
    L = lib.layers
    if kind == "sequential":
        return lib.Sequential([lib.Input((4,)), L.Dense(3, activation="relu"), L.Dropout(0.3),
                               L.Dense(2)])
    if kind == "reshape":
        return lib.Sequential([lib.Input((2, 3)), L.Flatten(), L.Dense(6), L.Reshape((3, 2)),
                               L.Flatten(), L.Dense(1)])
    if kind == "nested":
        inner = lib.Sequential([L.Dense(5, activation="tanh"), L.Dense(5)])
        return lib.Sequential([lib.Input((4,)), L.Dense(5), inner, L.Dense(1)])
    a, b = lib.Input((4,), name="a"), lib.Input((3,), name="b")
    inner = lib.Sequential([L.Dense(3), L.Dense(3)])
    summed = (KSum if lib is keras else KSumT)()([L.Dense(3)(a), L.Dense(3)(b)])
    return lib.Model([a, b], L.Dense(2)(inner(summed)))


KINDS = ["sequential", "reshape", "nested", "functional"]


def _inputs(kind: str, n: int = 5):
    rng = np.random.default_rng(0)
    if kind == "functional":
        return [rng.normal(size=(n, 4)).astype("float32"), rng.normal(size=(n, 3)).astype("float32")]
    if kind == "reshape":
        return rng.normal(size=(n, 2, 3)).astype("float32")
    return rng.normal(size=(n, 4)).astype("float32")


def _predict(model, x):
    return np.asarray(model.predict(x, verbose=0))


def _h5_layout(path: str) -> dict:
    """{dataset path: shape} and group name attributes of a .keras or .weights.h5 file."""
    if path.endswith(".keras"):
        data = io.BytesIO(zipfile.ZipFile(path).read("model.weights.h5"))
    else:
        data = path
    out = {}
    with h5py.File(data, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(
            name, obj.shape if isinstance(obj, h5py.Dataset) else dict(obj.attrs).get("name", "")))
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_keras_file_loads_in_keraton_and_predicts_the_same(kind, tmp_path):
    keras.backend.clear_session()
    km = _build(keras, kind)
    km.compile(optimizer="adam", loss="mse")
    path = str(tmp_path / "m.keras")
    km.save(path)
    model = keraton.models.load_model(path, custom_objects=CUSTOM)
    x = _inputs(kind)
    np.testing.assert_allclose(_predict(model, x), _predict(km, x), rtol=1e-5, atol=1e-5)
    for ours, theirs in zip(model.get_weights(), km.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert model.compiled and type(model.optimizer).__name__ == "Adam"


@pytest.mark.parametrize("kind", KINDS)
def test_keraton_file_loads_in_keras_and_predicts_the_same(kind, tmp_path):
    model = _build(keraton, kind)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    path = str(tmp_path / "m.keras")
    model.save(path)
    km = keras.saving.load_model(path)
    x = _inputs(kind)
    np.testing.assert_allclose(_predict(km, x), _predict(model, x), rtol=1e-5, atol=1e-5)
    assert km.loss == "mse"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", [".keras", ".weights.h5"])
def test_weight_paths_are_the_ones_keras_writes(kind, suffix, tmp_path):
    keras.backend.clear_session()
    km, model = _build(keras, kind), _build(keraton, kind)
    for m, name in ((km, "k"), (model, "t")):
        path = str(tmp_path / f"{name}{suffix}")
        m.save(path) if suffix == ".keras" else m.save_weights(path)
    ours, theirs = _h5_layout(str(tmp_path / f"t{suffix}")), _h5_layout(str(tmp_path / f"k{suffix}"))
    datasets = {k: v for k, v in theirs.items() if isinstance(v, tuple)}
    assert {k: v for k, v in ours.items() if isinstance(v, tuple)} == datasets
    assert sorted(ours) == sorted(theirs)  # same groups too (one per object)
    assert datasets  # the comparison covered weights


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_weights_h5_both_directions(kind, tmp_path):
    keras.backend.clear_session()
    km, model = _build(keras, kind), _build(keraton, kind)
    x = _inputs(kind)
    km.save_weights(str(tmp_path / "k.weights.h5"))
    model.load_weights(str(tmp_path / "k.weights.h5"))
    np.testing.assert_allclose(_predict(model, x), _predict(km, x), rtol=1e-5, atol=1e-5)
    fresh = _build(keraton, kind)
    fresh.save_weights(str(tmp_path / "t.weights.h5"))
    km.load_weights(str(tmp_path / "t.weights.h5"))
    np.testing.assert_allclose(_predict(km, x), _predict(fresh, x), rtol=1e-5, atol=1e-5)
    # A .keras archive also serves as a weights source.
    fresh.save(str(tmp_path / "t.keras"))
    model.load_weights(str(tmp_path / "t.keras"))
    np.testing.assert_allclose(_predict(model, x), _predict(fresh, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_optimizer_state_restored_so_fit_continues_identically(optimizer, tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")

    def make():
        keraton.backend.clear_session()
        torch.manual_seed(3)
        m = _build(keraton, "nested")
        m.compile(optimizer=keraton.optimizers.get(optimizer), loss="mse")
        return m

    straight = make()
    straight.fit(x, y[:, :1], epochs=2, batch_size=8, shuffle=False, verbose=0)
    first = make()
    first.fit(x, y[:, :1], epochs=1, batch_size=8, shuffle=False, verbose=0)
    first.save(str(tmp_path / "m.keras"))
    resumed = keraton.models.load_model(str(tmp_path / "m.keras"))
    assert int(resumed.optimizer.iterations) == 4
    resumed.fit(x, y[:, :1], epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    # Without the optimizer state the run would differ (Adam/RMSprop moments, SGD is stateless).
    if optimizer != "sgd":
        restarted = keraton.models.load_model(str(tmp_path / "m.keras"), compile=False)
        restarted.compile(optimizer=optimizer, loss="mse")
        restarted.fit(x, y[:, :1], epochs=1, batch_size=8, shuffle=False, verbose=0)
        assert not np.allclose(restarted.get_weights()[0], straight.get_weights()[0], atol=1e-6)


def test_keras_optimizer_state_loads_into_keraton(tmp_path):
    keras.backend.clear_session()
    km = _build(keras, "sequential")
    km.compile(optimizer="adam", loss="mse")
    x, y = _inputs("sequential", 16), np.ones((16, 2), "float32")
    km.fit(x, y, epochs=1, batch_size=8, verbose=0)
    km.save(str(tmp_path / "k.keras"))
    model = keraton.models.load_model(str(tmp_path / "k.keras"))
    ours = model.optimizer.get_weights()
    theirs = [np.asarray(v) for v in km.optimizer.variables]
    assert len(ours) == len(theirs) == 10
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_wrong_shape_refused_naming_the_layer_and_nothing_changes(tmp_path):
    keras.backend.clear_session()
    km = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(7)])
    km.save_weights(str(tmp_path / "k.weights.h5"))
    model = _build(keraton, "sequential")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"Dense 'dense_1'.*shape \(3, 2\).*\(3, 7\)"):
        model.load_weights(str(tmp_path / "k.weights.h5"))
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="dense_1"):
        model.load_weights(str(tmp_path / "k.weights.h5"), skip_mismatch=True)
    np.testing.assert_array_equal(model.get_weights()[0], km.get_weights()[0])
    np.testing.assert_array_equal(model.get_weights()[2], before[2])


def test_unbuilt_model_and_bad_names_refused(tmp_path):
    model = keraton.Sequential([keraton.layers.Dense(2)])
    with pytest.raises(ValueError, match="not built"):
        model.save_weights(str(tmp_path / "w.weights.h5"))
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        _build(keraton, "sequential").save_weights(str(tmp_path / "w.npz"))
    with pytest.raises(ValueError, match=r"\.keras"):
        _build(keraton, "sequential").save(str(tmp_path / "m.zip"))


def test_walk_paths_for_a_subclassed_model_match_keras(tmp_path):
    class KModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.zeta = keras.layers.Dense(2)
            self.alpha = keras.layers.Dense(3)

        def call(self, x):
            return self.zeta(self.alpha(x))

    class TModel(keraton.Model):
        def __init__(self):
            super().__init__()
            self.zeta = keraton.layers.Dense(2)
            self.alpha = keraton.layers.Dense(3)

        def call(self, x):
            return self.zeta(self.alpha(x))

    km, model = KModel(), TModel()
    km(np.zeros((1, 4), "float32"))
    model(torch.zeros(1, 4))
    km.save_weights(str(tmp_path / "k.weights.h5"))
    model.save_weights(str(tmp_path / "t.weights.h5"))
    ours, theirs = _h5_layout(str(tmp_path / "t.weights.h5")), _h5_layout(str(tmp_path / "k.weights.h5"))
    assert {k: v for k, v in ours.items() if isinstance(v, tuple)} == \
        {k: v for k, v in theirs.items() if isinstance(v, tuple)}
    model.load_weights(str(tmp_path / "k.weights.h5"))
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(model(torch.from_numpy(x)).detach().numpy(), km(x).detach().cpu().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_children_visit_order_private_last():
    assert sorted(["_b", "a", "layers", "_a"], key=saving_lib._name_key) == ["a", "layers", "_a", "_b"]


@pytest.mark.parametrize("kind", ["sequential", "nested"])
def test_config_json_equals_keras(kind, tmp_path):
    keras.backend.clear_session()
    configs = []
    for lib, name in ((keras, "k.keras"), (keraton, "t.keras")):
        model = _build(lib, kind)
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        model.save(str(tmp_path / name))
        with zipfile.ZipFile(tmp_path / name) as zf:
            configs.append(__import__("json").loads(zf.read("config.json")))
            assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
    theirs, ours = configs
    # Documented differences: Keras names its backend's optimizer module, registers the
    # optimizer class under its name, and writes the float32 learning rate's exact value.
    for config in configs:
        opt = config["compile_config"]["optimizer"]
        opt.pop("module"), opt.pop("registered_name")
        opt["config"]["learning_rate"] = round(opt["config"]["learning_rate"], 7)
        config["config"]["dtype"].pop("shared_object_id", None)  # Keras's object-sharing ids
    # The top level is this module's; each layer's own config is checked by the layer battery.
    layers = [[(e["class_name"], e["config"]["name"]) for e in c["config"].pop("layers")]
              for c in configs]
    assert layers[0] == layers[1]
    assert ours == theirs


def test_weights_keras_keeps_in_a_sub_object_load_into_a_flat_layer(tmp_path):
    """Keras keeps an inner layer's variables at ``<path>/cell/vars``; a keraton layer holding
    them itself still loads them (the fallback for structures that differ from Keras's)."""

    class KWrapper(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.cell = keras.layers.Dense(2)

        def build(self, input_shape):
            self.cell.build(input_shape)

        def call(self, x):
            return self.cell(x)

    class TWrapper(keraton.layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 2), name="kernel")
            self.bias = self.add_weight(shape=(2,), initializer="zeros", name="bias")

        def call(self, x):
            return x @ self.kernel + self.bias

    keras.backend.clear_session()
    km = keras.Sequential([keras.Input((3,)), KWrapper(name="k_wrapper")])
    model = keraton.Sequential([keraton.Input((3,)), TWrapper()])
    km.save_weights(str(tmp_path / "k.weights.h5"))
    with h5py.File(tmp_path / "k.weights.h5", "a") as f:  # the path segment is the class name
        assert "layers/k_wrapper/cell/vars/0" in f
        f.move("layers/k_wrapper", "layers/t_wrapper")
    model.load_weights(str(tmp_path / "k.weights.h5"))
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(_predict(model, x), _predict(km, x), rtol=1e-6)


def test_layer_with_its_own_save_and_load_hooks(tmp_path):
    class Counter(keraton.layers.Layer):
        """Keeps a plain tensor (not a weight) that Keras-style hooks save."""

        def build(self, input_shape):
            self.count = torch.zeros(())

        def call(self, x):
            return x

        def save_own_variables(self, store):
            store["0"] = self.count.numpy()

        def load_own_variables(self, store):
            self.count = torch.as_tensor(store["0"])

    model = keraton.Sequential([keraton.Input((2,)), Counter()])
    model.layers[0].count = torch.tensor(41.0)
    model.save_weights(str(tmp_path / "c.weights.h5"))
    fresh = keraton.Sequential([keraton.Input((2,)), Counter()])
    fresh.load_weights(str(tmp_path / "c.weights.h5"))
    assert float(fresh.layers[0].count) == 41.0
