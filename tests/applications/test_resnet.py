"""ResNet50 against Keras 3: architecture and predictions with copied weights."""

import numpy as np
import pytest
from app_checks import assert_same_architecture, assert_same_predictions

from keraton.applications import resnet


def test_resnet50_matches_keras_and_predicts_the_same(build_pair):
    reference, ours = build_pair("ResNet50", include_top=True, input_shape=(32, 32, 3), classes=4)
    assert_same_architecture(reference, ours)
    images = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)


@pytest.mark.parametrize("pooling, shape", [(None, (None, 2, 2, 2048)), ("avg", (None, 2048)), ("max", (None, 2048))])
def test_resnet50_pooling_shapes(pooling, shape):
    model = resnet.ResNet50(weights=None, include_top=False, input_shape=(64, 64, 3), pooling=pooling)
    assert tuple(model.outputs[0].shape) == shape
    assert model.layers[-1].name == {"avg": "avg_pool", "max": "max_pool"}.get(pooling, "conv5_block3_out")
