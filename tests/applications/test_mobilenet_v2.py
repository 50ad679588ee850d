"""MobileNetV2 against Keras 3: architecture, predictions in both modes, preprocessing, naming."""

import numpy as np
import pytest
import torch
from app_checks import assert_same_architecture, assert_same_predictions

from keraton.applications import mobilenet_v2


@pytest.mark.parametrize("kwargs", [
    {"include_top": True, "input_shape": (32, 32, 3), "classes": 10, "alpha": 0.5},
    {"include_top": False, "input_shape": (96, 96, 3), "pooling": "avg", "alpha": 1.4},
])
def test_mobilenet_v2_matches_keras(build_pair, kwargs):
    reference, ours = build_pair("MobileNetV2", **kwargs)
    assert_same_architecture(reference, ours)
    assert ours.name == reference.name


def test_mobilenet_v2_predictions_match_keras_with_copied_weights(build_pair):
    reference, ours = build_pair("MobileNetV2", include_top=True, input_shape=(32, 32, 3), classes=6, alpha=0.35)
    rng = np.random.default_rng(0)
    # Non-trivial BatchNormalization statistics, so inference mode really uses them.
    weights = [w + rng.uniform(0.1, 0.5, w.shape).astype("float32") for w in reference.get_weights()]
    reference.set_weights(weights)
    images = rng.uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)
    expected = reference(images, training=True).detach().cpu().numpy()
    got = ours(torch.as_tensor(images), training=True).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_mobilenet_v2_preprocess_input_is_tf_mode(data_format):
    images = np.array([[[[0.0, 127.5, 255.0]]]], dtype="float32")
    np.testing.assert_allclose(mobilenet_v2.preprocess_input(images.copy(), data_format=data_format),
                               [[[[-1.0, 0.0, 1.0]]]])
    out = mobilenet_v2.preprocess_input(torch.tensor(images))
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), [[[[-1.0, 0.0, 1.0]]]])


def test_mobilenet_v2_imagenet_alpha_must_be_published():
    with pytest.raises(ValueError, match="MobileNetV2.*alpha must be one of"):
        mobilenet_v2.MobileNetV2(weights="imagenet", alpha=0.6)
