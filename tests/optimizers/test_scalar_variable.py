"""Tests of keraton.optimizers.scalar_variable: a number with the 0-d ``keras.Variable`` API."""

import numpy as np
import pytest
import torch

from keraton.optimizers.scalar_variable import ScalarVariable


def test_reads_as_a_number():
    v = ScalarVariable(0.25, name="opt/learning_rate")
    assert float(v) == 0.25 and v.item() == 0.25
    assert v.numpy().dtype == np.float32 and v.numpy().shape == ()
    assert np.asarray(v) == np.float32(0.25)
    assert f"{v:.2f}" == "0.25"
    assert v.shape == () and v.dtype == "float32" and v.path == "opt/learning_rate"
    assert repr(v) == "<Variable path=opt/learning_rate, shape=(), dtype=float32, value=0.25>"
    assert torch.equal(v.value, torch.tensor(0.25))


def test_assign_family_returns_self():
    v = ScalarVariable(1.0)
    assert v.assign(2.0) is v and float(v) == 2.0
    v.assign_add(np.float32(0.5))
    v.assign_sub(torch.tensor(1.0))
    assert float(v) == 1.5
    v.assign(ScalarVariable(3.0))
    assert float(v) == 3.0


def test_int_variable_indexes_and_counts():
    i = ScalarVariable(3, dtype="int64")
    assert int(i) == 3 and [0, 1, 2, 3][i] == 3
    assert i.numpy().dtype == np.int64
    i.assign_add(1)
    assert i == 4 and isinstance(i.item(), int)
    with pytest.raises(TypeError):
        [0, 1][ScalarVariable(1.0)]


def test_arithmetic_and_comparisons():
    v = ScalarVariable(2.0)
    assert v + 1 == 3.0 and 1 + v == 3.0 and v - 1 == 1.0 and 5 - v == 3.0
    assert v * 3 == 6.0 and 3 * v == 6.0 and v / 4 == 0.5 and 4 / v == 2.0
    assert v**2 == 4.0 and 2**v == 4.0 and -v == -2.0 and abs(-v) == 2.0
    assert v < 3 and v <= 2 and v > 1 and v >= 2 and v != 1
    assert v + ScalarVariable(1.0) == 3.0
    assert bool(ScalarVariable(0.0)) is False


def test_torch_interop():
    v = ScalarVariable(2.0)
    t = torch.ones(3)
    assert torch.equal(t * v, torch.full((3,), 2.0))
    assert torch.equal(v * t, torch.full((3,), 2.0))
    assert torch.as_tensor(np.asarray(v)).item() == 2.0
    assert torch.equal(torch.mul(t, v), torch.full((3,), 2.0))


@pytest.mark.parametrize("bad", ["0.1", None, [0.1], True])
def test_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match="Expected a number"):
        ScalarVariable(bad)


def test_rejects_unknown_dtype():
    with pytest.raises(ValueError, match="dtype"):
        ScalarVariable(1.0, dtype="int8")
