"""keras.metrics.experimental.PyMetric (tf.keras 2.15): Python/NumPy state, in compile and on its own.

The compile/fit numbers were recorded with tf.keras 2 (TensorFlow 2.15) running the same
``_MedianAbsoluteError`` and model.
"""

import numpy as np
import pytest
import torch

import keraton
from keraton.metrics import experimental
from keraton.metrics.py_metric import PyMetric


class _MedianAbsoluteError(PyMetric):
    """Not a mean over batches: the median of every error seen, plus 0.001 per update."""

    def __init__(self, name="med_ae", **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.errors.extend(np.abs(y_true.numpy() - y_pred.numpy()).ravel().tolist())
        self.calls += 1

    def reset_state(self):
        self.errors, self.calls = [], 0

    def result(self):
        return np.median(self.errors) + 0.001 * self.calls


def test_in_compile_matches_tf_keras_2():
    x = np.arange(12, dtype="float32").reshape(6, 2) / 10
    y = (x**2).sum(axis=1, keepdims=True)
    model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1, kernel_initializer="ones")])
    metric = _MedianAbsoluteError()
    model.compile(keraton.optimizers.SGD(0.1), "mse", metrics=[metric])
    logs = model.evaluate(x, y, batch_size=4, return_dict=True, verbose=0)
    assert logs["med_ae"] == pytest.approx(0.31200000643730164, rel=1e-6)
    assert logs["loss"] == pytest.approx(0.11036664992570877, rel=1e-6)
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history["med_ae"], [0.3092000186443329, 0.3093167245388031],
                               rtol=1e-6)
    assert metric.calls == 2  # reset at each epoch, two batches
    np.testing.assert_allclose(model.get_weights()[0].ravel(), [0.99059576, 0.9816125], rtol=1e-6)


def test_update_state_gets_numpy_arrays_and_result_is_a_torch_scalar():
    seen = []

    class Recorder(PyMetric):
        def update_state(self, y_true, y_pred, sample_weight=None):
            seen.append((y_true, y_pred, sample_weight))
            self.total += float(np.sum((y_true - y_pred) * (1 if sample_weight is None else sample_weight)))

        def reset_state(self):
            self.total = 0

        def result(self):
            return self.total

    metric = Recorder(dtype="float64")
    y_pred = torch.tensor([[0.5], [1.0]], requires_grad=True)
    out = metric(torch.tensor([[1.0], [3.0]]), y_pred, sample_weight=torch.tensor([2.0, 1.0]))
    y_true, y_pred_np, weight = seen[0]
    assert all(isinstance(a, np.ndarray) for a in (y_true, y_pred_np, weight))
    assert type(y_true.numpy()) is np.ndarray  # tf.keras 2 code calls .numpy() on its inputs
    assert type(y_true - y_pred_np) is np.ndarray
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64 and out.ndim == 0
    assert float(out) == pytest.approx((0.5 * 2 + 2.0 * 2) + (0.5 * 1 + 2.0 * 1))
    metric.update_state(torch.tensor([1.0], dtype=torch.bfloat16), np.array([0.0]))
    assert seen[1][0].dtype == np.float32 and isinstance(seen[1][1], np.ndarray)
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_subclass_contract():
    class NoReset(PyMetric):
        def update_state(self, y_true, y_pred, sample_weight=None):
            pass

        def result(self):
            return 0.0

    with pytest.raises(NotImplementedError, match="reset_state"):
        NoReset()

    class Twice(_MedianAbsoluteError):
        def result(self):
            raw = super().result()  # the subclass's own number, not yet a tensor
            assert isinstance(raw, float)
            return raw * 2

        def reset_state(self):
            super().reset_state()

    twice = Twice()
    twice.update_state(np.array([1.0, 2.0]), np.array([1.5, 4.0]))
    assert float(twice.result()) == pytest.approx(2 * (1.25 + 0.001))

    class Several(_MedianAbsoluteError):
        def result(self):
            return {"a": 1.0}

    with pytest.raises(TypeError, match="single number"):
        Several().result()
    with pytest.raises(NotImplementedError, match="merge_state"):
        twice.merge_state([Twice()])
    with pytest.raises(TypeError, match="unexpected keyword"):
        _MedianAbsoluteError(units=3)


def test_config_round_trip_and_public_path():
    assert experimental.PyMetric is PyMetric
    metric = _MedianAbsoluteError(name="m", dtype="float64")
    assert metric.get_config() == {"name": "m", "dtype": "float64"}
    clone = _MedianAbsoluteError.from_config(metric.get_config())
    assert (clone.name, clone.dtype, clone.errors) == ("m", "float64", [])


def test_docstring_example_with_scikit_learn():
    jaccard_score = pytest.importorskip("sklearn.metrics").jaccard_score

    class JaccardScore(PyMetric):
        def __init__(self, name="jaccard_score", **kwargs):
            super().__init__(name=name, **kwargs)

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.jaccard_sum += jaccard_score(y_pred, y_true, average="macro")
            self.count += 1

        def reset_state(self):
            self.jaccard_sum = 0.0
            self.count = 0.0

        def result(self):
            return self.jaccard_sum / self.count

    metric = JaccardScore()
    metric.update_state(torch.tensor([0, 1, 1, 0]), torch.tensor([0, 1, 0, 0]))
    # class 0: |{0,3}| / |{0,2,3}| = 2/3; class 1: |{1}| / |{1,2}| = 1/2
    assert float(metric.result()) == pytest.approx((2 / 3 + 1 / 2) / 2, rel=1e-6)
