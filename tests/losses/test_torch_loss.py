"""A ``torch.nn`` loss module given to ``compile`` is called torch's way and trains as a torch loop."""

import warnings

import numpy as np
import pytest
import torch

import keraton
from keraton import layers
from keraton.losses import TorchLoss


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(24, 4)).astype("float32"), rng.integers(0, 3, size=24).astype("int32")


def _model():
    torch.manual_seed(0)
    return keraton.Sequential([keraton.Input((4,)), layers.Dense(3)])


@pytest.mark.parametrize("module", [torch.nn.CrossEntropyLoss(),
                                    torch.nn.CrossEntropyLoss(label_smoothing=0.2,
                                                              weight=torch.tensor([1.0, 2.0, 0.5])),
                                    torch.nn.CrossEntropyLoss(reduction="sum")],
                         ids=["mean", "smoothing-weights", "sum"])
def test_fit_equals_a_torch_loop_with_the_same_loss(module):
    x, y = _data()
    model = _model()
    kernel, bias = (torch.tensor(w) for w in model.get_weights())
    model.compile(keraton.optimizers.SGD(learning_rate=0.05), loss=module)
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]

    w, b = kernel.clone().requires_grad_(), bias.clone().requires_grad_()
    losses = []
    for _ in range(2):
        epoch = []
        for i in range(0, 24, 8):
            loss = module(torch.tensor(x[i:i + 8]) @ w + b, torch.tensor(y[i:i + 8]).long())
            loss.backward()
            with torch.no_grad():
                w -= 0.05 * w.grad
                b -= 0.05 * b.grad
            w.grad = b.grad = None
            epoch.append(loss.item())
        losses.append(np.mean(epoch))
    np.testing.assert_allclose(history, losses, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], w.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_unreduced_torch_loss_takes_sample_weights_as_keras_does():
    x, y = _data()
    weights = np.linspace(0.5, 2.0, 24).astype("float32")
    model = _model()
    model.compile("sgd", loss=torch.nn.CrossEntropyLoss(reduction="none"))
    got = model.evaluate(x, y, sample_weight=weights, batch_size=24, verbose=0)
    logits = torch.tensor(model.predict(x, verbose=0))
    per_sample = torch.nn.functional.cross_entropy(logits, torch.tensor(y).long(), reduction="none")
    assert got == pytest.approx(float((per_sample * torch.tensor(weights)).mean()), rel=1e-5)

    reduced = _model()
    reduced.compile("sgd", loss=torch.nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match="reduction='none'"):
        reduced.fit(x, y, sample_weight=weights, verbose=0)


@pytest.mark.parametrize("function,module", [
    (torch.nn.functional.cross_entropy, torch.nn.CrossEntropyLoss()),
    (torch.nn.functional.nll_loss, torch.nn.NLLLoss()),
])
def test_functional_torch_losses_are_called_torchs_way(function, module):
    x, y = _data()
    histories = []
    for loss in (function, module):
        model = _model()
        model.compile(keraton.optimizers.SGD(learning_rate=0.05), loss=loss)
        histories.append(model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0))
    np.testing.assert_allclose(histories[0].history["loss"], histories[1].history["loss"], rtol=1e-6)
    assert keraton.losses.get(function).name == function.__name__
    assert not isinstance(keraton.losses.get(torch.nn.functional.relu), TorchLoss)  # not a loss
    model = _model()
    model.compile("sgd", loss=function)
    with pytest.raises(ValueError, match="reduction='mean'"):
        model.fit(x, y, sample_weight=np.ones(24, "float32"), verbose=0)


def test_torch_loss_objects_and_saving(tmp_path):
    module = torch.nn.BCEWithLogitsLoss()
    loss = keraton.losses.get(module)
    assert isinstance(loss, TorchLoss) and loss.module is module and loss.name == "bce_with_logits_loss"
    y_pred, y_true = torch.tensor([[2.0], [-1.0]]), torch.tensor([[1.0], [0.0]])
    assert float(loss(y_true, y_pred)) == pytest.approx(float(module(y_pred, y_true)))
    with pytest.raises(TypeError, match="wraps a torch.nn loss module"):
        TorchLoss(lambda a, b: a)

    x, y = _data()
    model = _model()
    model.compile("adam", loss=torch.nn.CrossEntropyLoss())
    model.fit(x, y, epochs=1, verbose=0)
    with pytest.warns(UserWarning, match=r"torch objects \(CrossEntropyLoss\).*saved uncompiled"):
        model.save(tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = keraton.models.load_model(tmp_path / "m.keras")
    assert not loaded.compiled
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
