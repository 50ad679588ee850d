"""imagenet_utils: decode_predictions, preprocess_input modes, and loading weights='imagenet'."""

import json

import numpy as np
import pytest
import torch

import keraton.utils.file_utils
from keraton.applications import imagenet_utils, mobilenet_v2


@pytest.fixture
def class_index(tmp_path, monkeypatch):
    """A 1000-class index file written by the test; get_file is redirected to it."""
    path = tmp_path / "imagenet_class_index.json"
    path.write_text(json.dumps({str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}))
    calls = []

    def fake_get_file(fname, origin, **kwargs):
        calls.append((fname, origin, kwargs))
        return str(path)

    monkeypatch.setattr(keraton.utils.file_utils, "get_file", fake_get_file)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    return calls


def test_decode_predictions_top_classes(class_index):
    preds = np.zeros((2, 1000), dtype="float32")
    preds[0, [3, 7, 500]] = [0.5, 0.3, 0.2]
    preds[1, 999] = 1.0
    decoded = imagenet_utils.decode_predictions(preds, top=3)
    assert [item[:2] for item in decoded[0]] == [("n00000003", "class_3"), ("n00000007", "class_7"),
                                                 ("n00000500", "class_500")]
    assert [float(item[2]) for item in decoded[0]] == pytest.approx([0.5, 0.3, 0.2])
    assert decoded[1][0] == ("n00000999", "class_999", pytest.approx(1.0))
    assert mobilenet_v2.decode_predictions(torch.tensor(preds), top=1)[0][0][1] == "class_3"
    fname, origin, kwargs = class_index[0]
    assert (fname, origin) == ("imagenet_class_index.json", imagenet_utils.CLASS_INDEX_PATH)
    assert kwargs == {"cache_subdir": "models", "file_hash": "c2c37ea517e94d9795004a39431a14cb"}
    assert len(class_index) == 1  # the index is read once, then cached


def test_decode_predictions_rejects_bad_shape():
    with pytest.raises(ValueError, match=r"\(samples, 1000\).*\(2, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_preprocess_input_matches_keras(mode, data_format):
    keras = pytest.importorskip("keras")
    shape = (2, 4, 5, 3) if data_format == "channels_last" else (2, 3, 4, 5)
    images = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
    expected = keras.applications.imagenet_utils.preprocess_input(images.copy(), data_format, mode)
    np.testing.assert_allclose(imagenet_utils.preprocess_input(images.copy(), data_format, mode), expected,
                               rtol=1e-5, atol=1e-5)
    got = imagenet_utils.preprocess_input(torch.tensor(images), data_format, mode)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(imagenet_utils.preprocess_input(images[0].copy(), data_format, mode),
                               expected[0], rtol=1e-5, atol=1e-5)


def test_preprocess_input_rejects_bad_mode():
    with pytest.raises(ValueError, match="mode.*'caffe', 'tf' or 'torch'.*'bgr'"):
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), mode="bgr")


def _write_keras_h5(tmp_path, name, **kwargs):
    """Keras's own legacy ``.h5`` weight file (the format of the published ImageNet weights)."""
    keras = pytest.importorskip("keras")
    h5py = pytest.importorskip("h5py")
    from keras.src.legacy.saving import legacy_h5_format

    keras.backend.clear_session()
    model = getattr(keras.applications, name)(weights=None, **kwargs)
    rng = np.random.default_rng(0)
    model.set_weights([w + rng.uniform(0.1, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    path = tmp_path / "published.h5"
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    return model, str(path)


def test_imagenet_weights_load_keras_published_file_through_get_file(tmp_path, monkeypatch):
    reference, path = _write_keras_h5(tmp_path, "MobileNetV2", alpha=0.35, include_top=False,
                                      input_shape=(96, 96, 3))
    calls = []

    def fake_get_file(fname, origin, **kwargs):
        calls.append((fname, origin, kwargs))
        return path

    monkeypatch.setattr(keraton.utils.file_utils, "get_file", fake_get_file)
    ours = mobilenet_v2.MobileNetV2(weights="imagenet", alpha=0.35, include_top=False, input_shape=(96, 96, 3))
    fname = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"
    assert calls == [(fname, mobilenet_v2.BASE_WEIGHT_PATH + fname, {"cache_subdir": "models", "file_hash": None})]
    for got, expected in zip(ours.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)
    images = np.random.default_rng(1).uniform(-1, 1, (1, 96, 96, 3)).astype("float32")
    np.testing.assert_allclose(ours.predict(images, verbose=0), reference.predict(images, verbose=0),
                               rtol=1e-4, atol=1e-4)


def test_weights_path_loads_a_legacy_h5_file_saved_by_keraton(tmp_path):
    source = mobilenet_v2.MobileNetV2(weights=None, alpha=0.35, include_top=True, classes=3, input_shape=(32, 32, 3))
    source.set_weights([w + 0.25 for w in source.get_weights()])
    path = tmp_path / "mine.h5"
    source.save_weights(str(path))
    loaded = mobilenet_v2.MobileNetV2(weights=str(path), alpha=0.35, include_top=True, classes=3,
                                      input_shape=(32, 32, 3))
    for got, expected in zip(loaded.get_weights(), source.get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)
