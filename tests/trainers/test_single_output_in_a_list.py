"""A functional model built with ``outputs=[x]`` trains with one loss and metric, as in Keras 3.

Such a model returns ``[y_pred]``; keraton passed that list to the loss
("only one element tensors can be converted to Python scalars"). keras.io's
involution example builds ``keras.Model(inputs=[inputs], outputs=[outputs])``.
"""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


def run(lib, loss, metrics, y):
    inputs = lib.Input((5,))
    outputs = lib.layers.Dense(3)(inputs)
    model = lib.Model(inputs=[inputs], outputs=[outputs])
    rs = np.random.RandomState(0)
    model.set_weights([rs.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    model.compile(optimizer=lib.optimizers.SGD(0.05), loss=loss, metrics=metrics)
    x = np.random.RandomState(1).normal(size=(12, 5)).astype("float32")
    sw = np.linspace(0.5, 1.5, 12).astype("float32")
    history = model.fit(x, y, sample_weight=sw, batch_size=4, epochs=2, shuffle=False, verbose=0)
    return history.history, model.evaluate(x, y, verbose=0)


@pytest.mark.parametrize("loss, metrics, y", [
    (lambda lib: lib.losses.SparseCategoricalCrossentropy(from_logits=True), ["accuracy"],
     np.arange(12) % 3),
    (lambda lib: "mse", ["mae"], np.linspace(-1, 1, 36).reshape(12, 3).astype("float32")),
])
def test_outputs_list_of_one_matches_keras(loss, metrics, y):
    ours, ours_eval = run(keraton, loss(keraton), metrics, y)
    theirs, theirs_eval = run(keras, loss(keras), metrics, y)
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, atol=1e-6, err_msg=key)
    np.testing.assert_allclose(ours_eval, theirs_eval, rtol=1e-5, atol=1e-6)
