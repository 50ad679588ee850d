"""TensorBoard in a real fit: event files read back with tensorboard's
EventAccumulator, tags and steps as Keras 3 writes them."""

import builtins
import glob
import os

import numpy as np
import pytest
from callback_fit_utils import build_model, make_data

from keraton.callbacks import CallbackList, TensorBoard

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def _load(directory):
    acc = event_accumulator.EventAccumulator(
        directory, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0})
    acc.Reload()
    return acc


def _scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def test_epoch_scalars_train_and_validation(tmp_path):
    x, y = make_data()
    model = build_model(lr=0.05, metrics=["mae"])
    history = model.fit(x, y, epochs=3, batch_size=16, validation_data=(x[:8], y[:8]), verbose=0,
                        callbacks=[TensorBoard(log_dir=str(tmp_path))])
    h = history.history
    train = _load(str(tmp_path / "train"))
    assert sorted(train.Tags()["scalars"]) == ["epoch_learning_rate", "epoch_loss", "epoch_mae"]
    for name in ("loss", "mae"):
        steps, values = zip(*_scalars(train, f"epoch_{name}"))
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, h[name], rtol=1e-6)
    assert [v for _, v in _scalars(train, "epoch_learning_rate")] == pytest.approx([0.05] * 3)
    val = _load(str(tmp_path / "validation"))
    assert sorted(val.Tags()["scalars"]) == [
        "epoch_loss", "epoch_mae", "evaluation_loss_vs_iterations", "evaluation_mae_vs_iterations"]
    np.testing.assert_allclose([v for _, v in _scalars(val, "epoch_loss")], h["val_loss"],
                               rtol=1e-6)
    # Evaluations are logged at the optimizer's step: 2 batches per epoch.
    assert [s for s, _ in _scalars(val, "evaluation_loss_vs_iterations")] == [2, 4, 6]


@pytest.mark.parametrize("update_freq, steps", [("batch", [1, 2, 3, 4, 5, 6, 7, 8]),
                                                 (3, [3, 6])])
def test_batch_scalars(tmp_path, update_freq, steps):
    x, y = make_data()
    model = build_model()
    losses = []
    from keraton.callbacks import LambdaCallback

    record = LambdaCallback(on_train_batch_end=lambda batch, logs: losses.append(logs["loss"]))
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0,
              callbacks=[record, TensorBoard(log_dir=str(tmp_path), update_freq=update_freq)])
    got = _scalars(_load(str(tmp_path / "train")), "batch_loss")
    assert [s for s, _ in got] == steps
    np.testing.assert_allclose([v for _, v in got], [losses[s - 1] for s in steps], rtol=1e-6)


def test_histograms_every_histogram_freq_epochs(tmp_path):
    x, y = make_data()
    model = build_model()
    model.fit(x, y, epochs=3, verbose=0,
              callbacks=[TensorBoard(log_dir=str(tmp_path), histogram_freq=2)])
    acc = _load(str(tmp_path / "train"))
    tags = sorted(acc.Tags()["histograms"])
    dense = model.layers[0].name
    assert f"{dense}/kernel/histogram" in tags and len(tags) == 4
    events = acc.Histograms(f"{dense}/kernel/histogram")
    assert [e.step for e in events] == [0, 2]
    assert events[-1].histogram_value.num == 12  # the 3 x 4 kernel
    np.testing.assert_allclose(events[-1].histogram_value.sum,
                               model.layers[0].get_weights()[0].sum(), rtol=1e-5)


def test_epoch_mode_adds_no_batch_hook():
    assert not CallbackList([TensorBoard()]).needs_batch_hooks("train")


def test_missing_tensorboard_names_pip_command(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("torch.utils.tensorboard"):
            raise ImportError("No module named 'tensorboard'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    x, y = make_data()
    with pytest.raises(ImportError, match="needs the `tensorboard` package.*pip install tensorboard"):
        build_model().fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(str(tmp_path))])
    assert not glob.glob(os.path.join(str(tmp_path), "*", "events*"))


@pytest.mark.parametrize("kwargs, match", [
    (dict(update_freq="step"), "update_freq.*'step'"),
    (dict(profile_batch=2), "Profiling is not yet available with the torch backend"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TensorBoard(**kwargs)


def test_multi_optimizer_rates_are_logged_per_sub_optimizer(tmp_path):
    import keraton

    x, y = make_data()
    model = build_model(lr=0.05)
    o = keraton.optimizers
    model.compile(o.MultiOptimizer(o.OptimizerMap(o.SGD(0.05, name="sgd"),
                                                  {"^$": o.Adam(0.01, name="adam")})), "mse")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0,
              callbacks=[TensorBoard(log_dir=str(tmp_path))])
    train = _load(str(tmp_path / "train"))
    assert {"epoch_learning_rate_adam", "epoch_learning_rate_sgd"} <= set(train.Tags()["scalars"])
    assert [v for _, v in _scalars(train, "epoch_learning_rate_sgd")] == pytest.approx([0.05] * 2)


def test_keras2_arguments_are_accepted_with_a_warning_others_refused(tmp_path):
    with pytest.warns(UserWarning, match="`batch_size` is a Keras 2 argument"):
        callback = TensorBoard(log_dir=str(tmp_path), batch_size=32, write_grads=False,
                               embeddings_layer_names=None, embeddings_data=None)
    assert callback.log_dir == str(tmp_path)
    with pytest.raises(ValueError, match=r"Unrecognized arguments.*\['colour'\]"):
        TensorBoard(log_dir=str(tmp_path), colour="red")
