"""How a call without ``training=`` resolves it: Keras's rules, plus torch's module mode where the user set it.

Keras (3 and tf.keras 2) resolves ``training`` from the call's argument, else the
enclosing layer call's value, else the default of ``call``'s ``training``
parameter (``True`` for the augmentation layers), else inference.  So a custom
``train_step`` or a callback calling ``self.model(x)`` during ``fit`` runs in
inference mode, and a bare ``RandomFlip()(x)`` augments.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

os.environ.setdefault("KERAS_BACKEND", "torch")

X = np.random.default_rng(0).random((16, 8)).astype("float32")
Y = np.random.default_rng(1).random((16, 1)).astype("float32")


def _modes(model, x):
    """Whether ``model(x)`` equals the inference output and differs from a training output."""
    bare, infer, train = model(x), model(x, training=False), model(x, training=True)
    return torch.equal(bare, infer), torch.equal(bare, train)


def _dropout_model(cls=keraton.Model):
    inputs = keraton.Input((8,))
    hidden = layers.Dense(64, kernel_initializer="ones")(inputs)
    return cls(inputs, layers.Dense(1)(layers.Dropout(0.5)(hidden)))


class _RecordingStep(keraton.Model):
    """A custom ``train_step``/``test_step`` calling the model without ``training=``."""

    seen = None

    def train_step(self, data):
        x = data[0]
        self.seen = ("train",) + _modes(self, x)
        return super().train_step(data)

    def test_step(self, data):
        x = data[0]
        self.seen = ("test",) + _modes(self, x)
        return super().test_step(data)


@pytest.mark.parametrize("run", ["fit", "train_on_batch", "evaluate", "test_on_batch"])
def test_custom_step_calling_the_model_bare_runs_in_inference_mode(run):
    model = _dropout_model(_RecordingStep)
    model.compile(optimizer="sgd", loss="mse")
    if run == "fit":
        model.fit(X, Y, epochs=1, verbose=0)
    elif run == "evaluate":
        model.evaluate(X, Y, verbose=0)
    else:
        getattr(model, run)(X, Y)
    kind, equals_inference, equals_training = model.seen
    assert kind == ("train" if run in ("fit", "train_on_batch") else "test")
    assert equals_inference and not equals_training
    assert model.training is False and model._mode_pinned is False  # keraton's own mode changes


def test_callbacks_and_sublayer_calls_in_a_step_run_in_inference_mode():
    seen = {}

    class GanLike(keraton.Model):
        def __init__(self):
            super().__init__()
            self.generator = keraton.Sequential([keraton.Input((8,)), layers.Dense(32),
                                                 layers.Dropout(0.5)])
            self.head = layers.Dense(1)

        def call(self, x, training=None):
            return self.head(self.generator(x, training=training))

        def train_step(self, data):
            x, _ = data
            g = self.generator
            seen["sublayer"] = (torch.equal(g(x), g(x, training=False)), torch.equal(g(x), g(x, training=True)))
            return super().train_step(data)

    class Probe(keraton.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen["batch_end"] = _modes(self.model, torch.from_numpy(X))

        def on_epoch_end(self, epoch, logs=None):
            seen["epoch_end"] = _modes(self.model, torch.from_numpy(X))

    model = GanLike()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0, callbacks=[Probe()])
    assert seen == {"sublayer": (True, False), "batch_end": (True, False), "epoch_end": (True, False)}


def test_builtin_step_trains_and_nested_layers_inherit_the_outer_value():
    calls = []

    class Spy(layers.Layer):
        def call(self, x, training=None):
            calls.append(training)
            return x

    inputs = keraton.Input((8,))
    model = keraton.Model(inputs, layers.Dense(1)(Spy()(inputs)))
    calls.clear()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    model.evaluate(X, Y, verbose=0)
    model.predict(X, verbose=0)
    model(X)
    model(X, training=True)
    # fit, evaluate, predict, a bare call, an explicit one.
    assert calls == [True, False, False, False, True]


def test_an_explicit_value_in_a_nested_call_does_not_leak_to_later_layers():
    """tf.keras 2's scoping: ``self.bn(x, training=False)`` does not turn the later Dropout off.

    Keras 3's shared call context lets the nested ``False`` reach later layers
    of the same outer call; keraton keeps it to the nested call, as tf.keras 2.
    """
    class Frozen(keraton.Model):
        def __init__(self):
            super().__init__()
            self.bn = layers.BatchNormalization()
            self.dropout = layers.Dropout(0.5)

        def call(self, x, training=None):
            return self.dropout(self.bn(x, training=False))

    model = Frozen()
    x = torch.ones(4, 64)
    model(x)
    out = model(x, training=True)
    assert bool((out == 0).any())  # dropout ran
    assert not model.bn.training and not model.dropout.training


def test_bare_augmentation_calls_augment_as_keras_and_eval_pins_inference():
    import keras

    images = np.random.default_rng(2).random((32, 6, 6, 3)).astype("float32")
    x = torch.from_numpy(images)
    assert not np.allclose(keras.ops.convert_to_numpy(keras.layers.RandomFlip("horizontal")(images)), images)
    assert not torch.equal(layers.RandomFlip("horizontal")(x), x)  # Keras's default training=True
    pipeline = keraton.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.3)])
    assert not torch.equal(pipeline(x), x)  # keras.io's `data_augmentation(images)` idiom
    torch.testing.assert_close(pipeline(x, training=False), x, rtol=0, atol=0)
    torch.testing.assert_close(pipeline.eval()(x), x, rtol=0, atol=0)  # torch's eval() pins inference
    assert pipeline._mode_pinned and pipeline.layers[0]._mode_pinned
    # In a model: predict never augments; in a bare call the flip augments and the
    # layers after it infer (Keras 3 would let the flip's True reach them).
    seen = []

    class Spy(layers.Layer):
        def call(self, inputs, training=None):
            seen.append(training)
            return inputs

    model = keraton.Sequential([keraton.Input((6, 6, 3)), layers.RandomFlip("horizontal"), Spy(),
                                layers.Flatten(), layers.Dense(1)])
    inference = model(x, training=False).detach().numpy()
    np.testing.assert_allclose(model.predict(images, verbose=0), inference, rtol=1e-6)
    assert not np.allclose(model(x).detach().numpy(), inference)
    assert seen[-3:] == [False, False, False]


def test_torch_train_mode_makes_bare_calls_train():
    model = _dropout_model()
    model.train()
    assert _modes(model, torch.from_numpy(X)) == (False, False)  # a dropout draw of its own
    model.eval()
    assert _modes(model, torch.from_numpy(X)) == (True, False)


def test_remat_recomputes_with_the_forward_training_value():
    keraton.utils.set_random_seed(3)
    with keraton.RematScope(mode="full"):
        model = keraton.Sequential([keraton.Input((8,)), layers.Dense(16), layers.Dropout(0.5), layers.Dense(1)])
    plain = keraton.Sequential([keraton.Input((8,)), layers.Dense(16), layers.Dropout(0.5), layers.Dense(1)])
    plain.set_weights(model.get_weights())
    x = torch.from_numpy(X)
    grads = []
    for m in (model, plain):
        torch.manual_seed(0)
        m(x, training=True).sum().backward()
        grads.append([w.grad.clone() for w in m.trainable_weights])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b)


def test_keras2_set_learning_phase_fixes_bare_calls_until_clear_session():
    from keraton import backend as K

    model = _dropout_model()
    x = torch.from_numpy(X)
    K.set_learning_phase(1)
    assert K.learning_phase() == 1
    assert _modes(model, x) == (False, False)  # dropout runs in bare calls, as tf.keras 2
    torch.testing.assert_close(model(x, training=False), model(x, training=False))  # explicit wins
    K.set_learning_phase(0)
    flip = layers.RandomFlip("horizontal")
    images = torch.rand(16, 4, 4, 1)
    torch.testing.assert_close(flip(images), images)  # phase 0 comes before the layer's default
    keraton.backend.clear_session()
    assert K.learning_phase() == 0
    assert _modes(model, x) == (True, False)
    assert not torch.equal(flip(images), images)
