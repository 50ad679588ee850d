"""keras.backend.backend(): the backend's name."""

import pytest

import keraton


def test_backend_name_matches_keras_torch():
    keras = pytest.importorskip("keras")
    assert keraton.backend.backend() == keras.backend.backend() == "torch"
    assert keraton.config.backend() == "torch"
