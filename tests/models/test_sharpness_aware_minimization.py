"""``keras.models.experimental.SharpnessAwareMinimization`` against tf.keras 2.

The numbers come from ``tests/fixtures/make_tf2_compiled_loss_sam_fixtures.py``
(TensorFlow 2.15): the same inner model and data, trained from the same weights.
"""

import json
import os

import numpy as np
import pytest

import keraton as keras
from keraton.models.experimental import SharpnessAwareMinimization

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures", "tf2_compiled_loss_sam.npz"))
RECORDED = json.loads(str(FIXTURE["json"]))


def _inner():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])


def _weights(case, stage):
    keys = sorted((k for k in FIXTURE.files if k.startswith(f"{case}_{stage}_")),
                  key=lambda k: int(k.rsplit("_", 1)[1]))
    return [FIXTURE[k] for k in keys]


@pytest.mark.parametrize("rho,splits", [(0.05, None), (0.3, 2)])
def test_fit_matches_tf_keras_2(rho, splits):
    case = f"sam_{rho}_{splits}"
    sam = SharpnessAwareMinimization(_inner(), rho=rho, num_batch_splits=splits)
    sam.set_weights(_weights(case, "w0"))
    sam.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = sam.fit(FIXTURE["x"], FIXTURE["y"], batch_size=4, epochs=2, shuffle=False, verbose=0)
    for got, expected in zip(sam.get_weights(), _weights(case, "w1"), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    expected = RECORDED["histories"][case]
    assert set(history.history) == set(expected)
    for name, values in expected.items():
        np.testing.assert_allclose(history.history[name], values, rtol=1e-5, err_msg=name)
    if splits is None:
        np.testing.assert_allclose(sam.predict(FIXTURE["x"], verbose=0), FIXTURE["sam_predict"], rtol=1e-5)


def test_config_round_trip_and_tf_keras_2_config_loads():
    sam = SharpnessAwareMinimization(_inner(), rho=0.2, num_batch_splits=2, name="sam")
    config = sam.get_config()
    assert config["rho"] == 0.2 and config["num_batch_splits"] == 2 and config["name"] == "sam"
    clone = SharpnessAwareMinimization.from_config(config)
    assert (clone.rho, clone.num_batch_splits, clone.name) == (0.2, 2, "sam")
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in sam.get_weights()]
    # tf.keras 2 writes only the inner model and rho.
    tf2 = SharpnessAwareMinimization.from_config(RECORDED["sam_config"])
    assert tf2.rho == 0.2 and tf2.num_batch_splits is None
    assert [type(layer).__name__ for layer in tf2.model.layers] == ["Dense", "Dense"]


def test_saved_and_loaded_as_a_keras_file(tmp_path):
    sam = SharpnessAwareMinimization(_inner(), rho=0.1)
    sam.compile(optimizer="sgd", loss="mse")
    sam.fit(FIXTURE["x"], FIXTURE["y"], batch_size=4, epochs=1, verbose=0)
    path = str(tmp_path / "sam.keras")
    sam.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, SharpnessAwareMinimization) and loaded.rho == 0.1
    np.testing.assert_allclose(loaded.predict(FIXTURE["x"], verbose=0), sam.predict(FIXTURE["x"], verbose=0),
                               rtol=1e-6)


def test_bad_arguments_and_indivisible_batches_are_refused():
    with pytest.raises(TypeError, match="keraton Model"):
        SharpnessAwareMinimization(keras.layers.Dense(1))
    with pytest.raises(ValueError, match="num_batch_splits"):
        SharpnessAwareMinimization(_inner(), num_batch_splits=0)
    sam = SharpnessAwareMinimization(_inner(), num_batch_splits=3)
    sam.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="divisible by num_batch_splits"):
        sam.fit(FIXTURE["x"], FIXTURE["y"], batch_size=4, epochs=1, verbose=0)
