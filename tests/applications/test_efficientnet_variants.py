"""EfficientNetB1-B7 against Keras 3: coefficients, weights files, architecture and predictions."""

import numpy as np
import pytest
from app_checks import (
    assert_same_architecture,
    assert_same_predictions,
    build_pair,
    recorded_call,
)

from keraton.applications import efficientnet

keras = pytest.importorskip("keras")
from keras.src.applications import efficientnet as keras_efficientnet  # noqa: E402

VARIANTS = ["B0", "B1", "B2", "B3", "B4", "B5", "B6", "B7"]


def _build(variant, **kwargs):
    return build_pair(keras_efficientnet, efficientnet, f"EfficientNet{variant}", **kwargs)


def _recorded_call(module, monkeypatch, constructor):
    return recorded_call(module, "EfficientNet", monkeypatch, constructor)


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_coefficients_name_and_weights_match_keras(variant, monkeypatch):
    expected = _recorded_call(keras_efficientnet, monkeypatch, getattr(keras_efficientnet, f"EfficientNet{variant}"))
    got = _recorded_call(efficientnet, monkeypatch, getattr(efficientnet, f"EfficientNet{variant}"))
    assert got == expected
    assert efficientnet.WEIGHTS_HASHES[variant.lower()] == keras_efficientnet.WEIGHTS_HASHES[variant.lower()]


def test_imagenet_weights_file_url_and_hash_match_keras(monkeypatch):
    import keraton.utils.file_utils

    class Requested(Exception):
        pass

    calls = []

    def get_file(fname, origin, **kwargs):
        calls.append((fname, origin, kwargs))
        raise Requested

    monkeypatch.setattr(keraton.utils.file_utils, "get_file", get_file)
    with pytest.raises(Requested):
        efficientnet.EfficientNetB1(include_top=False, input_shape=(32, 32, 3))
    file_name = "efficientnetb1_notop.h5"
    expected = {"cache_subdir": "models", "file_hash": keras_efficientnet.WEIGHTS_HASHES["b1"][1]}
    assert calls == [(file_name, keras_efficientnet.BASE_WEIGHTS_PATH + file_name, expected)]


def test_efficientnet_b2_predicts_the_same_as_keras():
    # B2 scales both width (x1.1, rounded filters) and depth (x1.2, extra repeats).
    reference, ours = _build("B2", include_top=True, input_shape=(32, 32, 3), classes=5)
    assert_same_architecture(reference, ours)
    images = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)


@pytest.mark.parametrize("variant", VARIANTS)
def test_efficientnet_variant_signature_matches_keras(variant):
    import inspect

    constructor = getattr(efficientnet, f"EfficientNet{variant}")
    assert constructor.__name__ == f"EfficientNet{variant}"
    expected = inspect.signature(getattr(keras.applications, f"EfficientNet{variant}"))
    assert str(inspect.signature(constructor)) == str(expected)
