"""Keras 2's BaseLogger: accepted, subclassable, and it leaves fit's averaged epoch logs alone."""

import warnings

import numpy as np

import keraton


def test_base_logger_keeps_epoch_averages():
    x = np.arange(12, dtype="float32").reshape(6, 2) / 10
    y = x.sum(axis=1, keepdims=True)

    def run(callbacks):
        keraton.backend.clear_session()
        model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1, kernel_initializer="ones")])
        model.compile(keraton.optimizers.SGD(0.1), "mse", metrics=["mae"])
        return model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                         callbacks=callbacks).history

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        logger = keraton.callbacks.BaseLogger(stateful_metrics=["mae"])
    assert run([logger]) == run([])
    assert logger.seen == 6  # the last epoch's samples (batches of 4 and 2), as Keras 2 counted
    assert logger.stateful_metrics == {"mae"}
