"""load_img / img_to_array / array_to_img / save_img (both use Pillow) and smart_resize against Keras 3."""

import numpy as np
import pytest
import torch

import keraton
from keraton.utils.image_utils import array_to_img, img_to_array, load_img, save_img


@pytest.fixture
def image_file(tmp_path):
    from PIL import Image
    rng = np.random.default_rng(0)
    path = tmp_path / "img.png"
    Image.fromarray(rng.integers(0, 255, (12, 20, 3), dtype=np.uint8), "RGB").save(path)
    return str(path)


@pytest.mark.parametrize("kwargs", [
    {}, {"color_mode": "grayscale"}, {"color_mode": "rgba"},
    {"target_size": (6, 8)}, {"target_size": (6, 8), "interpolation": "bilinear"},
    {"target_size": (10, 10), "keep_aspect_ratio": True, "interpolation": "bicubic"},
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_load_img_matches_keras(image_file, kwargs, data_format):
    keras = pytest.importorskip("keras")
    ours = img_to_array(load_img(image_file, **kwargs), data_format=data_format)
    theirs = keras.utils.img_to_array(keras.utils.load_img(image_file, **kwargs), data_format=data_format)
    assert ours.dtype == theirs.dtype == np.float32
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("shape,scale", [((4, 5, 3), True), ((4, 5, 1), True), ((4, 5, 4), False),
                                         ((4, 5, 1), False)])
def test_array_to_img_matches_keras(shape, scale):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(1).uniform(0, 300 if not scale else 1, size=shape)
    ours, theirs = array_to_img(x, scale=scale), keras.utils.array_to_img(x, scale=scale)
    assert ours.mode == theirs.mode
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_save_and_load_round_trip(tmp_path):
    x = np.arange(24, dtype="float32").reshape(2, 4, 3) * 10
    save_img(str(tmp_path / "a.png"), x, scale=False)
    np.testing.assert_array_equal(img_to_array(load_img(str(tmp_path / "a.png"))), x)


@pytest.mark.parametrize("call,error,match", [
    (lambda p: load_img(p, color_mode="cmyk"), ValueError, "color_mode"),
    (lambda p: load_img(p, target_size=(3, 3), interpolation="magic"), ValueError, "interpolation"),
    (lambda p: load_img(3), TypeError, "path"),
    (lambda p: array_to_img(np.zeros((2, 2))), ValueError, "rank 3"),
    (lambda p: array_to_img(np.zeros((2, 2, 2))), ValueError, "channel"),
])
def test_bad_input(image_file, call, error, match):
    with pytest.raises(error, match=match):
        call(image_file)


def test_missing_pillow_names_the_package(monkeypatch, image_file):
    import sys
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        load_img(image_file)


@pytest.mark.parametrize("shape,size,data_format", [
    ((34, 50, 3), (20, 20), "channels_last"), ((2, 50, 34, 1), (10, 30), "channels_last"),
    ((3, 17, 40), (8, 5), "channels_first"), ((2, 3, 12, 12), (7, 9), "channels_first"),
    ((5, 9, 2), (40, 1), "channels_last")])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
def test_smart_resize_matches_keras(shape, size, data_format, interpolation):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).random(shape).astype("float32")
    expected = keras.preprocessing.image.smart_resize(x, size, interpolation=interpolation,
                                                      data_format=data_format)
    got = keraton.preprocessing.image.smart_resize(x, size, interpolation=interpolation,
                                                   data_format=data_format)
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    as_tensor = keraton.preprocessing.image.smart_resize(torch.as_tensor(x), size,
                                                         interpolation=interpolation, data_format=data_format)
    assert isinstance(as_tensor, torch.Tensor)


def test_smart_resize_crops_the_centre_before_resizing():
    x = np.arange(4 * 8, dtype="float32").reshape(4, 8, 1)
    # The 4x4 centre crop (columns 2..5) at its own size: nothing but the crop.
    np.testing.assert_array_equal(keraton.preprocessing.image.smart_resize(x, (4, 4)), x[:, 2:6])


@pytest.mark.parametrize("args,error", [(((4, 4, 4), (2, 2, 2)), "tuple of 2 integers"),
                                        (((4, 4), (2, 2)), "incorrect rank")])
def test_smart_resize_rejects_bad_input(args, error):
    shape, size = args
    with pytest.raises(ValueError, match=error):
        keraton.preprocessing.image.smart_resize(np.zeros(shape), size)
