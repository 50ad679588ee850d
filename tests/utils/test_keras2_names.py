"""Keras 2 module paths are aliases of keraton's real objects, and each warns once."""

import importlib
import sys
import warnings

import pytest

import keraton
from keraton import layers
from keraton.utils import keras2_names


@pytest.fixture(autouse=True)
def _forget_warnings():
    keras2_names._WARNED.clear()
    yield
    keras2_names._WARNED.clear()


def _fresh_import(module_name):
    for name in [m for m in sys.modules if m == module_name or m.startswith(module_name + ".")]:
        sys.modules.pop(name)
    return importlib.import_module(module_name)


@pytest.mark.parametrize("module_name, names", [
    ("keraton.layers.core", ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute",
                             "RepeatVector", "ActivityRegularization", "Masking", "Lambda",
                             "Embedding", "SpatialDropout1D"]),
    ("keraton.layers.convolutional", ["Conv2D", "UpSampling2D", "ZeroPadding2D", "Cropping2D",
                                      "MaxPooling2D", "AveragePooling1D", "UpSampling3D"]),
    ("keraton.layers.recurrent", ["LSTM", "GRU", "SimpleRNN", "RNN", "LSTMCell", "StackedRNNCells",
                                  "Recurrent"]),
    ("keraton.layers.convolutional_recurrent", ["ConvLSTM2D", "ConvRecurrent2D"]),
    # (keraton.layers.merge may be the Keras 2 module, callable as the function: not compared)
    ("keraton.legacy.layers", ["Merge", "MaxoutDense", "Highway", "AtrousConvolution1D",
                               "AtrousConvolution2D", "Recurrent", "ConvRecurrent2D"]),
    ("keraton.layers.embeddings", ["Embedding"]),
    ("keraton.layers.merge", ["Add", "Concatenate", "Dot", "add", "concatenate", "multiply"]),
    ("keraton.layers.wrappers", ["Bidirectional", "TimeDistributed", "Wrapper"]),
    ("keraton.layers.pooling", ["MaxPooling2D", "GlobalAveragePooling1D"]),
    ("keraton.layers.normalization", ["BatchNormalization"]),
    ("keraton.layers.advanced_activations", ["LeakyReLU", "PReLU", "ELU", "ReLU", "Softmax"]),
    ("keraton.layers.noise", ["GaussianNoise", "GaussianDropout", "AlphaDropout"]),
])
def test_layer_module_paths_alias_the_real_layers(module_name, names):
    module = importlib.import_module(module_name)
    for name in names:
        assert getattr(module, name) is getattr(layers, name), name


@pytest.mark.parametrize("module_name, name, target", [
    ("keraton.utils.np_utils", "to_categorical", "keraton.utils"),
    ("keraton.utils.np_utils", "normalize", "keraton.utils"),
    ("keraton.utils.data_utils", "get_file", "keraton.utils"),
    ("keraton.utils.data_utils", "Sequence", "keraton.utils"),
    ("keraton.utils.data_utils", "pad_sequences", "keraton.utils"),
    ("keraton.engine", "Layer", "keraton.layers"),
    ("keraton.engine", "InputSpec", "keraton.layers"),
    ("keraton.engine.topology", "Layer", "keraton.layers"),
    ("keraton.engine.topology", "Input", "keraton.layers"),
    ("keraton.engine.base_layer", "InputSpec", "keraton.layers"),
    ("keraton.engine.input_layer", "InputLayer", "keraton.layers"),
    ("keraton.engine.input_spec", "InputSpec", "keraton.layers"),
    ("keraton.engine.training", "Model", "keraton.models"),
    ("keraton.engine.sequential", "Sequential", "keraton.models"),
    ("keraton.engine.functional", "Functional", "keraton.models"),
    ("keraton.utils.vis_utils", "plot_model", "keraton.utils"),
    ("keraton.utils.generic_utils", "get_custom_objects", "keraton.saving"),
    ("keraton.utils.generic_utils", "CustomObjectScope", "keraton.saving"),
    ("keraton.utils.generic_utils", "serialize_keras_object", "keraton.saving"),
    ("keraton.utils.generic_utils", "Progbar", "keraton.utils"),
    ("keraton.utils.layer_utils", "print_summary", "keraton.utils"),
    ("keraton.utils.layer_utils", "convert_all_kernels_in_model", "keraton.utils"),
    ("keraton.utils.io_utils", "HDF5Matrix", "keraton.utils"),
    ("keraton.utils", "custom_object_scope", "keraton.saving"),  # keras.utils re-exports these
    ("keraton.utils", "register_keras_serializable", "keraton.saving"),
    ("keraton.utils", "deserialize_keras_object", "keraton.saving"),
])
def test_other_module_paths_alias_the_real_objects(module_name, name, target):
    assert getattr(importlib.import_module(module_name), name) is getattr(
        importlib.import_module(target), name)


def test_keras2_names_of_renamed_objects():
    """Keras 2.x spelled these differently; each is keraton's own object."""
    from keraton.applications import mobilenet
    from keraton.engine import network, saving, topology
    from keraton.layers.merge import _Merge
    from keraton.layers.merging.base_merge import Merge

    assert topology.Container is topology.Network is network.Network is keraton.models.Functional
    assert topology.get_source_inputs is network.get_source_inputs is keraton.utils.get_source_inputs
    assert saving.load_model is keraton.models.load_model
    assert saving.model_from_json is keraton.models.model_from_json
    assert _Merge is Merge  # Keras 2's base of custom merge layers (``_merge_function``)
    assert mobilenet.DepthwiseConv2D is layers.DepthwiseConv2D
    assert mobilenet.relu6 is keraton.activations.relu6
    constraints = keraton.constraints
    assert (constraints.maxnorm, constraints.nonneg, constraints.unitnorm) == (
        constraints.MaxNorm, constraints.NonNeg, constraints.UnitNorm)
    assert isinstance(constraints.get("maxnorm"), constraints.MaxNorm)
    with pytest.warns(UserWarning, match="keras.objectives"):
        objectives = _fresh_import("keraton.objectives")
    assert objectives.categorical_crossentropy is keraton.losses.categorical_crossentropy
    assert objectives.mse is keraton.losses.mse


@pytest.mark.parametrize("get", ["losses", "metrics"])
@pytest.mark.parametrize("name", ["cosine_proximity", "cosine"])
def test_cosine_proximity_is_keras2s_negative_cosine_similarity(get, name):
    import numpy as np
    import torch

    fn = getattr(keraton, get).get(name)
    y_true = torch.tensor([[1.0, 0.0], [3.0, 4.0]])
    y_pred = torch.tensor([[2.0, 0.0], [-4.0, 3.0]])
    # -(a . b) / (|a| |b|) per sample: parallel -> -1, orthogonal -> 0.
    np.testing.assert_allclose(fn(y_true, y_pred).numpy(), [-1.0, 0.0], atol=1e-6)


def test_np_utils_to_categorical_numbers():
    from keraton.utils.np_utils import to_categorical

    assert to_categorical([2, 0], 3).tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]


@pytest.mark.parametrize("module_name, warned", [
    ("keraton.layers.recurrent", "keras.layers.recurrent"),
    ("keraton.layers.embeddings", "keras.layers.embeddings"),
    ("keraton.layers.merge", "keras.layers.merge"),
    ("keraton.utils.np_utils", "keras.utils.np_utils"),
    ("keraton.utils.data_utils", "keras.utils.data_utils"),
    ("keraton.engine", "keras.engine"),
    ("keraton.layers.advanced_activations", "keras.layers.advanced_activations"),
    ("keraton.layers.noise", "keras.layers.noise"),
    ("keraton.layers.convolutional_recurrent", "keras.layers.convolutional_recurrent"),
    ("keraton.objectives", "keras.objectives"),
    ("keraton.utils.vis_utils", "keras.utils.vis_utils"),
    ("keraton.utils.generic_utils", "keras.utils.generic_utils"),
    ("keraton.utils.layer_utils", "keras.utils.layer_utils"),
])
def test_keras2_only_modules_warn_once_on_import(module_name, warned):
    with pytest.warns(UserWarning, match=f"`{warned}` is a Keras 2 name.*Keras 3"):
        _fresh_import(module_name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fresh_import(module_name)  # a second import in the same process is silent


def test_lazy_aliases_warn_once_per_name_with_the_keras3_spelling():
    import keraton.layers.convolutional as conv
    import keraton.layers.core as core

    with pytest.warns(UserWarning, match=r"keras\.layers\.core\.Dropout.*`keras\.layers\.Dropout`"):
        assert core.Dropout is layers.Dropout
    with pytest.warns(UserWarning, match=r"keras\.layers\.convolutional\.MaxPooling2D"):
        assert conv.MaxPooling2D is layers.MaxPooling2D
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert core.Dropout is layers.Dropout
        assert core.Dense is layers.Dense  # a Keras 3 name of this module: never warns


def test_unknown_names_raise_attribute_error():
    import keraton.layers.convolutional as conv
    import keraton.layers.core as core

    with pytest.raises(AttributeError, match="keraton.layers.core.*NoSuchLayer"):
        core.NoSuchLayer  # noqa: B018
    with pytest.raises(ImportError):
        from keraton.layers.convolutional import LSTM  # noqa: F401
    assert not hasattr(conv, "Dense")


def test_families_still_export_only_their_own_layers():
    # The Keras 2 aliases must not leak into keraton.layers' family exports.
    assert "Activation" not in keraton.layers.core.__all__
    assert "MaxPooling2D" not in keraton.layers.convolutional.__all__


def test_scikit_learn_path():
    # Keras 2's keras.wrappers.scikit_learn re-exports keraton.wrappers' classes (warning: tests/wrappers).
    module = importlib.import_module("keraton.wrappers.scikit_learn")
    wrappers = importlib.import_module("keraton.wrappers")
    assert module.KerasClassifier is wrappers.KerasClassifier
    assert module.KerasRegressor is wrappers.KerasRegressor


def test_layer_utils_count_params_counts_scalars():
    from keraton.utils.layer_utils import count_params

    model = keraton.Sequential([keraton.Input((3,)), layers.Dense(2), layers.Dense(4)])
    assert count_params(model.weights) == 3 * 2 + 2 + 2 * 4 + 4 == model.count_params()
    assert count_params(model.trainable_weights[:1]) == 6
