"""Loss functions called on Keras tensors add a layer to the functional graph (Keras 2 and 3)."""

import numpy as np

import keraton
from keraton.losses import binary_crossentropy, mse


def test_loss_functions_on_keras_tensors_give_per_sample_keras_tensors():
    inputs = keraton.Input((4,))
    outputs = keraton.layers.Dense(4, activation="sigmoid", kernel_initializer="zeros")(inputs)
    for fn, expected in ((binary_crossentropy, np.log(2.0)), (mse, 0.25)):
        loss = fn(inputs, outputs)
        assert isinstance(loss, keraton.KerasTensor)
        assert tuple(loss.shape) == (None,)
        values = keraton.Model(inputs, loss).predict(np.ones((3, 4), "float32")
                                                    * np.array([1, 0, 1, 0], "float32"),
                                                    verbose=0)
        np.testing.assert_allclose(values, [expected] * 3, rtol=1e-6)
