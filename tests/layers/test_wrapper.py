"""``keraton.layers.Wrapper``: a user wrapper written the Keras 3 way, against real Keras."""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")

SOURCE = '''
class DoubleOutput(keras.layers.Wrapper):
    def call(self, x):
        return self.layer(x) * 2.0
'''


def _wrapper_class(lib):
    namespace = {"keras": lib}
    exec(SOURCE, namespace)
    return namespace["DoubleOutput"]


def test_wrapper_builds_tracks_weights_and_computes_like_keras():
    theirs = _wrapper_class(keras)(keras.layers.Dense(3, name="inner"), name="double")
    ours = _wrapper_class(keraton)(keraton.layers.Dense(3, name="inner"), name="double")
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    theirs(x)
    ours.build((None, 5))
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights] == [
        "double/inner/kernel", "double/inner/bias"]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(ours(x).detach().numpy(), np.asarray(theirs(x).detach()),
                               rtol=1e-6)


def test_wrapper_config_round_trip_matches_keras_layout():
    cls = _wrapper_class(keraton)
    layer = cls(keraton.layers.Dense(3, activation="relu"), name="double")
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense"
    assert config["layer"]["config"]["activation"] == "relu"
    clone = cls.from_config(config)
    assert isinstance(clone.layer, keraton.layers.Dense) and clone.layer.units == 3
    reference = _wrapper_class(keras)(keras.layers.Dense(3), name="double").get_config()
    assert set(config) == set(reference)


def test_wrapper_refuses_what_is_not_a_layer():
    with pytest.raises(ValueError, match="Received: layer=3"):
        keraton.layers.Wrapper(3)
