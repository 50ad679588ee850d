"""compile / fit / evaluate / predict: numbers against real Keras 3 and hand computations."""

import io
import os
import runpy
from contextlib import redirect_stdout

import numpy as np
import pytest
import torch

import keraton

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _mlp(keras_mod, out_units=3, activation="softmax", **dense_kwargs):
    return keras_mod.Sequential([
        keras_mod.Input((4,)),
        keras_mod.layers.Dense(5, activation="relu", **dense_kwargs),
        keras_mod.layers.Dense(out_units, activation=activation),
    ])


def _data(n=40, seed=0, classes=3):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype("float32")
    y = rng.integers(0, classes, size=n)
    return x, y


# ---------------------------------------------------------------- the seed program
def test_seed_program_learns_identity():
    keraton.utils.set_random_seed(0)
    out = io.StringIO()
    with redirect_stdout(out):
        scope = runpy.run_path(os.path.join(ROOT, "examples", "seed.py"))
    history = scope["train"].history
    assert len(history["loss"]) == 100 and len(history["accuracy"]) == 100
    assert history["loss"][-1] < 1e-3 < history["loss"][0]
    np.testing.assert_allclose(scope["y_test"].ravel(), [4, 6, 7], atol=0.05)
    text = out.getvalue()
    assert "Epoch 100/100" in text and "##y_test##" in text
    # tf.keras 2 resolves 'accuracy' with a (n, 1) output to binary accuracy: only y=1 matches.
    assert history["accuracy"][-1] == pytest.approx(0.25)
    assert scope["eva"][1] == pytest.approx(0.25)


@pytest.mark.parametrize("seed", [1, 5, 17])
def test_seed_program_matches_keras3_and_honours_lr(seed):
    keras = pytest.importorskip("keras")
    keraton.utils.set_random_seed(seed)
    model = keraton.models.Sequential()
    model.add(keraton.layers.Dense(units=1, input_dim=1))
    model.compile(loss="mse", optimizer=keraton.optimizers.SGD(lr=0.1))
    w0 = model.get_weights()
    history = model.fit([1, 2, 3, 4], [1, 2, 3, 4], epochs=30, verbose=0)

    twin = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    twin.set_weights(w0)
    twin.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=0.1))
    k_history = twin.fit(np.array([[1.0], [2], [3], [4]]), np.array([[1.0], [2], [3], [4]]),
                         epochs=30, verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history["loss"], k_history.history["loss"], rtol=1e-5)
    for ours, theirs in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- fit against Keras 3
FIT_CASES = {
    "plain": dict(fit={}),
    "metrics": dict(fit={}, compile={"metrics": ["accuracy"]}),
    "batch_7": dict(fit={"batch_size": 7}),
    "validation_split": dict(fit={"validation_split": 0.25}, compile={"metrics": ["accuracy"]}),
    "sample_weight": dict(fit={"sample_weight": "sw"}),
    "class_weight": dict(fit={"class_weight": {0: 1.0, 1: 2.0, 2: 0.5}}),
    "l2": dict(fit={}, dense={"kernel_regularizer": "l2"}),
    "adam": dict(fit={}, optimizer="adam"),
}


@pytest.mark.parametrize("case", sorted(FIT_CASES))
def test_fit_matches_keras3(case):
    keras = pytest.importorskip("keras")
    spec = FIT_CASES[case]
    x, y = _data()
    sw = np.linspace(0.5, 2.0, len(x)).astype("float32")
    model = _mlp(keraton, **spec.get("dense", {}))
    twin = _mlp(keras, **spec.get("dense", {}))
    twin.set_weights(model.get_weights())
    opt = spec.get("optimizer", "sgd")
    compile_kwargs = dict(loss="sparse_categorical_crossentropy", **spec.get("compile", {}))
    model.compile(optimizer=keraton.optimizers.get(opt), **compile_kwargs)
    twin.compile(optimizer=keras.optimizers.get(opt), **compile_kwargs)
    fit_kwargs = {k: (sw if v == "sw" else v) for k, v in spec["fit"].items()}
    h = model.fit(x, y, epochs=3, shuffle=False, verbose=0, **fit_kwargs)
    kh = twin.fit(x, y, epochs=3, shuffle=False, verbose=0, **fit_kwargs)
    assert set(h.history) == set(kh.history)
    for key in kh.history:
        np.testing.assert_allclose(h.history[key], kh.history[key], rtol=2e-5, atol=1e-6, err_msg=key)
    for ours, theirs in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
    ev = model.evaluate(x, y, verbose=0, return_dict=True)
    kev = twin.evaluate(x, y, verbose=0, return_dict=True)
    for key in kev:
        assert ev[key] == pytest.approx(kev[key], rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), twin.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_validation_data_and_freq():
    x, y = _data()
    model = _mlp(keraton)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["acc"])
    h = model.fit(x[:30], y[:30], validation_data=(x[30:], y[30:]), epochs=4, validation_freq=2, verbose=0)
    assert set(h.history) == {"loss", "acc", "val_loss", "val_acc"}
    assert len(h.history["loss"]) == 4 and len(h.history["val_loss"]) == 2
    assert h.history["val_loss"][-1] == pytest.approx(model.evaluate(x[30:], y[30:], verbose=0)[0], rel=1e-6)


def test_validation_data_with_sample_weight_equals_weighted_evaluate():
    x, y = _data()
    sw = np.linspace(0.1, 1.0, 10).astype("float32")
    model = _mlp(keraton)
    model.compile("sgd", "sparse_categorical_crossentropy")
    h = model.fit(x[:30], y[:30], validation_data=(x[30:], y[30:], sw), epochs=1, verbose=0)
    assert h.history["val_loss"][0] == pytest.approx(model.evaluate(x[30:], y[30:], sample_weight=sw, verbose=0), rel=1e-6)


def test_initial_epoch_steps_per_epoch_and_epoch_list():
    x, y = _data(n=40)
    model = _mlp(keraton)
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match="ran out of data"):
        h = model.fit(x, y, epochs=5, initial_epoch=2, batch_size=10, steps_per_epoch=3, verbose=0)
    assert h.epoch == [2, 3, 4]
    # 4 batches, 3 per epoch: 3, then the 1 left (the epoch ends short), then 3; Keras 3.15: 7.
    assert model.optimizer.iterations.numpy() == 7


# ---------------------------------------------------------------- evaluate / predict forms
def test_evaluate_return_forms():
    x, y = _data()
    model = _mlp(keraton)
    model.compile("sgd", "sparse_categorical_crossentropy")
    loss = model.evaluate(x, y, verbose=0)
    assert isinstance(loss, float)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    values = model.evaluate(x, y, verbose=0)
    assert isinstance(values, list) and len(values) == 2 and model.metrics_names == ["loss", "accuracy"]
    assert values[0] == pytest.approx(loss, rel=1e-6)
    probs = model.predict(x, verbose=0)
    assert values[1] == pytest.approx(np.mean(probs.argmax(1) == y))
    assert model.evaluate(x, y, verbose=0, return_dict=True) == {"loss": values[0], "accuracy": values[1]}


def test_evaluate_batches_agree_with_one_batch():
    x, y = _data(n=37)
    model = _mlp(keraton)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=5, verbose=0),
                               model.evaluate(x, y, batch_size=37, verbose=0), rtol=1e-6)


def test_predict_batched_equals_direct_call_and_expands_1d():
    x, _ = _data(n=50)
    model = _mlp(keraton)
    expected = model(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model.predict(x, batch_size=7, verbose=0), expected, rtol=1e-6)
    one = keraton.Sequential([keraton.layers.Dense(1, input_dim=1)])
    out = one.predict(np.array([4, 6, 7]), verbose=0)
    assert out.shape == (3, 1) and out.dtype == np.float32


def test_predict_does_not_use_dropout_and_restores_mode():
    model = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dropout(0.9)])
    x = np.ones((8, 4), "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert model.training is False


# ---------------------------------------------------------------- multi-input / multi-output
def _two_io(mod):
    a = mod.Input((3,), name="a")
    b = mod.Input((2,), name="b")
    h = mod.layers.Dense(4, activation="tanh", name="h")(a)
    g = mod.layers.Dense(4, activation="tanh", name="g")(b)
    merged = mod.layers.Dense(4, name="m")(h) if False else h
    out1 = mod.layers.Dense(1, name="reg")(merged)
    out2 = mod.layers.Dense(3, activation="softmax", name="cls")(g)
    return mod.Model([a, b], [out1, out2])


def _two_io_data(n=24):
    rng = np.random.default_rng(3)
    return (rng.standard_normal((n, 3)).astype("float32"), rng.standard_normal((n, 2)).astype("float32"),
            rng.standard_normal((n, 1)).astype("float32"), rng.integers(0, 3, n))


@pytest.mark.parametrize("form", ["list", "dict"])
def test_multi_output_losses_weights_and_logs(form):
    keras = pytest.importorskip("keras")
    a, b, r, c = _two_io_data()
    model, twin = _two_io(keraton), _two_io(keras)
    twin.set_weights(model.get_weights())
    if form == "list":
        kwargs = dict(loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[0.5, 2.0])
        x, y = [a, b], [r, c]
    else:
        kwargs = dict(loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                      loss_weights={"reg": 0.5, "cls": 2.0})
        x, y = {"a": a, "b": b}, {"reg": r, "cls": c}
    model.compile("sgd", **kwargs)
    twin.compile("sgd", **kwargs)
    h = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    kh = twin.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_allclose(h.history["loss"], kh.history["loss"], rtol=1e-5)
    assert {"reg_loss", "cls_loss"} <= set(h.history)
    total = 0.5 * np.array(h.history["reg_loss"]) + 2.0 * np.array(h.history["cls_loss"])
    np.testing.assert_allclose(h.history["loss"], total, rtol=1e-5)
    preds = model.predict(x, verbose=0)
    assert isinstance(preds, list) and preds[0].shape == (24, 1) and preds[1].shape == (24, 3)


def test_per_output_metrics_are_named_by_output():
    a, b, r, c = _two_io_data()
    model = _two_io(keraton)
    model.compile("sgd", loss=["mse", "sparse_categorical_crossentropy"],
                  metrics={"reg": ["mae"], "cls": ["accuracy"]})
    h = model.fit([a, b], [r, c], epochs=1, verbose=0)
    assert {"reg_mae", "cls_accuracy"} <= set(h.history)
    mae = np.mean(np.abs(model.predict([a, b], verbose=0)[0] - r))
    assert model.evaluate([a, b], [r, c], verbose=0, return_dict=True)["reg_mae"] == pytest.approx(mae, rel=1e-5)


# ---------------------------------------------------------------- Keras 2 compile arguments
def test_target_tensors_are_used_when_fit_has_no_y():
    x, y = _data()
    m1, m2 = _mlp(keraton), _mlp(keraton)
    m2.set_weights(m1.get_weights())
    m1.compile("sgd", "sparse_categorical_crossentropy")
    m2.compile("sgd", "sparse_categorical_crossentropy", target_tensors=y)
    h1 = m1.fit(x, y, epochs=2, shuffle=False, verbose=0)
    h2 = m2.fit(x, epochs=2, shuffle=False, verbose=0)
    assert h1.history["loss"] == h2.history["loss"]


def test_temporal_sample_weights_weight_each_timestep():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 5, 2)).astype("float32")
    y = rng.standard_normal((6, 5, 1)).astype("float32")
    sw = (rng.random((6, 5)) > 0.5).astype("float32")
    model = keraton.Sequential([keraton.Input((5, 2)), keraton.layers.Dense(1)])
    model.compile("sgd", "mse", sample_weight_mode="temporal")
    loss = model.evaluate(x, y, sample_weight=sw, verbose=0, batch_size=6)
    pred = model.predict(x, verbose=0)
    expected = np.sum(((pred - y) ** 2)[..., 0] * sw) / sw.size  # Keras: sum over batch size
    assert loss == pytest.approx(expected, rel=1e-5)
    model.fit(x, y, sample_weight=sw, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="temporal"):
        model.fit(x, y, sample_weight=sw[:, 0], epochs=1, verbose=0)


def test_learning_rate_can_be_changed_during_training():
    model = keraton.Sequential([keraton.layers.Dense(1, input_dim=1, kernel_initializer="zeros")])
    model.compile(loss="mse", optimizer=keraton.optimizers.SGD(lr=0.1))
    assert float(model.optimizer.lr) == pytest.approx(0.1)

    class Zero(keraton.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.optimizer.learning_rate = 0.0

    model.fit([1.0], [2.0], epochs=1, verbose=0)
    after_one = model.get_weights()[0].item()
    assert after_one == pytest.approx(0.1 * 2 * 2.0)  # lr * d(mse)/dw at w=0, x=1, y=2
    model.fit([1.0], [2.0], epochs=3, verbose=0, callbacks=[Zero()])
    model.fit([1.0], [2.0], epochs=2, verbose=0)
    assert model.get_weights()[0].item() != after_one
    frozen = model.get_weights()[0].item()
    model.fit([1.0], [2.0], epochs=2, verbose=0)
    assert model.get_weights()[0].item() == frozen


# ---------------------------------------------------------------- progress output
def test_progress_output_non_tty(capsys):
    x, y = _data()
    model = _mlp(keraton)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=10, verbose=1)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("4/4 ━━━━━━━━━━━━━━━━━━━━ ") and " - loss: " in lines[1] and " - accuracy: " in lines[1]
    assert "\r" not in lines[1]
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=1, verbose=2)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "loss:" in out


# ---------------------------------------------------------------- reproducibility and torch-native use
def test_set_random_seed_makes_runs_bit_identical():
    def run():
        keraton.backend.clear_session()
        keraton.utils.set_random_seed(123)
        model = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(8, activation="relu"),
                                    keraton.layers.Dropout(0.3), keraton.layers.Dense(3)])
        model.compile("adam", keraton.losses.SparseCategoricalCrossentropy(from_logits=True))
        x, y = _data()
        model.fit(x, y, epochs=3, batch_size=8, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_subclassed_model_trains_and_is_a_torch_module():
    class Net(keraton.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keraton.layers.Dense(8, activation="relu")
            self.out = keraton.layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    x = np.random.default_rng(0).standard_normal((64, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = Net()
    model.compile(keraton.optimizers.Adam(0.01), "mse")
    h = model.fit(x, y, epochs=30, verbose=0)
    assert h.history["loss"][-1] < 0.2 * h.history["loss"][0]
    assert set(model.state_dict()) == {"hidden.kernel", "hidden.bias", "out.kernel", "out.bias"}
    clone = Net()
    clone(torch.zeros(1, 3))
    clone.load_state_dict(model.state_dict())
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_on_batch_methods():
    x, y = _data(n=8)
    model = _mlp(keraton)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.test_on_batch(x, y)
    logs = model.train_on_batch(x, y, return_dict=True)
    assert logs["loss"] == pytest.approx(before[0], rel=1e-6)  # loss is measured before the update
    assert model.test_on_batch(x, y)[0] < before[0]
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x, verbose=0), rtol=1e-6)


# ---------------------------------------------------------------- errors
def test_fit_before_compile():
    with pytest.raises(ValueError, match=r"compile\(\)"):
        _mlp(keraton).fit(*_data())


@pytest.mark.parametrize("bad,match", [
    (dict(optimizer="adamm"), "Did you mean 'adam'"),
    (dict(loss="mse2"), "Did you mean 'mse'"),
    (dict(metrics=["acuracy"]), "Did you mean 'accuracy'"),
])
def test_unknown_names_suggest_the_closest(bad, match):
    model = _mlp(keraton)
    kwargs = dict(optimizer="sgd", loss="mse")
    kwargs.update(bad)
    with pytest.raises(ValueError, match=match):
        model.compile(**kwargs)
        x, _ = _data()
        model.fit(x, np.zeros((40, 3)), verbose=0)


def test_unknown_activation_suggests_the_closest():
    with pytest.raises(ValueError, match="Did you mean 'relu'"):
        keraton.layers.Dense(3, activation="rellu")


def test_length_mismatch():
    x, y = _data()
    model = _mlp(keraton)
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"x: 40, y: 39"):
        model.fit(x, y[:-1], verbose=0)


def test_target_shape_the_loss_cannot_take():
    x, _ = _data()
    model = _mlp(keraton)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"\(40, 4\)|shape"):
        model.fit(x, np.zeros((40, 4), "float32"), verbose=0)


def test_input_shape_mismatch_names_input_and_shapes():
    model = _mlp(keraton)
    model.compile("sgd", "mse")
    # A Sequential checks no input spec (Keras 3): its first Dense names the shapes.
    with pytest.raises(ValueError, match=r"dense.*size 4.*\(10, 3\)"):
        model.fit(np.zeros((10, 3)), np.zeros((10, 3)), verbose=0)
    with pytest.raises(ValueError, match=r"dense.*\(2, 3\)"):
        model(torch.zeros(2, 3))


@pytest.mark.parametrize("where", ["x", "y"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_data_is_refused(where, value):
    x, _ = _data()
    y = np.zeros((40, 3), "float32")
    (x if where == "x" else y)[5, 1] = value
    model = _mlp(keraton)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"NaN or infinite values \(first at sample 5\)"):
        model.fit(x, y, verbose=0)


def test_bad_verbose_and_unknown_fit_kwarg():
    x, y = _data()
    model = _mlp(keraton)
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="verbose"):
        model.fit(x, y, verbose=3)
    with pytest.raises(TypeError, match="epoch"):
        model.fit(x, y, epoch=3)


def test_fit_with_every_weight_frozen_warns_and_trains_on_without_updates():
    """As Keras: a warning, the epochs still run (loss, metrics, callbacks), nothing changes."""
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    model.trainable = False
    kernel, bias = model.get_weights()
    x = np.arange(24, dtype="float32").reshape(8, 3) / 10
    y = np.ones((8, 1), "float32")
    with pytest.warns(UserWarning, match="The model does not have any trainable weights."):
        history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    error = x @ kernel + bias - y
    np.testing.assert_allclose(history.history["loss"], [np.mean(error ** 2)] * 2, rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"], [np.mean(np.abs(error))] * 2, rtol=1e-5)
    np.testing.assert_array_equal(model.get_weights()[0], kernel)
    assert int(model.optimizer.iterations) == 0


def test_fit_ends_with_the_ema_weights_like_keras():
    """``use_ema=True``: Keras overwrites the trained weights with their moving averages after fit."""
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype("float32")
    y = rng.normal(size=(40, 1)).astype("float32")
    start = [np.full((5, 1), 0.1, "float32"), np.zeros(1, "float32")]
    results = []
    for lib in (keraton, keras):
        model = lib.Sequential([lib.Input((5,)), lib.layers.Dense(1)])
        model.set_weights(start)
        model.compile(optimizer=lib.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.9), loss="mse")
        history = model.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0)
        results.append((history.history["loss"], model.get_weights()))
    (ours_loss, ours_w), (keras_loss, keras_w) = results
    np.testing.assert_allclose(ours_loss, keras_loss, rtol=1e-5)
    for a, b in zip(ours_w, keras_w):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_fit_with_a_loss_that_ignores_the_weights_warns_and_updates_nothing():
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(1)])
    model.compile("sgd", loss=lambda y_true, y_pred: torch.mean(y_true * 0.0) + 1.0)
    kernel = model.get_weights()[0]
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    with pytest.warns(UserWarning, match="The loss does not depend on any trainable weight"):
        history = model.fit(x, y, epochs=1, verbose=0)
    assert history.history["loss"] == [1.0]
    np.testing.assert_array_equal(model.get_weights()[0], kernel)
