"""RandAugment, AugMix, RandomElasticTransform and CLAHE against real Keras 3 (torch backend).

Random draws are torch's, not Keras's, so the random layers are compared by
letting Keras draw a transformation (``get_random_transformation``) and
applying it with both layers' ``transform_images``.  Two in-place writes of
Keras 3.15 on torch are undone for those comparisons (``keras_fixed``):
``RandomBrightness.transform_images`` adds to the tensor it is given, and
``ops.image.affine_transform`` swaps entries of the transform it is given.
Keras's RandAugment evaluates every sub-layer on its running image at every
step, so there the first leaks an unclipped brightness shift into every
output and the second corrupts a rotation reused by a later step; keraton
computes what Keras computes on its other backends.  The elastic noise
fields (torch's global generator in Keras, the layer's in keraton) are
replaced by the same fixed fields on both sides.
"""

import json
import random
from unittest import mock

import numpy as np
import pytest
import torch

from keraton.layers.preprocessing.image_preprocessing.aug_mix import AugMix
from keraton.layers.preprocessing.image_preprocessing.clahe import (
    ContrastLimitedAdaptiveHistogramEqualization,
)
from keraton.layers.preprocessing.image_preprocessing.rand_augment import (
    AUGMENT_LAYERS,
    RandAugment,
)
from keraton.layers.preprocessing.image_preprocessing.random_elastic_transform import (
    RandomElasticTransform,
)

keras = pytest.importorskip("keras")

CLAHE = ContrastLimitedAdaptiveHistogramEqualization
OURS = {cls.__name__: cls for cls in (RandAugment, AugMix, RandomElasticTransform, CLAHE)}
IMAGES = (np.random.default_rng(0).random((3, 9, 11, 3)) * 255).astype("float32")


def _np(t):
    return keras.ops.convert_to_numpy(t)


def _torch_tree(value):
    """A Keras transformation (nested dicts and lists of tensors) as torch tensors, copied."""
    if isinstance(value, dict):
        return {k: _torch_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_torch_tree(v) for v in value]
    if value is None or isinstance(value, (int, str, tuple)):
        return value
    return torch.as_tensor(_np(value)).clone()


def _channels(images, data_format):
    return images if data_format == "channels_last" else np.ascontiguousarray(images.transpose(0, 3, 1, 2))


def _jsonify(config):
    return json.loads(json.dumps(config))


@pytest.fixture
def keras_fixed(monkeypatch):
    """Keras with its two in-place writes (see the module docstring) turned into copies."""
    from keras.src.backend.torch import image as torch_image
    from keras.src.layers.preprocessing.image_preprocessing.random_brightness import (
        RandomBrightness,
    )

    brightness, affine = RandomBrightness.transform_images, torch_image.affine_transform

    def brightness_on_copy(self, images, transformation, training=True):
        return brightness(self, keras.ops.copy(images), transformation, training)

    def affine_on_copy(images, transform, *args, **kwargs):
        return affine(images, keras.ops.copy(transform), *args, **kwargs)

    monkeypatch.setattr(RandomBrightness, "transform_images", brightness_on_copy)
    monkeypatch.setattr(torch_image, "affine_transform", affine_on_copy)


CONFIG_CASES = [
    ("RandAugment", {}),
    ("RandAugment", {"value_range": (0, 1), "num_ops": 3, "factor": (0.2, 0.7), "interpolation": "nearest",
                     "seed": 3, "data_format": "channels_first"}),
    ("AugMix", {}),
    ("AugMix", {"value_range": [-1, 1], "num_chains": 2, "chain_depth": 4, "factor": 0.6, "alpha": 0.5,
                "all_ops": False, "interpolation": "nearest", "seed": 5}),
    ("RandomElasticTransform", {}),
    ("RandomElasticTransform", {"factor": (0.2, 0.9), "scale": 0.4, "interpolation": "nearest",
                                "fill_mode": "mirror", "fill_value": 2.0, "value_range": (0, 1), "seed": 1}),
    ("ContrastLimitedAdaptiveHistogramEqualization", {}),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"value_range": [0, 1], "clip_limit": 2,
                                                      "tile_grid_size": [4, 2], "data_format": "channels_first"}),
]


@pytest.mark.parametrize("name, kwargs", CONFIG_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIG_CASES)])
def test_config_matches_keras_and_round_trips(name, kwargs):
    ours, theirs = OURS[name](name="aug", **kwargs), getattr(keras.layers, name)(name="aug", **kwargs)
    assert ours.get_config() == theirs.get_config()
    clone = type(ours).from_config(_jsonify(ours.get_config()))
    assert _jsonify(clone.get_config()) == _jsonify(ours.get_config())
    rebuilt = type(theirs).from_config(_jsonify(ours.get_config()))
    assert _jsonify(rebuilt.get_config()) == _jsonify(ours.get_config())
    assert ours.compute_output_shape((None, 9, 11, 3)) == (None, 9, 11, 3)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_rand_augment_applies_keras_transformation_as_keras(keras_fixed, data_format):
    images = _channels(IMAGES, data_format)
    kwargs = {"factor": 0.4, "seed": 1, "data_format": data_format}
    ours, theirs = RandAugment(**kwargs), keras.layers.RandAugment(**kwargs)
    drawn = theirs.get_random_transformation(images, training=True)
    # Every op at least once; the rotation first, second and twice (the transform Keras mutates).
    for pair in ((0, 1), (3, 2), (4, 5), (7, 6), (8, 9), (10, 0), (2, 2)):
        drawn["layer_idxes"] = torch.tensor(pair, dtype=torch.int32)
        transformation = _torch_tree(drawn)
        expected = _np(theirs.transform_images(images, drawn, training=True))
        got = ours.transform_images(torch.from_numpy(images), transformation)
        assert got.dtype == torch.float32
        np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=2e-4)
        assert np.abs(expected - images).max() > 1.0
    # Our own draw has Keras's structure, shapes and dtypes.
    ours_drawn = ours.get_random_transformation(torch.from_numpy(images), training=True)
    assert ours_drawn["layer_idxes"].dtype == drawn["layer_idxes"].dtype == torch.int32
    assert list(ours_drawn["transforms"]) == list(drawn["transforms"]) == list(AUGMENT_LAYERS)
    for name, theirs_t in drawn["transforms"].items():
        ours_t = ours_drawn["transforms"][name]
        assert (ours_t is None) == (theirs_t is None)
        for key, value in (theirs_t or {}).items():
            if isinstance(value, torch.Tensor):
                assert ours_t[key].shape == value.shape and ours_t[key].dtype == value.dtype, (name, key)
            else:
                assert ours_t[key] == value, (name, key)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("all_ops", [True, False])
def test_aug_mix_applies_keras_transformation_as_keras(keras_fixed, data_format, all_ops):
    random.seed(7)  # Keras picks the chain steps with Python's global random
    images = _channels(IMAGES, data_format)
    kwargs = {"factor": 0.5, "num_chains": 4, "alpha": 0.7, "all_ops": all_ops, "seed": 1,
              "data_format": data_format, "value_range": (5, 250)}
    ours, theirs = AugMix(**kwargs), keras.layers.AugMix(**kwargs)
    used = set()
    for _ in range(4):
        drawn = theirs.get_random_transformation(images, training=True)
        transformation = _torch_tree(drawn)
        used |= {step["layer_name"] for chain in drawn["chain_transforms"] for step in chain}
        expected = _np(theirs.transform_images(images, drawn, training=True))
        got = ours.transform_images(torch.from_numpy(images), transformation)
        np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=2e-4)
    assert len(used) >= 6
    ours_drawn = ours.get_random_transformation(torch.from_numpy(images), training=True)
    assert ours_drawn.keys() == drawn.keys()
    for key in ("chain_mixing_weights", "weight_sample"):
        assert ours_drawn[key].shape == drawn[key].shape and ours_drawn[key].dtype == drawn[key].dtype
    assert len(ours_drawn["chain_transforms"]) == 4
    assert all(len(chain) <= 3 for chain in ours_drawn["chain_transforms"])


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("fill_mode", ["reflect", "mirror", "constant", "nearest", "wrap"])
def test_elastic_transform_applies_keras_transformation_as_keras(data_format, fill_mode):
    images = _channels(IMAGES, data_format)
    kwargs = {"factor": (0.3, 0.8), "scale": (0.5, 1.0), "fill_mode": fill_mode, "fill_value": 3.0,
              "value_range": (10, 240), "data_format": data_format, "seed": 2}
    ours, theirs = RandomElasticTransform(**kwargs), keras.layers.RandomElasticTransform(**kwargs)
    drawn = theirs.get_random_transformation(images, training=True)
    drawn["apply_transform"] = torch.tensor([True, False, True])
    generator = torch.Generator().manual_seed(0)
    dx, dy = torch.randn(2, 3, 9, 11, generator=generator)
    fields = [dx, dy]  # Keras draws dx then dy with torch.normal; keraton one randn of [dy; dx]
    with mock.patch("torch.normal", lambda *args, **kwargs: fields.pop(0).clone()):
        expected = _np(theirs.transform_images(images, drawn, training=True))
    transformation = {"apply_transform": _torch_tree(drawn["apply_transform"]),
                      "distortion_factor": _torch_tree(drawn["distortion_factor"]), "seed": drawn["seed"]}
    with mock.patch("torch.randn", lambda *args, **kwargs: torch.cat([dy, dx]).reshape(6, 1, 9, 11)):
        got = ours.transform_images(torch.from_numpy(images), transformation)
    np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=2e-4)
    assert np.abs(expected - np.clip(images, 10, 240))[[0, 2]].max() > 1.0  # the deformation shows
    np.testing.assert_array_equal(got.numpy()[1], np.clip(images[1], 10, 240))  # not applied: clipped only


def test_elastic_transform_draws_and_edge_cases():
    x = torch.from_numpy(IMAGES)
    layer = RandomElasticTransform(factor=(0.2, 0.6), scale=(0.3, 0.5), seed=0)
    drawn = layer.get_random_transformation(torch.zeros(4000, 2, 2, 1))
    assert drawn["apply_transform"].dtype == torch.bool and drawn["distortion_factor"].shape == ()
    assert float(drawn["apply_transform"].float().mean()) == pytest.approx(0.4, abs=0.03)
    assert 0.3 <= float(drawn["distortion_factor"]) <= 0.5 and isinstance(drawn["seed"], int)
    # The drawn int seed makes the noise fields reproducible.
    drawn = layer.get_random_transformation(x)
    torch.testing.assert_close(layer.transform_images(x, drawn), layer.transform_images(x, drawn))
    # As Keras: nothing is drawn when factor or scale is 0, and the images pass through.
    for kwargs in ({"factor": 0.0}, {"scale": 0.0}):
        ours, theirs = RandomElasticTransform(**kwargs), keras.layers.RandomElasticTransform(**kwargs)
        assert ours.get_random_transformation(x) is None
        assert theirs.get_random_transformation(IMAGES) is None
        np.testing.assert_array_equal(ours(x, training=True).numpy(), _np(theirs(IMAGES, training=True)))


CLAHE_CASES = [
    {},
    {"tile_grid_size": (2, 2)},
    {"tile_grid_size": (2, 3), "clip_limit": 40.0},
    {"tile_grid_size": (4, 3), "clip_limit": 9.0},
    {"tile_grid_size": [1, 1], "clip_limit": 2},
    {"tile_grid_size": (3, 2), "clip_limit": 0.0},
    {"tile_grid_size": (2, 2), "value_range": (-1, 1), "clip_limit": 6.0},
    {"tile_grid_size": (40, 1)},
]


@pytest.mark.parametrize("kwargs", CLAHE_CASES, ids=[str(i) for i in range(len(CLAHE_CASES))])
def test_clahe_matches_keras(kwargs):
    rng = np.random.default_rng(1)
    images = (rng.random((2, 30, 23, 3)) ** 2 * 255).astype("float32")
    images[0, :10, :10] = 100.0  # a flat region
    low, high = kwargs.get("value_range", (0, 255))
    images = images / 255 * (high - low) + low
    ours, theirs = CLAHE(**kwargs), keras.layers.ContrastLimitedAdaptiveHistogramEqualization(**kwargs)
    inputs = [images, images.astype("float64")]
    if (low, high) == (0, 255):
        inputs += [images.astype("uint8"), images.astype("int32")]
    for x in inputs:
        for training in (False, True):  # applied in both, as Keras
            expected = _np(theirs(x, training=training))
            got = ours(torch.from_numpy(x), training=training)
            assert str(got.dtype).split(".")[-1] == str(expected.dtype)
            np.testing.assert_allclose(got.numpy().astype("float64"), expected.astype("float64"),
                                       rtol=0, atol=1e-4)
    grid_h, grid_w = kwargs.get("tile_grid_size", (8, 8))
    clip_limit = kwargs.get("clip_limit", 4.0)
    change = np.abs(_np(theirs(images)) - images).max() / (high - low)
    if clip_limit > 0 and int(clip_limit * -(-30 // grid_h) * -(-23 // grid_w) / 256) == 0:
        assert change < 1 / 255  # small tiles: Keras's integer limit is 0 and the map nearly the identity
    else:
        assert change > 0.1
    single = ours(torch.from_numpy(images[1]))
    np.testing.assert_allclose(single.numpy(), _np(theirs(images[1])), rtol=0, atol=1e-4)
    first = _channels(images, "channels_first")
    ours_cf = CLAHE(data_format="channels_first", **kwargs)
    theirs_cf = keras.layers.ContrastLimitedAdaptiveHistogramEqualization(data_format="channels_first", **kwargs)
    np.testing.assert_allclose(ours_cf(torch.from_numpy(first)).numpy(), _np(theirs_cf(first)), rtol=0, atol=1e-4)


def test_clahe_dict_input_and_bad_arguments():
    x = torch.from_numpy(IMAGES)
    labels = torch.eye(3)
    out = CLAHE(tile_grid_size=(3, 3))({"images": x, "labels": labels})
    torch.testing.assert_close(out["images"], CLAHE(tile_grid_size=(3, 3))(x))
    assert out["labels"] is labels or torch.equal(out["labels"], labels)
    for kwargs in ({"tile_grid_size": (0, 2)}, {"tile_grid_size": 8}, {"value_range": (0,)}):
        with pytest.raises(ValueError, match="Received"):
            CLAHE(**kwargs)


@pytest.mark.parametrize("name, kwargs", [("RandAugment", {"num_ops": 3}), ("AugMix", {"chain_depth": 2}),
                                          ("RandomElasticTransform", {"scale": 0.5})])
def test_random_layers_inference_identity_training_shapes_and_dtypes(name, kwargs):
    ours, theirs = OURS[name](seed=1, **kwargs), getattr(keras.layers, name)(seed=1, **kwargs)
    x = torch.from_numpy(IMAGES)
    assert not torch.equal(ours(x), x)  # a bare call augments, as Keras's default training=True
    torch.testing.assert_close(ours.eval()(x), x, rtol=0, atol=0)  # torch's eval() pins inference
    torch.testing.assert_close(ours(x, training=False), x, rtol=0, atol=0)
    assert ours.get_random_transformation(x, training=False) is None
    uint8 = IMAGES.astype("uint8")
    for training in (False, True):
        got, expected = ours(torch.from_numpy(uint8), training=training), theirs(uint8, training=training)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        single, single_expected = ours(x[0], training=training), theirs(IMAGES[0], training=training)
        assert single.shape == single_expected.shape and single.dtype == single_expected.dtype
        out = ours({"images": x, "labels": torch.eye(3)}, training=training)
        torch.testing.assert_close(out["labels"], torch.eye(3))
    # Same seed, same stream: two layers built alike give the same outputs.
    first, again = OURS[name](seed=2, **kwargs), OURS[name](seed=2, **kwargs)
    outputs = [first(x, training=True) for _ in range(3)]
    torch.testing.assert_close(again(x, training=True), outputs[0], rtol=0, atol=0)
    assert any(not torch.equal(o, x) for o in outputs)
    assert float(outputs[0].min()) >= 0.0 and float(outputs[0].max()) <= 255.0


def test_composite_draws_follow_keras_distributions():
    layer = RandAugment(num_ops=20000, seed=0)
    counts = torch.bincount(layer.get_random_transformation(torch.zeros(1, 2, 2, 3))["layer_idxes"].long())
    assert counts.numel() == 11 and float(counts.min()) > 20000 / 11 * 0.9
    mix = AugMix(num_chains=2000, chain_depth=1, alpha=2.0, all_ops=False, seed=0)
    drawn = mix.get_random_transformation(torch.zeros(1, 2, 2, 1))
    weights = drawn["chain_mixing_weights"]
    assert float(weights.sum()) == pytest.approx(1.0, abs=1e-5)
    # Dirichlet(2, ..., 2) over n = 2000 chains: each weight has mean 1/n, variance (n - 1) / (n^2 (2n + 1)).
    assert float(weights.var() * 2000**2) == pytest.approx(1999 / 4001, rel=0.15)
    steps = sum(len(chain) for chain in drawn["chain_transforms"])
    assert steps / 2000 == pytest.approx(7 / 8, abs=0.03)  # a step is None with probability 1/8


def test_sub_layers_as_keras_builds_them():
    ours, theirs = RandAugment(factor=0.3, value_range=(0, 1)), keras.layers.RandAugment(factor=0.3, value_range=(0, 1))
    for name in AUGMENT_LAYERS:
        mine, keras_config = getattr(ours, name).get_config(), getattr(theirs, name).get_config()
        for key in ("name", "dtype"):
            mine.pop(key), keras_config.pop(key)
        assert mine == keras_config, name
    assert not hasattr(AugMix(all_ops=False), "random_brightness")


@pytest.mark.parametrize("make, error", [
    (lambda: RandAugment(factor=1.5), ValueError),
    (lambda: RandAugment(num_ops=-1), ValueError),
    (lambda: AugMix(num_chains=0), ValueError),
    (lambda: AugMix(factor=(0.2, 0.3, 0.4)), ValueError),
    (lambda: RandomElasticTransform(scale=2.0), ValueError),
    (lambda: RandomElasticTransform(fill_mode="edge"), NotImplementedError),
    (lambda: RandomElasticTransform(interpolation="bicubic"), NotImplementedError),
])
def test_bad_arguments_raise(make, error):
    with pytest.raises(error, match="Received|Expected"):
        make()
