"""Boolean one-hot targets (Keras 2 examples build them with ``np.zeros(..., dtype=bool)``).

Keras's torch backend ``ops.argmax`` casts bool to uint8 before ``torch.argmax``
(which rejects bool), so categorical accuracies accept bool ``y_true``; the
numbers below are Keras 3.15's (torch backend) for the same inputs.
"""

import numpy as np
import torch

import keraton
from keraton import layers

Y_TRUE = np.array([[[0, 1, 0], [1, 0, 0]], [[0, 0, 1], [0, 1, 0]]], dtype=bool)
Y_PRED = np.array([[[.1, .8, .1], [.2, .7, .1]], [[.3, .3, .4], [.6, .3, .1]]], dtype="float32")


def test_categorical_accuracy_bool_one_hot():
    got = keraton.metrics.categorical_accuracy(Y_TRUE, Y_PRED)
    np.testing.assert_array_equal(np.asarray(got), [[1.0, 0.0], [1.0, 0.0]])
    metric = keraton.metrics.CategoricalAccuracy()
    metric.update_state(torch.as_tensor(Y_TRUE), Y_PRED)
    assert float(metric.result()) == 0.5


def test_top_k_categorical_accuracy_bool_one_hot():
    got = keraton.metrics.top_k_categorical_accuracy(Y_TRUE[0], Y_PRED[0], k=2)
    np.testing.assert_array_equal(np.asarray(got), [1.0, 1.0])


def test_fit_with_bool_targets_and_accuracy_metric():
    """addition_rnn's case: bool x and y, 'accuracy' resolved to categorical accuracy."""
    x = np.zeros((4, 2, 3), dtype=bool)
    x[:, 0, 0] = True
    model = keraton.Sequential([keraton.Input((2, 3)), layers.Dense(3, activation="softmax")])
    model.set_weights([np.eye(3, dtype="float32"), np.zeros(3, dtype="float32")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    y = np.zeros((4, 2, 3), dtype=bool)
    y[:, :, 0] = True  # timestep 0 predicts class 0; timestep 1 (all zeros) ties -> argmax 0
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc == 1.0
    np.testing.assert_allclose(loss, (-np.log(np.e / (np.e + 2)) - np.log(1 / 3)) / 2, rtol=1e-6)
