"""ModelCheckpoint in a real fit: file names, which epochs are saved, the
saved weights, batch-level saving and Keras's messages."""

import io
import os
from contextlib import redirect_stdout

import numpy as np
import pytest
from callback_fit_utils import build_model, build_saving_model, make_data, read_npz

from keraton.callbacks import LambdaCallback, ModelCheckpoint


def _fit(model, callbacks, epochs=4, **kwargs):
    x, y = make_data()
    return model.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0,
                     callbacks=callbacks, **kwargs)


def test_every_epoch_with_templated_name_saves_that_epochs_weights(tmp_path):
    model = build_saving_model()
    weights = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()))
    template = str(tmp_path / "weights.{epoch:02d}-{loss:.2f}.weights.h5")
    ckpt = ModelCheckpoint(template, monitor="loss", save_weights_only=True)
    history = _fit(model, [record, ckpt])
    losses = history.history["loss"]
    names = [f"weights.{e + 1:02d}-{losses[e]:.2f}.weights.h5" for e in range(4)]
    assert sorted(os.listdir(tmp_path)) == sorted(names)
    assert [k for k, _, _ in model.saved] == ["save_weights"] * 4
    assert all(overwrite is True for _, _, overwrite in model.saved)
    for e in range(4):
        for got, want in zip(read_npz(tmp_path / names[e]), weights[e]):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("mode, scores, saved_epochs", [
    ("min", [3.0, 2.0, 2.5, 1.0], [1, 2, 4]),
    ("max", [3.0, 2.0, 2.5, 4.0], [1, 4]),
])
def test_save_best_only(tmp_path, mode, scores, saved_epochs):
    model = build_saving_model()
    score = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(score=scores[epoch]))
    ckpt = ModelCheckpoint(str(tmp_path / "m{epoch}.keras"), monitor="score", mode=mode,
                           save_best_only=True)
    _fit(model, [score, ckpt])
    assert sorted(os.listdir(tmp_path)) == sorted(f"m{e}.keras" for e in saved_epochs)
    assert [k for k, _, _ in model.saved] == ["save"] * len(saved_epochs)
    assert ckpt.best == (min(scores) if mode == "min" else max(scores))


def test_initial_value_threshold_and_verbose_messages(tmp_path):
    model = build_saving_model()
    scores = [3.0, 1.5, 1.8]
    score = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(score=scores[epoch]))
    path = str(tmp_path / "best.keras")
    ckpt = ModelCheckpoint(path, monitor="score", mode="min", save_best_only=True,
                           initial_value_threshold=2.0, verbose=1)
    out = io.StringIO()
    with redirect_stdout(out):
        _fit(model, [score, ckpt], epochs=3)
    assert len(model.saved) == 1
    assert out.getvalue().split("\n") == [
        "", "Epoch 1: score did not improve from 2.00000",
        "", f"Epoch 2: score improved from 2.00000 to 1.50000, saving model to {path}",
        "", f"Epoch 2: finished saving model to {path}",
        "", "Epoch 3: score did not improve from 1.50000", "",
    ]


def test_integer_save_freq_counts_batches_across_epochs(tmp_path):
    model = build_saving_model()
    ckpt = ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.weights.h5"),
                           save_weights_only=True, save_freq=3)
    _fit(model, [ckpt], epochs=2)  # 4 batches per epoch: saves after global batches 3 and 6
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.weights.h5", "e2-b2.weights.h5"]


def test_epoch_mode_adds_no_batch_hook():
    ckpt = ModelCheckpoint("m.keras")
    from keraton.callbacks import CallbackList

    assert not CallbackList([ckpt]).needs_batch_hooks("train")
    assert CallbackList([ModelCheckpoint("m.keras", save_freq=2)]).needs_batch_hooks("train")


@pytest.mark.parametrize("kwargs, match", [
    (dict(filepath="w.pt", save_weights_only=True), "must end in `.weights.h5`.*filepath=w.pt"),
    (dict(filepath="model.pt"), "must end in `.keras`.*filepath=model.pt"),
    (dict(filepath="m.keras", save_freq="batch"), "Unrecognized save_freq: 'batch'"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ModelCheckpoint(**kwargs)


def test_unknown_template_key_raises_keyerror_naming_keys(tmp_path):
    model = build_saving_model()
    ckpt = ModelCheckpoint(str(tmp_path / "{val_acc}.keras"))
    with pytest.raises(KeyError, match="Failed to format this callback filepath.*val_acc"):
        _fit(model, [ckpt], epochs=1)


def test_real_model_save_weights_roundtrip(tmp_path):
    model = build_model()
    if not callable(getattr(model, "save_weights", None)):
        pytest.skip("keraton.saving does not provide Model.save_weights yet")
    path = str(tmp_path / "w.weights.h5")
    _fit(model, [ModelCheckpoint(path, save_weights_only=True)], epochs=2)
    fresh = build_model()
    fresh.load_weights(path)
    for got, want in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_real_model_save_keras_file_loads_back(tmp_path):
    import keraton

    model = build_model()
    if not callable(getattr(model, "save", None)):
        pytest.skip("keraton.saving does not provide Model.save yet")
    scores = [2.0, 1.0, 3.0]
    score = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(score=scores[epoch]))
    weights = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()))
    path = str(tmp_path / "best.keras")
    _fit(model, [score, record, ModelCheckpoint(path, monitor="score", mode="min",
                                                save_best_only=True)], epochs=3)
    loaded = keraton.models.load_model(path)
    for got, want in zip(loaded.get_weights(), weights[1]):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("lr, saved", [(0.0, ["m1.keras"]), (0.05, ["m1.keras", "m2.keras", "m3.keras"])])
def test_save_best_only_on_val_loss_auto_mode(tmp_path, lr, saved):
    model = build_saving_model(lr=lr)
    x, y = make_data()
    model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0,
              validation_data=(x, y),
              callbacks=[ModelCheckpoint(str(tmp_path / "m{epoch}.keras"), save_best_only=True)])
    # lr 0: val_loss is the same every epoch, so only the first one is an improvement.
    assert sorted(os.listdir(tmp_path)) == saved
