"""EfficientNetB0 against Keras 3: architecture and predictions with copied weights."""

import numpy as np
from app_checks import assert_same_architecture, assert_same_predictions

from keraton.applications import efficientnet


def test_efficientnet_b0_matches_keras_and_predicts_the_same(build_pair):
    reference, ours = build_pair("EfficientNetB0", include_top=True, input_shape=(32, 32, 3), classes=5)
    assert_same_architecture(reference, ours)
    images = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)


def test_efficientnet_preprocess_input_is_identity():
    images = np.arange(6.0).reshape(1, 1, 2, 3)
    assert efficientnet.preprocess_input(images) is images
