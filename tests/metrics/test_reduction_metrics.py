"""Mean, Sum and MeanMetricWrapper against Keras 3 (weighted means are sum(v*w)/sum(w))."""

import numpy as np
import pytest
import torch

import keraton.losses as L
import keraton.metrics as M

keras = pytest.importorskip("keras")


def _batches(value_shape, weight_shape, n_batches=3, seed=0):
    rs = np.random.RandomState(seed)
    out = []
    for _ in range(n_batches):
        values = np.asarray(rs.randn(*value_shape), dtype=np.float32)
        weights = None if weight_shape is None else np.asarray(rs.rand(*weight_shape), np.float32)
        out.append((values, weights))
    return out


SHAPE_CASES = [
    ((6,), None), ((6,), (6,)), ((6, 3), None), ((6, 3), (6,)), ((6, 3), (6, 1)),
    ((6, 3), (6, 3)), ((4, 2, 3), None), ((4, 2, 3), (4,)), ((4, 2, 3), (4, 2)), ((), None),
    ((6,), ()),
]


@pytest.mark.parametrize("cls_name", ["Mean", "Sum"])
@pytest.mark.parametrize("value_shape,weight_shape", SHAPE_CASES)
def test_mean_and_sum_match_keras(cls_name, value_shape, weight_shape, metric_check):
    metric_check(getattr(M, cls_name)(), getattr(keras.metrics, cls_name)(),
                 _batches(value_shape, weight_shape))


def test_mean_is_weighted_by_sum_of_weights():
    m = M.Mean()
    m.update_state(torch.tensor([1.0, 2.0, 3.0]), sample_weight=torch.tensor([1.0, 0.0, 3.0]))
    m.update_state(torch.tensor([5.0]), sample_weight=torch.tensor([4.0]))
    assert float(m.result()) == pytest.approx((1 + 9 + 20) / 8)
    assert M.Mean().result().item() == 0.0  # no update: 0, not nan


@pytest.mark.parametrize("fn,kind", [
    (L.mean_squared_error, "real"), (L.binary_crossentropy, "binary"),
    (L.sparse_categorical_crossentropy, "sparse"),
])
def test_mean_metric_wrapper_matches_keras(fn, kind, metric_check):
    rs = np.random.RandomState(2)
    batches = []
    for _ in range(3):
        if kind == "sparse":
            y_true = rs.randint(0, 4, (5,))
            y_pred = rs.dirichlet(np.ones(4), 5).astype(np.float32)
        elif kind == "binary":
            y_true = rs.randint(0, 2, (5, 3)).astype(np.float32)
            y_pred = rs.uniform(0.05, 0.95, (5, 3)).astype(np.float32)
        else:
            y_true, y_pred = rs.randn(5, 3).astype(np.float32), rs.randn(5, 3).astype(np.float32)
        batches.append((y_true, y_pred, rs.rand(5).astype(np.float32)))
    ours = M.MeanMetricWrapper(fn, name="wrapped")
    theirs = keras.metrics.MeanMetricWrapper(getattr(keras.losses, fn.__name__), name="wrapped")
    metric_check(ours, theirs, batches)
    assert ours._direction == "down"


def test_mean_metric_wrapper_kwargs_mask_and_config():
    def within(y_true, y_pred, tol=0.5):
        return (torch.abs(y_true - y_pred) <= tol).float().mean(-1)

    m = M.MeanMetricWrapper(within, name="within", tol=0.25)
    y_pred = torch.tensor([[0.0, 0.1], [1.0, 0.0], [0.2, 0.2]])
    y_pred._keras_mask = torch.tensor([True, True, False])
    m.update_state(torch.zeros(3, 2), y_pred)
    assert float(m.result()) == pytest.approx(0.75)  # the masked third sample is left out
    config = m.get_config()
    assert config["tol"] == 0.25 and config["name"] == "within"
    wrapped = M.MeanMetricWrapper(L.mean_absolute_error, name="m")
    rebuilt = M.MeanMetricWrapper.from_config(wrapped.get_config())
    assert rebuilt._fn is L.mean_absolute_error
    keras_config = keras.metrics.serialize(
        keras.metrics.MeanMetricWrapper(keras.losses.mean_absolute_error, name="m"))
    from_keras = M.deserialize(keras_config)
    assert isinstance(from_keras, M.MeanMetricWrapper) and from_keras._fn is L.mean_absolute_error
