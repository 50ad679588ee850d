"""A custom metric function sees targets and predictions of the same rank, as in Keras 2.

Keras 2's ``MeanMetricWrapper`` squeezes a trailing axis of size 1
(``squeeze_or_expand_dimensions``) before calling the function, so the
mnist_siamese example's ``accuracy`` on labels ``(n,)`` and distances ``(n, 1)``
compares sample with sample instead of broadcasting to an ``(n, n)`` table.
"""

import numpy as np

import keraton
from keraton import backend as K


def accuracy(y_true, y_pred):
    return K.mean(K.equal(y_true, K.cast(y_pred < 0.5, y_true.dtype)))


Y_TRUE = np.array([1.0, 0.0, 1.0, 0.0], dtype="float32")
DISTANCES = np.array([[0.1], [0.9], [0.2], [0.3]], dtype="float32")


def test_wrapper_matches_ranks_before_calling_the_function():
    metric = keraton.metrics.MeanMetricWrapper(accuracy)
    metric.update_state(keraton.ops.convert_to_tensor(Y_TRUE),
                        keraton.ops.convert_to_tensor(DISTANCES))
    assert float(metric.result()) == 0.75  # Keras 2.15 gives 0.75 (a broadcast would give 0.5)


def test_compiled_custom_metric_on_rank_1_labels():
    inputs = keraton.Input((1,))
    model = keraton.Model(inputs, inputs)
    model.compile("sgd", "mse", metrics=[accuracy])
    loss, acc = model.evaluate(DISTANCES, Y_TRUE, verbose=0)
    np.testing.assert_allclose(loss, 0.5875, rtol=1e-6)
    assert acc == 0.75
