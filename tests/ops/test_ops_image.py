"""``keraton.ops.image`` against Keras 3's ``keras.ops.image`` on its torch backend."""

import inspect

import numpy as np
import pytest
import torch

import keraton
import keraton.ops.image as ki

keras = pytest.importorskip("keras")
KI = keras.ops.image

RNG = np.random.default_rng(0)
IMAGES = RNG.random((2, 9, 11, 3)).astype("float32")
IMAGES_CF = np.moveaxis(IMAGES, -1, 1).copy()
IMAGES_U8 = (IMAGES * 255).astype("uint8")
TRANSFORMS = np.array([[1.1, 0.2, -1.3, -0.1, 0.9, 0.7, 0, 0],
                       [0.8, -0.3, 2.2, 0.25, 1.2, -1.6, 0, 0]], "float32")
START = np.array([[0, 0], [10, 0], [0, 8], [10, 8]], "float32")
END = np.array([[1, 0.5], [9, 1], [0.5, 7], [10, 8]], "float32")


def dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def assert_same(ours, theirs, rtol=1e-6, atol=1e-6):
    """Same shape, same Keras dtype name, close values."""
    assert isinstance(ours, torch.Tensor)
    assert dtype_name(ours) == keras.backend.standardize_dtype(theirs.dtype)
    theirs = np.asarray(theirs.cpu()) if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert tuple(ours.shape) == theirs.shape
    np.testing.assert_allclose(ours.detach().numpy().astype("float64"),
                               theirs.astype("float64"), rtol=rtol, atol=atol)


def test_public_names_and_signatures():
    assert sorted(ki.__all__) == sorted(n for n in dir(KI) if not n.startswith("_"))
    for name in ki.__all__:
        assert inspect.signature(getattr(ki, name)) == inspect.signature(getattr(KI, name)), name


# (name, args, kwargs, rtol): the same call on both sides.
CASES = [
    *[("resize", (x, size), dict(interpolation=interp, antialias=aa), 1e-6)
      for x in (IMAGES, IMAGES[0], IMAGES_U8)
      for interp in ("nearest", "bilinear", "bicubic") for aa in (False, True)
      for size in ((4, 5), (15, 20))],
    ("resize", (IMAGES_CF, (4, 6)), dict(data_format="channels_first"), 1e-6),
    ("resize", (IMAGES, (4, 8)), dict(crop_to_aspect_ratio=True), 1e-6),
    ("resize", (IMAGES, (8, 4)), dict(pad_to_aspect_ratio=True, fill_value=2.0), 1e-6),
    ("resize", (IMAGES.astype("float64"), (5, 5)), {}, 1e-12),
    ("resize", (IMAGES.astype("int32") * 7, (5, 5)), {}, 0),
    ("resize", (IMAGES.astype("float16"), (5, 5)), {}, 1e-3),
    ("rgb_to_grayscale", (IMAGES,), {}, 1e-6),
    ("rgb_to_grayscale", (IMAGES_U8[0],), {}, 0),
    ("rgb_to_grayscale", (IMAGES_CF,), dict(data_format="channels_first"), 1e-6),
    ("rgb_to_grayscale", (IMAGES[..., :1],), {}, 0),
    ("rgb_to_hsv", (IMAGES,), {}, 1e-6),
    ("rgb_to_hsv", (IMAGES_CF.astype("float64"),), dict(data_format="channels_first"), 1e-12),
    ("hsv_to_rgb", (IMAGES,), {}, 1e-6),
    ("hsv_to_rgb", (IMAGES_CF[0],), dict(data_format="channels_first"), 1e-6),
    ("pad_images", (IMAGES, 1, 2, 3, 4), {}, 0),
    ("pad_images", (IMAGES_U8[0], 1, None, None, 4, 12, 20), {}, 0),
    ("pad_images", (IMAGES_CF, None, 2, 3, None, 14, 15), dict(data_format="channels_first"), 0),
    ("crop_images", (IMAGES, 1, 2, 3, 4), {}, 0),
    ("crop_images", (IMAGES_U8[0], 1, None, None, 4, 5, 6), {}, 0),
    ("crop_images", (IMAGES_CF, None, 2, 3, None, 4, 5), dict(data_format="channels_first"), 0),
    *[("extract_patches", (x,), dict(kw, data_format=fmt), 0)
      for x, fmt in ((IMAGES, "channels_last"), (IMAGES_CF, "channels_first"),
                     (IMAGES[0], "channels_last"))
      for kw in (dict(size=3), dict(size=(2, 3), strides=(1, 2)),
                 dict(size=3, strides=2, padding="same"),
                 dict(size=(2, 2), dilation_rate=2, strides=1),
                 dict(size=(3, 2), dilation_rate=(2, 1), strides=1, padding="same"))],
    # Keras's torch backend cannot dilate integer convolutions; keraton can (not compared).
    ("extract_patches", (IMAGES_U8.astype("int32"), 3), dict(strides=2, padding="same"), 0),
    *[("extract_patches_3d", (RNG.random((2, 6, 7, 8, 2)).astype("float32"),), kw, 0)
      for kw in (dict(size=2), dict(size=(2, 3, 2), strides=(1, 2, 3)),
                 dict(size=3, strides=2, padding="same"))],
    ("extract_patches", (RNG.random((6, 7, 8, 2)).astype("float32"), (2, 2, 2)), {}, 0),
    *[("affine_transform", (IMAGES, TRANSFORMS), dict(interpolation=interp, fill_mode=mode,
                                                      fill_value=0.5), 1e-6)
      for interp in ("nearest", "bilinear")
      for mode in ("constant", "nearest", "wrap", "mirror", "reflect")],
    ("affine_transform", (IMAGES_CF, TRANSFORMS), dict(data_format="channels_first"), 1e-6),
    ("affine_transform", (IMAGES[0], TRANSFORMS[0]), {}, 1e-6),
    ("affine_transform", (IMAGES.astype("float64"), TRANSFORMS.astype("float64")), {}, 1e-12),
    *[("map_coordinates", (RNG.random((7, 8)).astype("float32"),
                           (RNG.random((2, 4, 5)) * 12 - 2).astype("float32"), order),
       dict(fill_mode=mode, fill_value=0.3), 1e-6)
      for order in (0, 1) for mode in ("constant", "nearest", "wrap", "mirror", "reflect")],
    ("map_coordinates", ((RNG.random((5, 6, 3)) * 100).astype("int32"),
                         RNG.random((3, 10)).astype("float32") * 5, 1), {}, 0),
    ("map_coordinates", (RNG.random((5, 6)), [[0, 2, 4], [1, 5, 7]], 0), {}, 0),
    *[("perspective_transform", (x, START, END), dict(interpolation=interp, fill_value=0.2,
                                                      data_format=fmt), 1e-5)
      for interp in ("nearest", "bilinear")
      for x, fmt in ((IMAGES, "channels_last"), (IMAGES_CF, "channels_first"))],
    ("perspective_transform", (IMAGES[0], START[None], END[None]), {}, 1e-5),
    *[("gaussian_blur", (x,), dict(kernel_size=k, sigma=s, data_format=fmt), 1e-6)
      for x, fmt in ((IMAGES, "channels_last"), (IMAGES_CF, "channels_first"),
                     (IMAGES[0], "channels_last"))
      for k, s in (((3, 3), (1.0, 1.0)), ((5, 5), (1.5, 0.7)))],
    ("sobel_edges", (IMAGES,), {}, 1e-6),
    ("sobel_edges", (IMAGES_CF,), dict(data_format="channels_first"), 1e-6),
    ("sobel_edges", (IMAGES_U8.astype("int32"),), {}, 0),
    ("ssim", (RNG.random((2, 16, 17, 3)).astype("float32"),
              RNG.random((2, 16, 17, 3)).astype("float32")), {}, 1e-5),
    # (Keras's float64 SSIM is only float32-accurate; keraton's is exact, so compare float32.)
    ("ssim", (RNG.random((3, 14, 12)).astype("float32"),
              RNG.random((3, 14, 12)).astype("float32")),
     dict(filter_size=7, max_val=2.0, data_format="channels_first"), 1e-5),
    *[("scale_and_translate", (IMAGES, (2, 5, 20, 3), [0.5, 1.7], [0.3, -1.0], (1, 2), method),
       dict(antialias=aa), 1e-5)
      for method in ("linear", "bilinear", "cubic", "lanczos3", "lanczos5")
      for aa in (True, False)],
    ("scale_and_translate", (IMAGES_U8, (2, 5, 20, 3), [0.5, 1.7], [0.3, -1.0], (1, 2), "cubic"),
     {}, 0),
    ("scale_and_translate", (np.arange(9, dtype="float32").reshape(3, 3), (5, 5),
                             np.array([2.0, 2.0], "float32"), np.array([-0.5, -0.5], "float32"),
                             (0, 1), "linear"), {}, 1e-6),
]


@pytest.mark.parametrize("name, args, kwargs, rtol", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras(name, args, kwargs, rtol):
    ours = getattr(ki, name)(*args, **kwargs)
    theirs = getattr(KI, name)(*args, **kwargs)
    assert_same(ours, theirs, rtol=rtol, atol=rtol)


def test_default_data_format_is_channels_last():
    # Keras's torch gaussian_blur treats data_format=None as channels-first; keraton follows
    # the documented default, which is Keras's answer with data_format given.
    assert_same(ki.gaussian_blur(IMAGES), KI.gaussian_blur(IMAGES, data_format="channels_last"))
    assert_same(ki.resize(IMAGES, (3, 4)), KI.resize(IMAGES, (3, 4), data_format="channels_last"))


def test_data_format_from_backend_setting():
    keraton.backend.set_image_data_format("channels_first")
    try:
        assert_same(ki.pad_images(IMAGES_CF, 1, 1, 1, 1),
                    KI.pad_images(IMAGES_CF, 1, 1, 1, 1, data_format="channels_first"))
    finally:
        keraton.backend.set_image_data_format("channels_last")


def test_hsv_round_trip():
    back = ki.hsv_to_rgb(ki.rgb_to_hsv(IMAGES))
    np.testing.assert_allclose(back.numpy(), IMAGES, rtol=1e-5, atol=1e-6)


def test_gaussian_blur_non_square_kernel_keeps_size():
    out = ki.gaussian_blur(IMAGES, kernel_size=(3, 5), sigma=(1.0, 2.0))
    assert tuple(out.shape) == IMAGES.shape
    # A normalized kernel keeps a constant image constant away from the zero-padded border.
    flat = ki.gaussian_blur(np.ones((1, 9, 11, 1), "float32"), (3, 5), (1.0, 2.0))
    np.testing.assert_allclose(flat[0, 2:-2, 2:-2].numpy(), 1.0, rtol=1e-6)


@pytest.mark.parametrize("alpha", [0.0, 0])
@pytest.mark.parametrize("interpolation, fill_mode",
                         [("bilinear", "reflect"), ("nearest", "constant")])
def test_elastic_transform_identity_at_zero_alpha(alpha, interpolation, fill_mode):
    out = ki.elastic_transform(IMAGES, alpha=alpha, sigma=2.0, interpolation=interpolation,
                               fill_mode=fill_mode, seed=3)
    np.testing.assert_allclose(out.numpy(), IMAGES, rtol=1e-6, atol=1e-7)


def test_elastic_transform_shape_dtype_and_seed():
    x64 = IMAGES_CF.astype("float64")
    a = ki.elastic_transform(x64, alpha=5.0, sigma=1.5, seed=7, data_format="channels_first")
    b = ki.elastic_transform(x64, alpha=5.0, sigma=1.5, seed=7, data_format="channels_first")
    c = ki.elastic_transform(x64, alpha=5.0, sigma=1.5, seed=8, data_format="channels_first")
    assert a.shape == x64.shape and a.dtype == torch.float64
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), c.numpy())
    assert not np.allclose(a.numpy(), x64)
    single = ki.elastic_transform(IMAGES[0], seed=1)
    assert single.shape == IMAGES[0].shape and single.dtype == torch.float32


def test_affine_transform_of_uint8_images_matches_keras_to_one_level():
    """uint8 images come back uint8, the interpolated value truncated: one ulp of float32
    rounding (which differs between CPUs) may move a pixel on a level boundary by one."""
    ours = ki.affine_transform(IMAGES_U8, TRANSFORMS)
    theirs = np.asarray(KI.affine_transform(IMAGES_U8, TRANSFORMS).cpu())
    assert ours.dtype == torch.uint8 and tuple(ours.shape) == theirs.shape
    diff = np.abs(ours.numpy().astype(int) - theirs.astype(int))
    assert diff.max() <= 1 and np.count_nonzero(diff) <= 0.01 * diff.size


def test_affine_transform_single_transform_broadcasts_over_batch():
    ours = ki.affine_transform(IMAGES, TRANSFORMS[0])
    theirs = KI.affine_transform(IMAGES, np.repeat(TRANSFORMS[:1], 2, axis=0))
    assert_same(ours, theirs)


def test_gradients_flow():
    images = torch.tensor(IMAGES, requires_grad=True)
    transform = torch.tensor(TRANSFORMS, requires_grad=True)
    out = (ki.affine_transform(images, transform).sum() + ki.resize(images, (5, 6)).sum()
           + ki.ssim(images, images.detach() * 0.5, filter_size=5).sum() + ki.gaussian_blur(images).sum())
    out.backward()
    assert images.grad is not None and torch.isfinite(images.grad).all()
    assert transform.grad is not None and transform.grad.abs().sum() > 0
    # Linear map_coordinates is differentiable in the coordinates too; check numerically.
    inputs = torch.rand(6, 7, dtype=torch.float64)
    coords = (torch.rand(2, 5, dtype=torch.float64) * 4 + 0.5).requires_grad_()
    assert torch.autograd.gradcheck(lambda c: ki.map_coordinates(inputs, c, 1), (coords,))


def test_symbolic_model_matches_eager():
    inputs = keraton.Input(shape=(9, 11, 3))
    gray = ki.rgb_to_grayscale(inputs)
    resized = ki.resize(gray, (4, 5), interpolation="nearest")
    patches = ki.extract_patches(ki.pad_images(resized, 1, 1, 1, 2), 2)
    model = keraton.Model(inputs, [resized, patches])
    got_resized, got_patches = model.predict(IMAGES, verbose=0)
    eager_resized = ki.resize(ki.rgb_to_grayscale(IMAGES), (4, 5), interpolation="nearest")
    eager_patches = ki.extract_patches(ki.pad_images(eager_resized, 1, 1, 1, 2), 2)
    np.testing.assert_allclose(np.asarray(got_resized), eager_resized.numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(got_patches), eager_patches.numpy(), rtol=1e-6)
    assert np.asarray(got_patches).shape == (2, 3, 4, 4)


@pytest.mark.parametrize("call, error", [
    (lambda: ki.resize(IMAGES, (3,)), ValueError),
    (lambda: ki.resize(IMAGES, (0, 3)), ValueError),
    (lambda: ki.resize(IMAGES, (3, 3), interpolation="lanczos3"), ValueError),
    (lambda: ki.resize(IMAGES, (3, 3), fill_mode="reflect"), ValueError),
    (lambda: ki.resize(IMAGES, (3, 3), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     ValueError),
    (lambda: ki.resize(IMAGES[0, 0], (3, 3)), ValueError),
    (lambda: ki.rgb_to_grayscale(IMAGES[..., :2]), ValueError),
    (lambda: ki.rgb_to_hsv(IMAGES_U8), ValueError),
    (lambda: ki.pad_images(IMAGES, 1, 1), ValueError),
    (lambda: ki.pad_images(IMAGES, 1, 1, None, None, 5, 5), ValueError),
    (lambda: ki.crop_images(IMAGES, -1, 0, 0, 0), ValueError),
    (lambda: ki.crop_images(IMAGES, 5, 0, 5, 0), ValueError),
    (lambda: ki.extract_patches(IMAGES, "3"), TypeError),
    (lambda: ki.extract_patches(IMAGES, (1, 2, 3, 4)), ValueError),
    (lambda: ki.extract_patches(IMAGES, 3, padding="full"), ValueError),
    (lambda: ki.extract_patches(IMAGES, 12), ValueError),
    (lambda: ki.affine_transform(IMAGES, TRANSFORMS, interpolation="bicubic"), ValueError),
    (lambda: ki.affine_transform(IMAGES, TRANSFORMS, fill_mode="edge"), ValueError),
    (lambda: ki.affine_transform(IMAGES, TRANSFORMS[:, :6]), ValueError),
    (lambda: ki.affine_transform(IMAGES, np.repeat(TRANSFORMS, 2, axis=0)), ValueError),
    (lambda: ki.map_coordinates(IMAGES[0], np.zeros((2, 4)), 1), ValueError),
    (lambda: ki.map_coordinates(IMAGES[0, 0], np.zeros((2, 4)), 1, fill_mode="edge"), ValueError),
    (lambda: ki.map_coordinates(IMAGES[0, 0], np.zeros((2, 4)), 3), NotImplementedError),
    (lambda: ki.perspective_transform(IMAGES, START[:3], END[:3]), ValueError),
    (lambda: ki.perspective_transform(IMAGES, START, END[None]), ValueError),
    (lambda: ki.gaussian_blur(IMAGES_U8), TypeError),
    (lambda: ki.elastic_transform(IMAGES_U8), TypeError),
    (lambda: ki.elastic_transform(IMAGES, sigma=0.0), ValueError),
    (lambda: ki.sobel_edges(IMAGES[0]), ValueError),
    (lambda: ki.ssim(IMAGES, IMAGES), ValueError),
    (lambda: ki.ssim(IMAGES[0, 0], IMAGES[0, 0]), ValueError),
    (lambda: ki.scale_and_translate(IMAGES, (2, 5, 5, 3), [1, 1], [0, 0], (1, 2), "area"),
     ValueError),
])
def test_bad_input_raises(call, error):
    with pytest.raises(error):
        call()
