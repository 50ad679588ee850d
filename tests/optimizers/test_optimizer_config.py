"""Tests of keraton.optimizers.optimizer_config: Keras 3 configs, argument checks, saved state."""

import numpy as np
import pytest
import torch

import keraton
import keraton.optimizers as optimizers
from keraton.optimizers import SGD, Adam, RMSprop
from keraton.optimizers.optimizer_config import check_number

ALL_NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion",
             "Ftrl", "Lamb", "Adafactor"]


class StepSchedule:
    """A serializable custom schedule."""

    def __init__(self, value=0.1):
        self.value = value

    def __call__(self, step):
        return self.value

    def get_config(self):
        return {"value": self.value}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_config_keys_and_values_match_keras(keras, name):
    ours = getattr(optimizers, name)().get_config()
    theirs = getattr(keras.optimizers, name)().get_config()
    assert list(ours) == list(theirs)
    for key, value in theirs.items():
        if key == "name":
            continue
        if isinstance(value, float):
            assert ours[key] == pytest.approx(value, rel=1e-6), key
        else:
            assert ours[key] == value, key


@pytest.mark.parametrize("name", ALL_NAMES)
def test_config_round_trip(name):
    cls = getattr(optimizers, name)
    opt = cls(learning_rate=0.02, clipnorm=1.5, use_ema=True, ema_overwrite_frequency=3,
              gradient_accumulation_steps=4, loss_scale_factor=2.0, name="custom")
    config = opt.get_config()
    clone = cls.from_config(config)
    assert clone.get_config() == config
    assert float(clone.learning_rate) == pytest.approx(0.02)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_configs_move_between_keras_and_keraton(keras, name):
    theirs = getattr(keras.optimizers, name)(learning_rate=0.05, global_clipnorm=2.0)
    ours = getattr(optimizers, name).from_config(theirs.get_config())
    assert float(ours.learning_rate) == pytest.approx(0.05)
    assert ours.global_clipnorm == 2.0
    back = getattr(keras.optimizers, name).from_config(ours.get_config())
    assert float(back.learning_rate.numpy()) == pytest.approx(0.05)


def test_from_config_ignores_tf_keras_keys_and_honours_decay():
    config = {**SGD().get_config(), "jit_compile": True, "is_legacy_optimizer": False, "decay": 0.1}
    opt = SGD.from_config(config)
    assert opt.decay == 0.1 and opt.get_config()["decay"] == 0.1


def test_schedule_serialized_and_restored():
    opt = Adam(learning_rate=StepSchedule(0.3))
    config = opt.get_config()
    assert config["learning_rate"]["class_name"] == "StepSchedule"
    assert config["learning_rate"]["config"] == {"value": 0.3}
    clone = Adam.from_config(config, custom_objects={"StepSchedule": StepSchedule})
    assert isinstance(clone._learning_rate, StepSchedule) and clone._learning_rate.value == 0.3
    with pytest.raises(ValueError, match="StepSchedule"):
        Adam.from_config(config)


def test_check_number():
    assert check_number("x", 1) == 1.0 and check_number("x", None, allow_none=True) is None
    assert check_number("x", torch.tensor(0.5)) == 0.5
    for bad, match in [(-1.0, ">= 0"), (True, "number"), ("1", "number"), (float("nan"), "number")]:
        with pytest.raises(ValueError, match=match):
            check_number("x", bad)
    with pytest.raises(ValueError, match="<= 1"):
        check_number("x", 2.0, high=1.0)


def _trained(cls, steps=3, **kwargs):
    torch.manual_seed(3)
    params = [torch.nn.Parameter(torch.randn(2, 3)), torch.nn.Parameter(torch.randn(3))]
    opt = cls(learning_rate=0.1, **kwargs)
    opt.build(params)
    for _ in range(steps):
        for p in params:
            p.grad = torch.randn_like(p)
        opt.step()
    return opt, params


@pytest.mark.parametrize("name", ALL_NAMES)
def test_save_and_load_own_variables(name):
    cls = getattr(optimizers, name)
    opt, params = _trained(cls)
    store = {}
    opt.save_own_variables(store)
    assert sorted(store, key=int) == [str(i) for i in range(len(opt.variables))]
    copies = [torch.nn.Parameter(p.detach().clone()) for p in params]
    fresh = cls(learning_rate=0.1)
    fresh.build(copies)
    fresh.load_own_variables(store)
    assert int(fresh.iterations) == 3
    for p, c in zip(params, copies, strict=True):
        g = torch.randn_like(p)
        p.grad, c.grad = g, g.clone()
    opt.step()
    fresh.step()
    for p, c in zip(params, copies, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), c.detach().numpy(), rtol=1e-6)


def test_load_with_wrong_count_warns_and_skips():
    opt, _ = _trained(SGD, momentum=0.9)
    store = {}
    opt.save_own_variables(store)
    other = SGD(learning_rate=0.1)
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        other.load_own_variables(store)


def test_weights_and_state_dict():
    opt, params = _trained(RMSprop, momentum=0.5)
    weights = opt.get_weights()
    assert [w.shape for w in weights] == [(), (), (2, 3), (3,), (2, 3), (3,)]
    other = RMSprop(learning_rate=0.1, momentum=0.5)
    other.build(params)
    other.set_weights(weights)
    assert int(other.iterations) == 3
    np.testing.assert_allclose(other.variables[3].numpy(), weights[3])
    state = opt.state_dict()
    third = RMSprop(learning_rate=0.9, momentum=0.5)
    third.build(params)
    third.load_state_dict(state)
    assert float(third.learning_rate) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="does not match"):
        other.set_weights([w.reshape(-1) if w.ndim == 2 else w for w in weights])
    with pytest.raises(ValueError, match="build"):
        SGD().set_weights([])


def test_saved_state_matches_keras_layout(keras):
    """Variables saved by Keras 3 load into keraton (same count, order and shapes)."""
    theirs = keras.optimizers.Adam(learning_rate=0.1)
    kv = [keras.Variable(np.ones((2, 3), "float32")), keras.Variable(np.ones(3, "float32"))]
    for _ in range(2):
        theirs.apply_gradients(zip([torch.ones(2, 3), torch.ones(3)], kv, strict=True))
    store = {}
    theirs.save_own_variables(store)
    ours = Adam(learning_rate=0.1)
    ours.build([torch.nn.Parameter(torch.ones(2, 3)), torch.nn.Parameter(torch.ones(3))])
    ours.load_own_variables(store)
    assert int(ours.iterations) == 2
    for a, b in zip(ours.variables[2:], theirs.variables[2:], strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy())


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adadelta", "Adagrad", "Adamax", "Nadam",
                                  "RMSprop", "Lamb"])
def test_epsilon_none_is_the_backend_fuzz_factor_as_in_keras2(name):
    """Keras 2.2's signatures read ``epsilon=None`` as ``K.epsilon()``; copied code still passes it."""
    cls = getattr(keraton.optimizers, name)
    assert cls(epsilon=None).epsilon == 1e-7
    keraton.backend.set_epsilon(1e-5)
    try:
        assert cls(epsilon=None).epsilon == 1e-5
    finally:
        keraton.backend.set_epsilon(1e-7)
    with pytest.raises(ValueError, match="Argument `epsilon` must be a number, received: epsilon='x'"):
        cls(epsilon="x")
