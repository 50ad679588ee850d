"""VGG19 against Keras 3: architecture, predictions with copied weights, preprocessing."""

import numpy as np
import pytest
from app_checks import assert_same_architecture, assert_same_predictions

from keraton.applications import vgg19


def build_both(**kwargs):
    keras = pytest.importorskip("keras")
    import keraton.backend

    keras.backend.clear_session()
    keraton.backend.clear_session()
    return keras.applications.VGG19(weights=None, **kwargs), vgg19.VGG19(weights=None, **kwargs)


@pytest.mark.parametrize("kwargs", [
    {"include_top": True, "input_shape": (32, 32, 3), "classes": 7},
    {"include_top": False, "input_shape": (48, 40, 3), "pooling": "max"},
    {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"},
])
def test_vgg19_matches_keras(kwargs):
    reference, ours = build_both(**kwargs)
    assert_same_architecture(reference, ours)
    assert [type(layer).__name__ for layer in ours.layers] == [type(layer).__name__ for layer in reference.layers]
    assert ours.name == reference.name == "vgg19"


def test_vgg19_predictions_match_keras_with_copied_weights():
    reference, ours = build_both(include_top=True, input_shape=(32, 32, 3), classes=5)
    images = np.random.default_rng(0).uniform(0, 1, (2, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)


def test_vgg19_headless_predictions_match_keras():
    reference, ours = build_both(include_top=False, input_shape=(32, 32, 3), pooling="avg")
    images = np.random.default_rng(2).uniform(0, 1, (2, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)


def test_vgg19_preprocess_and_decode_are_vgg16s():
    keras = pytest.importorskip("keras")
    images = np.random.default_rng(1).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    expected = keras.applications.vgg19.preprocess_input(images.copy())
    np.testing.assert_allclose(vgg19.preprocess_input(images.copy()), expected, rtol=1e-6)
    assert vgg19.preprocess_input(np.full((1, 1, 1, 3), 100.0))[0, 0, 0, 0] == pytest.approx(100.0 - 103.939)


def test_vgg19_rejects_bad_arguments():
    with pytest.raises(ValueError, match="VGG19.*at least 32x32"):
        vgg19.VGG19(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="VGG19.*classes should be 1000"):
        vgg19.VGG19(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="VGG19.*weights argument"):
        vgg19.VGG19(weights="/no/such/file.h5")


def test_vgg19_weights_facts_are_keras():
    keras_vgg19 = pytest.importorskip("keras.src.applications.vgg19")
    assert vgg19.WEIGHTS_PATH == keras_vgg19.WEIGHTS_PATH
    assert vgg19.WEIGHTS_PATH_NO_TOP == keras_vgg19.WEIGHTS_PATH_NO_TOP
