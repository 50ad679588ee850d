"""SyncBatchNormalization (tf.keras 2's ``layers.experimental``): BatchNormalization in one process.

The config and a tf.keras 2.15 ``.h5`` come from
``tests/fixtures/make_tf2_experimental_layers_fixtures.py``.
"""

import json
import os
import warnings

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.normalization.sync_batch_normalization import SyncBatchNormalization

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "fixtures")


@pytest.fixture(autouse=True)
def _quiet_keras2_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def test_config_is_tf_keras_2s():
    configs = json.loads(str(np.load(os.path.join(FIXTURES, "tf2_experimental_layers.npz"))["configs"]))
    expected = {k: v for k, v in configs["SyncBatchNormalization"].items() if k != "dtype"}
    config = SyncBatchNormalization(momentum=0.9, name="sbn").get_config()
    assert {k: v for k, v in config.items() if k != "dtype"} == expected
    assert SyncBatchNormalization.from_config(config).momentum == 0.9


@pytest.mark.parametrize("training", [True, False])
def test_numbers_are_batch_normalizations(training):
    x = torch.randn(6, 4, 3)
    sync = SyncBatchNormalization(momentum=0.8, epsilon=1e-2)
    plain = keraton.layers.BatchNormalization(momentum=0.8, epsilon=1e-2)
    sync.build(x.shape)
    plain.build(x.shape)
    weights = [np.random.default_rng(i).uniform(0.5, 1.5, 3).astype("float32") for i in range(4)]
    sync.set_weights(weights)
    plain.set_weights(weights)
    torch.testing.assert_close(sync(x, training=training), plain(x, training=training))
    for a, b in zip(sync.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b)
    assert sync.synchronized is True


def test_tf_keras_2_h5_loads_and_keraton_writes_the_class_name(tmp_path):
    pytest.importorskip("h5py")
    data = np.load(os.path.join(FIXTURES, "tf2_experimental_layers.npz"))
    model = keraton.models.load_model(os.path.join(FIXTURES, "tf2_experimental_layers.h5"))
    assert [type(layer).__name__ for layer in model.layers[:3]] == ["SyncBatchNormalization", "RandomHeight",
                                                                    "RandomWidth"]
    np.testing.assert_allclose(model.predict(data["model_x"], verbose=0), data["model_y"], rtol=1e-5, atol=1e-6)
    layer_json = json.loads(model.to_json())["config"]["layers"][1]
    assert layer_json["class_name"] == "SyncBatchNormalization"
    model.save(tmp_path / "m.keras")
    loaded = keraton.models.load_model(tmp_path / "m.keras")
    assert type(loaded.layers[0]) is SyncBatchNormalization
    np.testing.assert_allclose(loaded.predict(data["model_x"], verbose=0), data["model_y"], rtol=1e-5, atol=1e-6)


def test_synchronized_argument_is_refused():
    with pytest.raises(TypeError, match="synchronized"):
        SyncBatchNormalization(synchronized=False)
