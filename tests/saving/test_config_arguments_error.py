"""A custom layer whose ``__init__`` takes no ``**kwargs`` cannot be rebuilt: Keras 3 raises TypeError.

keras.io examples (ESPCN's ``DepthToSpace``, ViT's ``Patches``) define such
layers; code written for Keras catches ``TypeError``. keraton's error is also
a ``ValueError`` (its error for configs it cannot rebuild).
"""

import pytest

import keraton
from keraton import layers
from keraton.saving.keras_config import ConfigArgumentsError


class DepthToSpace(layers.Layer):
    def __init__(self, block_size):
        super().__init__()
        self.block_size = block_size

    def call(self, x):
        return x


def test_load_model_raises_type_error_for_init_without_kwargs(tmp_path):
    inputs = keraton.Input((3,))
    model = keraton.Model(inputs, DepthToSpace(2)(inputs))
    path = tmp_path / "model.keras"
    model.save(path)
    with pytest.raises(TypeError, match="DepthToSpace.*unexpected keyword argument"):
        keraton.models.load_model(path, custom_objects={"DepthToSpace": DepthToSpace})
    with pytest.raises(ValueError, match="Cannot rebuild the model"):
        keraton.models.load_model(path, custom_objects={"DepthToSpace": DepthToSpace})


def test_keras3_raises_type_error_too(tmp_path):
    keras = pytest.importorskip("keras")

    class KerasDepthToSpace(keras.layers.Layer):
        def __init__(self, block_size):
            super().__init__()
            self.block_size = block_size

        def call(self, x):
            return x

    inputs = keras.Input((3,))
    model = keras.Model(inputs, KerasDepthToSpace(2)(inputs))
    model.save(tmp_path / "k.keras")
    with pytest.raises(TypeError):
        keras.models.load_model(tmp_path / "k.keras",
                                custom_objects={"KerasDepthToSpace": KerasDepthToSpace})


def test_error_class_is_both():
    assert issubclass(ConfigArgumentsError, TypeError)
    assert issubclass(ConfigArgumentsError, ValueError)
