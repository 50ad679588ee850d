"""RandomShear, RandomErasing, RandomGaussianBlur, MixUp, CutMix, RandomPerspective, Pipeline vs Keras 3.

Random draws are torch's, not Keras's, so the transform maths is compared by
letting real Keras draw a transformation (``get_random_transformation``) and
applying that same transformation with both layers' ``transform_images``.
"""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers
from keraton.layers.preprocessing.image_preprocessing.cut_mix import CutMix
from keraton.layers.preprocessing.image_preprocessing.mix_up import MixUp
from keraton.layers.preprocessing.image_preprocessing.random_erasing import RandomErasing
from keraton.layers.preprocessing.image_preprocessing.random_gaussian_blur import RandomGaussianBlur
from keraton.layers.preprocessing.image_preprocessing.random_perspective import RandomPerspective
from keraton.layers.preprocessing.image_preprocessing.random_shear import RandomShear
from keraton.layers.preprocessing.pipeline import Pipeline

keras = pytest.importorskip("keras")

OURS = {cls.__name__: cls for cls in (RandomShear, RandomErasing, RandomGaussianBlur, MixUp, CutMix,
                                      RandomPerspective)}
IMAGES = (np.random.default_rng(0).random((4, 9, 11, 3)) * 255).astype("float32")
LABELS = np.eye(4, dtype="float32")

CASES = [
    ("RandomShear", {"x_factor": 0.4, "y_factor": (0.1, 0.6), "fill_mode": "reflect"}),
    ("RandomShear", {"x_factor": (0.2, 0.3), "fill_mode": "wrap", "interpolation": "nearest"}),
    ("RandomShear", {"y_factor": 0.5, "fill_mode": "constant", "fill_value": 9.0}),
    ("RandomShear", {"x_factor": 0.5, "y_factor": 0.5, "fill_mode": "nearest"}),
    ("RandomErasing", {"factor": (0.5, 1.0)}),
    ("RandomErasing", {"fill_value": 3.0, "scale": 0.5, "value_range": (0, 1)}),
    ("RandomGaussianBlur", {"factor": 0.8, "kernel_size": 5, "sigma": (0.3, 0.9)}),
    ("RandomGaussianBlur", {"value_range": (10, 200)}),
    ("MixUp", {"alpha": 0.4}),
    ("CutMix", {"factor": 0.7}),
    ("RandomPerspective", {"factor": 0.9, "scale": 0.6}),
    ("RandomPerspective", {"interpolation": "nearest", "fill_value": 7.0}),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]


def _np(t):
    return keras.ops.convert_to_numpy(t)


def _torch_transformation(transformation):
    return {k: v if k == "input_shape" else torch.as_tensor(_np(v)) for k, v in transformation.items()}


def _pair(name, kwargs, **extra):
    # Explicit names (not keras.backend.clear_session(), which costs half a second a call).
    return (OURS[name](seed=1, name="aug", **kwargs, **extra),
            getattr(keras.layers, name)(seed=1, name="aug", **kwargs, **extra))


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_config_matches_keras_and_round_trips(name, kwargs):
    ours, theirs = _pair(name, kwargs)
    assert ours.get_config() == theirs.get_config()
    clone = type(ours).from_config(_jsonify(ours.get_config()))
    assert _jsonify(clone.get_config()) == _jsonify(ours.get_config())
    # Keras rebuilds the same layer from our config, except where it cannot read its own: Keras
    # 3.15 writes RandomShear's x_factor=0.4 as (-0.4, 0.4) and refuses it in from_config.
    try:
        rebuilt = type(theirs).from_config(_jsonify(theirs.get_config()))
    except TypeError:
        assert name == "RandomShear"
        return
    assert _jsonify(type(theirs).from_config(_jsonify(ours.get_config())).get_config()) == \
        _jsonify(rebuilt.get_config())


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_transform_of_keras_transformation_matches_keras(name, kwargs, data_format):
    ours, theirs = _pair(name, kwargs, data_format=data_format)
    images = IMAGES if data_format == "channels_last" else IMAGES.transpose(0, 3, 1, 2)
    drawn = theirs.get_random_transformation(images, training=True)
    expected = _np(theirs.transform_images(images, drawn, training=True))
    got = ours.transform_images(torch.from_numpy(images), _torch_transformation(drawn))
    assert got.dtype == torch.float32
    # Pixel values up to 255: float32 rounding, which differs between CPUs, is ~1e-5 of them.
    np.testing.assert_allclose(got.numpy(), expected, rtol=2e-6, atol=1e-4)
    assert np.abs(expected - images).max() > 1.0  # the case does transform
    if name in ("MixUp", "CutMix"):
        np.testing.assert_allclose(ours.transform_labels(torch.from_numpy(LABELS), _torch_transformation(drawn)),
                                   _np(theirs.transform_labels(LABELS, drawn, training=True)), atol=1e-6)
    # Our own draw has Keras's keys, shapes and dtypes.
    ours_drawn = ours.get_random_transformation(torch.from_numpy(images), training=True)
    assert ours_drawn.keys() == drawn.keys()
    for key, value in drawn.items():
        if key != "input_shape":
            assert ours_drawn[key].shape == _np(value).shape
            assert str(ours_drawn[key].dtype).split(".")[-1] == str(_np(value).dtype), key


_ONE_PER_LAYER = (0, 4, 6, 8, 9, 10)


@pytest.mark.parametrize("name, kwargs", [CASES[i] for i in _ONE_PER_LAYER], ids=[IDS[i] for i in _ONE_PER_LAYER])
def test_calls_inference_identity_dtypes_and_shapes_match_keras(name, kwargs):
    ours, theirs = _pair(name, kwargs)
    x = torch.from_numpy(IMAGES)
    assert any(not torch.equal(ours(x), x) for _ in range(3))  # bare calls augment (Keras's training=True)
    torch.testing.assert_close(ours(x, training=False), x, rtol=0, atol=0)
    assert ours.get_random_transformation(x, training=False) is None or name == "MixUp"
    torch.testing.assert_close(_pair(name, kwargs)[0].eval()(x), x, rtol=0, atol=0)  # torch's eval() pins
    uint8 = IMAGES.astype("uint8")
    for training in (False, True):
        got, expected = ours(torch.from_numpy(uint8), training=training), theirs(uint8, training=training)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        single, single_expected = ours(x[0], training=training), theirs(IMAGES[0], training=training)
        assert single.shape == single_expected.shape and single.dtype == single_expected.dtype
        out = ours({"images": x, "labels": torch.from_numpy(LABELS)}, training=training)
        out_expected = theirs({"images": IMAGES, "labels": LABELS}, training=training)
        assert out.keys() == out_expected.keys()
        for key in out:
            assert out[key].shape == out_expected[key].shape and out[key].dtype == out_expected[key].dtype
    if name == "CutMix":  # as Keras, one image is left as it is
        torch.testing.assert_close(ours(x[0], training=True), x[0])
    assert any(not torch.equal(ours(x, training=True), x) for _ in range(3))  # CutMix may draw no cut
    with pytest.raises(ValueError, match="bounding"):
        ours({"images": x, "bounding_boxes": {}}, training=True)


# Same draws whatever the layout (not the mixing layers, nor noise filling, drawn in the image's layout).
_FORMAT_FREE = [(i, c) for i, c in zip(IDS, CASES) if c[0] not in ("MixUp", "CutMix")
                and not (c[0] == "RandomErasing" and "fill_value" not in c[1])]


@pytest.mark.parametrize("name, kwargs", [c for _, c in _FORMAT_FREE], ids=[i for i, _ in _FORMAT_FREE])
def test_seeded_call_is_the_same_in_both_data_formats(name, kwargs):
    x = torch.from_numpy(IMAGES)
    last = OURS[name](seed=5, **kwargs)(x, training=True)
    first = OURS[name](seed=5, data_format="channels_first", **kwargs)(x.permute(0, 3, 1, 2), training=True)
    torch.testing.assert_close(first.permute(0, 2, 3, 1), last)


@pytest.mark.parametrize("make", [
    lambda m: m.RandomShear(x_factor=1.5),
    lambda m: m.RandomShear(x_factor=(-0.1, 0.2)),
    lambda m: m.RandomShear(y_factor=(0.1, 0.2, 0.3)),
    lambda m: m.RandomShear(x_factor="a"),
    lambda m: m.RandomShear(fill_mode="mirror"),
    lambda m: m.RandomShear(interpolation="bicubic"),
    lambda m: m.RandomErasing(factor=2.0),
    lambda m: m.RandomErasing(scale=(0.5,)),
    lambda m: m.RandomGaussianBlur(kernel_size=4),
    lambda m: m.RandomGaussianBlur(kernel_size=(3, 4)),
    lambda m: m.RandomGaussianBlur(sigma=2.0),
    lambda m: m.CutMix(factor=-0.5),
    lambda m: m.RandomPerspective(scale=1.5),
    lambda m: m.RandomPerspective(interpolation="bicubic"),
    lambda m: m.RandomErasing(fill_value=[1, 2])(IMAGES, training=True),
], ids=["shear-range", "shear-negative", "shear-len", "shear-type", "shear-fill", "shear-interp",
        "erasing-factor", "erasing-scale", "blur-even", "blur-even-pair", "blur-sigma", "cutmix-factor",
        "perspective-scale", "perspective-interp", "erasing-fill"])
def test_bad_arguments_raise_as_keras(make):
    with pytest.raises(Exception) as theirs:
        make(keras.layers)
    namespace = type("ours", (), dict(OURS))
    with pytest.raises(theirs.type):
        make(namespace)


def test_random_draws_follow_keras_ranges():
    n = 4000
    x = torch.zeros(n, 2, 2, 1)
    shear = RandomShear(x_factor=(0.2, 0.3), y_factor=0.1, seed=0).get_random_transformation(x)["shear_factor"]
    sign = torch.sign(shear[:, 0])
    assert torch.all((shear[:, 0].abs() >= 0.2) & (shear[:, 0].abs() <= 0.3))
    assert abs(float(sign.mean())) < 0.1  # the sign flips with probability 1/2
    # A number f means (-f, f) (not (0, f)): before the sign flip, s_y takes both signs.
    unflipped_y = shear[:, 1] * sign
    assert float(unflipped_y.abs().max()) <= 0.1 and float(unflipped_y.min()) < -0.09
    assert float(unflipped_y.max()) > 0.09
    erase = RandomErasing(factor=(0.2, 0.6), seed=0).get_random_transformation(x)["apply_erasing"]
    assert float(erase.float().mean()) == pytest.approx(0.4, abs=0.03)  # mean of the probabilities
    blur = RandomGaussianBlur(factor=0.5, seed=0).get_random_transformation(x)["should_apply_blur"]
    assert float(blur.float().mean()) == pytest.approx(0.25, abs=0.03)  # 0.5 means (0, 0.5)
    mix = MixUp(alpha=0.5, seed=0).get_random_transformation(x)
    # Beta(0.5, 0.5): mean 1/2, variance 1/8.
    assert float(mix["mix_weight"].mean()) == pytest.approx(0.5, abs=0.03)
    assert float(mix["mix_weight"].var()) == pytest.approx(0.125, abs=0.01)
    assert sorted(mix["permutation_order"].tolist()) == list(range(n))
    warp = RandomPerspective(scale=0.4, seed=0).get_random_transformation(torch.zeros(n, 5, 9, 1))
    shifts = warp["end_points"][:, 3] / warp["start_points"][:, 3] - 1
    assert float(shifts.abs().max()) <= 0.2 and float(shifts.abs().max()) > 0.19
    torch.testing.assert_close(warp["end_points"][:, 0], torch.zeros(n, 2))


class _Recorder(layers.Layer):
    """Keeps what it sees during training and in inference."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = {True: [], False: []}

    def call(self, x, training=None):
        self.seen[bool(training)].append(x.detach().clone())
        return x


@pytest.mark.parametrize("make", [
    lambda: RandomShear(0.5, 0.5, seed=0), lambda: RandomErasing(seed=0),
    lambda: RandomGaussianBlur(seed=0), lambda: MixUp(seed=0), lambda: CutMix(seed=0),
    lambda: RandomPerspective(seed=0),
    lambda: Pipeline([layers.RandomFlip(seed=0), RandomErasing(seed=0)]),
], ids=["shear", "erasing", "blur", "mix_up", "cut_mix", "perspective", "pipeline"])
def test_active_in_fit_identity_in_predict(make):
    recorder = _Recorder()
    model = keraton.Sequential([keraton.Input((9, 11, 3)), make(), recorder, layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = IMAGES / 255.0
    model.fit(x, np.zeros((4, 1), "float32"), batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert not torch.allclose(recorder.seen[True][0], torch.from_numpy(x))
    model.predict(x, verbose=0)
    torch.testing.assert_close(recorder.seen[False][-1], torch.from_numpy(x), rtol=0, atol=0)
    clone = type(model.layers[0]).from_config(model.layers[0].get_config())
    assert clone.get_config() == model.layers[0].get_config()


def test_pipeline_config_matches_keras_and_round_trips():
    def make(m):
        return m.Pipeline([m.RandomFlip(seed=1, name="flip"), m.RandomRotation(0.2, seed=2, name="turn"),
                           m.Normalization(mean=1.0, variance=4.0, name="norm")], name="augment")

    ours = make(type("ours", (), {"Pipeline": Pipeline, **{n: getattr(layers, n) for n in
                                                           ("RandomFlip", "RandomRotation", "Normalization")}}))
    theirs = make(keras.layers)
    assert ours.get_config() == theirs.get_config()
    clone = Pipeline.from_config(json.loads(json.dumps(ours.get_config())))
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in ours.layers]
    assert _jsonify(clone.get_config()) == _jsonify(ours.get_config())
    x = torch.from_numpy(IMAGES)
    torch.testing.assert_close(ours(x, training=False), (x - 1.0) / 2.0)
    assert not torch.equal(ours(x), (x - 1.0) / 2.0)  # a bare call augments, as in Keras
    with pytest.raises(ValueError, match="layers"):
        Pipeline.from_config({"layers": None, "name": "p"})
    # Dicts go through, labels kept or mixed.
    mixed = Pipeline([RandomShear(0.2, seed=0), MixUp(seed=0)])(
        {"images": x, "labels": torch.from_numpy(LABELS)}, training=True)
    torch.testing.assert_close(mixed["labels"].sum(dim=1), torch.ones(4))


def _jsonify(config):
    return json.loads(json.dumps(config))
