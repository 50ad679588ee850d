"""``keras.losses.Reduction`` and ``reduction='auto'`` against tf.keras 2.15.

Numbers come from ``tests/fixtures/make_tf2_keras2_names_fixtures.py``.
"""

import json
import os

import numpy as np
import pytest
import torch

import keraton as keras
from keraton.losses.reduction import Reduction

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                       "tf2_keras2_names.npz")
DATA = np.load(FIXTURE)
CONFIGS = json.loads(str(DATA["configs"]))


def test_reduction_constants():
    assert Reduction.all() == tuple(CONFIGS["reduction_all"])
    assert (Reduction.AUTO, Reduction.NONE, Reduction.SUM, Reduction.SUM_OVER_BATCH_SIZE) == (
        "auto", "none", "sum", "sum_over_batch_size")
    for key in Reduction.all():
        Reduction.validate(key)


@pytest.mark.parametrize("bad", ["mean", None, "SUM"])
def test_validate_rejects(bad):
    with pytest.raises(ValueError, match="Invalid Reduction Key"):
        Reduction.validate(bad)


@pytest.mark.parametrize("reduction", CONFIGS["reduction_all"])
@pytest.mark.parametrize("name", CONFIGS["losses"])
def test_every_loss_accepts_keras2_reductions(name, reduction):
    y_true = DATA["loss_y_sparse"] if name == "SparseCategoricalCrossentropy" else DATA["loss_y_true"]
    y_pred = torch.tensor(DATA["loss_y_pred"])
    loss = getattr(keras.losses, name)(reduction=reduction)
    np.testing.assert_allclose(loss(y_true, y_pred).numpy(), DATA[f"loss_{name}_{reduction}"],
                               rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(loss(y_true, y_pred, sample_weight=DATA["loss_sw"]).numpy(),
                               DATA[f"loss_{name}_{reduction}_sw"], rtol=2e-5, atol=1e-6)


def test_auto_is_stored_as_sum_over_batch_size():
    loss = keras.losses.MeanSquaredError(reduction=Reduction.AUTO)
    assert loss.reduction == "sum_over_batch_size"  # Keras 3's name (tf.keras 2 keeps 'auto')
    assert CONFIGS["loss_MeanSquaredError_auto_config"]["reduction"] == "auto"
    config = {k: v for k, v in CONFIGS["loss_MeanSquaredError_auto_config"].items() if k != "fn"}
    assert keras.losses.MeanSquaredError.from_config(config).reduction == "sum_over_batch_size"


# "none": tf.keras 2 trains on the per-sample losses' sum and logs their mean (Keras 3 fails).
@pytest.mark.parametrize("reduction", ["auto", "sum", "sum_over_batch_size", "none"])
def test_fit_step_with_reduction(reduction):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, use_bias=False)])
    model.set_weights([DATA["fit_w0"]])
    model.compile(keras.optimizers.SGD(0.1), loss=keras.losses.MeanSquaredError(reduction=reduction))
    hist = model.fit(DATA["fit_x"], DATA["fit_y"], batch_size=4, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(model.get_weights()[0], DATA[f"fit_{reduction}_w"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hist.history["loss"][0], DATA[f"fit_{reduction}_loss"], rtol=1e-5)


def test_bad_reduction_still_rejected():
    with pytest.raises(ValueError, match="reduction"):
        keras.losses.MeanSquaredError(reduction="average")
