"""tf.keras 2's premade ``LinearModel`` and ``WideDeepModel`` against tf.keras 2.

The numbers come from ``tests/fixtures/make_tf2_premade_fixtures.py`` (TensorFlow
2.15): the same models and data, trained from the same weights.
"""

import json
import os

import numpy as np
import pytest

import keraton as keras
from keraton.models.premade import LinearModel, WideDeepModel

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures", "tf2_premade.npz"))
META = json.loads(str(FIXTURE["json"]))
X, X2, Y, Y3 = FIXTURE["x"], FIXTURE["x2"], FIXTURE["y"], FIXTURE["y3"]


def _weights(case, stage):
    keys = sorted((k for k in FIXTURE.files if k.startswith(f"{case}_{stage}_")),
                  key=lambda k: int(k.rsplit("_", 1)[1]))
    return [FIXTURE[k] for k in keys]


def _wide_deep():
    dnn = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    return WideDeepModel(LinearModel(), dnn, activation="sigmoid")


CASES = {
    "linear": (lambda: LinearModel(units=1, kernel_regularizer=keras.regularizers.l2(0.05)), X, Y,
               dict(loss="mse", metrics=["mae"])),
    "linear_dict": (lambda: LinearModel(units=3, activation="tanh", use_bias=False), {"b": X2, "a": X}, Y3,
                    dict(loss="mse")),
    "linear_list": (lambda: LinearModel(units=1), [X, X2], Y, dict(loss="mae")),
    "widedeep_two_opts": (_wide_deep, [X2, X], Y, dict(loss="mse", metrics=["mae"])),
    "widedeep_one_opt": (_wide_deep, X, Y, dict(loss="mse")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_matches_tf_keras_2(case):
    make, x, y, compile_kwargs = CASES[case]
    model = make()
    model(x)
    assert [tuple(w.shape) for w in model.get_weights()] == [w.shape for w in _weights(case, "w0")]
    model.set_weights(_weights(case, "w0"))
    optimizer = ([keras.optimizers.SGD(0.1), keras.optimizers.Adam(0.01)] if case == "widedeep_two_opts"
                 else keras.optimizers.SGD(0.1))
    model.compile(optimizer=optimizer, **compile_kwargs)
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for got, expected in zip(model.get_weights(), _weights(case, "w1"), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    expected = META[f"{case}_history"]
    assert set(history.history) == set(expected)
    for name, values in expected.items():
        np.testing.assert_allclose(history.history[name], values, rtol=1e-5, err_msg=name)
    np.testing.assert_allclose(model.predict(x, verbose=0), FIXTURE[f"{case}_predict"], rtol=1e-5, atol=1e-6)


def test_linear_config_matches_tf_keras_2_and_round_trips():
    config = LinearModel(units=2, activation="relu", name="lin").get_config()
    assert config == META["linear_config"]
    assert LinearModel.from_config(config).get_config() == config


def test_wide_deep_saves_and_loads(tmp_path):
    model = _wide_deep()
    model.compile(optimizer=["sgd", "adam"], loss="mse")
    model.fit(X, Y, batch_size=4, epochs=1, verbose=0)
    path = str(tmp_path / "wd.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, WideDeepModel) and isinstance(loaded.linear_model, LinearModel)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


def test_bad_input_is_refused_with_what_was_expected():
    model = LinearModel()
    model({"a": X, "b": X2})
    with pytest.raises(ValueError, match="Expected keys"):
        model({"a": X})
    with pytest.raises(ValueError, match="positive integer"):
        LinearModel(units=0)
    with pytest.raises(TypeError, match="keraton Model"):
        WideDeepModel(LinearModel(), keras.layers.Dense(1))
    with pytest.raises(ValueError, match="list of two"):
        _wide_deep().compile(optimizer=["sgd", "sgd", "sgd"], loss="mse")
