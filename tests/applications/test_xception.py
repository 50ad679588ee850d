"""Xception against Keras 3 at its minimum input size (71x71)."""

import pytest
from app_checks import assert_same_architecture

from keraton.applications import xception


def test_xception_matches_keras(build_pair):
    reference, ours = build_pair("Xception", include_top=True, input_shape=(71, 71, 3), classes=10)
    assert_same_architecture(reference, ours)


def test_xception_requires_static_shape_with_top():
    with pytest.raises(ValueError, match="Xception.*static input_shape"):
        xception.Xception(weights=None, include_top=True, input_shape=(None, None, 3))
