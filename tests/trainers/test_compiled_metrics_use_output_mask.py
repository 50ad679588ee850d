"""Compiled metrics weight samples by the model output's Keras mask, as Keras 3."""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("metric", ["accuracy", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy"])
def test_masked_timesteps_are_left_out_of_compiled_metrics(metric):
    def run(ns):
        inputs = ns.Input((5,), dtype="int32")
        x = ns.layers.Embedding(12, 4, mask_zero=True)(inputs)
        outputs = ns.layers.Dense(6, activation="softmax")(x)
        model = ns.Model(inputs, outputs)
        rng = np.random.RandomState(0)
        model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32")
                           for w in model.get_weights()])
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=[metric])
        x = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0], [6, 7, 8, 9, 0]])
        # Labels the model gets right, padding included, but for two real steps: the
        # accuracy over real steps (7/9) differs from the one over all steps (13/15).
        y = np.argmax(ns.ops.convert_to_numpy(model(x)), axis=-1)
        y[1, :2] = (y[1, :2] + 1) % 6
        history = model.fit(x, y, epochs=2, batch_size=3, verbose=0, shuffle=False)
        return [history.history[k] for k in sorted(history.history)], model.evaluate(x, y, verbose=0)

    ours, theirs = run(keraton), run(keras)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5)
