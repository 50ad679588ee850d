"""TorchModuleWrapper: plain torch modules in Sequential and functional models, trained by fit."""

import numpy as np
import pytest
import torch
from torch import nn

import keraton
from keraton import layers


@pytest.fixture(autouse=True)
def _one_thread():
    """torch's BatchNorm on tiny batches is ~500x slower with 2 threads on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _data(n=256, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 6, generator=gen)
    y = (x[:, :1] * 2.0 - x[:, 1:2] + 0.5 * x[:, 2:3].square())
    return x, y


def test_sequential_mixing_keraton_and_torch_trains():
    bn = nn.BatchNorm1d(16)
    model = keraton.Sequential([
        keraton.Input((6,)), nn.Linear(6, 16), bn, layers.Activation("relu"), layers.Dense(1),
    ])
    assert [type(layer).__name__ for layer in model.layers][:2] == ["TorchModuleWrapper"] * 2
    model.compile(optimizer=keraton.optimizers.Adam(0.02), loss="mse")
    x, y = _data()
    before = bn.running_mean.clone()
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    # Running statistics moved during fit (train mode) ...
    assert not torch.allclose(bn.running_mean, before)
    assert int(bn.num_batches_tracked) == 8 * 8
    # ... and stay put at inference (eval mode), where the module is back in eval.
    assert bn.training is False
    stats = bn.running_mean.clone()
    model.predict(x, verbose=0)
    model(x)
    model.evaluate(x, y, verbose=0)
    torch.testing.assert_close(bn.running_mean, stats, rtol=0, atol=0)
    # The inference output uses the running statistics: it matches plain torch in eval mode.
    linear, dense = model.layers[0].module, model.layers[3]
    with torch.no_grad():
        h = torch.relu(bn.eval()(linear(x)))
        expected = h @ dense.kernel + dense.bias
    torch.testing.assert_close(model.predict(x, verbose=0), expected.numpy(), rtol=1e-5, atol=1e-5)


def test_buffers_are_non_trainable_weights():
    wrapper = layers.TorchModuleWrapper(nn.BatchNorm1d(3))
    assert [tuple(w.shape) for w in wrapper.trainable_weights] == [(3,), (3,)]  # weight, bias
    # running_mean, running_var, num_batches_tracked
    assert [tuple(w.shape) for w in wrapper.non_trainable_weights] == [(3,), (3,), ()]
    assert len(wrapper.weights) == 5
    values = wrapper.get_weights()
    values[2] = np.array([1.0, 2.0, 3.0], "float32")
    values[4] = np.array(7)
    wrapper.set_weights(values)
    torch.testing.assert_close(wrapper.module.running_mean, torch.tensor([1.0, 2.0, 3.0]))
    assert int(wrapper.module.num_batches_tracked) == 7
    # Inference uses the running statistics: (x - mean) / sqrt(var + eps) * 1 + 0.
    x = torch.tensor([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])
    torch.testing.assert_close(wrapper(x), (x - torch.tensor([1.0, 2.0, 3.0])) / (1 + 1e-5) ** 0.5)
    # A training call uses the batch statistics and updates the running mean once.
    y = wrapper(x, training=True)
    torch.testing.assert_close(y[0], -y[1])
    torch.testing.assert_close(wrapper.module.running_mean, 0.9 * torch.tensor([1.0, 2.0, 3.0])
                               + 0.1 * torch.tensor([2.0, 3.0, 4.0]))
    assert wrapper.module.training is False


def test_trainable_false_freezes_module_in_fit():
    linear = nn.Linear(6, 1)
    model = keraton.Sequential([keraton.Input((6,)), linear, layers.Dense(1)])
    model.layers[0].trainable = False
    assert model.layers[0].trainable_weights == []
    assert len(model.trainable_weights) == 2  # only the Dense
    before = [p.detach().clone() for p in linear.parameters()]
    model.compile(optimizer="sgd", loss="mse")
    x, y = _data(64)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    for p, b in zip(linear.parameters(), before):
        torch.testing.assert_close(p.detach(), b, rtol=0, atol=0)
    model.layers[0].trainable = True
    assert len(model.trainable_weights) == 4


def test_functional_with_conv1d():
    inputs = keraton.Input((4, 10))  # Conv1d reads (channels, steps)
    conv = layers.TorchModuleWrapper(nn.Conv1d(4, 8, kernel_size=3))
    x = conv(inputs)
    assert x.shape == (None, 8, 8)
    x = layers.Flatten()(x)
    outputs = layers.Dense(1)(x)
    model = keraton.Model(inputs, outputs)
    assert len(model.trainable_weights) == 4
    gen = torch.Generator().manual_seed(1)
    xs = torch.randn(128, 4, 10, generator=gen)
    ys = xs[:, 0, :3].sum(-1, keepdim=True) - xs[:, 2, 5:].mean(-1, keepdim=True)
    model.compile(optimizer=keraton.optimizers.Adam(0.01), loss="mse")
    history = model.fit(xs, ys, epochs=6, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    # The model's output is the torch computation.
    dense = model.layers[-1]
    with torch.no_grad():
        expected = conv.module(xs[:5]).flatten(1) @ dense.kernel + dense.bias
    torch.testing.assert_close(model(xs[:5]), expected)


def test_functional_shape_inference_keeps_unknown_dims():
    inputs = keraton.Input((None, 6))
    out = layers.TorchModuleWrapper(nn.Linear(6, 3))(inputs)
    assert out.shape == (None, None, 3)
    out = layers.TorchModuleWrapper(nn.Linear(6, 3), output_shape=(5, 3))(keraton.Input((5, 6)))
    assert out.shape == (None, 5, 3)


def test_bad_arguments():
    with pytest.raises(TypeError, match="torch.nn.Module.*got int"):
        layers.TorchModuleWrapper(3)
    with pytest.raises(TypeError, match="keraton layer 'dense'"):
        layers.TorchModuleWrapper(layers.Dense(2, name="dense"))
    with pytest.raises(ValueError, match="lazy"):
        layers.TorchModuleWrapper(nn.LazyLinear(3))


def test_config_and_from_config():
    wrapper = layers.TorchModuleWrapper(nn.Linear(2, 3), name="lin", output_shape=(3,))
    config = wrapper.get_config()
    assert config["name"] == "lin" and config["output_shape"] == [3]
    with pytest.raises(ValueError, match="cannot be rebuilt.*safe mode"):
        layers.TorchModuleWrapper.from_config(config)
    clone = layers.TorchModuleWrapper.from_config(config, safe_mode=False)
    assert isinstance(clone.module, nn.Linear) and clone.module is not wrapper.module
    x = torch.randn(4, 2)
    torch.testing.assert_close(clone(x), wrapper(x))


@pytest.mark.parametrize("direction", ["keras_to_keraton", "keraton_to_keras"])
def test_keras_file_round_trip(tmp_path, direction):
    # Keras 3 stores the module as a base64 torch.save pickle and its state_dict as weights;
    # either library loads the other's .keras file (only with safe_mode=False).
    keras = pytest.importorskip("keras")
    src, dst = (keras, keraton) if direction == "keras_to_keraton" else (keraton, keras)
    torch.manual_seed(5)
    model = src.Sequential([src.Input((6,)), src.layers.TorchModuleWrapper(nn.Linear(6, 4)),
                            src.layers.TorchModuleWrapper(nn.BatchNorm1d(4))])
    model.layers[-1].module.running_mean.fill_(0.5)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with pytest.raises(ValueError):
        dst.saving.load_model(path)
    loaded = dst.saving.load_model(path, safe_mode=False)
    bn = loaded.layers[-1].module
    assert isinstance(bn, nn.BatchNorm1d)
    torch.testing.assert_close(bn.running_mean, torch.full((4,), 0.5))
    x, _ = _data(8)
    # training=False: Keras's wrapper puts the module in train mode when training is None.
    np.testing.assert_allclose(loaded(x, training=False).detach().cpu().numpy(),
                               model(x, training=False).detach().cpu().numpy(), rtol=1e-5, atol=1e-5)


def _bn_model(width=4):
    return keraton.Sequential([keraton.Input((6,)), nn.Linear(6, width), nn.BatchNorm1d(width),
                               layers.Dense(1)])


def test_save_and_load_weights_carry_buffers(tmp_path):
    model = _bn_model()
    model.compile(optimizer="adam", loss="mse")
    x, y = _data(64)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    other = _bn_model()
    other.load_weights(path)
    torch.testing.assert_close(other.layers[1].module.running_var, model.layers[1].module.running_var)
    torch.testing.assert_close(other(x), model(x))


def test_loads_weights_saved_by_keras(tmp_path):
    # Keras writes the module's state_dict under its keys (weight, bias); keraton reads it.
    keras = pytest.importorskip("keras")
    torch.manual_seed(3)
    theirs = keras.Sequential([keras.Input((6,)), keras.layers.TorchModuleWrapper(nn.Linear(6, 4))])
    path = str(tmp_path / "k.weights.h5")
    theirs.save_weights(path)
    ours = keraton.Sequential([keraton.Input((6,)), nn.Linear(6, 4)])
    ours.load_weights(path)
    x, _ = _data(8)
    np.testing.assert_allclose(ours(x).detach().numpy(), theirs(x).detach().cpu().numpy(),
                               rtol=1e-5, atol=1e-5)
