"""LambdaCallback in a real fit: which hooks run, with what arguments."""

import pytest
from callback_fit_utils import build_model, make_data

from keraton.callbacks import CallbackList, LambdaCallback


def test_hooks_run_in_order_with_their_arguments():
    events = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: events.append(("train_begin",)),
        on_epoch_begin=lambda epoch, logs: events.append(("epoch_begin", epoch)),
        on_train_batch_end=lambda batch, logs: events.append(("batch_end", batch, sorted(logs))),
        on_epoch_end=lambda epoch, logs: events.append(("epoch_end", epoch, round(logs["loss"], 6))),
        on_train_end=lambda logs: events.append(("train_end", sorted(logs))),
    )
    x, y = make_data()
    history = build_model().fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[cb])
    losses = [round(v, 6) for v in history.history["loss"]]
    assert events == [
        ("train_begin",),
        ("epoch_begin", 0), ("batch_end", 0, ["loss"]), ("batch_end", 1, ["loss"]),
        ("epoch_end", 0, losses[0]),
        ("epoch_begin", 1), ("batch_end", 0, ["loss"]), ("batch_end", 1, ["loss"]),
        ("epoch_end", 1, losses[1]),
        ("train_end", ["loss"]),
    ]


def test_keras2_alias_and_extra_hooks_from_kwargs():
    seen = []
    cb = LambdaCallback(on_batch_end=lambda batch, logs: seen.append(batch),
                        on_test_end=lambda logs: seen.append("test_end"))
    x, y = make_data()
    build_model().fit(x, y, epochs=1, batch_size=8, validation_data=(x, y), verbose=0,
                      callbacks=[cb])
    assert seen == [0, 1, 2, 3, "test_end"]


def test_unset_hooks_cost_nothing():
    cb = LambdaCallback(on_epoch_end=lambda epoch, logs: None)
    assert not CallbackList([cb]).needs_batch_hooks("train")


def test_non_callable_hook_raises():
    with pytest.raises(TypeError, match="LambdaCallback: `on_epoch_end` must be a function, got int"):
        LambdaCallback(on_epoch_end=3)
