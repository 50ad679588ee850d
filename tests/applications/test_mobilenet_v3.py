"""MobileNetV3Small/Large against Keras 3: architecture, predictions with copied weights."""

import numpy as np
import pytest
from app_checks import assert_same_architecture, assert_same_predictions

import keraton
from keraton.applications import mobilenet_v3


@pytest.fixture
def build_v3():
    keras = pytest.importorskip("keras")

    def build(model_name, **kwargs):
        keras.backend.clear_session()
        keraton.backend.clear_session()
        reference = getattr(keras.applications, model_name)(weights=None, **kwargs)
        return reference, getattr(mobilenet_v3, model_name)(weights=None, **kwargs)

    return build


def _plain(value):
    return list(value) if isinstance(value, (list, tuple)) else value


def _layer_summary(model):
    return [(type(layer).__name__, layer.name) for layer in model.layers]


@pytest.mark.parametrize("name,kwargs", [
    ("MobileNetV3Small", {"input_shape": (32, 32, 3), "classes": 10}),
    ("MobileNetV3Small", {"include_top": False, "input_shape": (64, 64, 3), "minimalistic": True,
                          "pooling": "max", "include_preprocessing": False}),
    ("MobileNetV3Large", {"input_shape": (32, 32, 3), "classes": 7, "alpha": 0.75, "dropout_rate": 0.0}),
    ("MobileNetV3Large", {"include_top": False, "pooling": "avg", "alpha": 1.25}),
    ("MobileNetV3Large", {"include_top": True, "input_shape": (32, 32, 3), "minimalistic": True,
                          "name": "custom"}),
])
def test_mobilenet_v3_matches_keras(build_v3, name, kwargs):
    reference, ours = build_v3(name, **kwargs)
    assert_same_architecture(reference, ours)
    assert _layer_summary(ours) == _layer_summary(reference)
    assert ours.name == reference.name
    for ref_layer, layer in zip(reference.layers[1:], ours.layers[1:]):
        expected = ref_layer.get_config()
        got = layer.get_config()
        for key in ("filters", "kernel_size", "strides", "padding", "use_bias", "rate", "epsilon",
                    "momentum", "max_value", "scale", "offset", "keepdims", "activation"):
            if key in expected:
                assert _plain(got[key]) == _plain(expected[key]), (layer.name, key)


@pytest.mark.parametrize("name,kwargs", [
    ("MobileNetV3Small", {}),
    ("MobileNetV3Large", {"minimalistic": True, "alpha": 0.5}),
])
def test_mobilenet_v3_predictions_match_keras_with_copied_weights(build_v3, name, kwargs):
    reference, ours = build_v3(name, input_shape=(32, 32, 3), classes=6, classifier_activation=None, **kwargs)
    rng = np.random.default_rng(0)
    # Non-trivial BatchNormalization statistics, so inference mode really uses them.
    for layer in reference.layers:
        if type(layer).__name__ == "BatchNormalization":
            n = layer.get_weights()[0].shape
            layer.set_weights([rng.uniform(0.5, 1.5, n), rng.uniform(-0.5, 0.5, n),
                               rng.uniform(-0.5, 0.5, n), rng.uniform(0.5, 1.5, n)])
    images = rng.uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)


def test_mobilenet_v3_preprocess_input_is_identity():
    images = np.arange(6.0).reshape(1, 1, 2, 3)
    assert mobilenet_v3.preprocess_input(images) is images


def test_mobilenet_v3_imagenet_and_shape_errors():
    with pytest.raises(ValueError, match="alpha can be one of"):
        mobilenet_v3.MobileNetV3Small(weights="imagenet", alpha=0.5)
    with pytest.raises(ValueError, match="alpha can be one of"):
        mobilenet_v3.MobileNetV3Large(weights="imagenet", alpha=0.75, minimalistic=True)
    with pytest.raises(ValueError, match="at least 32x32"):
        mobilenet_v3.MobileNetV3Small(weights=None, input_shape=(16, 16, 3))
