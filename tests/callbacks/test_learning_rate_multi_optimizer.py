"""LearningRateScheduler and ReduceLROnPlateau with a MultiOptimizer, against real Keras 3.15:
each sub-optimizer's rate is set and logged as ``learning_rate_<name>``."""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


def _history(ns, callback):
    ns.backend.clear_session()
    model = ns.Sequential([ns.Input((3,)), ns.layers.Dense(4, name="enc"),
                           ns.layers.Dense(1, name="head")])
    model.set_weights([np.full(w.shape, 0.2, "float32") for w in model.get_weights()])
    o = ns.optimizers
    model.compile(o.MultiOptimizer(o.OptimizerMap(o.SGD(0.1, name="sgd"),
                                                  {".*enc/.*": o.Adam(0.01, name="adam")})),
                  "mse")
    rng = np.random.RandomState(0)
    x, y = rng.rand(8, 3).astype("float32"), rng.rand(8, 1).astype("float32")
    return model.fit(x, y, epochs=4, batch_size=4, shuffle=False, verbose=0,
                     validation_data=(x, 1 - y), callbacks=[callback]).history


@pytest.mark.parametrize("make_callback", [
    lambda ns: ns.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
    lambda ns: ns.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1,
                                              mode="max", min_delta=10.0),
], ids=["scheduler", "plateau"])
def test_each_sub_optimizer_rate_is_set_and_logged_as_keras(make_callback):
    ours, theirs = _history(keraton, make_callback(keraton)), _history(keras, make_callback(keras))
    assert sorted(ours) == sorted(theirs)
    assert "learning_rate_adam" in ours and "learning_rate" not in ours
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, err_msg=key)
