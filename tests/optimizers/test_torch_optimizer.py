"""A ``torch.optim`` optimizer given to ``compile`` trains exactly as a hand-written torch loop."""

import warnings

import numpy as np
import pytest
import torch

import keraton
from keraton import backend as K
from keraton import layers
from keraton.optimizers import TorchOptimizer

TORCH_OPTIMIZERS = [
    (torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    (torch.optim.Adam, {"lr": 0.01}),
    (torch.optim.AdamW, {"lr": 0.01, "weight_decay": 0.1}),
    (torch.optim.RMSprop, {"lr": 0.01, "alpha": 0.9}),
]


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")


def _model(seed=0, **dense_kwargs):
    torch.manual_seed(seed)
    return keraton.Sequential([keraton.Input((4,)), layers.Dense(5, activation="tanh"),
                               layers.Dense(2, **dense_kwargs)])


def _torch_twin(model):
    """The same network as plain torch modules with the model's current weights."""
    w1, b1, w2, b2 = (torch.tensor(w) for w in model.get_weights())
    net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    with torch.no_grad():
        net[0].weight.copy_(w1.T), net[0].bias.copy_(b1), net[2].weight.copy_(w2.T), net[2].bias.copy_(b2)
    return net


@pytest.mark.parametrize("cls,kwargs", TORCH_OPTIMIZERS, ids=lambda v: getattr(v, "__name__", ""))
def test_fit_equals_a_hand_written_torch_loop(cls, kwargs):
    x, y = _data()
    model = _model()
    net = _torch_twin(model)
    model.compile(optimizer=cls(model.parameters(), **kwargs), loss="mse")
    assert isinstance(model.optimizer, TorchOptimizer)
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history["loss"]

    opt = cls(net.parameters(), **kwargs)
    losses = []
    for _ in range(3):
        epoch = []
        for i in range(0, 32, 8):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(net(torch.tensor(x[i:i + 8])), torch.tensor(y[i:i + 8]))
            loss.backward()
            opt.step()
            epoch.append(loss.item())
        losses.append(np.mean(epoch))
    np.testing.assert_allclose(history, losses, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[2], net[2].weight.detach().numpy().T, rtol=1e-5,
                               atol=1e-6)
    assert int(model.optimizer.iterations) == 12


def test_learning_rate_callbacks_scale_every_group_and_torch_schedulers_are_seen():
    x, y = _data()
    model = _model()
    first, second = model.layers
    opt = torch.optim.SGD([{"params": first.parameters(), "lr": 0.1},
                           {"params": second.parameters(), "lr": 0.02}])
    model.compile(optimizer=opt, loss="mse")
    halve = keraton.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[halve]).history
    np.testing.assert_allclose(history["learning_rate"], [0.05, 0.025], rtol=1e-6)
    np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [0.025, 0.005], rtol=1e-6)

    K.set_value(model.optimizer.lr, 0.2)  # Keras 2 spelling; reaches torch at the next step
    model.train_on_batch(x[:8], y[:8])
    np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [0.2, 0.04], rtol=1e-6)

    torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.1).step()
    assert float(model.optimizer.learning_rate) == pytest.approx(0.02)
    model.train_on_batch(x[:8], y[:8])  # the scheduler's values are kept, not overwritten
    np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [0.02, 0.004], rtol=1e-6)


def test_constraints_frozen_layers_and_missing_weights():
    x, y = _data()
    model = _model(kernel_constraint="non_neg")
    first, second = model.layers
    first.trainable = False
    frozen = first.get_weights()
    model.compile(optimizer=torch.optim.SGD(model.parameters(), lr=0.5), loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    assert (second.get_weights()[0] >= 0).all()  # Keras's constraint after torch's step
    for got, want in zip(first.get_weights(), frozen):
        np.testing.assert_array_equal(got, want)

    other = _model()
    with pytest.warns(UserWarning, match=r"does not hold 2 trainable weight\(s\)"):
        other.compile(optimizer=torch.optim.SGD(other.layers[1].parameters(), lr=0.1), loss="mse")
        other.fit(x, y, epochs=1, verbose=0)


def test_clipnorm_is_applied_before_torchs_step():
    x, y = _data()
    model = _model()
    net = _torch_twin(model)
    model.compile(optimizer=TorchOptimizer(torch.optim.SGD(model.parameters(), lr=0.1),
                                           global_clipnorm=0.05), loss="mse")
    model.train_on_batch(x, y)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    torch.nn.functional.mse_loss(net(torch.tensor(x)), torch.tensor(y)).backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 0.05)
    opt.step()
    np.testing.assert_allclose(model.get_weights()[0], net[0].weight.detach().numpy().T, rtol=1e-5,
                               atol=1e-7)


def test_apply_updates_only_the_given_variables():
    model = _model()
    opt = TorchOptimizer(torch.optim.SGD(model.parameters(), lr=1.0))
    kernel, bias = model.layers[0].kernel, model.layers[0].bias
    other = model.layers[1].kernel
    other.grad = torch.ones_like(other)  # a stale gradient torch's step must not use
    before_other, before_kernel = other.detach().clone(), kernel.detach().clone()
    opt.apply([torch.ones_like(kernel)], [kernel])
    torch.testing.assert_close(kernel.detach(), before_kernel - 1.0)
    torch.testing.assert_close(other.detach(), before_other)
    assert other.grad is not None and bias.grad is None


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_saving_writes_the_model_uncompiled_with_a_warning(tmp_path, suffix):
    x, y = _data()
    model = _model()
    model.compile(optimizer=torch.optim.Adam(model.parameters()), loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / f"m{suffix}"
    with pytest.warns(UserWarning, match="cannot be saved with the model: it is saved uncompiled"):
        model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = keraton.models.load_model(path)
    assert not loaded.compiled
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_bad_arguments():
    with pytest.raises(TypeError, match="wraps a torch.optim.Optimizer"):
        TorchOptimizer(keraton.optimizers.SGD())
    params = [torch.nn.Parameter(torch.ones(2))]
    with pytest.raises(ValueError, match="learning rate from the torch optimizer"):
        TorchOptimizer(torch.optim.SGD(params, lr=0.1), learning_rate=0.5)
    with pytest.raises(NotImplementedError, match="cannot be serialized"):
        TorchOptimizer(torch.optim.SGD(params, lr=0.1)).get_config()
