"""InceptionV3 against Keras 3 at its minimum input size (75x75)."""

import pytest
from app_checks import assert_same_architecture

from keraton.applications import inception_v3


def test_inception_v3_matches_keras(build_pair):
    reference, ours = build_pair("InceptionV3", include_top=False, input_shape=(75, 75, 3), pooling="avg")
    assert_same_architecture(reference, ours)


def test_inception_v3_minimum_size():
    with pytest.raises(ValueError, match="InceptionV3.*at least 75x75"):
        inception_v3.InceptionV3(weights=None, include_top=False, input_shape=(74, 74, 3))
