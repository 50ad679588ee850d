"""Streamed batches are not checked for equal sample counts, and validation logs are flattened
before their ``val_`` prefix: both as Keras 3 (keras.io's SimCLR and DeiT examples)."""

import numpy as np
import pytest

import keraton


class _TwoSources(keraton.utils.PyDataset):
    """One item = an unlabeled batch of 6 and a labeled batch of 2 (SimCLR's zipped datasets)."""

    def __len__(self):
        return 2

    def __getitem__(self, i):
        rs = np.random.RandomState(i)
        return (rs.normal(size=(6, 3)).astype("float32"), np.zeros(6, "int64")), (
            rs.normal(size=(2, 3)).astype("float32"), np.array([0, 1]))


class _SizeModel(keraton.Model):
    def __init__(self):
        super().__init__()
        self.tracker = keraton.metrics.Mean(name="n")

    @property
    def metrics(self):
        return [self.tracker]

    def train_step(self, data):
        (unlabeled, _), (labeled, _labels) = data
        self.tracker.update_state(float(unlabeled.shape[0] + labeled.shape[0]))
        return {m.name: m.result() for m in self.metrics}


def test_pydataset_items_of_different_batch_sizes_reach_train_step():
    model = _SizeModel()
    model.built = True
    model.compile(optimizer="adam")
    history = model.fit(_TwoSources(), epochs=1, shuffle=False, verbose=0)
    assert history.history["n"] == [8.0]


def test_in_memory_arrays_are_still_checked_for_equal_sample_counts():
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="cardinality"):
        model.fit(np.zeros((4, 3)), np.zeros((3, 1)), verbose=0)


class _MetricsStepModel(keraton.Model):
    def __init__(self):
        super().__init__()
        self.dense = keraton.layers.Dense(3)

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        x, y = data
        self.compute_metrics(x, y, self(x))
        return {m.name: m.result() for m in self.metrics}  # "compile_metrics" is a dict

    test_step = train_step


def test_test_step_with_nested_compile_metrics_logs_val_accuracy():
    rs = np.random.RandomState(0)
    x = rs.normal(size=(8, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rs.randint(0, 3, 8)]
    model = _MetricsStepModel()
    model.compile(optimizer="adam", metrics=["accuracy"])
    model(x)
    model.dense.set_weights([rs.normal(size=(4, 3)).astype("float32"), np.zeros(3, "float32")])
    x_val, y_val = x[:4], np.eye(3, dtype="float32")[[0, 0, 0, 0]]
    history = model.fit(x, y, validation_data=(x_val, y_val), epochs=1, verbose=0)
    # Real Keras 3.15 (torch) gives {'accuracy': [0.25], 'loss': [0.0], 'val_accuracy': [0.75],
    # 'val_loss': [0.0]} here; the validation accuracy must not overwrite the training one.
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.history["accuracy"] == [pytest.approx(0.25)]
    assert history.history["val_accuracy"] == [pytest.approx(0.75)]
