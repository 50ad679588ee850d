"""Whole-model .h5 files written by real tf.keras 2.15 load in keraton and predict the same.

The fixtures come from ``tests/fixtures/make_tf2_real_fixtures.py`` (run once with TensorFlow
2.15.1); each ``.npz`` holds the inputs and tf.keras's own predictions.
"""

import os

import numpy as np
import pytest

import keraton

HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "tf2_real")
NAMES = ["sequential_dense", "functional_two_inputs", "embedding_lstm", "conv_batchnorm", "bidirectional",
         "attention_leaky", "seq2seq"]


@pytest.mark.parametrize("name", NAMES)
def test_tf2_h5_loads_and_predicts_like_tf_keras(name):
    pytest.importorskip("h5py")
    data = np.load(os.path.join(HERE, f"{name}.npz"))
    inputs = [data[k] for k in sorted(k for k in data.files if k.startswith("x"))]
    model = keraton.models.load_model(os.path.join(HERE, f"{name}.h5"))
    got = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    np.testing.assert_allclose(got, data["expected"], rtol=1e-5, atol=1e-5)


def test_tf2_compile_config_is_restored():
    pytest.importorskip("h5py")
    model = keraton.models.load_model(os.path.join(HERE, "sequential_dense.h5"))
    assert model.compiled
    # The file's script said SGD(lr=0.1), which tf.keras 2.15 silently ignored: the file holds
    # the default 0.01, and that is what a loaded model continues with.
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)
    data = np.load(os.path.join(HERE, "sequential_dense.npz"))
    history = model.fit(data["x0"], np.zeros((5, 1), "float32"), epochs=1, verbose=0)
    assert {"loss", "acc", "mae"} <= set(history.history)
