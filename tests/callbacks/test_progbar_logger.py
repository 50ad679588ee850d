"""ProgbarLogger: exact fit/evaluate/predict output and lazy batch logs."""

import io
import sys
import time

import pytest

from keraton.callbacks import CallbackList, ProgbarLogger

BAR = "━" * 20


class FakeModel:
    stop_training = False


class Stream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self._tty = tty

    def isatty(self):
        return self._tty


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


@pytest.fixture
def stdout(monkeypatch):
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)

    def make(tty):
        stream = Stream(tty)
        monkeypatch.setattr(sys, "stdout", stream)
        return stream

    return make


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(time, "monotonic", c)
    monkeypatch.setattr(time, "time", c)
    return c


class LogsCounter:
    """A lazy batch-logs callable that counts how often it is evaluated."""

    def __init__(self, logs=None):
        self.calls = 0
        self.logs = logs or {"loss": 0.5}

    def __call__(self):
        self.calls += 1
        return dict(self.logs)


def forbidden_logs():
    raise AssertionError("validation logs must not be computed inside fit")


def simulate_fit(cbl, clock, epochs, steps, dt=0.5, batch_logs=None, validate=True):
    batch_logs = batch_logs or LogsCounter()
    cbl.on_train_begin()
    for epoch in range(epochs):
        cbl.on_epoch_begin(epoch)
        for batch in range(steps):
            cbl.on_train_batch_begin(batch)
            clock.t += dt
            cbl.on_train_batch_end(batch, batch_logs)
        logs = {"loss": 0.5}
        if validate:
            cbl.on_test_begin()
            for batch in range(2):
                cbl.on_test_batch_end(batch, forbidden_logs)
            cbl.on_test_end({"loss": 0.25})
            logs["val_loss"] = 0.25
        cbl.on_epoch_end(epoch, logs)
    cbl.on_train_end(logs)
    return batch_logs


def make_list(verbose, epochs, steps):
    return CallbackList(
        add_progbar=True, model=FakeModel(), verbose=verbose, epochs=epochs, steps=steps
    )


def test_fit_non_tty_epoch_lines(stdout, clock):
    out = stdout(False)
    logs = simulate_fit(make_list(1, 3, 4), clock, epochs=3, steps=4)
    line = f"4/4 {BAR} 2s 500ms/step - loss: 0.5000 - val_loss: 0.2500"
    assert out.getvalue().splitlines() == [
        "Epoch 1/3",
        line,
        "Epoch 2/3",
        line,
        "Epoch 3/3",
        line,
    ]
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()
    assert logs.calls == 0  # nothing drawn mid-epoch, so logs never computed


def test_fit_single_epoch_has_no_epoch_line(stdout, clock):
    out = stdout(False)
    simulate_fit(make_list(1, 1, 4), clock, epochs=1, steps=4, validate=False)
    assert out.getvalue() == f"4/4 {BAR} 2s 500ms/step - loss: 0.5000\n"


def test_fit_verbose_2(stdout, clock):
    out = stdout(True)
    logs = simulate_fit(make_list(2, 2, 4), clock, epochs=2, steps=4)
    line = "4/4 - 2s - 500ms/step - loss: 0.5000 - val_loss: 0.2500"
    assert out.getvalue().splitlines() == ["Epoch 1/2", line, "Epoch 2/2", line]
    assert logs.calls == 0


def test_fit_verbose_auto_means_1(stdout, clock):
    out = stdout(False)
    simulate_fit(make_list("auto", 1, 2), clock, epochs=1, steps=2, validate=False)
    assert out.getvalue() == f"2/2 {BAR} 1s 500ms/step - loss: 0.5000\n"


def test_fit_verbose_0_silent(stdout, clock):
    out = stdout(True)
    logs = simulate_fit(make_list(0, 2, 4), clock, epochs=2, steps=4)
    assert out.getvalue() == "" and logs.calls == 0


def test_unknown_steps_uses_first_epoch_count(stdout, clock):
    out = stdout(False)
    simulate_fit(make_list(1, 2, None), clock, epochs=2, steps=3, validate=False)
    line = f"3/3 {BAR} 2s 500ms/step - loss: 0.5000"
    assert out.getvalue().splitlines() == ["Epoch 1/2", line, "Epoch 2/2", line]


def test_tty_logs_called_only_when_drawn(stdout, clock):
    out = stdout(True)
    logs = simulate_fit(make_list(1, 1, 1000), clock, epochs=1, steps=1000, dt=0.001)
    text = out.getvalue()
    draws = text.count("\r")
    assert draws < 50  # throttled to one draw per 50 ms of 1 s, plus the final one
    assert logs.calls == draws - 1  # the final draw uses the epoch logs
    assert text.endswith(" - loss: 0.5000 - val_loss: 0.2500\n")


def test_evaluate_shows_its_own_bar(stdout, clock):
    out = stdout(False)
    cbl = make_list(1, 1, 3)
    logs = LogsCounter()
    cbl.on_test_begin()
    for batch in range(3):
        clock.t += 0.5
        cbl.on_test_batch_end(batch, logs)
    cbl.on_test_end({"loss": 0.1, "accuracy": 0.25})
    assert out.getvalue() == f"3/3 {BAR} 2s 500ms/step - accuracy: 0.2500 - loss: 0.1000\n"
    assert logs.calls == 0


def test_predict_shows_bar_without_outputs(stdout, clock):
    out = stdout(False)
    cbl = make_list(1, 1, 3)
    cbl.on_predict_begin()
    for batch in range(3):
        clock.t += 0.5
        cbl.on_predict_batch_end(batch, forbidden_logs)
    cbl.on_predict_end()
    assert out.getvalue() == f"3/3 {BAR} 2s 500ms/step\n"


def test_evaluate_after_fit_with_same_logger(stdout, clock):
    out = stdout(False)
    cbl = make_list(1, 1, 2)
    simulate_fit(cbl, clock, epochs=1, steps=2, validate=False)
    cbl.on_test_begin()
    cbl.on_test_end({"loss": 0.5})
    assert len(out.getvalue().splitlines()) == 2


def test_dict_batch_logs_accepted(stdout, clock):
    out = stdout(True)
    cbl = make_list(1, 1, 2)
    cbl.on_train_begin()
    cbl.on_epoch_begin(0)
    cbl.on_train_batch_end(0, {"loss": 0.75})
    assert out.getvalue().endswith(" - loss: 0.7500")


def test_tty_fit_output_matches_keras(stdout, clock):
    kpl = pytest.importorskip("keras.src.callbacks.progbar_logger")

    def run(cls):
        out = stdout(True)
        cb = cls()
        cb.set_model(FakeModel())
        cb.set_params({"verbose": 1, "epochs": 2, "steps": 50})
        cb.on_train_begin()
        for epoch in range(2):
            cb.on_epoch_begin(epoch)
            for batch in range(50):
                clock.t += 0.013
                cb.on_train_batch_end(batch, {"loss": 1.0 / (batch + 1), "acc": 1e-5})
            cb.on_test_begin()
            cb.on_test_batch_end(0, {"loss": 9.0})
            cb.on_test_end({"loss": 9.0})
            cb.on_epoch_end(epoch, {"loss": 0.02, "acc": 1e-5, "val_loss": 9.0})
        return out.getvalue()

    assert run(ProgbarLogger) == run(kpl.ProgbarLogger)
