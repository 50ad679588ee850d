"""EfficientNetV2 against Keras 3: variant coefficients, weights files, architecture and predictions."""

import inspect

import numpy as np
import pytest
from app_checks import (
    assert_same_architecture,
    assert_same_predictions,
    build_pair,
    recorded_call,
)

from keraton.applications import efficientnet_v2

keras = pytest.importorskip("keras")
from keras.src.applications import efficientnet_v2 as keras_efficientnet_v2  # noqa: E402

VARIANTS = ["B0", "B1", "B2", "B3", "S", "M", "L"]


def _build(variant, **kwargs):
    return build_pair(keras_efficientnet_v2, efficientnet_v2, f"EfficientNetV2{variant}", **kwargs)


def _recorded_call(module, monkeypatch, constructor):
    return recorded_call(module, "EfficientNetV2", monkeypatch, constructor)


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_coefficients_signature_and_hashes_match_keras(variant, monkeypatch):
    theirs = getattr(keras_efficientnet_v2, f"EfficientNetV2{variant}")
    ours = getattr(efficientnet_v2, f"EfficientNetV2{variant}")
    assert ours.__name__ == f"EfficientNetV2{variant}"
    assert str(inspect.signature(ours)) == str(inspect.signature(theirs))
    expected = _recorded_call(keras_efficientnet_v2, monkeypatch, theirs)
    assert _recorded_call(efficientnet_v2, monkeypatch, ours) == expected
    weights_name = expected[1]["weights_name"]
    assert efficientnet_v2.WEIGHTS_HASHES[weights_name] == keras_efficientnet_v2.WEIGHTS_HASHES[weights_name]
    model_name = expected[1]["name"]
    assert (efficientnet_v2.DEFAULT_BLOCKS_ARGS[model_name]
            == keras_efficientnet_v2.DEFAULT_BLOCKS_ARGS[model_name])


def test_efficientnet_v2_b0_predicts_the_same_as_keras():
    reference, ours = _build("B0", include_top=True, input_shape=(32, 32, 3), classes=5)
    assert_same_architecture(reference, ours)
    images = np.random.default_rng(3).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)


def test_non_b_variants_rescale_to_minus_one_one_as_keras():
    # S's name picks the [-1, 1] rescaling; its first two (fused) stages keep the build cheap.
    import keraton.backend

    kwargs = {"width_coefficient": 1.0, "depth_coefficient": 1.0, "default_size": 384, "name": "efficientnetv2-s",
              "blocks_args": keras_efficientnet_v2.DEFAULT_BLOCKS_ARGS["efficientnetv2-s"][:2], "weights": None,
              "include_top": False, "input_shape": (32, 32, 3), "pooling": "max"}
    keras.backend.clear_session()
    keraton.backend.clear_session()
    reference = keras_efficientnet_v2.EfficientNetV2(**kwargs)
    ours = efficientnet_v2.EfficientNetV2(**kwargs)
    assert_same_architecture(reference, ours)
    assert type(ours.layers[1]).__name__ == "Rescaling" and type(ours.layers[2]).__name__ == "Conv2D"
    images = np.random.default_rng(4).uniform(0, 255, (1, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)


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
        efficientnet_v2.EfficientNetV2B0(include_top=False, input_shape=(32, 32, 3))
    file_name = "efficientnetv2-b0_notop.h5"
    expected = {"cache_subdir": "models", "file_hash": keras_efficientnet_v2.WEIGHTS_HASHES["b0"][1]}
    assert calls == [(file_name, keras_efficientnet_v2.BASE_WEIGHTS_PATH + file_name, expected)]


def test_efficientnet_v2_preprocess_input_is_identity():
    images = np.arange(6.0).reshape(1, 1, 2, 3)
    assert efficientnet_v2.preprocess_input(images) is images
