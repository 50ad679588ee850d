"""``layer.losses`` works when a layer holds a ``keras.Variable`` created by hand.

keras.io's VQ-VAE keeps its codebook as a variable made in ``__init__``
(``tf.Variable`` there, ``keras.Variable`` in Keras 3) and reads
``model.losses`` in ``train_step``; keraton raised ``AttributeError``
('Functional' object has no attribute 'losses') because such a variable had no
regularizer attribute.
"""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


def make_layer(lib):
    class Codebook(lib.layers.Layer):
        def __init__(self):
            super().__init__()
            self.embeddings = lib.Variable(
                initializer=np.arange(6, dtype="float32").reshape(2, 3), name="codes")

        def call(self, x):
            out = lib.ops.matmul(x, self.embeddings)
            self.add_loss(lib.ops.mean(out ** 2))
            return out

    return Codebook


@pytest.mark.parametrize("nested", [False, True])
def test_losses_match_keras(nested):
    x = np.array([[1.0, -2.0], [0.5, 3.0]], "float32")
    values = []
    for lib in (keraton, keras):
        layer = make_layer(lib)()
        if nested:
            inputs = lib.Input((2,))
            model = lib.Model(inputs, lib.layers.Dense(3, kernel_regularizer="l2")(layer(inputs)))
            model.set_weights([np.arange(6, dtype="float32").reshape(2, 3),
                               np.ones((3, 3), "float32"), np.zeros(3, "float32")])
            model(x)
            values.append([float(lib.ops.convert_to_numpy(v)) for v in model.losses])
        else:
            layer(x)
            values.append([float(lib.ops.convert_to_numpy(v)) for v in layer.losses])
    np.testing.assert_allclose(values[0], values[1], rtol=1e-6)
    assert len(values[0]) == (2 if nested else 1)
