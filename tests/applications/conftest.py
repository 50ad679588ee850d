"""Helpers for the application tests: build the same application in Keras 3 and keraton."""

import pytest


@pytest.fixture
def build_pair():
    """Return ``build(name, **kwargs) -> (keras_model, keraton_model)`` with matching auto-names."""
    keras = pytest.importorskip("keras")
    import keraton.applications
    import keraton.backend

    def build(name, **kwargs):
        keras.backend.clear_session()
        keraton.backend.clear_session()
        reference = getattr(keras.applications, name)(weights=None, **kwargs)
        ours = getattr(keraton.applications, name)(weights=None, **kwargs)
        return reference, ours

    return build
