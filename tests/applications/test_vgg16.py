"""VGG16 against Keras 3: architecture, predictions with copied weights, preprocessing."""

import numpy as np
import pytest
from app_checks import assert_same_architecture, assert_same_predictions

from keraton.applications import vgg16


@pytest.mark.parametrize("kwargs", [
    {"include_top": True, "input_shape": (32, 32, 3), "classes": 7},
    {"include_top": False, "input_shape": (48, 40, 3), "pooling": "max"},
])
def test_vgg16_matches_keras(build_pair, kwargs):
    reference, ours = build_pair("VGG16", **kwargs)
    assert_same_architecture(reference, ours)


def test_vgg16_predictions_match_keras_with_copied_weights(build_pair):
    reference, ours = build_pair("VGG16", include_top=True, input_shape=(32, 32, 3), classes=5)
    images = np.random.default_rng(0).uniform(0, 1, (2, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)


def test_vgg16_preprocess_input_is_caffe_mode():
    keras = pytest.importorskip("keras")
    images = np.random.default_rng(1).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    expected = keras.applications.vgg16.preprocess_input(images.copy())
    np.testing.assert_allclose(vgg16.preprocess_input(images.copy()), expected, rtol=1e-6)
    assert vgg16.preprocess_input(np.full((1, 1, 1, 3), 100.0))[0, 0, 0, 0] == pytest.approx(100.0 - 103.939)


def test_vgg16_rejects_bad_arguments():
    with pytest.raises(ValueError, match="VGG16.*at least 32x32"):
        vgg16.VGG16(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="VGG16.*classes should be 1000"):
        vgg16.VGG16(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="VGG16.*weights argument"):
        vgg16.VGG16(weights="/no/such/file.h5")


def test_vgg16_on_an_input_tensor_keeps_the_upstream_layers():
    import keraton

    images = keraton.Input((32, 32, 3), name="images")
    scaled = keraton.layers.Rescaling(2.0, name="scale")(images)
    model = vgg16.VGG16(weights=None, include_top=False, input_tensor=scaled, pooling="avg")
    assert model.inputs[0] is images
    assert [layer.name for layer in model.layers[:3]] == ["images", "scale", "block1_conv1"]
    assert tuple(model.outputs[0].shape) == (None, 512)
    x = np.ones((1, 32, 32, 3), dtype="float32")
    assert model.predict(x, verbose=0).shape == (1, 512)
