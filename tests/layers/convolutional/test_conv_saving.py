"""Convolution weights through Keras 3's ``.keras`` format, both ways (layout converted at the edge)."""

import numpy as np
import pytest
import torch

import keraton


def _stack(lib):
    layers = lib.layers
    return lib.Sequential([
        lib.Input((9, 9, 3)),
        layers.Conv2D(4, 2, strides=2, padding="same", activation="relu"),
        layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
        layers.SeparableConv2D(5, 2),
        layers.Conv2DTranspose(3, 3, strides=2, padding="same"),
        layers.Flatten(),
        layers.Dense(2),
    ])


def test_keras_file_loads_in_keraton_and_back(tmp_path):
    keras = pytest.importorskip("keras")
    theirs = _stack(keras)
    x = np.random.default_rng(0).normal(size=(2, 9, 9, 3)).astype("float32")
    theirs.set_weights([np.random.default_rng(i).normal(size=w.shape).astype("float32") * 0.3
                        for i, w in enumerate(theirs.get_weights())])
    want = keras.ops.convert_to_numpy(theirs(x))
    path = str(tmp_path / "convs.keras")
    theirs.save(path)
    ours = keraton.saving.load_model(path)
    got = ours(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # And back: keraton writes the file, Keras reads the same numbers.
    back = str(tmp_path / "back.keras")
    ours.save(back)
    again = keras.saving.load_model(back)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(again(x)), want, rtol=1e-5, atol=1e-5)
