"""Keras 2 backend state functions: get_value/set_value, learning phase, switch."""

import numpy as np
import pytest
import torch

import keraton
from keraton import backend as K


def test_get_set_value_on_parameters_and_tensors():
    v = K.variable([[1.0, 2.0]])
    K.set_value(v, np.array([[3.0, 4.0]]))
    np.testing.assert_array_equal(K.get_value(v), [[3.0, 4.0]])
    assert K.get_value(v).dtype == np.float32
    t = torch.zeros(2, dtype=torch.int64)
    K.set_value(t, [5, 6])
    assert t.tolist() == [5, 6]
    assert K.get_value(torch.tensor(2.5)) == 2.5 and np.ndim(K.get_value(torch.tensor(2.5))) == 0
    assert K.get_value(3) == 3  # non-tensors come back unchanged, as Keras 2
    with pytest.raises(ValueError, match=r"shape \(1, 2\), got \(3,\)"):
        K.set_value(v, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="optimizer.lr"):
        K.set_value([1.0], 2.0)


def test_batch_get_set_value():
    a, b = K.variable(1.0), K.variable([0.0, 0.0])
    K.batch_set_value([(a, 2.0), (b, [1.0, 3.0])])
    got = K.batch_get_value([a, b])
    assert got[0] == 2.0 and got[1].tolist() == [1.0, 3.0]


def test_set_value_on_optimizer_learning_rate_changes_the_step():
    layer = keraton.layers.Dense(1, use_bias=False, kernel_initializer="ones")
    model = keraton.Sequential([keraton.Input((1,)), layer])
    model.compile(optimizer=keraton.optimizers.SGD(learning_rate=0.1), loss="mse")
    K.set_value(model.optimizer.lr, 0.01)
    assert K.get_value(model.optimizer.lr) == pytest.approx(0.01)
    assert isinstance(K.get_value(model.optimizer.learning_rate), np.floating)
    model.fit(np.array([[1.0]]), np.array([[0.0]]), epochs=1, batch_size=1, verbose=0)
    # kernel 1, x 1, y 0: gradient of (w - 0)^2 is 2w = 2, so w = 1 - 0.01 * 2.
    assert layer.kernel.item() == pytest.approx(0.98, rel=1e-6)


def test_learning_phase_and_in_train_phase():
    assert K.learning_phase() == 0
    assert K.in_train_phase(1.0, 2.0) == 2.0
    K.set_learning_phase(1)
    try:
        assert K.learning_phase() == 1
        assert K.in_train_phase(lambda: "train", lambda: "test") == "train"
        assert K.in_test_phase("test", "train") == "train"
    finally:
        K.set_learning_phase(0)
    assert K.in_train_phase("train", "test", training=True) == "train"
    with pytest.raises(ValueError, match="0 or 1"):
        K.set_learning_phase(2)


def test_switch():
    then, other = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.zeros(2, 2)
    np.testing.assert_array_equal(K.switch(torch.tensor([True, False]), then, other).numpy(),
                                  [[1.0, 2.0], [0.0, 0.0]])
    np.testing.assert_array_equal(
        K.switch(torch.tensor([[True, False], [False, True]]), then, other).numpy(),
        [[1.0, 0.0], [0.0, 4.0]])
    assert K.switch(torch.tensor(False), lambda: "a", lambda: "b") == "b"
    with pytest.raises(ValueError, match="Rank of `condition`"):
        K.switch(torch.ones(2, 2, 2), torch.ones(2), torch.ones(2))


def test_state_functions_kept_and_names_listed():
    assert K.floatx() == "float32" and K.epsilon() == 1e-7
    assert K.image_data_format() == "channels_last"
    assert {"mean", "batch_dot", "set_value", "floatx"} <= set(dir(K))
    with pytest.raises(AttributeError, match="no_such_function"):
        K.no_such_function  # noqa: B018
