"""Layers may be named like model attributes ("inputs", "weights", "layers"), as in Keras 3.

keras.io's training guide builds ``keras.Input(shape=(3,), name="inputs")``; torch's
``add_module`` refused that name because ``Model.inputs`` exists.
"""

import numpy as np

import keraton


def _model():
    inputs = keraton.Input(shape=(3,), name="inputs")
    targets = keraton.Input(shape=(2,), name="weights")
    x = keraton.layers.concatenate([inputs, targets])
    outputs = keraton.layers.Dense(2, name="layers")(x)
    return keraton.Model([inputs, targets], outputs)


def test_functional_accepts_names_of_model_attributes(tmp_path):
    model = _model()
    assert [layer.name for layer in model.layers] == ["inputs", "weights", "concatenate", "layers"]
    assert [t.name for t in model.inputs] == ["inputs", "weights"]
    assert len(model.weights) == 2 and model.get_layer("layers").units == 2
    data = [np.ones((1, 3), "float32"), np.ones((1, 2), "float32")]
    expected = model.predict(data, verbose=0)
    model.save(tmp_path / "m.keras")
    reloaded = keraton.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(reloaded.predict(data, verbose=0), expected)
    assert [layer.name for layer in reloaded.layers] == ["inputs", "weights", "concatenate", "layers"]


def test_sequential_add_and_pop_layers_named_like_attributes():
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(2, name="outputs"),
                                keraton.layers.Dense(4, name="trainable")])
    assert [layer.name for layer in model.layers] == ["outputs", "trainable"]
    assert model.trainable is True
    model.pop()
    assert [layer.name for layer in model.layers] == ["outputs"]
    assert model.output.shape == (None, 2)
    assert len(list(model.parameters())) == 2
