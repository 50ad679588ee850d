"""MobileNet (v1) against Keras 3: architecture, predictions with copied weights, preprocessing."""

import numpy as np
import pytest
import torch
from app_checks import assert_same_architecture, assert_same_predictions

import keraton
from keraton.applications import mobilenet


@pytest.fixture
def build_mobilenet():
    keras = pytest.importorskip("keras")

    def build(**kwargs):
        keras.backend.clear_session()
        keraton.backend.clear_session()
        return keras.applications.MobileNet(weights=None, **kwargs), mobilenet.MobileNet(weights=None, **kwargs)

    return build


def _plain(value):
    return list(value) if isinstance(value, (list, tuple)) else value


def _layer_summary(model):
    return [(type(layer).__name__, layer.name) for layer in model.layers]


@pytest.mark.parametrize("kwargs", [
    {"include_top": True, "input_shape": (32, 32, 3), "classes": 10, "alpha": 0.5, "dropout": 0.2},
    {"include_top": False, "input_shape": (128, 128, 3), "pooling": "avg", "alpha": 0.75},
    {"include_top": False, "input_shape": (40, 48, 3), "pooling": "max", "depth_multiplier": 2,
     "alpha": 0.25},
    {"include_top": False, "input_shape": (32, 32, 3), "alpha": 1.0},
])
def test_mobilenet_matches_keras(build_mobilenet, kwargs):
    reference, ours = build_mobilenet(**kwargs)
    assert_same_architecture(reference, ours)
    assert _layer_summary(ours) == _layer_summary(reference)
    assert ours.name == reference.name
    for ref_layer, layer in zip(reference.layers[1:], ours.layers[1:]):
        expected = ref_layer.get_config()
        got = layer.get_config()
        for key in ("filters", "kernel_size", "strides", "padding", "use_bias", "depth_multiplier", "rate",
                    "epsilon", "momentum", "max_value", "target_shape", "keepdims", "activation"):
            if key in expected:
                assert _plain(got[key]) == _plain(expected[key]), (layer.name, key)


def test_mobilenet_predictions_match_keras_with_copied_weights(build_mobilenet):
    reference, ours = build_mobilenet(include_top=True, input_shape=(32, 32, 3), classes=6, alpha=0.25,
                                      classifier_activation=None)
    rng = np.random.default_rng(0)
    # Non-trivial BatchNormalization statistics, so inference mode really uses them.
    for layer in reference.layers:
        if type(layer).__name__ == "BatchNormalization":
            n = layer.get_weights()[0].shape
            layer.set_weights([rng.uniform(0.5, 1.5, n), rng.uniform(-0.5, 0.5, n),
                               rng.uniform(-0.5, 0.5, n), rng.uniform(0.5, 1.5, n)])
    images = rng.uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)
    expected = reference(images, training=False).detach().cpu().numpy()
    got = ours(torch.as_tensor(images), training=False).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_mobilenet_preprocess_input_is_tf_mode(data_format):
    images = np.array([[[[0.0, 127.5, 255.0]]]], dtype="float32")
    np.testing.assert_allclose(mobilenet.preprocess_input(images.copy(), data_format=data_format),
                               [[[[-1.0, 0.0, 1.0]]]])


def test_mobilenet_imagenet_argument_errors():
    with pytest.raises(ValueError, match="MobileNet.*alpha can be one of"):
        mobilenet.MobileNet(weights="imagenet", alpha=0.6)
    with pytest.raises(ValueError, match="MobileNet.*depth_multiplier must be 1"):
        mobilenet.MobileNet(weights="imagenet", depth_multiplier=2)
    with pytest.raises(ValueError, match="classes should be 1000"):
        mobilenet.MobileNet(weights="imagenet", classes=10)
