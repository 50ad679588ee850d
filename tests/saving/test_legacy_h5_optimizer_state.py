"""``.h5`` model files carry the optimizer's state (group ``optimizer_weights``), as Keras 3 writes and reads it."""

import warnings

import numpy as np
import pytest

import keraton

h5py = pytest.importorskip("h5py")


def _data():
    rng = np.random.default_rng(0)
    return rng.random((16, 3), "float32"), rng.random((16, 2), "float32")


def _trained(lib, optimizer="adam"):
    lib.utils.set_random_seed(0)
    lib.backend.clear_session()  # the optimizer's automatic name counts per library
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, activation="relu", name="hidden"),
                            lib.layers.Dense(2, name="out")], name="net")
    # A loss object: Keras 3.15 cannot load its own .h5 files compiled with loss="mse".
    model.compile(optimizer=optimizer, loss=lib.losses.MeanSquaredError())
    x, y = _data()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    return model


def _assert_same(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(np.asarray(u, "float64"), np.asarray(v, "float64"), rtol=1e-6)


def test_round_trip_resumes_training_where_it_stopped(tmp_path):
    model = _trained(keraton)
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert len(f["optimizer_weights"].attrs["weight_names"]) == len(model.optimizer.variables)
    loaded = keraton.models.load_model(tmp_path / "m.h5")
    _assert_same(loaded.optimizer.get_weights(), model.optimizer.get_weights())
    assert int(loaded.optimizer.iterations) == 4
    x, y = _data()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    _assert_same(loaded.get_weights(), model.get_weights())


def _weight_names(path) -> list:
    with h5py.File(path, "r") as f:
        names = f["optimizer_weights"].attrs["weight_names"]
        return [(n.decode() if isinstance(n, bytes) else str(n)).split("/", 1)[1] for n in names]


def test_files_interoperate_with_keras3(tmp_path):
    keras = pytest.importorskip("keras")
    ours, reference = _trained(keraton), _trained(keras)
    ours.save(tmp_path / "ours.h5")
    reference.save(tmp_path / "theirs.h5")
    # Keras's layout: the same variables, names (after the optimizer's own) and order.
    assert _weight_names(tmp_path / "ours.h5") == _weight_names(tmp_path / "theirs.h5")
    loaded = keraton.models.load_model(tmp_path / "theirs.h5")
    _assert_same(loaded.optimizer.get_weights(), [np.asarray(v) for v in reference.optimizer.variables])


def test_state_that_does_not_fit_warns_and_starts_fresh(tmp_path):
    _trained(keraton, optimizer="adam").save(tmp_path / "adam.h5")
    with h5py.File(tmp_path / "adam.h5", "r+") as f:
        del f["optimizer_weights"][f["optimizer_weights"].attrs["weight_names"][-1].decode()]
        names = list(f["optimizer_weights"].attrs["weight_names"])[:-1]
        f["optimizer_weights"].attrs["weight_names"] = np.array(names)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = keraton.models.load_model(tmp_path / "adam.h5")
    assert any("freshly initialized optimizer" in str(w.message) for w in caught)
    assert int(loaded.optimizer.iterations) == 0
