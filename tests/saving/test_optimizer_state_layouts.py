"""Optimizer slots of weights kept in torch's layout are saved in Keras's layout.

A conv kernel is stored as ``(out, in, kh, kw)`` for torch but saved as Keras's
``(kh, kw, in, out)``; its Adam moments must be saved the same way, or Keras 3
refuses the optimizer state of a keraton ``.keras`` file (and keraton Keras's).
"""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)

CASES = {
    "conv2d": ((6, 6, 2), lambda lib: [lib.layers.Conv2D(3, 3), lib.layers.Flatten()]),
    "conv1d": ((7, 2), lambda lib: [lib.layers.Conv1D(3, 2), lib.layers.Flatten()]),
    "depthwise_conv2d": ((5, 5, 2), lambda lib: [lib.layers.DepthwiseConv2D(2), lib.layers.Flatten()]),
    "lstm": ((4, 3), lambda lib: [lib.layers.LSTM(3)]),
    "gru": ((4, 3), lambda lib: [lib.layers.GRU(3)]),
}


def _model(lib, case):
    shape, body = CASES[case]
    model = lib.Sequential([lib.Input(shape), *body(lib), lib.layers.Dense(1)])
    model.compile(lib.optimizers.Adam(0.01), "mse")
    return model


def _data(case):
    shape = CASES[case][0]
    return RNG.normal(size=(8, *shape)).astype("float32"), RNG.normal(size=(8, 1)).astype("float32")


@pytest.mark.parametrize("case", sorted(CASES))
def test_keraton_file_resumes_in_keras_with_the_same_state(case, tmp_path):
    x, y = _data(case)
    ours = _model(keraton, case)
    ours.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    ours.save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")  # compile=True: optimizer state too
    for mine, other in zip(ours.optimizer.get_weights(), theirs.optimizer.variables):
        np.testing.assert_allclose(mine, np.asarray(other), rtol=1e-6, atol=1e-7)
    # one more epoch in both from the same state: the same weights
    ours.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    theirs.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    for mine, other in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, other, rtol=2e-4, atol=2e-6)


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_file_loads_its_optimizer_state_here(case, tmp_path):
    x, y = _data(case)
    theirs = _model(keras, case)
    theirs.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    theirs.save(tmp_path / "m.keras")
    ours = keraton.models.load_model(tmp_path / "m.keras")
    state = ours.optimizer.get_weights()
    assert [s.shape for s in state] == [tuple(v.shape) for v in theirs.optimizer.variables]
    for mine, other in zip(state, theirs.optimizer.variables):
        np.testing.assert_allclose(mine, np.asarray(other), rtol=1e-6, atol=1e-7)


def test_optimizer_state_dict_round_trip_keeps_torch_layout():
    x, y = _data("conv2d")
    model = _model(keraton, "conv2d")
    model.fit(x, y, epochs=1, verbose=0)
    state = model.optimizer.state_dict()
    other = _model(keraton, "conv2d")
    other.optimizer.build(other.trainable_weights)
    other.optimizer.load_state_dict(state)
    for a, b in zip(model.optimizer.get_weights(), other.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_state_in_another_layout_is_skipped_with_a_warning(tmp_path):
    h5py = pytest.importorskip("h5py")
    import zipfile

    x, y = _data("conv2d")
    model = _model(keraton, "conv2d")
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    # rewrite the kernel's first slot in torch's layout, as keraton files before this fix held it
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        archive.extractall(tmp_path / "unzipped")
    with h5py.File(tmp_path / "unzipped" / "model.weights.h5", "r+") as f:
        slot = f["optimizer/vars/2"][...]
        del f["optimizer/vars/2"]
        f["optimizer/vars/2"] = slot.transpose(3, 2, 0, 1)
    with zipfile.ZipFile(tmp_path / "old.keras", "w") as archive:
        for name in ("config.json", "metadata.json", "model.weights.h5"):
            archive.write(tmp_path / "unzipped" / name, name)
    with pytest.warns(UserWarning, match="Skipping the saved state"):
        loaded = keraton.models.load_model(tmp_path / "old.keras")
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("writer", ["keraton", "keras"])
def test_an_optimizer_saved_before_training_restores_its_learning_rate_without_a_warning(tmp_path, writer):
    import warnings

    lib = keraton if writer == "keraton" else pytest.importorskip("keras")
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
    model.compile(lib.optimizers.Adam(0.01), "mse")
    model.optimizer.learning_rate = 0.005  # changed after compile, before any step
    path = str(tmp_path / "untrained.keras")
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras warns "Skipping variable loading" here
        loaded = keraton.models.load_model(path)
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.005)
    assert int(loaded.optimizer.iterations) == 0
    loaded.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    assert int(loaded.optimizer.iterations) == 1
