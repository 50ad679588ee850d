"""The Metric base class, metric lookup and (de)serialization, device and autograd hygiene."""

import numpy as np
import pytest
import torch

import keraton.losses as L
import keraton.metrics as M

keras = pytest.importorskip("keras")


class CountAbove(M.Metric):
    """A user metric written the Keras way."""

    def __init__(self, threshold=0.0, name="count_above", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.threshold = threshold
        self.hits = self.add_variable((), "zeros", name="hits")
        self.seen = self.add_weight(shape=(2,), initializer="ones", name="seen")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.hits.add_((torch.as_tensor(y_pred) > self.threshold).sum())
        self.seen.add_(1.0)

    def result(self):
        return self.hits / self.seen[0]

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


def test_custom_metric_subclass():
    m = CountAbove(0.5)
    assert m.name == "count_above" and m.dtype == "float32"
    assert [tuple(v.shape) for v in m.variables] == [(), (2,)]
    out = m(None, torch.tensor([0.2, 0.7, 0.9]))
    assert float(out) == pytest.approx(2 / 2)
    m.update_state(None, torch.tensor([0.6]))
    assert float(m.result()) == pytest.approx(3 / 3)
    m.reset_states()
    assert all(not v.any() for v in m.variables)
    rebuilt = CountAbove.from_config(m.get_config())
    assert rebuilt.threshold == 0.5 and rebuilt.name == "count_above"
    assert repr(m) == "<CountAbove name=count_above>"


def test_missing_super_init_is_reported():
    class Broken(M.Metric):
        def __init__(self):
            self.total = self.add_variable(())

    with pytest.raises(RuntimeError, match="super"):
        Broken()


def test_names_dtype_and_positional_name():
    assert M.Mean().name == "mean" and M.Sum().name == "sum"
    assert M.MeanMetricWrapper(L.mse).name == "mean_metric_wrapper"
    assert M.Metric("float64").dtype == "float64"
    plain = M.Metric("my_metric")
    assert plain.name == "my_metric" and plain.dtype == "float32"
    both = M.Metric("my_metric", "float64")
    assert both.name == "my_metric" and both.dtype == "float64"
    keras_order = M.Metric("float16", "half")
    assert keras_order.name == "half" and keras_order.dtype == "float16"
    m = M.Mean(dtype="float64")
    m.update_state(np.array([1.0, 2.0], dtype=np.float32))
    assert m.result().dtype == torch.float64 and m.get_config()["dtype"] == "float64"
    with pytest.raises(NotImplementedError):
        M.Metric().result()


def test_update_state_does_not_keep_the_autograd_graph():
    y_pred = torch.rand(6, 3, requires_grad=True)
    y_true = torch.eye(3)[torch.tensor([0, 1, 2, 0, 1, 2])]
    for metric in (M.CategoricalCrossentropy(), M.MeanSquaredError(), CountAbove(), M.AUC(),
                   M.MeanMetricWrapper(L.mean_squared_error)):
        metric.update_state(y_true, y_pred)
        result = metric.result()
        assert not result.requires_grad
        assert all(v.grad_fn is None and not v.requires_grad for v in metric.variables)


@pytest.mark.parametrize("metric", [
    M.Mean(), M.SparseCategoricalAccuracy(), M.AUC(), M.AUC(thresholds=[0.2, 0.4]),
    M.Precision(), M.Recall(top_k=2), CountAbove(), M.RootMeanSquaredError(),
    M.AUC(multi_label=True, label_weights=[1.0, 2.0, 3.0]),
], ids=lambda m: m.name)
def test_state_follows_the_device_of_the_first_update(metric):
    """Moved lazily: checked with torch's 'meta' device, which needs no GPU."""
    device = torch.device("meta")
    y_pred = torch.rand(4, 3, device=device)
    y_true = torch.zeros(4, 3, device=device) if not isinstance(
        metric, M.SparseCategoricalAccuracy) else torch.zeros(4, device=device)
    if isinstance(metric, M.Mean) and type(metric) is M.Mean:
        metric.update_state(y_pred, sample_weight=torch.ones(4, device=device))
    else:
        metric.update_state(y_true, y_pred, sample_weight=torch.ones(4, device=device))
    assert all(v.device == device for v in metric.variables)
    assert metric.result().device == device


def test_state_tensors_rebound_after_move():
    m = M.Mean()
    m.update_state(torch.ones(2, device="meta"))
    assert m.total is m.variables[0] and m.total.device.type == "meta"


@pytest.mark.parametrize("metric", [
    M.Mean(), M.Sum(), M.BinaryAccuracy(), M.CategoricalAccuracy(), M.TopKCategoricalAccuracy(k=2),
    M.SparseCategoricalCrossentropy(ignore_class=0), M.RootMeanSquaredError(), M.Hinge(),
    M.Precision(), M.Recall(class_id=1), M.AUC(), M.AUC(multi_label=True, curve="PR"),
    M.AUC(thresholds=[0.3, 0.6]), M.PrecisionAtRecall(0.5), M.CosineSimilarity(),
], ids=lambda m: m.name)
def test_no_host_sync_in_update_state(metric, monkeypatch):
    y_pred = torch.rand(5, 3)
    y_true = torch.eye(3)[torch.tensor([0, 1, 2, 0, 1])]
    if isinstance(metric, M.SparseCategoricalCrossentropy):
        y_true = torch.tensor([0, 1, 2, 0, 1])
    sw = torch.rand(5)

    def forbidden(*args, **kwargs):
        raise AssertionError("host synchronisation in update_state")

    def feed():
        if type(metric) in (M.Mean, M.Sum):
            metric.update_state(y_pred, sample_weight=sw)
        else:
            metric.update_state(y_true, y_pred, sample_weight=sw)

    feed()  # first call may build state lazily
    with monkeypatch.context() as patch:
        for attr in ("item", "tolist", "numpy", "__bool__", "__float__", "__int__"):
            patch.setattr(torch.Tensor, attr, forbidden)
        feed()
        metric.result()


def test_host_sync_detector_detects(monkeypatch):
    """The detector used above does catch a metric that reads a value back."""

    class Syncing(M.Mean):
        def update_state(self, values, sample_weight=None):
            super().update_state(values.max().item())

    monkeypatch.setattr(torch.Tensor, "item", lambda self: (_ for _ in ()).throw(AssertionError))
    with pytest.raises(AssertionError):
        Syncing().update_state(torch.ones(3))


def test_get_resolves_names_like_keras():
    for name, cls in [("accuracy", M.Accuracy), ("acc", M.Accuracy), ("mse", M.MeanSquaredError),
                      ("MAE", M.MeanAbsoluteError), ("binary_accuracy", M.BinaryAccuracy),
                      ("auc", M.AUC), ("AUC", M.AUC), ("Precision", M.Precision),
                      ("categorical_crossentropy", M.CategoricalCrossentropy),
                      ("bce", M.BinaryCrossentropy), ("kl_divergence", M.KLDivergence)]:
        got = M.get(name)
        assert type(got) is cls, name
        if name != "acc":
            assert type(got).__name__ == type(keras.metrics.get(name)).__name__
    assert M.get(None) is None
    assert M.get(M.mse) is M.mse
    auc = M.AUC()
    assert M.get(auc) is auc
    got = M.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.3}})
    assert got.threshold == 0.3


def test_unknown_metric_name_mentions_closest():
    with pytest.raises(ValueError, match="sparse_categorical_accuracy"):
        M.get("sparse_categorical_acuracy")


@pytest.mark.parametrize("metric", [
    M.BinaryAccuracy(threshold=0.2), M.AUC(curve="PR", num_thresholds=50), M.Precision(top_k=3),
    M.SparseTopKCategoricalAccuracy(k=3), M.Mean(name="loss"), M.RecallAtPrecision(0.8),
    M.CategoricalCrossentropy(from_logits=True), M.SensitivityAtSpecificity(0.4, class_id=1),
], ids=lambda m: m.name)
def test_serialize_round_trip_and_keras_format(metric):
    config = M.serialize(metric)
    assert config["module"] == "keras.metrics" and config["class_name"] == type(metric).__name__
    restored = M.deserialize(config)
    assert type(restored) is type(metric) and restored.get_config() == metric.get_config()
    keras_metric = keras.metrics.deserialize(config)  # Keras reads keraton's config
    assert keras_metric.get_config()["name"] == metric.name
    from_keras = M.deserialize(keras.metrics.serialize(keras_metric))
    assert from_keras.get_config() == metric.get_config()


def test_keras2_function_aliases():
    assert M.mse is L.mean_squared_error and M.MSE is M.mse
    assert M.mae is L.mean_absolute_error and M.mape is L.mean_absolute_percentage_error
    assert M.msle is L.mean_squared_logarithmic_error and M.kld is L.kl_divergence
    y_true, y_pred = torch.tensor([[0.0, 1.0]]), torch.tensor([[0.2, 0.8]])
    for fn in (M.binary_accuracy, M.categorical_accuracy, M.top_k_categorical_accuracy):
        assert fn(y_true, y_pred).shape[0] == 1
    assert M.sparse_categorical_accuracy(torch.tensor([1]), y_pred).tolist() == [1.0]
    assert M.sparse_top_k_categorical_accuracy(torch.tensor([0]), y_pred, k=1).tolist() == [0.0]
