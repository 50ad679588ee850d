"""ReduceLROnPlateau in a real fit: the learning rates it sets, epoch by
epoch, against real Keras 3 on scripted monitor values."""

import io
from contextlib import redirect_stdout

import pytest
from callback_fit_utils import build_model, make_data

import keraton
from keraton.callbacks import ReduceLROnPlateau


def _run(keras_mod, scores, kwargs, lr=0.1):
    model = build_model(lr=lr, keras_mod=keras_mod)
    x, y = make_data()
    used = []

    def on_epoch_end(epoch, logs):
        logs["score"] = scores[epoch]

    callbacks = [
        keras_mod.callbacks.LambdaCallback(
            on_epoch_begin=lambda epoch, logs: used.append(float(model.optimizer.learning_rate)),
            on_epoch_end=on_epoch_end),
        keras_mod.callbacks.ReduceLROnPlateau(monitor="score", **kwargs),
    ]
    history = model.fit(x, y, epochs=len(scores), batch_size=16, verbose=0, callbacks=callbacks)
    return used, history.history, float(model.optimizer.learning_rate)


CASES = [
    # scores, kwargs, learning rate used in each epoch (hand-computed), final lr
    ([5, 5, 5, 5, 5], dict(mode="min", factor=0.5, patience=1),
     [0.1, 0.1, 0.05, 0.025, 0.0125], 0.00625),
    ([5, 5, 5, 5, 5, 5], dict(mode="min", factor=0.5, patience=1, cooldown=2),
     [0.1, 0.1, 0.05, 0.05, 0.025, 0.025], 0.0125),
    ([5, 4, 3, 3, 3, 2], dict(mode="min", factor=0.1, patience=2, min_lr=0.005),
     [0.1, 0.1, 0.1, 0.1, 0.1, 0.01], 0.01),
    ([5, 5, 5, 5], dict(mode="min", factor=0.1, patience=1, min_lr=0.005),
     [0.1, 0.1, 0.01, 0.005], 0.005),
    ([1, 1.00001, 1.00002], dict(mode="max", factor=0.5, patience=1, min_delta=1e-3),
     [0.1, 0.1, 0.05], 0.025),
]


@pytest.mark.parametrize("scores, kwargs, expected, final", CASES)
def test_learning_rates_set_match_keras(scores, kwargs, expected, final):
    used, history, last = _run(keraton, scores, kwargs)
    assert used == pytest.approx(expected, rel=1e-6)
    assert last == pytest.approx(final, rel=1e-6)
    # The logs carry the rate used during each epoch, before any reduction.
    assert history["learning_rate"] == pytest.approx(expected, rel=1e-6)
    keras = pytest.importorskip("keras")
    keras_used, keras_history, keras_last = _run(keras, scores, kwargs)
    assert used == pytest.approx(keras_used, rel=1e-6)
    assert last == pytest.approx(keras_last, rel=1e-6)
    assert history["learning_rate"] == pytest.approx(keras_history["learning_rate"], rel=1e-6)


def test_reduced_rate_changes_the_sgd_update():
    x, y = make_data()
    model = build_model(lr=0.1)
    scores = [1.0, 1.0, 1.0]
    cbs = [keraton.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: logs.update(score=scores[epoch])),
        ReduceLROnPlateau(monitor="score", mode="min", patience=1, factor=0.5, verbose=1)]
    out = io.StringIO()
    with redirect_stdout(out):
        model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=cbs)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.025)
    assert "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.05" in out.getvalue()
    assert "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.025" in out.getvalue()
    # One full-batch SGD step at lr 0.025 from here equals the hand update w - lr * grad.
    w_before = [w.copy() for w in model.get_weights()]
    import torch

    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    model.zero_grad()
    loss = torch.mean((model(xt) - yt) ** 2)
    loss.backward()
    grads = [p.grad.detach().numpy().copy() for p in model.trainable_weights]
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    for before, grad, after in zip(w_before, grads, model.get_weights()):
        assert after == pytest.approx(before - 0.025 * grad, abs=1e-6)


def test_factor_must_be_below_one():
    with pytest.raises(ValueError, match="ReduceLROnPlateau does not support a factor >= 1.0.*1.5"):
        ReduceLROnPlateau(factor=1.5)


def test_missing_monitor_warns():
    x, y = make_data()
    with pytest.warns(UserWarning, match="conditioned on metric `val_loss` which is not available"):
        build_model().fit(x, y, epochs=1, verbose=0, callbacks=[ReduceLROnPlateau()])
