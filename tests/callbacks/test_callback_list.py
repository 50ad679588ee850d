"""CallbackList: Keras 3 API, per-hook override dispatch, lazy batch logs."""

import pytest
import torch

from keraton.callbacks import Callback, CallbackList, History, ProgbarLogger


class FakeModel:
    stop_training = False


class EpochOnly(Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append((epoch, logs))


class BatchRecorder(Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append((batch, logs))


class LazyRecorder(Callback):
    _lazy_batch_logs = True

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append((batch, logs))


def forbidden_logs():
    raise AssertionError("logs must not be computed")


def test_hook_not_overridden_is_skipped():
    cb = EpochOnly()
    cbl = CallbackList([cb], model=FakeModel())
    for mode in ("train", "test", "predict"):
        assert cbl.needs_batch_hooks(mode) is False
    cbl.on_train_batch_begin(0)
    cbl.on_train_batch_end(0, forbidden_logs)
    cbl.on_test_batch_end(0, forbidden_logs)
    cbl.on_predict_batch_end(0, forbidden_logs)
    cbl.on_epoch_end(0, {"loss": 1.0})
    assert cb.epochs == [(0, {"loss": 1.0})]


def test_no_overriding_callbacks_means_empty_dispatch():
    cbl = CallbackList([Callback(), Callback()])
    assert cbl._d_on_train_batch_end == []
    assert cbl._d_on_epoch_end == []
    assert cbl._d_on_train_begin == []


def test_needs_batch_hooks_per_mode():
    class TestOnly(Callback):
        def on_test_batch_begin(self, batch, logs=None):
            pass

    cbl = CallbackList([TestOnly()])
    assert cbl.needs_batch_hooks("test") is True
    assert cbl.needs_batch_hooks("train") is False
    assert cbl.needs_batch_hooks("predict") is False
    assert CallbackList([BatchRecorder()]).needs_batch_hooks("train") is True


def test_on_batch_end_alias_called_from_train_batch_end():
    calls = []

    class Legacy(Callback):
        def on_batch_end(self, batch, logs=None):
            calls.append((batch, logs))

    cbl = CallbackList([Legacy()])
    assert cbl.needs_batch_hooks("train") is True
    assert cbl.needs_batch_hooks("test") is False
    cbl.on_train_batch_end(2, lambda: {"loss": torch.tensor(0.5)})
    cbl.on_test_batch_end(2, forbidden_logs)
    assert calls == [(2, {"loss": 0.5})]
    assert isinstance(calls[0][1]["loss"], float)


def test_on_batch_begin_alias_called_from_train_batch_begin():
    calls = []

    class Legacy(Callback):
        def on_batch_begin(self, batch, logs=None):
            calls.append((batch, logs))

    cbl = CallbackList([Legacy()])
    assert cbl.needs_batch_hooks("train") is True
    cbl.on_train_batch_begin(4)
    assert calls == [(4, {})]


def test_lazy_logs_resolved_once_for_two_dict_consumers():
    count = []

    def logs():
        count.append(1)
        return {"loss": torch.tensor(0.25), "accuracy": 0.5}

    a, b, lazy = BatchRecorder(), BatchRecorder(), LazyRecorder()
    cbl = CallbackList([a, lazy, b])
    cbl.on_train_batch_end(0, logs)
    assert len(count) == 1
    assert a.seen == [(0, {"loss": 0.25, "accuracy": 0.5})]
    assert a.seen[0][1] is b.seen[0][1]
    # The lazy callback receives a callable; calling it does not recompute.
    received = lazy.seen[0][1]
    assert callable(received)
    assert received() == {"loss": 0.25, "accuracy": 0.5}
    assert len(count) == 1


def test_lazy_logs_not_resolved_when_only_lazy_callbacks():
    lazy = LazyRecorder()
    cbl = CallbackList([lazy])
    cbl.on_train_batch_end(5, forbidden_logs)
    assert lazy.seen == [(5, forbidden_logs)]


def test_lazy_logs_resolved_once_with_two_lazy_callbacks():
    count = []

    def logs():
        count.append(1)
        return {"loss": 1.0}

    class Reader(LazyRecorder):
        def on_train_batch_end(self, batch, logs=None):
            self.seen.append(logs())

    r1, r2 = Reader(), Reader()
    CallbackList([r1, r2]).on_train_batch_end(0, logs)
    assert r1.seen == r2.seen == [{"loss": 1.0}]
    assert len(count) == 1


def test_dict_logs_flattened_in_sorted_key_order():
    """As Keras 3's pythonify_logs: sorted keys, a nested dict flattened at its key's place."""
    rec = BatchRecorder()
    cbl = CallbackList([rec])
    cbl.on_train_batch_end(1, {"z": torch.tensor(2.0), "a": 1, "nested": {"y": 4.0, "m": 3.0}})
    assert list(rec.seen[0][1].items()) == [("a", 1.0), ("m", 3.0), ("y", 4.0), ("z", 2.0)]


def test_non_scalar_values_untouched():
    seen = []

    class Pred(Callback):
        def on_predict_batch_end(self, batch, logs=None):
            seen.append(logs)

    outputs = torch.ones(1, 1)
    CallbackList([Pred()]).on_predict_batch_end(0, {"outputs": outputs})
    assert seen[0]["outputs"] is outputs


def test_calls_in_list_order_and_plain_hooks():
    order = []

    class Tagged(Callback):
        def __init__(self, tag):
            super().__init__()
            self.tag = tag

        def on_train_begin(self, logs=None):
            order.append((self.tag, "train_begin", logs))

        def on_epoch_begin(self, epoch, logs=None):
            order.append((self.tag, "epoch_begin", epoch))

        def on_test_end(self, logs=None):
            order.append((self.tag, "test_end", logs))

    cbl = CallbackList([Tagged("a"), Tagged("b")])
    cbl.on_train_begin()
    cbl.on_epoch_begin(3)
    cbl.on_test_end({"loss": torch.tensor(1.5)})
    assert order == [
        ("a", "train_begin", {}),
        ("b", "train_begin", {}),
        ("a", "epoch_begin", 3),
        ("b", "epoch_begin", 3),
        ("a", "test_end", {"loss": 1.5}),
        ("b", "test_end", {"loss": 1.5}),
    ]


def test_instance_level_override_detected():
    cb = Callback()
    seen = []
    cb.on_epoch_end = lambda epoch, logs=None: seen.append(epoch)
    CallbackList([cb]).on_epoch_end(7)
    assert seen == [7]


def test_add_history_and_progbar():
    model = FakeModel()
    cbl = CallbackList(
        [EpochOnly()], add_history=True, add_progbar=True, model=model, verbose=2, epochs=3, steps=4
    )
    kinds = [type(c) for c in cbl]
    assert kinds == [EpochOnly, History, ProgbarLogger]
    assert model.history is cbl._history
    for cb in cbl:
        assert cb.model is model
        assert cb.params == {"verbose": 2, "epochs": 3, "steps": 4}
    assert cbl._progbar.verbose == 2 and cbl._progbar.epochs == 3


def test_existing_history_not_duplicated():
    history = History()
    cbl = CallbackList([history], add_history=True, model=FakeModel())
    assert list(cbl) == [history]
    assert cbl._history is history


def test_append_refreshes_dispatch_and_sets_model_params():
    model = FakeModel()
    cbl = CallbackList(model=model, verbose=1, epochs=1, steps=2)
    assert cbl.needs_batch_hooks("train") is False
    rec = BatchRecorder()
    cbl.append(rec)
    assert rec.model is model and rec.params["steps"] == 2
    assert cbl.needs_batch_hooks("train") is True
    cbl.on_train_batch_end(0, {"loss": 1.0})
    assert rec.seen == [(0, {"loss": 1.0})]
    history = History()
    cbl.append(history)
    assert model.history is history


def test_set_model_none_ignored_and_nested_lists_flattened():
    a, b = EpochOnly(), EpochOnly()
    cbl = CallbackList([a, [b]])
    cbl.set_model(None)
    assert list(cbl) == [a, b] and a.model is None


def test_nested_callback_list_passes_lazy_logs_through():
    rec = BatchRecorder()
    outer = CallbackList([CallbackList([rec])])
    count = []
    outer.on_train_batch_end(0, lambda: count.append(1) or {"loss": 2.0})
    assert rec.seen == [(0, {"loss": 2.0})] and len(count) == 1


def test_needs_batch_hooks_rejects_unknown_mode():
    with pytest.raises(KeyError):
        CallbackList().needs_batch_hooks("fit")


def test_same_public_api_as_keras():
    kcl = pytest.importorskip("keras.src.callbacks.callback_list")
    keras_public = {n for n in dir(kcl.CallbackList) if not n.startswith("_")}
    ours = {n for n in dir(CallbackList) if not n.startswith("_")}
    assert keras_public <= ours
