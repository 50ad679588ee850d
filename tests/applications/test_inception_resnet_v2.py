"""InceptionResNetV2 against Keras 3: architecture, predictions, preprocessing and weights file."""

import inspect

import numpy as np
import pytest
from app_checks import assert_same_architecture, assert_same_predictions

from keraton.applications import inception_resnet_v2

keras = pytest.importorskip("keras")
from keras.src.applications import inception_resnet_v2 as keras_inception_resnet_v2  # noqa: E402


def test_inception_resnet_v2_predicts_the_same_as_keras():
    import keraton.backend

    keras.backend.clear_session()
    keraton.backend.clear_session()
    reference = keras.applications.InceptionResNetV2(weights=None, include_top=True, input_shape=(75, 75, 3),
                                                     classes=4)
    ours = inception_resnet_v2.InceptionResNetV2(weights=None, include_top=True, input_shape=(75, 75, 3),
                                                 classes=4)
    assert_same_architecture(reference, ours)
    assert [type(layer).__name__ for layer in ours.layers] == [type(layer).__name__ for layer in reference.layers]
    images = np.random.default_rng(5).uniform(-1, 1, (1, 75, 75, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)
    scale = [layer for layer in ours.layers if type(layer).__name__ == "CustomScaleLayer"][0]
    expected = [layer for layer in reference.layers if type(layer).__name__ == "CustomScaleLayer"][0]
    assert scale.get_config() == expected.get_config()


def test_inception_resnet_v2_signature_and_weights_file(monkeypatch):
    assert (str(inspect.signature(inception_resnet_v2.InceptionResNetV2))
            == str(inspect.signature(keras.applications.InceptionResNetV2)))
    import keraton.utils.file_utils

    class Requested(Exception):
        pass

    calls = []

    def get_file(fname, origin, **kwargs):
        calls.append((fname, origin, kwargs))
        raise Requested

    monkeypatch.setattr(keraton.utils.file_utils, "get_file", get_file)
    with pytest.raises(Requested):
        inception_resnet_v2.InceptionResNetV2(include_top=False, input_shape=(75, 75, 3))
    file_name = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"
    assert calls == [(file_name, keras_inception_resnet_v2.BASE_WEIGHT_URL + file_name,
                      {"cache_subdir": "models", "file_hash": "d19885ff4a710c122648d3b5c3b684e4"})]


def test_inception_resnet_v2_preprocess_input_matches_keras():
    images = np.random.default_rng(6).uniform(0, 255, (2, 3, 3, 3)).astype("float32")
    expected = keras_inception_resnet_v2.preprocess_input(images.copy())
    np.testing.assert_allclose(inception_resnet_v2.preprocess_input(images.copy()), expected, rtol=1e-6)


def test_inception_resnet_block_rejects_unknown_type():
    with pytest.raises(ValueError, match="block35"):
        inception_resnet_v2.inception_resnet_block(None, 0.1, "block99", 1)
