"""tf.keras 2's ``model.compiled_loss`` / ``model.compiled_metrics`` in custom train steps, against tf.keras 2.

The numbers come from ``tests/fixtures/make_tf2_compiled_loss_sam_fixtures.py``
(tf.keras 2's "customizing fit" train step, with ``tf.GradientTape``); keraton's
step is the same but for ``loss.backward()`` in place of the tape.
"""

import json
import os

import numpy as np
import pytest

import keraton as keras

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures", "tf2_compiled_loss_sam.npz"))
HISTORIES = json.loads(str(FIXTURE["json"]))["histories"]


class CustomModel(keras.Model):
    """tf.keras 2's guide step, the tape replaced by autograd."""

    def train_step(self, data):
        x, y = data
        y_pred = self(x, training=True)
        loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _single_output():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="tanh", kernel_regularizer=keras.regularizers.l2(0.1))(inputs)
    return CustomModel(inputs, keras.layers.Dense(1)(hidden))


def _two_outputs():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="tanh")(inputs)
    return CustomModel(inputs, [keras.layers.Dense(1, name="a")(hidden), keras.layers.Dense(2, name="b")(hidden)])


def _weights(case, stage):
    return [FIXTURE[k] for k in sorted((k for k in FIXTURE.files if k.startswith(f"{case}_{stage}_")),
                                       key=lambda k: int(k.rsplit("_", 1)[1]))]


def run_case(case, model, targets, **compile_kwargs):
    """Train ``model`` as the fixture script did; return its history."""
    model.set_weights(_weights(case, "w0"))
    model.compile(optimizer=keras.optimizers.SGD(0.1), **compile_kwargs)
    history = model.fit(FIXTURE["x"], targets, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for got, expected in zip(model.get_weights(), _weights(case, "w1"), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    return history.history


def _assert_history(got, case):
    expected = HISTORIES[case]
    assert set(got) == set(expected)
    for name, values in expected.items():
        np.testing.assert_allclose(got[name], values, rtol=1e-5, err_msg=name)


def test_single_output_step_with_regularization_matches_tf_keras_2():
    history = run_case("custom_single", _single_output(), FIXTURE["y"], loss="mse", metrics=["mae"])
    _assert_history(history, "custom_single")


def test_two_output_step_with_loss_weights_matches_tf_keras_2():
    history = run_case("custom_two", _two_outputs(), [FIXTURE["y"], FIXTURE["y2"]], loss=["mse", "mae"],
                       loss_weights=[1.0, 0.5], metrics=["mae"])
    _assert_history(history, "custom_two")


def test_containers_are_none_before_compile_and_list_their_metrics_after():
    model = _single_output()
    assert model.compiled_loss is None and model.compiled_metrics is None
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    assert [m.name for m in model.compiled_loss.metrics] == ["loss"]
    assert model.compiled_metrics.metrics == []  # built by the first batch, as tf.keras 2
    x, y = FIXTURE["x"][:4], FIXTURE["y"][:4]
    loss = model.compiled_loss(keras.ops.convert_to_tensor(y), model(x))
    np.testing.assert_allclose(float(loss.detach()), np.mean((keras.ops.convert_to_numpy(model(x)) - y) ** 2),
                               rtol=1e-6)
    np.testing.assert_allclose(float(model.compiled_loss.metrics[0].result()), float(loss.detach()), rtol=1e-6)
    model.compiled_metrics.update_state(keras.ops.convert_to_tensor(y), model(x))
    assert [m.name for m in model.compiled_metrics.metrics] == ["mae"]
    model.compiled_loss.reset_state()
    model.compiled_metrics.reset_state()
    assert float(model.compiled_loss.metrics[0].result()) == 0.0
    assert float(model.compiled_metrics.metrics[0].result()) == 0.0


def test_compiled_loss_without_a_compiled_loss_sums_the_regularization_losses():
    model = _single_output()
    model.compile(optimizer="sgd")
    y = keras.ops.convert_to_tensor(FIXTURE["y"][:4])
    assert model.compiled_loss(y, model(FIXTURE["x"][:4])) is None
    assert float(model.compiled_loss(y, model(FIXTURE["x"][:4]), regularization_losses=[1.5, 2.0])) \
        == pytest.approx(3.5)
