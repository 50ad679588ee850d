"""``keras.ops.reshape`` on a KerasTensor with an unknown dimension: the ``-1`` entry is unknown."""

import numpy as np
import pytest

import keraton
from keraton import ops


@pytest.mark.parametrize("in_shape, newshape, expected", [
    ((None, 4), (-1, 3, 4), (None, 3, 4)),  # stand-in batch sizes 2, 3 are not multiples of 3
    ((None, 3, 8), (-1, 8), (None, 8)),
    ((None, 6), (2, 3), (2, 3)),
])
def test_symbolic_reshape_shape_as_keras(in_shape, newshape, expected):
    keras = pytest.importorskip("keras")
    ours = ops.reshape(keraton.Input(batch_shape=in_shape), newshape)
    theirs = keras.ops.reshape(keras.Input(batch_shape=in_shape), newshape)
    assert tuple(ours.shape) == tuple(theirs.shape) == expected


def test_clustering_learner_regroups_neighbours():
    """keras.io's semantic image clustering: ``(B*k, c)`` cluster probabilities back to ``(B, k, c)``."""
    k, c = 3, 4
    anchor = keraton.Input((5,))
    neighbours = keraton.Input((k, 5))
    head = keraton.layers.Dense(c, activation="softmax")
    flat = head(ops.reshape(neighbours, (-1, 5)))
    regrouped = ops.reshape(flat, (-1, k, ops.shape(flat)[-1]))
    similarity = ops.einsum("bij,bkj->bik", ops.expand_dims(head(anchor), axis=1), regrouped)
    model = keraton.Model([anchor, neighbours], similarity)
    assert tuple(regrouped.shape) == (None, k, c)
    a = np.random.RandomState(0).normal(size=(2, 5)).astype("float32")
    n = np.random.RandomState(1).normal(size=(2, k, 5)).astype("float32")
    out = model.predict([a, n], verbose=0)
    pa = model.predict([a, n], verbose=0)
    w, b = head.get_weights()

    def softmax(z):
        e = np.exp(z - z.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    expected = np.einsum("bj,bkj->bk", softmax(a @ w + b), softmax(n @ w + b))[:, None, :]
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    assert pa.shape == (2, 1, k)
