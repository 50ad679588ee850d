"""A compiled loss closing over a graph tensor differentiates with respect to it (Keras 2's WGAN-GP).

keras-contrib's ``improved_wgan.py`` compiles
``partial(gradient_penalty_loss, averaged_samples=averaged_samples)`` and calls
``K.gradients(y_pred, averaged_samples)`` in it; the penalty must equal a
torch computation on the same batch.
"""

import functools

import numpy as np
import pytest
import torch

import keraton as keras
from keraton import backend as K


def _penalty(y_true, y_pred, averaged_samples, weight):
    gradients = K.gradients(y_pred, averaged_samples)[0]
    norm = K.sqrt(K.sum(K.square(gradients), axis=np.arange(1, len(gradients.shape))))
    return K.mean(weight * K.square(1 - norm))


def _critic_and_mix():
    critic = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                               keras.layers.Dense(1)])
    real, fake = keras.Input((3,)), keras.Input((3,))
    mixed = keras.layers.Lambda(lambda t: 0.25 * t[0] + 0.75 * t[1])([real, fake])
    return critic, real, fake, mixed


def _torch_penalty(critic, real, fake, weight):
    k1, b1, k2, b2 = [torch.tensor(w) for w in critic.get_weights()]
    mixed = (0.25 * torch.tensor(real) + 0.75 * torch.tensor(fake)).requires_grad_(True)
    out = torch.tanh(mixed @ k1 + b1) @ k2 + b2
    grad = torch.autograd.grad(out.sum(), mixed)[0]
    return float((weight * (1 - grad.pow(2).sum(1).sqrt()) ** 2).mean())


@pytest.mark.parametrize("capture", ["partial", "closure"])
def test_gradient_penalty_equals_torch(capture):
    critic, real, fake, mixed = _critic_and_mix()
    if capture == "partial":
        loss = functools.partial(_penalty, averaged_samples=mixed, weight=10.0)
        loss.__name__ = "gradient_penalty"
    else:
        def loss(y_true, y_pred):
            return _penalty(y_true, y_pred, mixed, 10.0)
    model = keras.Model([real, fake], [critic(real), critic(mixed)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=["mse", loss])
    rng = np.random.RandomState(0)
    xr, xf = rng.randn(5, 3).astype("float32"), rng.randn(5, 3).astype("float32")
    y = np.zeros((5, 1), "float32")
    want = _torch_penalty(critic, xr, xf, 10.0)
    assert model.evaluate([xr, xf], [y, y], verbose=0)[2] == pytest.approx(want, rel=1e-5)
    before = critic.get_weights()
    logs = model.train_on_batch([xr, xf], [y, y])
    assert logs[2] == pytest.approx(want, rel=1e-5)
    assert not np.allclose(before[0], critic.get_weights()[0])  # the penalty trains the critic


def test_gradient_penalty_is_differentiated_to_the_weights():
    critic, real, fake, mixed = _critic_and_mix()
    model = keras.Model([real, fake], critic(mixed))
    model.compile(optimizer=keras.optimizers.SGD(0.5),
                  loss=functools.partial(_penalty, averaged_samples=mixed, weight=1.0))
    rng = np.random.RandomState(1)
    xr, xf = rng.randn(4, 3).astype("float32"), rng.randn(4, 3).astype("float32")
    weights = [torch.tensor(w, requires_grad=True) for w in critic.get_weights()]
    k1, b1, k2, b2 = weights
    mix = (0.25 * torch.tensor(xr) + 0.75 * torch.tensor(xf)).requires_grad_(True)
    grad = torch.autograd.grad((torch.tanh(mix @ k1 + b1) @ k2 + b2).sum(), mix, create_graph=True)[0]
    penalty = ((1 - grad.pow(2).sum(1).sqrt()) ** 2).mean()
    expected = [(w - 0.5 * g).detach().numpy()
                for w, g in zip(weights, torch.autograd.grad(penalty, weights, allow_unused=True,
                                                             materialize_grads=True))]
    model.train_on_batch([xr, xf], np.zeros((4, 1), "float32"))
    for got, want in zip(critic.get_weights(), expected):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_uncaptured_symbolic_tensor_is_a_clear_error():
    inp = keras.Input((2,))
    stray = keras.layers.Dense(2)(inp)
    out = keras.layers.Dense(1)(inp)
    model = keras.Model(inp, out)
    model.compile(optimizer="sgd", loss=lambda t, p: K.mean(K.gradients(p, [keras.Input((2,))])[0]))
    del stray
    with pytest.raises(ValueError, match="not symbolic .* value in that computation is unknown"):
        model.train_on_batch(np.ones((2, 2), "float32"), np.zeros((2, 1), "float32"))


def test_input_gradient_regularizer_on_a_captured_model_input():
    inp = keras.Input((3,))
    out = keras.layers.Dense(1, activation="tanh")(inp)
    model = keras.Model(inp, out)

    def input_gradient_loss(y_true, y_pred):
        return K.mean(K.square(y_true - y_pred)) + K.mean(K.square(K.gradients(y_pred, inp)[0]))

    model.compile(optimizer="sgd", loss=input_gradient_loss)
    x = np.random.RandomState(2).randn(4, 3).astype("float32")
    y = np.ones((4, 1), "float32")
    kernel, bias = [torch.tensor(w) for w in model.get_weights()]
    xt = torch.tensor(x, requires_grad=True)
    pred = torch.tanh(xt @ kernel + bias)
    grad = torch.autograd.grad(pred.sum(), xt)[0]
    want = (((torch.tensor(y) - pred) ** 2).mean() + (grad ** 2).mean()).item()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(want, rel=1e-5)
