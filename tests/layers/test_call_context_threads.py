"""The call context (inherited ``training``, call depth, pending ``add_loss`` values, loops
holding a model's mode, keraton's own mode changes) is per thread.

A data-loading thread that calls layers while the training thread is inside
a model call (a generator or ``PyDataset`` running in ``fit``'s prefetch
thread) must neither change the ``training`` value the training thread's
nested layers inherit nor leak its ``add_loss`` values into the training
step's loss.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import keraton
from keraton import layers
from keraton.layers import call_context

TIMEOUT = 10


class _Recorder(layers.Layer):
    """Records the ``training`` value each call resolved."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, x, training=None):
        self.seen.append(training)
        return x


class _Pausing(layers.Layer):
    """Signals ``entered``, waits for ``resume``, then calls ``inner``; optionally adds a loss."""

    def __init__(self, inner=None, loss=None, **kwargs):
        super().__init__(**kwargs)
        self.inner, self.loss_value = inner, loss
        self.entered, self.resume = threading.Event(), threading.Event()

    def call(self, x, training=None):
        if self.loss_value is not None:
            self.add_loss(torch.tensor(self.loss_value))
        self.entered.set()
        if not self.resume.wait(TIMEOUT):
            raise RuntimeError("the other thread never resumed this call")
        return self.inner(x) if self.inner is not None else x


def _run_in_thread(fn):
    errors = []

    def target():
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors.append(e)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, errors


@pytest.mark.parametrize("main_training,other_training", [(False, True), (True, False)])
def test_another_threads_call_does_not_change_the_inherited_training_value(main_training,
                                                                           other_training):
    recorder = _Recorder()
    outer = _Pausing(inner=recorder)
    other = _Pausing()
    x = torch.ones(2, 3)

    def main_call():
        outer(x, training=main_training)

    thread, errors = _run_in_thread(main_call)
    assert outer.entered.wait(TIMEOUT)
    # The main call is paused inside `outer`; another thread now enters a call of its own.
    other_thread, other_errors = _run_in_thread(lambda: other(x, training=other_training))
    assert other.entered.wait(TIMEOUT)
    outer.resume.set()  # `outer` calls `recorder` without training= while `other` is still inside
    thread.join(TIMEOUT)
    other.resume.set()
    other_thread.join(TIMEOUT)
    assert not errors and not other_errors
    assert recorder.seen == [main_training]


def test_a_call_in_another_thread_is_outermost_there():
    recorder = _Recorder()
    outer = _Pausing()
    x = torch.ones(2, 3)
    thread, errors = _run_in_thread(lambda: outer(x, training=True))
    assert outer.entered.wait(TIMEOUT)
    depths = []

    def other_call():
        depths.append(call_context.STATE.depth)
        recorder(x)

    other_thread, other_errors = _run_in_thread(other_call)
    other_thread.join(TIMEOUT)
    outer.resume.set()
    thread.join(TIMEOUT)
    assert not errors and not other_errors
    # Not nested in the paused training call: depth 0 and nothing inherited (inference).
    assert depths == [0]
    assert recorder.seen == [False]


def test_add_loss_in_another_thread_stays_out_of_the_training_step():
    class Noisy(layers.Layer):
        def call(self, x):
            self.add_loss(torch.tensor(100.0))
            return x

    noisy = Noisy()
    thread, errors = _run_in_thread(lambda: noisy(torch.ones(2, 2)))
    thread.join(TIMEOUT)
    assert not errors
    assert noisy.losses and float(noisy.losses[0]) == 100.0
    assert noisy not in call_context.STATE.pending_loss_layers

    model = keraton.Sequential([keraton.Input((2,)),
                                layers.Dense(1, kernel_initializer="zeros", use_bias=False)])
    model.compile("sgd", loss="mse")
    loss = model.evaluate(np.ones((4, 2), "float32"), np.ones((4, 1), "float32"), verbose=0)
    assert loss == pytest.approx(1.0)  # (0 - 1)**2, no 100 from the other thread's layer


def test_a_loop_in_another_thread_leaves_this_threads_bare_calls_alone():
    # fit/evaluate/predict make the outermost bare calls of their own thread infer (Keras);
    # a layer the user put in training mode keeps training when called in another thread.
    recorder = _Recorder()
    recorder.train()
    model = keraton.Sequential([keraton.Input((3,)), layers.Dense(1)])
    held, release = threading.Event(), threading.Event()
    inside = []

    def hold_loop():
        with call_context.loop_mode(model, True):
            inside.append(call_context.STATE.loop_depth)
            held.set()
            if not release.wait(TIMEOUT):
                raise RuntimeError("never released")

    thread, errors = _run_in_thread(hold_loop)
    assert held.wait(TIMEOUT)
    recorder(torch.ones(2, 3))  # this thread: no loop holds a mode
    release.set()
    thread.join(TIMEOUT)
    assert not errors and inside == [1]
    assert call_context.STATE.loop_depth == 0
    assert recorder.seen == [True]
    with call_context.loop_mode(model, True):
        recorder(torch.ones(2, 3))  # inside a loop of this thread: inference, as Keras
    assert recorder.seen == [True, False]


def test_keratons_mode_change_in_another_thread_does_not_hide_a_users_train_call():
    class SlowToSwitch(layers.Layer):
        """Pauses inside ``train()`` while keraton switches its mode."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.entered, self.resume = threading.Event(), threading.Event()

        def train(self, mode=True):
            if call_context.STATE.internal_mode_changes and "entered" in self.__dict__:
                self.entered.set()
                if not self.resume.wait(TIMEOUT):
                    raise RuntimeError("never resumed")
            return super().train(mode)

        def call(self, x):
            return x

    switching, user_layer = SlowToSwitch(), layers.Dense(2)
    thread, errors = _run_in_thread(lambda: call_context.set_mode(switching, True))
    assert switching.entered.wait(TIMEOUT)
    user_layer.eval()  # the user's own call: it pins the mode even while keraton's change runs
    switching.resume.set()
    thread.join(TIMEOUT)
    assert not errors
    assert user_layer._mode_pinned and not switching._mode_pinned
