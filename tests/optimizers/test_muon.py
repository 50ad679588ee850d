"""Tests of keraton.optimizers.muon against real Keras 3.15's ``keras.optimizers.Muon``."""

import numpy as np
import pytest
import torch

import keraton
from keraton.optimizers.muon import Muon

STEPS = 4


def _functional_model(lib):
    """Embedding (AdamW unless exclude_embeddings=False), conv kernel and biases (AdamW), and
    2-D kernels tall, square (two of one shape: batched) and wide (Muon), plus a "head"."""
    inputs = lib.Input((4,), dtype="int32")
    x = lib.layers.Embedding(10, 6, name="embedding")(inputs)
    x = lib.layers.Reshape((4, 6, 1))(x)
    x = lib.layers.Conv2D(2, 3, padding="same", name="conv")(x)
    x = lib.layers.Flatten()(x)
    x = lib.layers.Dense(6, name="hidden")(x)
    x = lib.layers.Dense(6, name="square")(x)
    x = lib.layers.Dense(6, name="square_2")(x)
    x = lib.layers.Dense(10, name="wide")(x)
    outputs = lib.layers.Dense(3, name="head")(x)
    return lib.Model(inputs, outputs)


@pytest.fixture(scope="module")
def models():
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(1)
    theirs = _functional_model(keras)
    ours = _functional_model(keraton)
    return ours, theirs


def _keras_layout_grad(param, grad):
    grad = torch.tensor(grad)
    return param._from_keras(grad) if hasattr(param, "_from_keras") else grad


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.01, "exclude_layers": ["head", "^wide"]},
    {"learning_rate": 0.01, "exclude_embeddings": False, "nesterov": False, "rms_rate": None,
     "ns_steps": 3},
    {"learning_rate": 0.02, "weight_decay": None, "adam_weight_decay": 0.1, "adam_lr_ratio": 0.1,
     "momentum": 0.9},
    {"learning_rate": 0.01, "weight_decay": 0.05, "adam_weight_decay": None, "clipnorm": 1.0,
     "adam_beta_1": 0.8, "adam_beta_2": 0.95, "epsilon": 1e-5, "muon_a": 3.0, "muon_b": -3.2,
     "muon_c": 1.2},
    {"learning_rate": 0.01, "gradient_accumulation_steps": 2, "use_ema": True},
])
def test_matches_keras_on_a_model(models, kwargs):
    ours_model, keras_model = models
    rng = np.random.default_rng(0)
    initial = [rng.standard_normal(w.shape).astype("float32") for w in keras_model.get_weights()]
    keras_model.set_weights(initial)
    ours_model.set_weights(initial)
    keras_vars, params = keras_model.trainable_weights, ours_model.trainable_weights
    assert len(params) == len(keras_vars)

    import keras
    theirs = keras.optimizers.Muon(**kwargs)
    ours = Muon(**kwargs)
    for _ in range(STEPS):
        grads = [rng.standard_normal(v.shape).astype("float32") for v in keras_vars]
        theirs.apply_gradients(zip([torch.tensor(g) for g in grads], keras_vars, strict=True))
        ours.apply_gradients(zip([_keras_layout_grad(p, g) for p, g in zip(params, grads, strict=True)],
                                 params, strict=True))

    for a, b in zip(ours_model.get_weights(), keras_model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # Same state, same order and names: a momentum per variable, a velocity per AdamW one.
    assert [v.path for v in ours.variables] == [v.path.replace(theirs.name, ours.name, 1)
                                               for v in theirs.variables]
    for a, b in zip(ours.get_weights(), theirs.variables, strict=True):
        np.testing.assert_allclose(a, keras.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6)
    assert int(ours.iterations) == int(keras.ops.convert_to_numpy(theirs.iterations))


def test_rule_choice_follows_keras(models):
    ours_model, _ = models
    params = ours_model.trainable_weights
    opt = Muon(exclude_layers=["head"])
    opt.build(params)
    muon = [p.path for p, adam in zip(params, opt._uses_adam, strict=True) if not adam]
    assert muon == ["hidden/kernel", "square/kernel", "square_2/kernel", "wide/kernel"]
    velocities = [v.path for v in opt.variables if v.path.endswith("_velocity")]
    assert len(velocities) == len(params) - len(muon)


def test_newton_schulz_orthogonalises():
    torch.manual_seed(0)
    x = torch.randn(8, 5)
    opt = Muon(ns_steps=10)
    u = opt._newton_schulz(x)
    # Quintic Newton-Schulz drives singular values into roughly [0.7, 1.2], not exactly to 1.
    singular = torch.linalg.svdvals(u)
    assert singular.min() > 0.6 and singular.max() < 1.25
    batch = opt._newton_schulz(torch.stack([x, 2 * x]))
    # Batched matmuls round differently from single ones, hence the tolerance.
    torch.testing.assert_close(batch[0], u, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(batch[1], u, rtol=1e-4, atol=1e-5)  # scale-invariant


@pytest.mark.parametrize("kwargs", [
    {"name": "muon_a1"},
    {"name": "muon_b1", "learning_rate": 0.02, "adam_beta_1": 0.8, "adam_beta_2": 0.95,
     "adam_weight_decay": None, "epsilon": 1e-6, "weight_decay": 0.1, "exclude_layers": ["head"],
     "exclude_embeddings": False, "muon_a": 3.0, "muon_b": -3.0, "muon_c": 1.0,
     "adam_lr_ratio": 0.1, "momentum": 0.9, "ns_steps": 6, "nesterov": False, "rms_rate": None,
     "clipnorm": 1.0},
])
def test_config_round_trip_with_keras(keras, kwargs):
    def same(a, b):
        # Keras reads its learning rate back from a float32 variable; keraton keeps the float.
        assert list(a) == list(b)
        assert a["learning_rate"] == pytest.approx(b["learning_rate"], rel=1e-7)
        assert {**a, "learning_rate": None} == {**b, "learning_rate": None}

    ours, theirs = Muon(**kwargs), keras.optimizers.Muon(**kwargs)
    same(ours.get_config(), theirs.get_config())
    same(Muon.from_config(theirs.get_config()).get_config(), theirs.get_config())
    same(keras.optimizers.Muon.from_config(ours.get_config()).get_config(), ours.get_config())
    assert Muon.from_config(ours.get_config()).get_config() == ours.get_config()


def test_bad_arguments():
    with pytest.raises(ValueError, match="ns_steps"):
        Muon(ns_steps=2.5)
    with pytest.raises(ValueError, match="adam_beta_1"):
        Muon(adam_beta_1=1.5)
    with pytest.raises(TypeError, match="exclude_layers"):
        Muon(exclude_layers=[3])
    assert Muon(exclude_layers="head").exclude_layers == ["head"]
    with pytest.raises(ValueError, match="not recognized"):
        Muon(beta_1=0.9)


def test_fit_trains_a_keraton_model():
    keraton.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 8)).astype("float32")
    y = (x @ rng.standard_normal((8, 2)) + 0.1).astype("float32")
    model = keraton.Sequential([keraton.Input((8,)), keraton.layers.Dense(16, activation="relu"),
                                keraton.layers.Dense(2, name="head")])
    model.compile(optimizer=Muon(learning_rate=0.02, exclude_layers=["head"]), loss="mse")
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.3 * losses[0]
    assert int(model.optimizer.iterations) == 15 * 4


def test_column_major_recurrent_kernels_match_keras(keras):
    """keraton stores LSTM kernels column-major: they are orthogonalised as Keras's matrices."""
    def build(lib):
        inputs = lib.Input((5, 3))
        return lib.Model(inputs, lib.layers.LSTM(4, name="lstm")(inputs))

    keras_model, ours_model = build(keras), build(keraton)
    assert any(not p.is_contiguous() for p in ours_model.trainable_weights)
    rng = np.random.default_rng(1)
    initial = [rng.standard_normal(w.shape).astype("float32") for w in keras_model.get_weights()]
    keras_model.set_weights(initial)
    ours_model.set_weights(initial)
    theirs, ours = keras.optimizers.Muon(learning_rate=0.01), Muon(learning_rate=0.01)
    keras_vars, params = keras_model.trainable_weights, ours_model.trainable_weights
    for _ in range(3):
        grads = [rng.standard_normal(v.shape).astype("float32") for v in keras_vars]
        theirs.apply_gradients(zip([torch.tensor(g) for g in grads], keras_vars, strict=True))
        for p, g in zip(params, grads, strict=True):
            p.grad = _keras_layout_grad(p, g)
        if not ours.built:
            ours.build(params)
        ours.step()
    for a, b in zip(ours_model.get_weights(), keras_model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_schedule_and_unnamed_parameters_match_keras(keras):
    """A schedule (learning rate read each step) on plain parameters, through ``step()``."""
    rng = np.random.default_rng(2)
    shapes = [(3, 4), (5,), (4, 3), (2, 3, 2)]
    initial = [rng.standard_normal(s).astype("float32") for s in shapes]
    params = [torch.nn.Parameter(torch.tensor(w)) for w in initial]
    keras_vars = [keras.Variable(w) for w in initial]
    ours = Muon(learning_rate=keraton.optimizers.schedules.ExponentialDecay(0.05, 2, 0.5))
    theirs = keras.optimizers.Muon(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.05, 2, 0.5))
    ours.build(params)
    for _ in range(4):
        grads = [rng.standard_normal(s).astype("float32") for s in shapes]
        theirs.apply_gradients(zip([torch.tensor(g) for g in grads], keras_vars, strict=True))
        for p, g in zip(params, grads, strict=True):
            p.grad = torch.tensor(g)
        ours.step()
    for p, v in zip(params, keras_vars, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), keras.ops.convert_to_numpy(v), rtol=1e-5, atol=1e-6)
