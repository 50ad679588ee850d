"""``keras.callbacks.experimental.BackupAndRestore``: tf.keras 2's deprecated alias."""

import json
import os

import numpy as np
import pytest

import keraton as keras
from keraton.callbacks import BackupAndRestore, experimental

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                       "tf2_keras2_names.npz")


def test_subclass_warns_and_restores(tmp_path):
    assert json.loads(str(np.load(FIXTURE)["configs"]))["backup_is_subclass"]
    assert issubclass(experimental.BackupAndRestore, BackupAndRestore)
    with pytest.warns(DeprecationWarning, match="keras.callbacks.BackupAndRestore"):
        callback = experimental.BackupAndRestore(str(tmp_path / "backup"), delete_checkpoint=False)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    assert os.listdir(tmp_path / "backup")


def test_empty_backup_dir_rejected():
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="backup_dir"):
        experimental.BackupAndRestore("")
