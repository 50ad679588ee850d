"""EarlyStopping in a real fit: the stopping epoch and the restored weights,
against real Keras 3 on scripted monitor values and hand reasoning."""

import io
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest
from callback_fit_utils import build_model, make_data

import keraton
from keraton.callbacks import EarlyStopping, LambdaCallback


def _scripted(keras_mod, scores, weights_log=None):
    """A callback writing `scores[epoch]` into the logs as `score` (it runs
    before EarlyStopping, which sees the same dict), recording weights."""

    def on_epoch_end(epoch, logs):
        logs["score"] = scores[epoch]
        if weights_log is not None:
            weights_log.append(model_weights[0]())

    model_weights = []
    return keras_mod.callbacks.LambdaCallback(on_epoch_end=on_epoch_end), model_weights


def _run(keras_mod, scores, es_kwargs, epochs=None):
    model = build_model(keras_mod=keras_mod)
    x, y = make_data()
    weights = []
    scripted, getter = _scripted(keras_mod, scores, weights)
    getter.append(model.get_weights)
    es = keras_mod.callbacks.EarlyStopping(monitor="score", **es_kwargs)
    history = model.fit(x, y, epochs=epochs or len(scores), batch_size=16, shuffle=False,
                        verbose=0, callbacks=[scripted, es])
    return len(history.history["loss"]), es, weights, model.get_weights()


CASES = [
    # scores, EarlyStopping kwargs, epochs run (hand-counted)
    ([5, 4, 4, 4, 4, 4], dict(mode="min"), 3),
    ([5, 4, 4.5, 3, 3.5, 3.6, 3.7, 2], dict(mode="min", patience=2), 6),
    ([5, 4.99, 4.98, 4.97, 4.96], dict(mode="min", min_delta=0.05, patience=1), 2),
    ([1, 2, 3, 2, 1, 0], dict(mode="max", patience=1), 4),
    ([5, 5, 5, 5, 5], dict(mode="min", baseline=2.5, patience=2), 2),
    ([5, 5, 5, 5, 5], dict(mode="min", patience=2), 3),
    ([5, 4, 3, 2, 1, 0.5], dict(mode="min", baseline=2.5, patience=1), 6),
    ([5, 6, 7, 8, 9, 1], dict(mode="min", start_from_epoch=3, patience=1), 5),
    ([5, 6, 7, 8], dict(mode="max", patience=10), 4),
]


@pytest.mark.parametrize("scores, kwargs, expected", CASES)
def test_stopping_epoch_matches_keras(scores, kwargs, expected):
    ran, es, _, _ = _run(keraton, scores, kwargs)
    assert ran == expected
    keras = pytest.importorskip("keras")
    keras_ran, keras_es, _, _ = _run(keras, scores, kwargs)
    assert ran == keras_ran
    assert es.stopped_epoch == keras_es.stopped_epoch
    assert es.best == keras_es.best
    assert es.wait == keras_es.wait


@pytest.mark.parametrize("restore", [True, False])
def test_restore_best_weights(restore):
    scores = [5, 3, 4, 4.5, 4.2, 4.1]
    out = io.StringIO()
    with redirect_stdout(out):
        ran, es, weights, final = _run(
            keraton, scores, dict(mode="min", patience=3, restore_best_weights=restore, verbose=1))
    assert ran == 5 and es.best_epoch == 1 and es.stopped_epoch == 4
    # weights[i] are the weights at the end of epoch i; the best epoch is 1.
    expected = weights[1] if restore else weights[4]
    for got, want in zip(final, expected):
        np.testing.assert_array_equal(got, want)
    assert not np.allclose(weights[1][0], weights[4][0])
    text = out.getvalue()
    assert "Epoch 5: early stopping" in text
    assert ("Restoring model weights from the end of the best epoch: 2." in text) == restore


def test_restore_without_early_stop_restores_best_epoch():
    ran, es, weights, final = _run(keraton, [3, 1, 2], dict(mode="min", patience=5,
                                                             restore_best_weights=True))
    assert ran == 3 and es.stopped_epoch == 0
    np.testing.assert_array_equal(final[0], weights[1][0])


def test_auto_mode_uses_loss_and_metric_direction():
    x, y = make_data()
    model = build_model(lr=0.0, metrics=["mae"])
    es_loss = EarlyStopping(monitor="loss", patience=0)
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0, callbacks=[es_loss])
    # lr=0: the loss never improves, so training stops at epoch 2 (index 1).
    assert len(history.history["loss"]) == 2 and es_loss.stopped_epoch == 1
    model = build_model(lr=0.05, metrics=["mae"])
    es = EarlyStopping(monitor="val_mae", patience=0)
    model.fit(x, y, epochs=1, validation_data=(x, y), verbose=0, callbacks=[es])
    assert es.monitor_op(1.0, 2.0) and es.min_delta == 0


@pytest.mark.parametrize("monitor, scores, ran", [
    ("score", [3.0, 1.0, 2.0, 0.5], 3),  # minimized: 2.0 after 1.0 ends it (maximizing: 2 epochs)
    ("val_acc_top", [0.1, 0.5, 0.9, 0.4], 4),  # 'acc' in the name: maximized (minimizing: 2)
])
def test_auto_mode_unknown_metric_follows_keras2_rule_with_a_warning(monitor, scores, ran):
    """Keras 3 raises here; Keras 2 programs relied on its name rule, which keraton applies."""
    x, y = make_data()
    model = build_model()
    cb = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update({monitor: scores[epoch]}))
    with pytest.warns(UserWarning, match=f"EarlyStopping: .*monitor='{monitor}'.*Keras 2's rule"):
        history = model.fit(x, y, epochs=4, verbose=0,
                            callbacks=[cb, EarlyStopping(monitor=monitor, patience=0)])
    assert len(history.history["loss"]) == ran


@pytest.mark.parametrize("metric, monitor", [("accuracy", "val_acc"), ("acc", "val_accuracy")])
def test_acc_and_accuracy_monitor_names_find_each_other(metric, monitor):
    """Keras 2.2 logged metrics=['accuracy'] as 'acc'; a monitor in either spelling is found."""
    x, y = make_data()
    y = (y > np.median(y)).astype("float32")
    model = build_model(metrics=[metric])
    es = EarlyStopping(monitor=monitor, patience=0, mode="max")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "not available" warning
        model.fit(x, y, epochs=2, validation_data=(x, y), verbose=0, callbacks=[es])
    history = model.history.history
    assert set(history) == {"loss", metric, "val_loss", "val_" + metric}
    assert es.best == max(history["val_" + metric])


def test_missing_monitor_warns_and_trains_on():
    x, y = make_data()
    model = build_model()
    with pytest.warns(UserWarning, match="`val_loss` which is not available. Available metrics are: loss"):
        history = model.fit(x, y, epochs=3, verbose=0, callbacks=[EarlyStopping()])
    assert len(history.history["loss"]) == 3


def test_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="EarlyStopping mode 'bigger' is unknown"):
        es = EarlyStopping(mode="bigger")
    assert es.mode == "auto"
