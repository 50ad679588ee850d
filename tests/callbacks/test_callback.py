"""Callback base class: Keras 3 hook set, no-op defaults, Keras 2 aliases."""

import inspect

import pytest

from keraton.callbacks import Callback
from keraton.callbacks.callback import is_default

HOOKS = [
    "on_batch_begin",
    "on_batch_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
]


class FakeModel:
    stop_training = False


def test_defaults_are_noops_and_marked():
    cb = Callback()
    assert cb.model is None and cb.params is None
    for name in HOOKS:
        method = getattr(cb, name)
        assert is_default(method)
        args = (0,) if "batch" in name or "epoch" in name else ()
        assert method(*args, logs={"loss": 1.0}) is None


def test_set_model_and_params():
    cb = Callback()
    model = FakeModel()
    cb.set_model(model)
    cb.set_params({"verbose": 1, "epochs": 2, "steps": 3})
    assert cb.model is model
    assert cb.params == {"verbose": 1, "epochs": 2, "steps": 3}


def test_model_unwraps_ddp_like_wrapper():
    class DistributedDataParallel:
        def __init__(self, module):
            self.module = module

    model = FakeModel()
    cb = Callback()
    cb.set_model(DistributedDataParallel(model))
    assert cb.model is model


def test_train_batch_hooks_call_keras2_aliases():
    calls = []

    class Legacy(Callback):
        def on_batch_begin(self, batch, logs=None):
            calls.append(("begin", batch, logs))

        def on_batch_end(self, batch, logs=None):
            calls.append(("end", batch, logs))

    cb = Legacy()
    cb.on_train_batch_begin(3)
    cb.on_train_batch_end(3, {"loss": 0.5})
    cb.on_test_batch_end(3, {"loss": 0.5})  # not an alias of test hooks
    assert calls == [("begin", 3, None), ("end", 3, {"loss": 0.5})]
    assert not is_default(cb.on_batch_end)
    assert is_default(cb.on_train_batch_end)


def test_override_is_not_default():
    class Epochs(Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    cb = Epochs()
    assert not is_default(cb.on_epoch_end)
    assert is_default(cb.on_epoch_begin)


def test_same_hooks_and_signatures_as_keras():
    kcallback = pytest.importorskip("keras.src.callbacks.callback")
    keras_hooks = sorted(
        n for n in dir(kcallback.Callback) if n.startswith("on_") or n.startswith("set_")
    )
    ours = sorted(n for n in dir(Callback) if n.startswith("on_") or n.startswith("set_"))
    assert ours == keras_hooks
    for name in keras_hooks:
        theirs = list(inspect.signature(getattr(kcallback.Callback, name)).parameters)
        assert list(inspect.signature(getattr(Callback, name)).parameters) == theirs
