"""``compile(metrics=[...])`` with one entry per output of a multi-output model, as Keras 3."""

import numpy as np
import pytest

import keraton
from keraton import layers


def _model():
    inp = keraton.Input((4,))
    h = layers.Dense(3, activation="relu", kernel_initializer="ones", name="h")(inp)
    return keraton.Model(inp, [layers.Dense(2, kernel_initializer="ones", name="a")(h),
                               layers.Dense(2, kernel_initializer="ones", name="b")(h)])


@pytest.mark.parametrize("metrics_arg, expected", [
    # log names real Keras 3.15 (torch backend) gives for these arguments
    (["mae", "mse"], {"loss", "a_loss", "b_loss", "a_mae", "b_mse"}),
    (["mae", ["mse", "mae"]], {"loss", "a_loss", "b_loss", "a_mae", "b_mae", "b_mse"}),
    ([None, "mae"], {"loss", "a_loss", "b_loss", "b_mae"}),
    ([["mae"], ["mse"]], {"loss", "a_loss", "b_loss", "a_mae", "b_mse"}),
])
def test_list_with_one_entry_per_output(metrics_arg, expected):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 4)).astype("float32")
    ya, yb = rng.normal(size=(8, 2)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")
    model = _model()
    model.compile("sgd", "mse", metrics=metrics_arg)
    logs = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
    assert set(logs) == expected
    pa, pb = model.predict(x, verbose=0)
    if "a_mae" in logs:
        assert logs["a_mae"] == pytest.approx(float(np.mean(np.abs(pa - ya))), rel=1e-5)
    if "b_mse" in logs:
        assert logs["b_mse"] == pytest.approx(float(np.mean((pb - yb) ** 2)), rel=1e-5)


def test_repeated_metric_per_output_matches_keras3():
    """The keras.io migration guide's ``metrics=["categorical_crossentropy"] * 2``."""
    keras = pytest.importorskip("keras")
    rng = np.random.RandomState(0)
    x, y = rng.uniform(size=(10, 10)), rng.uniform(size=(10, 5))
    scores = []
    for lib in (keraton, keras):
        inputs = lib.layers.Input(shape=(10,))
        x1 = lib.layers.Dense(5, activation="relu", kernel_initializer="ones")(inputs)
        o1 = lib.layers.Dense(5, activation="softmax", kernel_initializer="ones", name="output_1")(x1)
        o2 = lib.layers.Dense(5, activation="softmax", name="output_2", kernel_initializer="ones")(x1)
        model = lib.Model(inputs, [o1, o2])
        model.compile("adam", "categorical_crossentropy",
                      metrics=["categorical_crossentropy", "categorical_crossentropy"])
        scores.append(model.evaluate(x, [y, y], verbose=0, return_dict=True))
    ours, theirs = scores
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        assert ours[key] == pytest.approx(float(theirs[key]), rel=1e-5)
