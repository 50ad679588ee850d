"""A model frozen after compile() trains nothing (Keras 3) and says so once (Keras 2 trained it)."""

import warnings

import numpy as np
import pytest

import keraton


def _gan_pieces():
    discriminator = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1, activation="sigmoid")])
    discriminator.compile(keraton.optimizers.SGD(0.5), "binary_crossentropy")
    discriminator.trainable = False  # Keras 2's GAN idiom, before building the combined model
    z = keraton.Input((2,))
    combined = keraton.Model(z, discriminator(keraton.layers.Dense(2)(z)))
    combined.compile(keraton.optimizers.SGD(0.5), "binary_crossentropy")
    return discriminator, combined


def test_frozen_after_compile_warns_once_and_changes_nothing():
    discriminator, combined = _gan_pieces()
    x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
    before = discriminator.get_weights()
    with pytest.warns(UserWarning, match="had some when it was compiled"):
        discriminator.train_on_batch(x, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        discriminator.train_on_batch(x, y)  # once per model
        combined.train_on_batch(x, y)  # the combined model is meant to leave it frozen
    assert not [w for w in caught if "when it was compiled" in str(w.message)]
    for b, a in zip(before, discriminator.get_weights()):
        np.testing.assert_array_equal(b, a)


def test_trainable_again_trains_without_warning():
    discriminator, _ = _gan_pieces()
    discriminator.trainable = True
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    before = discriminator.get_weights()[0].copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        discriminator.train_on_batch(x, y)
    assert not np.allclose(before, discriminator.get_weights()[0])
