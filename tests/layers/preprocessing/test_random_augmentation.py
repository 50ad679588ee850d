"""Keras 3 augmentation layers: inference identity, exact geometry against real Keras 3.

Factors given as a pair ``(f, f)`` make Keras's random draw a constant, so the
affine layers (rotation, zoom, translation) are compared number for number
with Keras for every fill mode and interpolation.
"""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")

IMAGES = np.random.default_rng(0).random((2, 5, 7, 3)).astype("float32")
FILL_MODES = ["reflect", "wrap", "constant", "nearest"]
INTERPOLATIONS = ["bilinear", "nearest"]


def _np(t):
    return keras.ops.convert_to_numpy(t)


def _clear():
    keras.backend.clear_session()
    keraton.backend.clear_session()


def _config_without(config, *keys):
    return {k: v for k, v in config.items() if k not in keys}


AUGMENTERS = [
    ("flip", lambda m: m.RandomFlip(seed=3)),
    ("rotation", lambda m: m.RandomRotation(0.2, seed=3)),
    ("zoom", lambda m: m.RandomZoom(0.2, seed=3)),
    ("translation", lambda m: m.RandomTranslation(0.2, 0.1, seed=3)),
    ("contrast", lambda m: m.RandomContrast(0.5, seed=3)),
    ("crop", lambda m: m.RandomCrop(3, 4, seed=3)),
]


@pytest.mark.parametrize("name, make", AUGMENTERS, ids=[a[0] for a in AUGMENTERS])
def test_inference_identity_training_changes_and_config(name, make):
    _clear()
    ours, theirs = make(layers), make(keras.layers)
    x = torch.from_numpy(IMAGES * 255)
    torch.testing.assert_close(ours(x, training=False), x)
    np.testing.assert_allclose(_np(theirs(IMAGES * 255, training=False)), IMAGES * 255)
    for outs in ([ours(x, training=True) for _ in range(4)], [ours(x) for _ in range(4)]):
        # A bare call augments too, as Keras's default training=True.
        assert any(o.shape != x.shape or not torch.equal(o, x) for o in outs)
    torch.testing.assert_close(make(layers).eval()(x), x)  # torch's eval() pins inference
    assert ours.get_config() == theirs.get_config()
    clone = type(ours).from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()


@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_rotation_matches_keras(fill_mode, interpolation):
    kwargs = {"factor": (0.1, 0.1), "fill_mode": fill_mode, "interpolation": interpolation, "fill_value": 0.5}
    got = layers.RandomRotation(**kwargs)(torch.from_numpy(IMAGES), training=True)
    expected = _np(keras.layers.RandomRotation(**kwargs)(IMAGES, training=True))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_zoom_and_translation_match_keras(fill_mode, interpolation):
    common = {"fill_mode": fill_mode, "interpolation": interpolation}
    for make in (lambda m: m.RandomZoom((0.3, 0.3), (-0.4, -0.4), **common),
                 lambda m: m.RandomZoom((-0.25, -0.25), **common),
                 lambda m: m.RandomTranslation((0.3, 0.3), (-0.2, -0.2), **common)):
        got = make(layers)(torch.from_numpy(IMAGES), training=True)
        expected = _np(make(keras.layers)(IMAGES, training=True))
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-5)


def test_rotation_of_a_symmetric_image_by_quarter_turns():
    image = torch.zeros(1, 5, 5, 1)
    image[0, 0, 1:4, 0] = 1.0  # a bar along the top edge
    quarter = layers.RandomRotation((0.25, 0.25), fill_mode="constant")(image, training=True)
    # Counter-clockwise by 90 degrees: the top bar moves to the left edge.
    torch.testing.assert_close(quarter, torch.rot90(image, 1, dims=(1, 2)), atol=1e-5, rtol=0)
    half = layers.RandomRotation((0.5, 0.5))(image, training=True)
    torch.testing.assert_close(half, torch.flip(image, dims=(1, 2)), atol=1e-5, rtol=0)


@pytest.mark.parametrize("mode, dims", [("horizontal", (2,)), ("vertical", (1,)),
                                        ("horizontal_and_vertical", (1, 2))])
def test_flip_is_torch_flip_per_drawn_image(mode, dims):
    layer = layers.RandomFlip(mode, seed=11)
    x = torch.from_numpy(IMAGES).repeat(4, 1, 1, 1)
    out = layer(x, training=True)
    draws = torch.rand((8, 1, 1, 1), generator=torch.Generator().manual_seed(11)).flatten() <= 0.5
    assert 0 < int(draws.sum()) < 8  # the seed gives both outcomes
    for i in range(8):
        torch.testing.assert_close(out[i], torch.flip(x[i:i + 1], dims=dims)[0] if draws[i] else x[i])
    single = layers.RandomFlip(mode, seed=11)(x[0], training=True)
    assert single.shape == x[0].shape


def test_contrast_formula_and_clip():
    layer = layers.RandomContrast((0.5, 0.5), value_range=(0, 1), seed=5)
    x = torch.from_numpy(IMAGES)
    out = layer(x, training=True)
    mean = x.mean(dim=(1, 2), keepdim=True)
    factor = 0.5 + torch.rand((2, 1, 1, 1), generator=torch.Generator().manual_seed(5))
    torch.testing.assert_close(out, ((x - mean) * factor + mean).clamp(0, 1))


def test_crop_window_and_small_image_resize_match_keras():
    x = torch.arange(2 * 6 * 8, dtype=torch.float32).reshape(2, 6, 8, 1)
    out = layers.RandomCrop(3, 4, seed=1)(x, training=True)
    assert out.shape == (2, 3, 4, 1)
    top, left = int(out[0, 0, 0, 0]) // 8, int(out[0, 0, 0, 0]) % 8
    torch.testing.assert_close(out, x[:, top:top + 3, left:left + 4])
    small = np.random.default_rng(1).random((2, 4, 6, 1)).astype("float32")
    got = layers.RandomCrop(5, 5)(torch.from_numpy(small), training=True)
    expected = _np(keras.layers.RandomCrop(5, 5)(small, training=True))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-5)


def test_channels_first_and_errors():
    x = torch.from_numpy(IMAGES)
    last = layers.RandomRotation((0.1, 0.1))(x, training=True)
    first = layers.RandomRotation((0.1, 0.1), data_format="channels_first")(x.permute(0, 3, 1, 2), training=True)
    torch.testing.assert_close(first.permute(0, 2, 3, 1), last)
    with pytest.raises(ValueError, match=r"'random_flip.*min_ndim=3.*\(2, 5\)"):
        layers.RandomFlip()(torch.zeros(2, 5), training=True)
    with pytest.raises(ValueError, match="fill_mode"):
        layers.RandomZoom(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="factor"):
        layers.RandomRotation(1.5)
    with pytest.raises(ValueError, match="mode"):
        layers.RandomFlip("diagonal")


def test_augmentation_runs_in_fit_and_bare_calls_not_in_predict():
    model = keraton.Sequential([keraton.Input((6, 6, 1)), layers.RandomFlip(seed=0), layers.Flatten(),
                                layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(2).random((8, 6, 6, 1)).astype("float32")
    model.fit(x, np.zeros((8, 1), "float32"), epochs=1, verbose=0)
    predicted = model.predict(x, verbose=0)
    inference = model(torch.from_numpy(x), training=False).detach().numpy()
    np.testing.assert_allclose(predicted, inference, rtol=1e-6)
    assert not model.layers[0].training
    # As Keras: the model's call leaves training unset, so RandomFlip's default (True) applies.
    bare = [model(torch.from_numpy(x)).detach().numpy() for _ in range(3)]
    assert any(not np.allclose(b, inference, rtol=1e-6) for b in bare)
