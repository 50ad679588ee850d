"""Streamed batches are not checked for equal sample counts, as Keras 3 (keras.io's SimCLR example)."""

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
