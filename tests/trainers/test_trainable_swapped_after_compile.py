"""Training a model whose compile-time trainable weights are all frozen since warns (Keras 2 trained them).

keras-contrib's ``improved_wgan.py`` compiles the generator model, then
freezes the generator and unfreezes the discriminator for the critic model:
Keras 2 kept training the generator in ``generator_model.train_on_batch``;
Keras 3 and keraton train the discriminator there.  keraton says so.
"""

import warnings

import numpy as np
import pytest

import keraton as keras


def _gan():
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    critic.trainable = False
    z = keras.Input((2,))
    combined = keras.Model(z, critic(generator(z)))
    combined.compile(optimizer="sgd", loss="mse")
    return generator, critic, combined


def test_swapped_trainable_weights_warn_once():
    generator, critic, combined = _gan()
    generator.trainable, critic.trainable = False, True
    data = np.ones((2, 2), "float32"), np.zeros((2, 1), "float32")
    with pytest.warns(UserWarning, match="none of those it had when it was compiled"):
        combined.train_on_batch(*data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        combined.train_on_batch(*data)


def test_same_or_more_trainable_weights_do_not_warn():
    generator, critic, combined = _gan()
    data = np.ones((2, 2), "float32"), np.zeros((2, 1), "float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        combined.train_on_batch(*data)
        critic.trainable = True  # fine-tuning more weights without recompiling (Keras 3 usage)
        combined.train_on_batch(*data)
