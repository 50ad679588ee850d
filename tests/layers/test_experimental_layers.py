"""tf.keras 2's ``keras.layers.experimental`` namespace: the same names as tf.keras 2.15, keraton's classes.

The name lists and a tf.keras 2 model JSON come from
``tests/fixtures/make_tf2_experimental_layers_fixtures.py``.
"""

import importlib
import json
import os
import warnings

import numpy as np
import pytest
import torch

import keraton
import keraton as keras
from keraton.layers import experimental
from keraton.layers.experimental import preprocessing

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                       "tf2_experimental_layers.npz")


@pytest.fixture(scope="module")
def configs():
    return json.loads(str(np.load(FIXTURE)["configs"]))


@pytest.fixture(autouse=True)
def _quiet_keras2_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def test_names_are_tf_keras_2s(configs):
    assert sorted(experimental.__all__) == configs["experimental_names"]
    assert sorted(preprocessing.__all__) == configs["preprocessing_names"]
    for name in configs["experimental_names"]:
        assert hasattr(keras.layers.experimental, name)
    assert keras.layers.experimental.preprocessing is importlib.import_module(
        "keraton.layers.experimental.preprocessing")


@pytest.mark.parametrize("name", ["CategoryEncoding", "CenterCrop", "Discretization", "HashedCrossing", "Hashing",
                                  "IntegerLookup", "Normalization", "RandomContrast", "RandomCrop", "RandomFlip",
                                  "RandomHeight", "RandomRotation", "RandomTranslation", "RandomWidth",
                                  "RandomZoom", "Rescaling", "Resizing", "StringLookup", "TextVectorization"])
def test_preprocessing_names_are_the_keraton_layers(name):
    assert getattr(keras.layers.experimental.preprocessing, name) is getattr(keraton.layers, name)


def test_experimental_layers_and_methods(configs):
    assert keras.layers.experimental.EinsumDense is keraton.layers.EinsumDense
    assert keras.layers.experimental.RandomFourierFeatures is keraton.layers.RandomFourierFeatures
    assert keras.layers.experimental.SyncBatchNormalization is keraton.layers.SyncBatchNormalization
    for method in configs["preprocessing_layer_methods"]:
        assert hasattr(preprocessing.PreprocessingLayer, method)


def test_tf2_style_program_runs_unchanged():
    normalizer = keras.layers.experimental.preprocessing.Normalization()
    normalizer.adapt(np.array([[0.0], [2.0]], dtype="float32"))
    model = keras.Sequential([
        keras.Input((4, 4, 1)),
        keras.layers.experimental.preprocessing.RandomFlip("horizontal", seed=1),
        keras.layers.experimental.preprocessing.Rescaling(1 / 255.0),
        keras.layers.Flatten(),
        keras.layers.experimental.RandomFourierFeatures(8, scale=2.0),
        keras.layers.experimental.EinsumDense("ab,bc->ac", output_shape=2),
    ])
    assert model.predict(np.zeros((2, 4, 4, 1), "float32"), verbose=0).shape == (2, 2)
    torch.testing.assert_close(normalizer(torch.tensor([[1.0]])), torch.tensor([[0.0]]))


def test_tf_keras_2_model_json_loads(configs):
    model = keras.models.model_from_json(configs["model_json"])
    assert [type(layer) for layer in model.layers] == [keras.layers.experimental.SyncBatchNormalization,
                                                       keras.layers.RandomHeight, keras.layers.RandomWidth]
    assert model.layers[1].factor == 0.1
    rebuilt = keras.models.model_from_json(model.to_json())
    assert [layer.get_config() for layer in rebuilt.layers] == [layer.get_config() for layer in model.layers]
