"""NASNet against Keras 3: cells on a small NASNet-A, the Mobile/Large settings, weights files."""

import inspect

import numpy as np
import pytest
from app_checks import assert_same_architecture, assert_same_predictions

from keraton.applications import nasnet

keras = pytest.importorskip("keras")
from keras.src.applications import nasnet as keras_nasnet  # noqa: E402


@pytest.mark.parametrize("skip_reduction", [False, True])
def test_small_nasnet_predicts_the_same_as_keras(skip_reduction):
    import keraton.backend

    # Every cell type (stem reductions, normal cells, both adjust paths) at a fraction of Mobile's size.
    kwargs = {"input_shape": (32, 32, 3), "penultimate_filters": 192, "num_blocks": 1, "stem_block_filters": 8,
              "skip_reduction": skip_reduction, "weights": None, "classes": 3, "default_size": 224}
    keras.backend.clear_session()
    keraton.backend.clear_session()
    reference = keras_nasnet.NASNet(**kwargs)
    ours = nasnet.NASNet(**kwargs)
    assert_same_architecture(reference, ours)
    assert [type(layer).__name__ for layer in ours.layers] == [type(layer).__name__ for layer in reference.layers]
    assert [w.path for w in ours.weights] == [w.path for w in reference.weights]
    images = np.random.default_rng(7).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)


@pytest.mark.parametrize("variant", ["NASNetMobile", "NASNetLarge"])
@pytest.mark.parametrize("include_top", [True, False])
def test_variant_settings_signature_and_weights_files_match_keras(variant, include_top, monkeypatch):
    theirs, ours = getattr(keras_nasnet, variant), getattr(nasnet, variant)
    assert str(inspect.signature(ours)) == str(inspect.signature(theirs))
    calls = []
    record = lambda *args, **kwargs: calls.append((args, kwargs))  # noqa: E731
    # Keras 3.15 refuses NASNetMobile on torch before reaching the builder; only its arguments are compared.
    monkeypatch.setattr(keras_nasnet.backend, "backend", lambda: "tensorflow")
    monkeypatch.setattr(keras_nasnet, "NASNet", record)
    monkeypatch.setattr(nasnet, "NASNet", record)
    theirs(include_top=include_top)
    ours(include_top=include_top)
    assert calls[0] == calls[1]
    monkeypatch.undo()

    import keraton.utils.file_utils

    class Requested(Exception):
        pass

    requests = []

    def get_file(fname, origin, **kwargs):
        requests.append((fname, origin, kwargs))
        raise Requested

    monkeypatch.setattr(keraton.utils.file_utils, "get_file", get_file)
    args, kwargs = calls[1]
    kwargs = {**kwargs, "weights": "imagenet", "input_shape": None if include_top else (32, 32, 3),
              "num_blocks": 1, "penultimate_filters": 96, "stem_block_filters": 8}
    with pytest.raises(Requested):
        nasnet.NASNet(**kwargs)  # the real settings decide the file; a tiny net keeps the build cheap
    source = inspect.getsource(keras_nasnet.NASNet)
    file_name, url, file_hash = requests[0][0], requests[0][1], requests[0][2]["file_hash"]
    assert f'"{file_name}"' in source and f'file_hash="{file_hash}"' in source
    assert url == getattr(keras_nasnet, {("NASNetMobile", True): "NASNET_MOBILE_WEIGHT_PATH",
                                         ("NASNetMobile", False): "NASNET_MOBILE_WEIGHT_PATH_NO_TOP",
                                         ("NASNetLarge", True): "NASNET_LARGE_WEIGHT_PATH",
                                         ("NASNetLarge", False): "NASNET_LARGE_WEIGHT_PATH_NO_TOP"}[
        variant, include_top])


def test_nasnet_preprocess_input_matches_keras_and_bad_filters_raise():
    images = np.random.default_rng(8).uniform(0, 255, (1, 2, 2, 3)).astype("float32")
    np.testing.assert_allclose(nasnet.preprocess_input(images.copy()),
                               keras_nasnet.preprocess_input(images.copy()), rtol=1e-6)
    with pytest.raises(ValueError, match="multiple of 24"):
        nasnet.NASNet(input_shape=(32, 32, 3), penultimate_filters=100, weights=None)
