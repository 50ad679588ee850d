"""``compute_metrics`` called directly (before any ``fit``) and the loss tracker's tensor weights.

keras.io's "Masked image modeling" (Keras 3) builds its compile metrics by
hand and feeds ``model.metrics`` with ``update_state(y_true, y_pred)``, so the
``"loss"`` tracker gets a weight tensor that still requires grad.
"""

import warnings

import numpy as np
import torch

import keraton as keras


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(loss="mse", metrics=["mae"])
    return model


def test_compute_metrics_before_any_loop_returns_results():
    model = _model()
    y = np.array([[1.0, 2.0], [0.0, 1.0]], "float32")
    y_pred = np.array([[1.5, 2.0], [1.0, 0.0]], "float32")
    logs = model.compute_metrics(None, y, y_pred)
    # Keras 3.15: {'loss': 0.0, 'mae': 0.625}
    assert {k: float(v) for k, v in logs.items()} == {"loss": 0.0, "mae": 0.625}


def test_loss_tracker_weight_requiring_grad_gives_no_warning():
    model = _model()
    tracker = next(m for m in model.metrics if m.name == "loss")
    weight = torch.tensor([[1.0, 3.0]], requires_grad=True) * 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        tracker.update_state(torch.tensor([[2.0, 4.0]]), weight)
    assert float(tracker.result()) == 3.5  # Keras 3.15
