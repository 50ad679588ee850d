"""DenseNet121 against Keras 3: architecture and torch-mode preprocessing."""

import numpy as np
import pytest
from app_checks import assert_same_architecture

from keraton.applications import densenet


def test_densenet121_matches_keras(build_pair):
    reference, ours = build_pair("DenseNet121", include_top=True, input_shape=(32, 32, 3), classes=3)
    assert_same_architecture(reference, ours)


def test_densenet_preprocess_input_is_torch_mode():
    out = densenet.preprocess_input(np.full((1, 1, 1, 3), 255.0, dtype="float32"))
    expected = (1.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(out[0, 0, 0], expected, rtol=1e-6)


def test_densenet_rejects_channels_first():
    import keraton.backend

    keraton.backend.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="densenet121.*channels_first"):
            densenet.DenseNet121(weights=None)
    finally:
        keraton.backend.set_image_data_format("channels_last")
