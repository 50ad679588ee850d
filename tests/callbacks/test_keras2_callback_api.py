"""What Keras 2.0-2.3 callbacks read: ``validation_data``, Keras 2's ``params`` keys, module paths."""

import warnings

import numpy as np
import pytest

import keraton as keras


class Recorder(keras.callbacks.Callback):
    def __init__(self):  # Keras 2 callbacks often skip super().__init__()
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(self.validation_data)


def _two_output_model():
    inputs = [keras.Input((3,), name="a"), keras.Input((2,), name="b")]
    merged = keras.layers.Concatenate()(inputs)
    return keras.Model(inputs, [keras.layers.Dense(1, name="p")(merged),
                                keras.layers.Dense(2, name="q")(merged)])


@pytest.mark.parametrize("weighted", [False, True])
def test_inputs_targets_then_one_weight_array_per_output(weighted):
    rng = np.random.default_rng(0)
    xa, xb = rng.random((20, 3), "float32"), rng.random((20, 2), "float32")
    yp, yq = rng.random((20, 1), "float32"), rng.random((20, 2), "float32")
    model = _two_output_model()
    model.compile("sgd", "mse")
    weights = [np.arange(5, dtype="float32"), np.full(5, 2.0, "float32")]
    validation = ([xa[:5], xb[:5]], [yp[:5], yq[:5]]) + ((weights,) if weighted else ())
    recorder = Recorder()
    model.fit([xa, xb], [yp, yq], epochs=2, verbose=0, validation_data=validation,
              callbacks=[recorder])
    arrays = recorder.seen[-1]
    expected = [xa[:5], xb[:5], yp[:5], yq[:5]] + (weights if weighted else [np.ones(5)] * 2)
    assert len(arrays) == len(expected) and len(recorder.seen) == 2
    for got, want in zip(arrays, expected, strict=True):
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, want)


def test_validation_split_gives_the_split_off_rows_and_none_without_validation():
    x = np.arange(40, dtype="float32").reshape(20, 2)
    y = np.arange(20, dtype="float32")[:, None]
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    recorder = Recorder()
    model.fit(x, y, epochs=1, verbose=0, validation_split=0.25, callbacks=[recorder])
    np.testing.assert_array_equal(recorder.seen[0][0], x[15:])
    np.testing.assert_array_equal(recorder.seen[0][1], y[15:])
    plain = Recorder()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[plain])
    assert plain.seen == [None]


class ParamsRecorder(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.at_begin = (dict(self.params), self.params["samples"], self.params["batch_size"],
                         self.params["nb_sample"], self.params["nb_epoch"])

    def on_epoch_end(self, epoch, logs=None):
        self.metrics, self.logged = self.params["metrics"], sorted(logs)
        self.validating = self.params.get("do_validation")


@pytest.mark.parametrize("validation_split", [0.0, 0.25])
def test_params_answer_keras2_keys_and_stay_keras3_dicts(validation_split):
    x, y = np.random.rand(40, 3), np.random.rand(40, 1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    recorder = ParamsRecorder()
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, validation_split=validation_split,
                        callbacks=[recorder])
    samples = 30 if validation_split else 40
    assert recorder.at_begin == ({"verbose": 0, "epochs": 2, "steps": samples // 8 + (samples % 8 > 0)},
                                 samples, 8, samples, 2)
    assert sorted(recorder.metrics) == recorder.logged  # the names logged, val_ ones included
    assert recorder.validating is bool(validation_split)
    assert history.params == {"verbose": 0, "epochs": 2, "steps": recorder.at_begin[0]["steps"]}
    assert recorder.params.get("no_such_key", "default") == "default"


class LiveLossPlotLike(keras.callbacks.Callback):
    """livelossplot 0.2's pattern: the metric names from ``params`` before any batch."""

    def on_train_begin(self, logs=None):
        self.names = [m for m in self.params["metrics"] if not m.startswith("val_")]

    def on_epoch_end(self, epoch, logs=None):
        self.logged = sorted(k for k in logs if not k.startswith("val_"))


def _functional_two_outputs():
    inputs = keras.Input((4,))
    return keras.Model(inputs, [keras.layers.Dense(3, activation="softmax", name="a")(inputs),
                                keras.layers.Dense(1, name="b")(inputs)])


@pytest.mark.parametrize("case", ["sequential", "functional", "subclassed"])
def test_params_metrics_lists_every_name_at_train_begin(case):
    rng = np.random.default_rng(0)
    x = rng.random((12, 4), "float32")
    if case == "functional":
        model = _functional_two_outputs()
        model.compile("sgd", ["sparse_categorical_crossentropy", "mse"],
                      metrics={"a": "acc", "b": ["mae", "mse"]})
        y = [rng.integers(0, 3, 12), rng.random(12, "float32")]
        names = ["loss", "a_loss", "b_loss", "a_acc", "b_mae", "b_mse"]
    else:
        layers = [keras.layers.Dense(3, activation="softmax")]
        model = (keras.Sequential([keras.Input((4,))] + layers) if case == "sequential"
                 else _Subclassed(layers[0]))
        model.compile("sgd", "categorical_crossentropy", metrics=["accuracy", "mae"])
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, 12)]
        names = ["loss", "accuracy", "mae"]
    callback = LiveLossPlotLike()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0, validation_split=0.25, callbacks=[callback])
    assert sorted(callback.logged) == sorted(names)
    # A graph resolves them from compile; a subclassed model's at its first batch (Keras 3's rule).
    assert callback.names == (["loss"] if case == "subclassed" else names)


class _Subclassed(keras.Model):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def call(self, x):
        return self.layer(x)


def test_params_of_a_data_source_have_no_sample_count():
    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return np.ones((4, 3), "float32"), np.ones((4, 1), "float32")

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    recorder = Recorder()
    model.fit(Batches(), epochs=1, verbose=0, callbacks=[recorder])
    with pytest.raises(KeyError):
        recorder.params["samples"]  # Keras 2's fit_generator gave none either
    assert recorder.params["do_validation"] is False and recorder.seen == [None]


def test_keras23_module_path_warns_and_serves_the_callbacks():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import importlib

        from keraton.callbacks import callbacks as keras23
        importlib.reload(keras23)
    assert keras23.EarlyStopping is keras.callbacks.EarlyStopping
    assert any("keras.callbacks.callbacks" in str(w.message) for w in caught)


class BatchRecorder(keras.callbacks.Callback):
    def __init__(self):
        self.train, self.test = [], []

    def on_batch_end(self, batch, logs=None):  # Keras 2's alias of on_train_batch_end
        self.train.append((logs["batch"], logs["size"], sorted(logs)))

    def on_test_batch_end(self, batch, logs=None):
        self.test.append((logs.get("batch"), logs.get("size")))


def test_batch_logs_answer_keras2_batch_and_size():
    x, y = np.random.rand(10, 3), np.random.rand(10, 1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    recorder = BatchRecorder()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False, callbacks=[recorder],
              validation_data=(x[:6], y[:6]))
    # Keras 3's keys listed; Keras 2's `batch` (index) and `size` (samples) readable.
    assert recorder.train == [(0, 4, ["loss", "mae"]), (1, 4, ["loss", "mae"]), (2, 2, ["loss", "mae"])]
    assert recorder.test == [(0, 4), (1, 2)]
