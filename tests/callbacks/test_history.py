"""History: per-epoch accumulation as Python floats, `model.history` link."""

import numpy as np
import pytest
import torch

import keraton
from keraton.callbacks import CallbackList, History


class FakeModel:
    stop_training = False


EPOCH_LOGS = [
    {"loss": torch.tensor(0.9), "accuracy": np.float32(0.5), "val_loss": 1.0},
    {"loss": torch.tensor(0.6), "accuracy": np.float32(0.75), "val_loss": 0.8},
    {"loss": torch.tensor(0.3), "accuracy": np.float32(1.0), "val_loss": 0.7},
]


def run_fit(history, model):
    cbl = CallbackList([history], model=model, verbose=0, epochs=3, steps=2)
    cbl.on_train_begin()
    for epoch, logs in enumerate(EPOCH_LOGS):
        cbl.on_epoch_begin(epoch)
        cbl.on_epoch_end(epoch, logs)
    cbl.on_train_end(EPOCH_LOGS[-1])
    return cbl


def test_accumulates_three_epochs_as_floats():
    model = FakeModel()
    history = History()
    run_fit(history, model)
    assert history.epoch == [0, 1, 2]
    assert list(history.history) == ["accuracy", "loss", "val_loss"]  # sorted, as Keras 3
    assert history.history["loss"] == pytest.approx([0.9, 0.6, 0.3])
    assert history.history["accuracy"] == [0.5, 0.75, 1.0]
    assert history.history["val_loss"] == [1.0, 0.8, 0.7]
    for values in history.history.values():
        assert all(type(v) is float for v in values)
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 2}
    assert history.model is model
    assert model.history is history


def test_direct_calls_without_callback_list():
    model = FakeModel()
    history = History()
    history.set_model(model)
    assert model.history is history
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": torch.tensor(2.0)})
    history.on_epoch_end(1, None)
    assert history.history == {"loss": [2.0]}
    assert history.epoch == [0, 1]


def test_on_train_begin_resets_epochs_only():
    history = History()
    history.set_model(FakeModel())
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": 1.0})
    history.on_train_begin()
    assert history.epoch == []
    assert history.history == {"loss": [1.0]}


def test_matches_keras_history():
    khistory = pytest.importorskip("keras.src.callbacks.history")
    ours, theirs = History(), khistory.History()
    plain = [{k: float(v) for k, v in logs.items()} for logs in EPOCH_LOGS]
    for cb in (ours, theirs):
        cb.set_model(FakeModel())
        cb.on_train_begin()
        for epoch, logs in enumerate(plain):
            cb.on_epoch_end(epoch, logs)
    assert ours.history == theirs.history
    assert ours.epoch == theirs.epoch


def test_keras2_lr_key_reads_the_learning_rate():
    """Keras 2's schedulers logged "lr"; Keras 3's log "learning_rate", the one key listed."""
    model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1)])
    model.compile(keraton.optimizers.SGD(0.1), "mse")
    scheduler = keraton.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0, callbacks=[scheduler])
    assert "lr" not in history.history and "learning_rate" in history.history
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    assert history.history.get("lr") == history.history["learning_rate"]
    assert history.history.get("missing", "default") == "default"
    with pytest.raises(KeyError):
        history.history["val_lr"]
