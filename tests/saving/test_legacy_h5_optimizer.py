"""``.h5`` model files keep tf.keras 2.15's legacy / new optimizer distinction (``is_legacy_optimizer``).

tf.keras 2.11-2.15 writes ``is_legacy_optimizer: False`` into its new optimizers'
configs and nothing for ``keras.optimizers.legacy`` ones, and loads a config
without the mark as a legacy optimizer; RMSprop and Nadam update differently
in the two families.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import keraton
from keraton.optimizers import legacy

h5py = pytest.importorskip("h5py")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _saved(tmp_path, optimizer):
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(2)])
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r") as f:
        optimizer_config = json.loads(f.attrs["training_config"])["optimizer_config"]
    return path, optimizer_config


def test_legacy_optimizer_round_trip(tmp_path):
    path, config = _saved(tmp_path, legacy.RMSprop(lr=1e-4, decay=1e-6))
    # As tf.keras 2.15 writes keras.optimizers.legacy.RMSprop (whose __init__ refuses the new arguments).
    assert sorted(config["config"]) == ["centered", "decay", "epsilon", "learning_rate", "momentum",
                                        "name", "rho"]
    assert config["config"]["decay"] == 1e-6
    reloaded = keraton.models.load_model(path)
    assert type(reloaded.optimizer) is legacy.RMSprop
    assert float(reloaded.optimizer.learning_rate) == pytest.approx(1e-4)
    assert reloaded.optimizer.decay == 1e-6


def test_legacy_nadam_round_trip(tmp_path):
    path, config = _saved(tmp_path, legacy.Nadam(lr=2e-3))
    assert config["config"]["decay"] == 0.004  # tf.keras 2.15 writes schedule_decay there
    reloaded = keraton.models.load_model(path)
    assert type(reloaded.optimizer) is legacy.Nadam
    assert reloaded.optimizer.schedule_decay == 0.004 and reloaded.optimizer.decay == 0.0


@pytest.mark.parametrize("optimizer", ["rmsprop", "nadam", "adam"])
def test_new_optimizer_is_marked_and_stays_new(tmp_path, optimizer):
    path, config = _saved(tmp_path, optimizer)
    assert config["config"]["is_legacy_optimizer"] is False
    reloaded = keraton.models.load_model(path)
    assert type(reloaded.optimizer) is type(keraton.optimizers.get(optimizer))


def test_tf_keras_215_legacy_config_loads_legacy_rmsprop(tmp_path):
    path, _ = _saved(tmp_path, "rmsprop")
    # What tf.keras 2.15 writes for keras.optimizers.legacy.RMSprop(lr=1e-4, decay=1e-6).
    tf_config = {"class_name": "RMSprop", "config": {
        "name": "RMSprop", "learning_rate": 9.999999747378752e-05, "decay": 1e-06,
        "rho": 0.8999999761581421, "momentum": 0.0, "epsilon": 1e-07, "centered": False}}
    with h5py.File(path, "r+") as f:
        training = json.loads(f.attrs["training_config"])
        training["optimizer_config"] = tf_config
        f.attrs["training_config"] = json.dumps(training).encode("utf8")
    reloaded = keraton.models.load_model(path)
    assert type(reloaded.optimizer) is legacy.RMSprop
    assert reloaded.optimizer.decay == pytest.approx(1e-6)


def test_tf_keras_215_new_optimizer_file_loads_keras3_rmsprop():
    path = FIXTURES / "tf2_real" / "embedding_lstm.h5"
    reloaded = keraton.models.load_model(path)
    assert type(reloaded.optimizer) is keraton.optimizers.RMSprop
