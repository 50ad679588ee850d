"""A user's layer without ``get_config`` gets one from its constructor arguments, as Keras 3.

Keras 3 records the arguments a layer class was constructed with (when they
are plain str/int/float/bool/None values) and returns them from the default
``get_config``, so ``from_config`` and ``load_model`` rebuild such layers
(keras.io's "Vocal track separation" saves and reloads layers that way).
"""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


def _classes(ns):
    class Block(ns.layers.Layer):
        def __init__(self, channels, scale=(2, 2), **kwargs):
            super().__init__(**kwargs)
            self.channels = channels
            self.scale = scale

        def build(self, *_):
            self.dense = ns.layers.Dense(self.channels, use_bias=False)

        def call(self, x):
            return self.dense(x) * self.scale[0]

    class NoName(ns.layers.Layer):
        def __init__(self, units):
            super().__init__()
            self.units = units

    return Block, NoName


def test_default_get_config_holds_the_constructor_arguments_like_keras():
    configs = []
    for ns in (keraton, keras):
        block, no_name = _classes(ns)
        configs.append((block(3, name="b").get_config(), no_name(4).get_config()))
    (ours_block, ours_no_name), (theirs_block, theirs_no_name) = configs
    for key in ("name", "channels", "scale", "trainable"):
        assert ours_block[key] == theirs_block[key]
    assert ours_block["scale"] == (2, 2)
    assert "name" not in ours_no_name and "name" not in theirs_no_name
    assert ours_no_name["units"] == theirs_no_name["units"] == 4


def test_layer_without_get_config_round_trips_through_load_model(tmp_path):
    block, _ = _classes(keraton)
    keraton.saving.get_custom_objects()["Block"] = block
    try:
        inputs = keraton.Input((5,))
        model = keraton.Model(inputs, block(3, scale=(3, 1))(inputs))
        x = np.random.RandomState(0).normal(size=(2, 5)).astype("float32")
        model.save(tmp_path / "m.keras")
        restored = keraton.models.load_model(tmp_path / "m.keras")
    finally:
        keraton.saving.get_custom_objects().pop("Block")
    assert restored.layers[1].channels == 3 and list(restored.layers[1].scale) == [3, 1]
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_keraton_layers_keep_their_own_configs():
    assert "_auto_config" not in vars(keraton.layers.Dense(2))
    assert sorted(keraton.layers.Dense(2).get_config()) == sorted(keras.layers.Dense(2).get_config())
