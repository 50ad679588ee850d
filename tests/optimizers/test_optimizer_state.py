"""Tests of keraton.optimizers.optimizer_state: learning rate, iterations, build and variables."""

import numpy as np
import pytest
import torch

from keraton.optimizers import SGD, Adam, Nadam, RMSprop
from keraton.optimizers.optimizer_state import _takes_argument, variable_path
from keraton.optimizers.scalar_variable import ScalarVariable


class HalvingSchedule:
    """A schedule object: ``__call__(step)`` returns the learning rate."""

    def __init__(self, initial=1.0):
        self.initial = initial

    def __call__(self, step):
        return self.initial * 0.5**step

    def get_config(self):
        return {"initial": self.initial}


def test_schedule_evaluated_each_step():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = SGD(learning_rate=HalvingSchedule(1.0))
    opt.build([w])
    for _ in range(3):
        w.grad = torch.ones(1)
        opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [-1.75])
    current = opt.learning_rate  # Keras 3: the schedule's value at the current step
    assert isinstance(current, torch.Tensor) and float(current) == pytest.approx(0.125)
    assert isinstance(opt._learning_rate, HalvingSchedule)
    assert len(opt.variables) == 1  # no learning-rate variable with a schedule, as Keras


def test_schedule_returning_tensors_and_plain_callables():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = Adam(learning_rate=lambda step: torch.tensor(0.1) / (1 + step))
    opt.apply_gradients([(torch.ones(1), w)])
    assert float(opt.learning_rate) == pytest.approx(0.05)
    opt = SGD(learning_rate=lambda: 0.2)  # Keras: a callable without arguments
    opt.apply_gradients([(torch.ones(1), w)])
    assert float(opt.learning_rate) == pytest.approx(0.2)
    opt.learning_rate = 0.3  # a no-argument callable may be replaced by a number
    assert float(opt.learning_rate) == pytest.approx(0.3)


def test_schedule_not_settable_to_number_but_replaceable_by_schedule():
    opt = SGD(learning_rate=HalvingSchedule())
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate = 0.1
    opt = SGD(learning_rate=0.1)
    opt.learning_rate = HalvingSchedule(0.4)
    assert float(opt.learning_rate) == pytest.approx(0.4)


def test_learning_rate_variable_identity_and_decay_free_reading():
    opt = SGD(learning_rate=0.1, decay=1.0)
    lr = opt.learning_rate
    assert isinstance(lr, ScalarVariable) and opt.lr is lr
    opt.learning_rate = 0.2
    assert lr is opt.learning_rate and float(lr) == pytest.approx(0.2)


@pytest.mark.parametrize("bad", [-0.1, "fast", float("nan"), None])
def test_bad_learning_rates(bad):
    with pytest.raises((ValueError, TypeError), match="learning_rate"):
        SGD(learning_rate=bad)
    opt = SGD()
    with pytest.raises((ValueError, TypeError), match="learning_rate"):
        opt.learning_rate = bad


def test_learning_rate_accepts_number_like_values():
    assert float(SGD(learning_rate=1).learning_rate) == 1.0
    assert float(SGD(learning_rate=np.float32(0.5)).learning_rate) == 0.5
    assert float(SGD(learning_rate=torch.tensor(0.25)).learning_rate) == 0.25


def test_unknown_argument_lists_expected_ones():
    with pytest.raises(ValueError, match=r"not recognized by Adam: \['betas'\].*beta_1"):
        Adam(betas=(0.9, 0.99))


@pytest.mark.parametrize("kwargs, match", [
    ({"gradient_accumulation_steps": 1}, "gradient_accumulation_steps"),
    ({"ema_overwrite_frequency": 0}, "ema_overwrite_frequency"),
    ({"ema_momentum": 1.5}, "ema_momentum"),
    ({"clipnorm": -1.0}, "clipnorm"),
    ({"weight_decay": "a lot"}, "weight_decay"),
])
def test_bad_shared_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SGD(**kwargs)


def test_auto_names_follow_keras():
    assert SGD().name == "sgd" and SGD().name == "sgd_1"
    assert RMSprop().name == "rm_sprop" and SGD(name="mine").name == "mine"


def test_build_is_idempotent_and_extends_with_new_variables():
    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(3))
    opt = Adam()
    opt.build([a])
    state = opt.variables
    opt.build([a])
    opt.build(iter([a]))
    assert len(opt.variables) == len(state) == 4
    opt.build([a, b, b])
    assert len(opt.variables) == 6 and opt._get_variable_index(b) == 1
    assert opt.variables[4].shape == (3,)


def test_variables_in_keras_order_and_on_parameter_dtype():
    a = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    b = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    opt = Nadam()
    opt.build([a, b])
    names = opt._variable_names
    assert names == ["variable_0_momentum", "variable_0_velocity", "variable_1_momentum",
                     "variable_1_velocity", "u_product"]
    assert all(t.dtype == torch.float64 for t in opt.variables[2:])
    assert [type(v) for v in opt.variables[:2]] == [ScalarVariable, ScalarVariable]


def test_add_variable_initializers():
    opt = SGD()
    assert torch.equal(opt.add_variable((2,), "ones"), torch.ones(2))
    assert torch.equal(opt.add_variable((2,), 0.5), torch.full((2,), 0.5))
    made = opt.add_variable((2,), lambda shape, dtype: torch.arange(2, dtype=dtype))
    assert torch.equal(made, torch.tensor([0.0, 1.0]))
    assert opt.add_variable((1,), dtype="float64").dtype == torch.float64


def test_iterations_under_accumulation_is_a_snapshot():
    opt = SGD(gradient_accumulation_steps=2)
    opt._iterations.assign(5)
    assert int(opt.iterations) == 2 and opt._local_step() == 3


def test_takes_argument_and_variable_path():
    assert _takes_argument(lambda step: 1.0) and not _takes_argument(lambda: 1.0)
    assert _takes_argument(HalvingSchedule()) and _takes_argument(lambda *a: 1.0)
    w = torch.nn.Parameter(torch.zeros(1))
    assert variable_path(w) is None
    w._keras_name, w._keras_layer = "kernel", "dense"
    assert variable_path(w) == "dense/kernel"
