"""LearningRateScheduler in a real fit: the rate of each epoch and its logs."""

import io
from contextlib import redirect_stdout

import pytest
from callback_fit_utils import build_model, make_data

import keraton
from keraton.callbacks import LambdaCallback, LearningRateScheduler


def _fit(schedule, epochs=4, verbose=0):
    model = build_model(lr=0.1)
    x, y = make_data()
    used = []
    record = LambdaCallback(
        on_train_batch_begin=lambda batch, logs: used.append(float(model.optimizer.learning_rate))
        if batch == 0 else None)
    history = model.fit(x, y, epochs=epochs, batch_size=16, verbose=0,
                        callbacks=[LearningRateScheduler(schedule, verbose=verbose), record])
    return used, history.history


@pytest.mark.parametrize("schedule, expected", [
    (lambda epoch, lr: lr if epoch < 2 else lr * 0.5, [0.1, 0.1, 0.05, 0.025]),
    (lambda epoch: 0.01 * (epoch + 1), [0.01, 0.02, 0.03, 0.04]),
])
def test_rate_used_in_each_epoch(schedule, expected):
    used, history = _fit(schedule)
    assert used == pytest.approx(expected, rel=1e-6)
    assert history["learning_rate"] == pytest.approx(expected, rel=1e-6)


def test_matches_keras_logs():
    keras = pytest.importorskip("keras")
    x, y = make_data()

    def schedule(epoch, lr):
        return lr * 0.9 if epoch else 0.2

    model = build_model(keras_mod=keras)
    keras_history = model.fit(x, y, epochs=3, batch_size=16, verbose=0,
                              callbacks=[keras.callbacks.LearningRateScheduler(schedule)])
    _, history = _fit(schedule, epochs=3)
    assert history["learning_rate"] == pytest.approx(keras_history.history["learning_rate"])


def test_verbose_message():
    out = io.StringIO()
    with redirect_stdout(out):
        _fit(lambda epoch, lr: 0.5, epochs=1, verbose=1)
    assert "\nEpoch 1: LearningRateScheduler setting learning rate to 0.5." in out.getvalue()


def test_non_float_schedule_output_raises():
    with pytest.raises(ValueError, match="LearningRateScheduler.*should be a float. Got: '0.1'"):
        _fit(lambda epoch, lr: "0.1", epochs=1)


def test_schedule_changes_training_numbers():
    x, y = make_data()
    keraton.utils.set_random_seed(1)
    a = build_model(lr=0.1)
    keraton.utils.set_random_seed(1)
    b = build_model(lr=0.1)
    a.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    b.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0,
          callbacks=[LearningRateScheduler(lambda epoch, lr: 0.0 if epoch else lr)])
    c_weights = b.get_weights()
    keraton.utils.set_random_seed(1)
    c = build_model(lr=0.1)
    c.fit(x, y, epochs=1, batch_size=32, shuffle=False, verbose=0)
    # Epoch 2 at lr 0 leaves the weights of epoch 1.
    for got, want in zip(c_weights, c.get_weights()):
        assert got == pytest.approx(want, abs=1e-7)
    assert not (a.get_weights()[0] == pytest.approx(c_weights[0], abs=1e-4))
