"""A subclassed model whose ``build`` creates state and then calls ``super().build(input_shape)``.

keras.io's Perceiver does this; keraton's ``Model.build`` called the model on
zeros from there, which built it again, without end (RecursionError). As in
Keras 3, ``super().build`` only marks the model built.
"""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


def make(lib):
    class Latent(lib.Model):
        def build(self, input_shape):
            self.latent = self.add_weight(shape=(input_shape[-1], 2), initializer="ones")
            self.head = lib.layers.Dense(1, kernel_initializer="ones")
            super().build(input_shape)

        def call(self, x):
            return self.head(lib.ops.matmul(x, self.latent))

    return Latent()


def test_build_then_call_matches_keras():
    x = np.arange(12, dtype="float32").reshape(4, 3)
    outs, counts = [], []
    for lib in (keraton, keras):
        model = make(lib)
        y = model(x)
        outs.append(lib.ops.convert_to_numpy(y))
        counts.append((model.built, len(model.weights), model.count_params()))
    np.testing.assert_allclose(outs[0], outs[1])
    assert counts[0] == counts[1] == (True, 3, 9)


def test_explicit_build_marks_built_without_calling():
    model = make(keraton)
    model.build((None, 3))
    assert model.built
    assert [tuple(w.shape) for w in model.weights] == [(3, 2)]
