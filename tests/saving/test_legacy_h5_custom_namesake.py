"""A user's class named like a built-in (a Keras 2 ``AdamW``, ``Attention``) keeps its whole config in ``.h5``.

Keras 2 wrote ``get_config()`` as is; keraton trims the configs of its own
classes to tf.keras 2's arguments, and must not trim a namesake user class.
"""

import warnings

import numpy as np

import keraton as keras
from keraton import backend as K
from keraton.optimizers import Optimizer


class AdamW(Optimizer):
    """The "AdamW for Keras" repos' optimizer: ``lr`` and ``batch_size`` that tf.keras 2's AdamW lacks."""

    def __init__(self, lr=0.001, weight_decay=0.025, batch_size=1, **kwargs):
        super().__init__(**kwargs)
        self.iterations = K.variable(0, dtype="int64")
        self.lr = K.variable(lr)
        self.wd = weight_decay
        self.batch_size = batch_size

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        for p, g in zip(params, grads):
            self.updates.append(K.update(p, p - self.lr * g - self.lr * self.wd * p))
        return self.updates

    def get_config(self):
        return {**super().get_config(), "lr": float(K.get_value(self.lr)),
                "weight_decay": self.wd, "batch_size": self.batch_size}


class Attention(keras.layers.Layer):
    """keras-self-attention style layer named like Keras 3's ``Attention``, with its own arguments."""

    def __init__(self, return_attention=False, attention_width=None, **kwargs):
        super().__init__(**kwargs)
        self.return_attention = return_attention
        self.attention_width = attention_width

    def call(self, x):
        return x * float(self.attention_width)

    def get_config(self):
        return {**super().get_config(), "return_attention": self.return_attention,
                "attention_width": self.attention_width}


def test_custom_namesakes_keep_their_config(tmp_path):
    inp = keras.Input((3,))
    out = keras.layers.Dense(1, kernel_initializer="ones")(Attention(attention_width=3)(inp))
    model = keras.Model(inp, out)
    model.compile(optimizer=AdamW(lr=0.5, batch_size=7), loss="mse")
    path = str(tmp_path / "m.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing of a user's config is left out
        model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"AdamW": AdamW, "Attention": Attention})
    assert type(loaded.optimizer) is AdamW
    assert loaded.optimizer.get_config() == {"lr": 0.5, "weight_decay": 0.025, "batch_size": 7}
    assert loaded.layers[1].attention_width == 3
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), [[9.0], [9.0]])


def test_builtin_adamw_config_is_still_trimmed_for_tf_keras_2(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.AdamW(learning_rate=0.25), loss="mse")
    model.save(str(tmp_path / "b.h5"))
    import json

    import h5py

    with h5py.File(tmp_path / "b.h5") as f:
        optimizer = json.loads(f.attrs["training_config"])["optimizer_config"]
    assert optimizer["class_name"] == "Custom>AdamW"  # tf.keras 2.15's spelling of a built-in
    assert optimizer["config"]["learning_rate"] == 0.25
