"""A functional model's dict outputs are flattened in sorted-key order, as in Keras 3.

keras.io's functional API guide builds ``outputs={"priority": ..., "department": ...}``
and compiles with a *list* of losses ``[BinaryCrossentropy, CategoricalCrossentropy]``
and ``loss_weights=[1.0, 0.2]``: Keras 3 pairs the list with the outputs in
sorted order (department, priority), and ``model.output_names`` is sorted too.
"""

import numpy as np
import pytest

import keraton


def _model():
    inputs = keraton.Input((3,), name="x")
    priority = keraton.layers.Dense(1, name="priority", kernel_initializer="ones")(inputs)
    department = keraton.layers.Dense(2, name="department", kernel_initializer="ones")(inputs)
    return keraton.Model(inputs, {"priority": priority, "department": department})


def test_output_names_and_outputs_are_sorted():
    model = _model()
    assert model.output_names == ["department", "priority"]
    assert [tuple(t.shape) for t in model.outputs] == [(None, 2), (None, 1)]
    out = model.predict(np.ones((1, 3), "float32"), verbose=0)
    assert list(out) == ["priority", "department"]  # the dict keeps the user's structure
    np.testing.assert_allclose(out["department"], [[3.0, 3.0]])
    np.testing.assert_allclose(out["priority"], [[3.0]])


def test_loss_list_pairs_with_sorted_outputs():
    model = _model()
    model.compile(optimizer="sgd", loss=["mse", "mae"], loss_weights=[1.0, 0.5])
    x = np.ones((2, 3), "float32")
    y = {"priority": np.zeros((2, 1), "float32"), "department": np.ones((2, 2), "float32")}
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    # department (pred 3, target 1): mse = 4; priority (pred 3, target 0): mae = 3.
    assert logs["department_loss"] == pytest.approx(4.0)
    assert logs["priority_loss"] == pytest.approx(3.0)
    assert logs["loss"] == pytest.approx(4.0 + 0.5 * 3.0)


def test_target_list_pairs_with_sorted_outputs():
    model = _model()
    model.compile(optimizer="sgd", loss={"priority": "mae", "department": "mse"})
    x = np.ones((2, 3), "float32")
    logs = model.evaluate(x, [np.ones((2, 2), "float32"), np.zeros((2, 1), "float32")],
                          verbose=0, return_dict=True)
    assert logs["department_loss"] == pytest.approx(4.0)
    assert logs["priority_loss"] == pytest.approx(3.0)
