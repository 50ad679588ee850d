"""Progbar: exact Keras 3 formatting, plain (non-TTY) output, throttling."""

import io
import sys
import time

import pytest

from keraton.utils import progbar as progbar_module
from keraton.utils.progbar import Progbar, format_eta, format_time_per_unit, format_value

BAR = "━" * 20


class Stream(io.StringIO):
    """A stdout replacement that claims (or not) to be a terminal."""

    def __init__(self, tty):
        super().__init__()
        self._tty = tty

    def isatty(self):
        return self._tty


class Clock:
    """A controllable replacement for time.monotonic / time.time."""

    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t

    def advance(self, dt):
        self.t += dt


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


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0, "0s"),
        (0.4, "0s"),
        (12.7, "12s"),
        (60, "60s"),
        (62.3, "1:02"),
        (3599, "59:59"),
        (3661, "1:01:01"),
    ],
)
def test_format_eta(seconds, text):
    assert format_eta(seconds) == text


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0, " 0s/step"),
        (1.0, " 1s/step"),
        (3.4, " 3s/step"),
        (0.002, " 2ms/step"),
        (0.25, " 250ms/step"),
        (0.00012, " 120us/step"),
    ],
)
def test_format_time_per_unit(seconds, text):
    assert format_time_per_unit(seconds) == text


def test_format_time_per_unit_sample_unit():
    assert format_time_per_unit(0.002, "sample") == " 2ms/sample"


@pytest.mark.parametrize(
    "value, text",
    [
        (0.25, "0.2500"),
        (1e-5, "1.0000e-05"),
        (-0.5, "-0.5000"),
        (0.001, "1.0000e-03"),
        (3, "3.0000"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text


def test_non_tty_prints_only_final_line(stdout, clock):
    out = stdout(False)
    pb = Progbar(4, stateful_metrics=["accuracy", "loss"])
    for i in range(1, 5):
        clock.advance(0.002)
        pb.update(i, [("accuracy", 0.25), ("loss", 0.0413)])
    assert out.getvalue() == f"4/4 {BAR} 0s 2ms/step - accuracy: 0.2500 - loss: 0.0413\n"


def test_non_tty_single_step_line(stdout, clock):
    out = stdout(False)
    pb = Progbar(1, stateful_metrics=["accuracy", "loss"])
    clock.advance(0.002)
    pb.update(1, [("accuracy", 0.25), ("loss", 0.0413)])
    assert out.getvalue() == f"1/1 {BAR} 0s 2ms/step - accuracy: 0.2500 - loss: 0.0413\n"


def test_non_tty_unfinished_bar_and_padding_of_count(stdout, clock):
    out = stdout(False)
    pb = Progbar(10)
    clock.advance(1.5)
    pb.update(5, finalize=True)
    assert out.getvalue() == " 5/10 " + "━" * 10 + "─" * 10 + " 2s 300ms/step\n"


def test_averaging_of_stateless_metrics(stdout, clock):
    out = stdout(False)
    pb = Progbar(4, stateful_metrics=["lr"])
    for i, v in enumerate([1.0, 2.0, 3.0], start=1):
        clock.advance(0.5)
        pb.update(i, [("loss", v), ("lr", v)])
    clock.advance(0.5)
    pb.update(4)
    # loss averaged over the steps (2.0), lr shown as last given (3.0).
    assert out.getvalue() == f"4/4 {BAR} 2s 500ms/step - loss: 2.0000 - lr: 3.0000\n"


def test_averaging_weights_by_steps_since_last_update(stdout, clock):
    out = stdout(False)
    pb = Progbar(4)
    pb.update(1, [("loss", 1.0)])
    pb.update(4, [("loss", 2.0)], finalize=False)  # 3 steps at 2.0
    pb.update(4, finalize=True)
    assert out.getvalue().endswith("- loss: 1.7500\n")


def test_verbose_2_single_line(stdout, clock):
    out = stdout(True)  # verbose=2 never redraws, even on a terminal
    pb = Progbar(10, verbose=2, stateful_metrics=["loss", "acc"])
    for i in range(1, 11):
        clock.advance(0.1)
        pb.update(i, [("loss", 0.5), ("acc", 1e-5)])
    assert out.getvalue() == "10/10 - 1s - 100ms/step - loss: 0.5000 - acc: 1.0000e-05\n"


def test_verbose_0_silent(stdout, clock):
    out = stdout(True)
    pb = Progbar(3, verbose=0)
    for i in range(1, 4):
        pb.update(i, [("loss", 1.0)])
    assert out.getvalue() == ""
    assert not pb.will_draw(1) and not pb.will_draw(3, finalize=True)


def test_unknown_target(stdout, clock):
    out = stdout(False)
    pb = Progbar(None, stateful_metrics=["loss"])
    for i in range(1, 8):
        clock.advance(0.5)
        pb.update(i, [("loss", 0.5)])
    assert out.getvalue() == ""  # never finalized by default
    pb.update(7, finalize=True)
    assert out.getvalue() == "      7/Unknown 4s 500ms/step - loss: 0.5000\n"


def test_tty_draws_in_place_with_ansi(stdout, clock):
    out = stdout(True)
    pb = Progbar(2, stateful_metrics=["loss"])
    clock.advance(0.1)
    pb.update(1, [("loss", 0.5)])
    clock.advance(0.1)
    pb.update(2, [("loss", 0.25)])
    text = out.getvalue()
    first = (
        "\r\x1b[1m1/2\x1b[0m \x1b[32m" + "━" * 10 + "\x1b[0m\x1b[37m" + "━" * 10 + "\x1b[0m"
        " \x1b[1m0s\x1b[0m 100ms/step - loss: 0.5000"
    )
    assert text.startswith(first)
    assert text.endswith(" 100ms/step - loss: 0.2500\n")
    assert text.count("\r") == 2
    assert "\b" * 38 in text  # erases the previous line, as Keras


def test_tty_output_matches_keras(stdout, clock):
    kprogbar = pytest.importorskip("keras.src.utils.progbar")

    def run(cls):
        out = stdout(True)
        pb = cls(30, stateful_metrics=["acc"])
        for i in range(1, 31):
            clock.advance(0.013 * i)
            pb.update(i, [("loss", 1.0 / i), ("acc", 0.01 * i), ("tiny", 1e-5)])
        return out.getvalue()

    assert run(Progbar) == run(kprogbar.Progbar)


def test_throttle_on_tty_fake_clock(stdout, clock):
    out = stdout(True)
    pb = Progbar(1000, stateful_metrics=["loss"])
    for i in range(1, 1001):
        clock.advance(0.001)
        pb.update(i, [("loss", 0.5)])
    draws = out.getvalue().count("\r")
    assert 15 <= draws <= 25  # one per 50 ms over 1 s, plus the final draw
    assert out.getvalue().endswith("\n")


def test_throttle_on_tty_real_clock(stdout):
    out = stdout(True)
    pb = Progbar(1000)
    start = time.monotonic()
    for i in range(1, 1001):
        pb.update(i)
    elapsed = time.monotonic() - start
    draws = out.getvalue().count("\r")
    assert draws < 100
    assert draws <= elapsed / 0.05 + 2


def test_will_draw(stdout, clock):
    stdout(True)
    pb = Progbar(10)
    assert pb.will_draw(1)
    pb.update(1)
    assert not pb.will_draw(2)  # within the 0.05 s interval
    assert pb.will_draw(2, finalize=True)
    clock.advance(0.06)
    assert pb.will_draw(2)
    stdout(False)
    plain = Progbar(10)
    assert not plain.will_draw(1)
    assert plain.will_draw(10, finalize=True)
    assert Progbar(10, verbose=2).will_draw(10, finalize=True)
    assert not Progbar(None, verbose=2).will_draw(10, finalize=True)


def test_add(stdout, clock):
    out = stdout(False)
    pb = Progbar(6, stateful_metrics=["loss"])
    clock.advance(0.3)
    pb.add(3, [("loss", 0.5)])
    clock.advance(0.3)
    pb.add(3)
    assert out.getvalue() == f"6/6 {BAR} 1s 100ms/step - loss: 0.5000\n"


def test_tensor_and_array_values(stdout, clock):
    import numpy as np
    import torch

    out = stdout(False)
    pb = Progbar(1, stateful_metrics=["a", "b", "c"])
    pb.update(
        1, [("a", torch.tensor(0.25)), ("b", np.float32(0.5)), ("c", torch.tensor([1.0, 3.0]))]
    )
    assert out.getvalue().endswith("- a: 0.2500 - b: 0.5000 - c: 2.0000\n")


def test_both_metric_lists_rejected():
    with pytest.raises(ValueError):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_module_exports_print_msg(stdout):
    out = stdout(False)
    progbar_module.print_msg("Epoch 1/2")
    assert out.getvalue() == "Epoch 1/2\n"
