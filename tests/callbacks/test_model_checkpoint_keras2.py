"""Keras 2's ``ModelCheckpoint`` habits: ``.hdf5``/``.h5`` paths and ``period``."""

import numpy as np
import pytest

import keraton


def _model():
    model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


X, Y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")


@pytest.mark.parametrize("template, weights_only", [
    ("weights.{epoch:02d}-{loss:.2f}.hdf5", False),
    ("model.{epoch}.h5", False),
    ("weights.{epoch}.h5", True),
    ("weights.{epoch}.hdf5", True),
])
def test_keras2_file_names_are_written_and_reload(tmp_path, template, weights_only):
    model = _model()
    checkpoint = keraton.callbacks.ModelCheckpoint(str(tmp_path / template), monitor="loss",
                                                   save_weights_only=weights_only)
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[checkpoint])
    written = sorted(p.name for p in tmp_path.iterdir())
    assert len(written) == 2
    path = str(tmp_path / written[-1])
    if weights_only:
        fresh = _model()
        fresh.load_weights(path)
    else:
        fresh = keraton.models.load_model(path)
    np.testing.assert_allclose(fresh.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


def test_period_saves_every_n_epochs(tmp_path):
    checkpoint = keraton.callbacks.ModelCheckpoint(str(tmp_path / "m{epoch}.keras"), period=2)
    _model().fit(X, Y, epochs=5, verbose=0, callbacks=[checkpoint])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m2.keras", "m4.keras"]


def test_other_extensions_are_still_refused(tmp_path):
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        keraton.callbacks.ModelCheckpoint(str(tmp_path / "model"))


def test_keras2_initializer_short_names():
    init = keraton.initializers
    assert init.normal is init.RandomNormal and init.uniform is init.RandomUniform
    assert init.zero is init.Zeros and init.one is init.Ones
    layer = keraton.layers.Dense(2, kernel_initializer=init.normal(stddev=0.0, mean=3.0))
    layer.build((None, 2))
    np.testing.assert_array_equal(layer.get_weights()[0], np.full((2, 2), 3.0))
