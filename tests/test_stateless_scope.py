"""StatelessScope and SymbolicScope: mapped reads, recorded updates, restored variables, errors."""

import numpy as np
import pytest
import torch

import keraton
from keraton.stateless_scope import StatelessScope, get_stateless_scope, in_stateless_scope
from keraton.symbolic_scope import SymbolicScope, get_symbolic_scope, in_symbolic_scope


def test_reads_mapped_values_and_records_updates():
    v = keraton.Variable(np.ones(3, dtype="float32"), name="v")
    other = keraton.Variable(np.zeros(2, dtype="float32"), name="other")
    with StatelessScope([(v, np.full(3, 2.0))]) as scope:
        assert get_stateless_scope() is scope and in_stateless_scope()
        np.testing.assert_array_equal(v.numpy(), [2.0, 2.0, 2.0])
        v.assign_add(np.array([1.0, 2.0, 3.0]))
        torch.testing.assert_close(scope.get_current_value(v), torch.tensor([3.0, 4.0, 5.0]))
        scope.add_update((other, torch.tensor([7.0, 8.0])))
    assert not in_stateless_scope()
    np.testing.assert_array_equal(v.numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(other.numpy(), [0.0, 0.0])
    torch.testing.assert_close(scope.get_current_value(v), torch.tensor([3.0, 4.0, 5.0]))
    torch.testing.assert_close(scope.get_current_value(other), torch.tensor([7.0, 8.0]))
    assert scope.get_current_value(keraton.Variable(np.ones(1))) is None


def test_layer_inside_scope_matches_keras():
    keras = pytest.importorskip("keras")
    k_bn = keras.layers.BatchNormalization()
    k_bn.build((None, 2))
    bn = keraton.layers.BatchNormalization()
    bn.build((None, 2))
    x = np.array([[1.0, 2.0], [3.0, 6.0]], dtype="float32")
    values = [np.array([2.0, 3.0]), np.array([0.5, 0.0]), np.array([1.0, -1.0]), np.array([4.0, 2.0])]
    with keras.StatelessScope(list(zip(k_bn.weights, values))) as k_scope:
        k_out = k_bn(x, training=True)
    with StatelessScope(list(zip(bn.weights, values))) as scope:
        out = bn(x, training=True)
    np.testing.assert_allclose(out.detach().numpy(), k_out.detach().cpu().numpy(), rtol=1e-6)
    for w, k_w in zip(bn.weights, k_bn.weights):
        np.testing.assert_allclose(scope.get_current_value(w).numpy(),
                                   k_scope.get_current_value(k_w).detach().cpu().numpy(), rtol=1e-6)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), [0.0, 0.0])


def test_keras_layout_values_are_converted():
    conv = keraton.layers.Conv1D(2, 3)
    conv.build((None, 5, 4))
    kernel = np.arange(24, dtype="float32").reshape(3, 4, 2)  # Keras's (width, in, out)
    with StatelessScope([(conv.kernel, kernel)]):
        np.testing.assert_array_equal(conv.kernel.numpy(), kernel)
    assert not np.array_equal(conv.kernel.numpy(), kernel)


def test_errors():
    v = keraton.Variable(np.ones(3, dtype="float32"))
    with pytest.raises(ValueError, match="must be Variable instances"):
        StatelessScope([(torch.ones(3), torch.ones(3))])
    with pytest.raises(ValueError, match="shape"):
        StatelessScope([(v, torch.ones(4))])


def test_symbolic_scope():
    assert not in_symbolic_scope() and get_symbolic_scope() is None
    with SymbolicScope() as outer:
        with SymbolicScope() as inner:
            assert get_symbolic_scope() is inner
        assert get_symbolic_scope() is outer and in_symbolic_scope()
    assert not in_symbolic_scope()
