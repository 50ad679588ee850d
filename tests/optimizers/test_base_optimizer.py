"""Tests of keraton.optimizers.base_optimizer: step/apply pipeline, clipping, weight decay, EMA."""

import numpy as np
import pytest
import torch

import keraton.optimizers as optimizers
from keraton.optimizers import SGD, Adam, Optimizer

ALL_NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion",
             "Ftrl", "Lamb", "Adafactor"]


def _sgd_step(grads, values=None, **kwargs):
    """One SGD step from the given weights; returns the new weights as arrays."""
    values = values or [np.zeros_like(np.asarray(g, dtype="float32")) for g in grads]
    params = [torch.nn.Parameter(torch.tensor(v, dtype=torch.float32)) for v in values]
    opt = SGD(**kwargs)
    opt.apply_gradients(zip([torch.tensor(g, dtype=torch.float32) for g in grads], params, strict=True))
    return [p.detach().numpy() for p in params]


def test_lr_alias_is_the_learning_rate():
    (w,) = _sgd_step([[1.0, -2.0]], lr=0.1)
    np.testing.assert_allclose(w, [-0.1, 0.2], rtol=1e-6)
    opt = SGD(lr=0.3)
    assert float(opt.lr) == pytest.approx(0.3) and float(opt.learning_rate) == pytest.approx(0.3)
    opt.lr = 0.2
    assert float(opt.learning_rate) == pytest.approx(0.2)
    assert opt.get_config()["learning_rate"] == pytest.approx(0.2)


def test_keras2_decay_is_inverse_time_decay():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = SGD(learning_rate=1.0, decay=0.5)
    opt.build([w])
    for _ in range(3):
        w.grad = torch.ones(1)
        opt.step()
    expected = -(1.0 + 1.0 / 1.5 + 1.0 / 2.0)
    np.testing.assert_allclose(w.detach().numpy(), [expected], rtol=1e-6)
    assert opt.get_config()["decay"] == 0.5
    assert "decay" not in SGD().get_config()


@pytest.mark.parametrize("how", ["attribute", "assign", "alias"])
def test_learning_rate_settable_mid_training(compare_with_keras, how):
    def change(opt, k):
        if k == 2:
            if how == "assign" or not hasattr(opt, "lr"):
                opt.learning_rate.assign(0.5)
            elif how == "alias":
                opt.lr = 0.5
            else:
                opt.learning_rate = 0.5
    ours, _, _ = compare_with_keras("Adam", {"learning_rate": 0.01}, between=change)
    assert float(ours.learning_rate) == 0.5


def test_learning_rate_change_changes_next_update():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = SGD(learning_rate=0.1)
    opt.build([w])
    w.grad = torch.ones(1)
    opt.step()
    opt.learning_rate = 0.01
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [-0.11], rtol=1e-6)


def test_clipnorm_per_variable():
    a, b = _sgd_step([[3.0, 4.0], [0.3, 0.4]], learning_rate=1.0, clipnorm=1.0)
    np.testing.assert_allclose(a, [-0.6, -0.8], rtol=1e-6)
    np.testing.assert_allclose(b, [-0.3, -0.4], rtol=1e-6)  # under the norm: untouched


def test_global_clipnorm():
    a, b = _sgd_step([[3.0, 4.0], [12.0]], learning_rate=1.0, global_clipnorm=1.3)
    np.testing.assert_allclose(a, [-0.3, -0.4], rtol=1e-6)  # global norm 13 -> scale 0.1
    np.testing.assert_allclose(b, [-1.2], rtol=1e-6)


def test_clipvalue():
    (a,) = _sgd_step([[3.0, -0.2, -4.0]], learning_rate=1.0, clipvalue=0.5)
    np.testing.assert_allclose(a, [-0.5, 0.2, 0.5], rtol=1e-6)


@pytest.mark.parametrize("kwargs", [
    {"clipnorm": 1.0, "global_clipnorm": 1.0},
    {"clipnorm": 1.0, "clipvalue": 1.0},
    {"clipvalue": 1.0, "global_clipnorm": 1.0},
])
def test_only_one_clip_argument(kwargs):
    with pytest.raises(ValueError, match="Only one of"):
        Adam(**kwargs)


def test_clipping_does_not_modify_the_gradients():
    w = torch.nn.Parameter(torch.zeros(2))
    opt = SGD(clipnorm=0.1, loss_scale_factor=2.0)
    opt.build([w])
    w.grad = torch.tensor([3.0, 4.0])
    opt.step()
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 4.0])


def test_weight_decay_before_update():
    (w,) = _sgd_step([[0.0, 0.0]], values=[[1.0, -2.0]], learning_rate=0.1, weight_decay=0.5)
    np.testing.assert_allclose(w, [0.95, -1.9], rtol=1e-6)
    (w,) = _sgd_step([[1.0]], values=[[1.0]], learning_rate=0.1, weight_decay=0.5)
    np.testing.assert_allclose(w, [0.95 - 0.1], rtol=1e-6)


def test_exclude_from_weight_decay():
    a, b = torch.nn.Parameter(torch.ones(1)), torch.nn.Parameter(torch.ones(1))
    b._keras_name, b._keras_layer = "bias", "dense"  # as keraton layers name their weights
    c = torch.nn.Parameter(torch.ones(1))
    opt = SGD(learning_rate=0.1, weight_decay=1.0)
    opt.exclude_from_weight_decay(var_list=[a], var_names=["bias"])
    opt.apply_gradients([(torch.zeros(1), a), (torch.zeros(1), b), (torch.zeros(1), c)])
    assert a.item() == 1.0 and b.item() == 1.0 and c.item() == pytest.approx(0.9)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_weight_decay_and_clipping_match_keras(compare_with_keras, name):
    kwargs = {"learning_rate": 0.01, "weight_decay": 0.2, "clipvalue": 0.7}
    compare_with_keras(name, kwargs)


def test_iterations_counter():
    w = torch.nn.Parameter(torch.zeros(2))
    opt = Adam()
    assert int(opt.iterations) == 0
    result = opt.apply_gradients([(torch.ones(2), w)])
    assert int(result) == 1 and opt.iterations.numpy() == 1
    opt.apply([torch.ones(2)])
    w.grad = torch.ones(2)
    opt.step()
    assert int(opt.iterations) == 3 and opt.iterations.numpy().dtype == np.int64


def test_iterations_with_gradient_accumulation():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = SGD(learning_rate=1.0, gradient_accumulation_steps=2)
    opt.build([w])
    w.grad = torch.ones(1)
    opt.step()
    assert w.item() == 0.0 and int(opt.iterations) == 0
    w.grad = torch.full((1,), 3.0)
    opt.step()
    assert w.item() == pytest.approx(-2.0) and int(opt.iterations) == 1


def test_step_skips_missing_and_frozen_gradients():
    a, b, c = (torch.nn.Parameter(torch.ones(2)) for _ in range(3))
    opt = Adam(learning_rate=0.1)
    opt.build([a, b, c])
    a.grad = torch.ones(2)
    c.grad = torch.ones(2)
    c.requires_grad_(False)
    opt.step()
    assert a.detach().numpy()[0] < 1.0
    np.testing.assert_array_equal(b.detach().numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(c.detach().numpy(), [1.0, 1.0])
    assert all(float(t.abs().sum()) == 0.0 for t in opt.variables[2:][2:])  # b and c slots untouched
    assert int(opt.iterations) == 1


def test_step_requires_build_and_returns_closure_loss():
    w = torch.nn.Parameter(torch.ones(1))
    opt = SGD(learning_rate=0.1)
    with pytest.raises(ValueError, match="build"):
        opt.step()
    opt.build([w])

    def closure():
        opt.zero_grad()
        loss = (w * 2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 2.0
    assert w.item() == pytest.approx(0.8)


def test_zero_grad():
    w = torch.nn.Parameter(torch.ones(2))
    opt = SGD()
    opt.build([w])
    w.grad = torch.ones(2)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None


def test_apply_errors_and_warnings():
    a, b = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(3))
    opt = SGD()
    with pytest.raises(ValueError, match="build"):
        opt.apply([torch.ones(2)])
    with pytest.raises(ValueError, match="No gradients"):
        opt.apply([None, None], [a, b])
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply([torch.ones(2), None], [a, b])
    with pytest.raises(ValueError, match="one gradient per built variable"):
        opt.apply([torch.ones(2)])
    with pytest.raises(ValueError, match="does not match"):
        opt.apply([torch.ones(3), torch.ones(3)], [a, b])
    with pytest.raises(ValueError, match="not built with it"):
        opt.apply([torch.ones(1)], [torch.nn.Parameter(torch.ones(1))])


def test_apply_accepts_arrays_and_casts():
    w = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    SGD(learning_rate=1.0).apply([np.array([1.0, 2.0], dtype="float32")], [w])
    np.testing.assert_allclose(w.detach().numpy(), [-1.0, -2.0])


@pytest.mark.parametrize("attr", ["constraint", "_keras_constraint"])
def test_constraint_applied_after_update(attr):
    w = torch.nn.Parameter(torch.zeros(2))
    setattr(w, attr, lambda x: x.clamp(min=-0.05))
    opt = SGD(learning_rate=0.1)
    opt.apply_gradients([(torch.tensor([1.0, -1.0]), w)])
    np.testing.assert_allclose(w.detach().numpy(), [-0.05, 0.1], rtol=1e-6)


def test_overwrite_with_gradient():
    w, v = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    w.overwrite_with_gradient = True
    SGD(learning_rate=0.1).apply_gradients([(torch.tensor([3.0, 4.0]), w), (torch.ones(2), v)])
    np.testing.assert_allclose(w.detach().numpy(), [3.0, 4.0])
    np.testing.assert_allclose(v.detach().numpy(), [-0.1, -0.1], rtol=1e-6)


def test_ema_and_finalize_match_keras(compare_with_keras, keras):
    ours, theirs, params = compare_with_keras("SGD", {"learning_rate": 0.1, "use_ema": True,
                                                       "ema_momentum": 0.5})
    ours.finalize_variable_values(params)
    np.testing.assert_allclose(params[0].detach().numpy(), ours.variables[2].numpy())


def test_loss_scale_factor_and_scale_loss(compare_with_keras):
    compare_with_keras("RMSprop", {"learning_rate": 0.01, "loss_scale_factor": 8.0})
    assert SGD(loss_scale_factor=8.0).scale_loss(2.0) == 16.0
    assert SGD().scale_loss(2.0) == 2.0


class _KerasStyleSGD(Optimizer):
    """A custom optimizer written the Keras way: ``build`` + per-variable ``update_step``."""

    def __init__(self, learning_rate=0.1, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)

    def build(self, variables):
        super().build(variables)
        self.counts = [self.add_variable_from_reference(v, "count") for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        self.assign_add(self.counts[self._get_variable_index(variable)], 1.0) if hasattr(
            self, "assign_add") else self.counts[self._get_variable_index(variable)].add_(1.0)
        variable.sub_(gradient * learning_rate)


def test_keras_style_subclass():
    w = torch.nn.Parameter(torch.zeros(2))
    opt = _KerasStyleSGD()
    opt.apply_gradients([(torch.ones(2), w)])
    np.testing.assert_allclose(w.detach().numpy(), [-0.1, -0.1], rtol=1e-6)
    np.testing.assert_allclose(opt.counts[0].numpy(), [1.0, 1.0])


def test_abstract_update_step():
    with pytest.raises(NotImplementedError, match="update_step"):
        Optimizer(learning_rate=0.1).apply_gradients([(torch.ones(1), torch.nn.Parameter(torch.ones(1)))])


@pytest.mark.parametrize("name", ALL_NAMES)
def test_step_never_reads_tensors_back(monkeypatch, name):
    """No .item()/float()/bool() on a tensor in step(): it must not synchronise a device."""
    params = [torch.nn.Parameter(torch.randn(3, 2)), torch.nn.Parameter(torch.randn(4))]
    opt = getattr(optimizers, name)(learning_rate=0.01, weight_decay=0.1, global_clipnorm=1.0,
                                    use_ema=True, ema_overwrite_frequency=2)
    opt.build(params)

    def forbidden(*args, **kwargs):
        raise AssertionError("host sync in step()")

    for attr in ("item", "__float__", "__int__", "__bool__", "tolist", "numpy", "cpu"):
        monkeypatch.setattr(torch.Tensor, attr, forbidden)
    for _ in range(3):
        for p in params:
            p.grad = torch.ones_like(p)
        opt.step()
        _ = opt.learning_rate, opt.iterations
    monkeypatch.undo()
    assert int(opt.iterations) == 3


@pytest.mark.parametrize("name", ALL_NAMES)
def test_device_tensor_learning_rate_path_matches_float_path(monkeypatch, name):
    """A schedule on an accelerator yields a 0-d tensor lr; updates must equal the float path."""
    cls = getattr(optimizers, name)
    kwargs = {"learning_rate": 0.05, "weight_decay": 0.1}
    if name in ("SGD", "RMSprop"):
        kwargs["momentum"] = 0.5
    torch.manual_seed(4)
    start = [torch.randn(3, 2), torch.randn(4)]
    grads = [[torch.randn_like(w) for w in start] for _ in range(3)]
    results = []
    for as_tensor in (False, True):
        params = [torch.nn.Parameter(w.clone()) for w in start]
        opt = cls(**kwargs)
        if as_tensor:
            float_lr = opt._current_learning_rate
            monkeypatch.setattr(opt, "_current_learning_rate",
                                lambda f=float_lr: torch.tensor(f(), dtype=torch.float64))
        opt.build(params)
        for gs in grads:
            for p, g in zip(params, gs, strict=True):
                p.grad = g.clone()
            opt.step()
        results.append([p.detach().numpy() for p in params])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
