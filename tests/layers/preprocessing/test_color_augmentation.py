"""Keras 3 color augmentation layers against real Keras 3 (torch backend).

The random draws differ (torch generators), so the maths is compared by
drawing a transformation with the Keras layer (``get_random_transformation``)
and applying it with both layers' ``transform_images``; factors that make the
draw a constant, and the deterministic layers, are compared call for call.
The draws themselves are compared in distribution with Keras's.
"""

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.core import Dense
from keraton.layers.layer import Layer
from keraton.layers.preprocessing.image_preprocessing.auto_contrast import AutoContrast
from keraton.layers.preprocessing.image_preprocessing.equalization import Equalization
from keraton.layers.preprocessing.image_preprocessing.random_brightness import RandomBrightness
from keraton.layers.preprocessing.image_preprocessing.random_color_degeneration import (
    RandomColorDegeneration,
)
from keraton.layers.preprocessing.image_preprocessing.random_color_jitter import RandomColorJitter
from keraton.layers.preprocessing.image_preprocessing.random_grayscale import RandomGrayscale
from keraton.layers.preprocessing.image_preprocessing.random_hue import RandomHue
from keraton.layers.preprocessing.image_preprocessing.random_invert import RandomInvert
from keraton.layers.preprocessing.image_preprocessing.random_posterization import (
    RandomPosterization,
)
from keraton.layers.preprocessing.image_preprocessing.random_saturation import RandomSaturation
from keraton.layers.preprocessing.image_preprocessing.random_sharpness import RandomSharpness
from keraton.layers.preprocessing.image_preprocessing.solarization import Solarization
from keraton.layers.reshaping import Flatten

keras = pytest.importorskip("keras")
# Keras's Equalization calls .T on a 0-d tensor (its own warning, not ours).
pytestmark = pytest.mark.filterwarnings("ignore:Tensor.T is deprecated")

OURS = {cls.__name__: cls for cls in (
    AutoContrast, Equalization, RandomBrightness, RandomColorDegeneration, RandomColorJitter,
    RandomGrayscale, RandomHue, RandomInvert, RandomPosterization, RandomSaturation, RandomSharpness,
    Solarization)}

_RNG = np.random.default_rng(0)
IMAGES = (_RNG.random((3, 6, 7, 3)) * 255).astype("float32")
UNIT = (_RNG.random((3, 6, 7, 3)) * 0.8 + 0.1).astype("float32")  # (0, 1) images, no clipping at the ends
# Gray pixels, saturated ones and a constant channel: the edge cases of the HSV maths and AutoContrast.
IMAGES[0, 0, :3] = [[50, 50, 50], [255, 0, 0], [0, 0, 0]]
IMAGES[1, ..., 2] = 77.0

# (class name, constructor kwargs): every case runs the Keras comparisons below.
RANDOM_CASES = [
    ("RandomBrightness", {"factor": 0.4}),
    ("RandomBrightness", {"factor": (-0.3, 0.6), "value_range": (1, 0)}),
    ("RandomGrayscale", {"factor": 0.6}),
    ("RandomSaturation", {"factor": 0.8}),
    ("RandomSaturation", {"factor": (0.3, 0.9), "value_range": (0, 1)}),
    ("RandomHue", {"factor": 0.9}),
    ("RandomHue", {"factor": (0.2, 0.7), "value_range": (0, 1)}),
    ("RandomColorDegeneration", {"factor": 0.7}),
    ("RandomInvert", {}),
    ("RandomInvert", {"factor": (0.2, 0.9), "value_range": (0, 1)}),
    ("RandomPosterization", {"factor": 6}),
    ("RandomPosterization", {"factor": (2, 5), "value_range": [0, 1]}),
    ("Solarization", {"addition_factor": 0.3, "threshold_factor": (0.2, 0.8)}),
    ("Solarization", {"addition_factor": (0.1, 0.2), "threshold_factor": 0.7, "value_range": (0, 1)}),
    ("RandomSharpness", {"factor": 0.9}),
    ("RandomSharpness", {"factor": (0.1, 0.4), "value_range": (0, 1)}),
]
DETERMINISTIC_CASES = [
    ("AutoContrast", {}),
    ("AutoContrast", {"value_range": (0, 1)}),
    ("Equalization", {}),
    ("Equalization", {"value_range": (0, 1), "bins": 64}),
    ("RandomColorJitter", {"brightness_factor": (0.1, 0.1), "contrast_factor": 0.0,
                           "saturation_factor": (0.7, 0.7), "hue_factor": 0.0}),
    ("RandomColorJitter", {"value_range": (0, 1), "brightness_factor": (-0.2, -0.2),
                           "saturation_factor": (0.2, 0.2)}),
    ("Solarization", {}),
    ("Solarization", {"value_range": (0, 1)}),
    ("RandomInvert", {"factor": (1.0, 1.0)}),
    ("RandomPosterization", {"factor": (3, 3)}),
    ("RandomGrayscale", {"factor": 1.0}),
    ("RandomSaturation", {"factor": (0.65, 0.65)}),
    ("RandomColorDegeneration", {"factor": (-0.4, -0.4)}),
    ("RandomSharpness", {"factor": (0.8, 0.8)}),
]


def _ids(cases):
    return [f"{name}-{i}" for i, (name, _) in enumerate(cases)]


def _np(t):
    return keras.ops.convert_to_numpy(t)


def _images_for(kwargs):
    value_range = kwargs.get("value_range", (0, 255))
    return UNIT if max(value_range) == 1 else IMAGES


def _pair(cls_name, kwargs, **extra):
    # No keras.backend.clear_session (half a second each): configs are compared with given names.
    return OURS[cls_name](**kwargs, **extra), getattr(keras.layers, cls_name)(**kwargs, **extra)


def _torch_transformation(t):
    if isinstance(t, dict):
        return {k: torch.as_tensor(_np(v)) for k, v in t.items()}
    return torch.as_tensor(_np(t))


def _tolerance(name):
    return 1e-4 if name in ("RandomHue", "RandomSaturation", "RandomColorJitter") else 1e-5


@pytest.mark.parametrize("name, kwargs", RANDOM_CASES + DETERMINISTIC_CASES,
                         ids=_ids(RANDOM_CASES + DETERMINISTIC_CASES))
def test_config_matches_keras_and_round_trips(name, kwargs):
    seeded = name not in ("AutoContrast", "Equalization", "RandomGrayscale")
    ours, theirs = _pair(name, dict(kwargs, seed=4) if seeded else kwargs, name="color_layer")
    assert ours.get_config() == theirs.get_config()
    clone = type(ours).from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()
    assert ours.compute_output_shape((None, 6, 7, 3)) == (None, 6, 7, 3)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name, kwargs", RANDOM_CASES, ids=_ids(RANDOM_CASES))
def test_keras_transformation_applied_here_gives_keras_images(name, kwargs, data_format):
    images = _images_for(kwargs)
    if data_format == "channels_first":
        images = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    ours, theirs = _pair(name, kwargs, data_format=data_format)
    x = keras.ops.convert_to_tensor(images)
    transformation = theirs.get_random_transformation(x, training=True)
    # Copies: Keras's RandomBrightness adds in place to the tensor it is given.
    expected = _np(theirs.transform_images(keras.ops.copy(x), transformation, training=True))
    got = ours.transform_images(torch.from_numpy(images), _torch_transformation(transformation))
    assert got.dtype == torch.float32
    tol = _tolerance(name)
    np.testing.assert_allclose(got.numpy(), expected, rtol=tol, atol=tol * 255)
    # A single (unbatched) image takes a batch-of-one transformation, as Keras.
    single = theirs.get_random_transformation(x[0], training=True)
    expected = _np(theirs.transform_single_image(keras.ops.copy(x[0]), single, training=True))
    got = ours.transform_images(torch.from_numpy(images[0]), _torch_transformation(single))
    np.testing.assert_allclose(got.numpy(), expected, rtol=tol, atol=tol * 255)


@pytest.mark.parametrize("name, kwargs", DETERMINISTIC_CASES, ids=_ids(DETERMINISTIC_CASES))
def test_constant_draws_and_deterministic_layers_match_keras_calls(name, kwargs):
    images = _images_for(kwargs)
    ours, theirs = _pair(name, kwargs)
    tol = _tolerance(name)
    for x in (images, images[1]):  # a batch and a single image
        got = ours(torch.from_numpy(x), training=True)
        expected = _np(theirs(x, training=True))
        assert got.dtype == torch.float32 and got.shape == x.shape
        np.testing.assert_allclose(got.numpy(), expected, rtol=tol, atol=tol * 255)
    channels_first = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    ours, theirs = _pair(name, kwargs, data_format="channels_first")
    got = ours(torch.from_numpy(channels_first), training=True).numpy()
    if name == "RandomColorJitter":  # Keras's jitter steps ignore data_format; ours follow it
        expected = _np(_pair(name, kwargs)[1](images, training=True)).transpose(0, 3, 1, 2)
    else:
        expected = _np(theirs(channels_first, training=True))
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * 255)


@pytest.mark.parametrize("name, kwargs", RANDOM_CASES + DETERMINISTIC_CASES,
                         ids=_ids(RANDOM_CASES + DETERMINISTIC_CASES))
def test_inference_behaviour_matches_keras(name, kwargs):
    images = _images_for(kwargs)
    ours, theirs = _pair(name, kwargs)
    expected = _np(theirs(images, training=False))
    x = torch.from_numpy(images)
    torch.testing.assert_close(ours(x, training=False), torch.from_numpy(expected), rtol=1e-6, atol=1e-4)
    # A bare call trains (Keras's default training=True); after torch's eval() it infers.
    first, twin = OURS[name](**kwargs, seed=4), OURS[name](**kwargs, seed=4)
    torch.testing.assert_close(first(x), twin(x, training=True), rtol=0, atol=0)
    torch.testing.assert_close(first.eval()(x), ours(x, training=False), rtol=0, atol=0)
    if name != "AutoContrast":
        np.testing.assert_array_equal(expected, images)  # Keras's identity in inference
    # Integer images come back as float32 (keraton's rule for every augmentation layer).
    assert ours(x.to(torch.uint8)).dtype == torch.float32
    assert ours(x.to(torch.uint8), training=True).dtype == torch.float32


def _draw_stats(layer, n, keras_layer=False):
    zeros = np.zeros((n, 1, 1, 3), "float32")
    if keras_layer:
        t = layer.get_random_transformation(keras.ops.convert_to_tensor(zeros), training=True)
        t = _torch_transformation(t)
    else:
        t = layer.get_random_transformation(torch.from_numpy(zeros))
    t = t if isinstance(t, dict) else {"apply": t}
    return {k: v.to(torch.float64).flatten() for k, v in t.items()}


@pytest.mark.parametrize("name, kwargs", RANDOM_CASES, ids=_ids(RANDOM_CASES))
def test_random_draws_follow_keras_distribution(name, kwargs):
    n = 20000
    ours, theirs = _pair(name, kwargs, seed=3)
    got, expected = _draw_stats(ours, n), _draw_stats(theirs, n, keras_layer=True)
    assert got.keys() == expected.keys()
    for key in got:
        g, e = got[key], expected[key]
        spread = float(e.max() - e.min()) or 1.0
        assert abs(float(g.mean() - e.mean())) < 0.03 * spread, key
        assert abs(float(g.std() - e.std())) < 0.03 * spread, key
        assert float(g.min()) >= float(e.min()) - 0.01 * spread and float(g.max()) <= float(e.max()) + 0.01 * spread
        assert abs(float(g.min() - e.min())) < 0.02 * spread and abs(float(g.max() - e.max())) < 0.02 * spread
        if name == "RandomPosterization":
            assert set(g.tolist()) == set(e.tolist())  # Keras's randint excludes the upper bound


def test_draw_semantics_by_hand():
    torch.manual_seed(0)
    n = 20000
    hue = RandomHue((0.2, 0.6)).get_random_transformation(torch.zeros(n, 1, 1, 3))["factor"]
    assert 0.1 <= float(hue.abs().min()) and float(hue.abs().max()) <= 0.3
    assert abs(float((hue > 0).double().mean()) - 0.5) < 0.02  # either way round the wheel
    invert = RandomInvert().get_random_transformation(torch.zeros(n, 1, 1, 3))["apply_inversion"]
    assert abs(float(invert.double().mean()) - 0.5) < 0.02  # factor 1.0 -> p ~ U(0, 1): one in two
    gray = RandomGrayscale(0.3).get_random_transformation(torch.zeros(n, 1, 1, 3))
    assert abs(float(gray.double().mean()) - 0.3) < 0.02
    delta = RandomBrightness((-0.2, 0.5), value_range=(0, 2)).get_random_transformation(torch.zeros(n, 1, 1, 3))
    assert -0.4 <= float(delta["rgb_delta"].min()) and float(delta["rgb_delta"].max()) <= 1.0
    # A layer's seed makes its draws reproducible.
    x = torch.from_numpy(IMAGES)
    for make in (lambda: RandomHue(0.5, seed=9), lambda: RandomColorJitter(brightness_factor=0.3,
                                                                          hue_factor=0.2, seed=9)):
        torch.testing.assert_close(make()(x, training=True), make()(x, training=True))


class _Recorder(Layer):
    """Keeps what reaches it, to see the augmentation inside fit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs):
        self.seen.append(inputs.detach().clone())
        return inputs


MODEL_CASES = [
    ("RandomBrightness", {"factor": 0.3, "value_range": (0, 1)}),
    ("RandomGrayscale", {"factor": 1.0}),
    ("RandomSaturation", {"factor": (0.1, 0.3), "value_range": (0, 1)}),
    ("RandomHue", {"factor": (0.3, 0.5), "value_range": (0, 1)}),
    ("RandomColorDegeneration", {"factor": (0.5, 0.9), "value_range": (0, 1)}),
    ("RandomInvert", {"factor": (1.0, 1.0), "value_range": (0, 1)}),
    ("RandomPosterization", {"factor": (1, 2), "value_range": (0, 1)}),
    ("Solarization", {"value_range": (0, 1)}),
    ("RandomSharpness", {"factor": (0.9, 1.0), "value_range": (0, 1)}),
    ("AutoContrast", {"value_range": (0, 1)}),
    ("Equalization", {"value_range": (0, 1)}),
    ("RandomColorJitter", {"value_range": (0, 1), "brightness_factor": 0.2, "contrast_factor": 0.3,
                           "saturation_factor": 0.4, "hue_factor": 0.3}),
]


@pytest.mark.parametrize("functional", [False, True])
@pytest.mark.parametrize("name, kwargs", MODEL_CASES, ids=_ids(MODEL_CASES))
def test_inside_fit_active_and_predict_as_keras(name, kwargs, functional):
    keraton.backend.clear_session()
    x = UNIT[:2]
    augment, recorder = OURS[name](**kwargs, seed=1) if "seed" in OURS[name].__init__.__code__.co_varnames \
        else OURS[name](**kwargs), _Recorder()
    if functional:
        inputs = keraton.Input((6, 7, 3))
        outputs = Dense(1)(Flatten()(recorder(augment(inputs))))
        model = keraton.Model(inputs, outputs)
    else:
        model = keraton.Sequential([keraton.Input((6, 7, 3)), augment, recorder, Flatten(), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    recorder.seen.clear()
    model.fit(x, np.zeros((2, 1), "float32"), batch_size=2, epochs=1, verbose=0)
    assert len(recorder.seen) == 1 and not torch.allclose(recorder.seen[0], torch.from_numpy(x))
    recorder.seen.clear()
    model.predict(x, verbose=0)
    expected = _np(getattr(keras.layers, name)(**kwargs)(x, training=False))
    np.testing.assert_allclose(recorder.seen[0].numpy(), expected, rtol=1e-6, atol=1e-6)


def test_argument_errors_and_channel_checks():
    for make, match in [
        (lambda: RandomBrightness(1.5), "factor"),
        (lambda: RandomBrightness(0.2, value_range=(0, 1, 2)), "value_range"),
        (lambda: RandomSaturation("x"), "factor"),
        (lambda: RandomHue(-0.5), "factor"),
        (lambda: RandomGrayscale(1.2), "between 0 and 1"),
        (lambda: RandomInvert(2.0), "factor"),
        (lambda: RandomPosterization(0), "factor"),
        (lambda: RandomPosterization(9), "factor"),
        (lambda: Solarization(addition_factor=1.5), "addition_factor"),
        (lambda: Solarization(threshold_factor=(0.1, 0.2, 0.3)), "threshold_factor"),
        (lambda: AutoContrast(value_range=5), "value_range"),
        (lambda: Equalization(value_range=(0,)), "value_range"),
        (lambda: RandomSharpness(1.1), "factor"),
        (lambda: RandomColorDegeneration(0.5, value_range="0-255"), "value_range"),
    ]:
        with pytest.raises(ValueError, match=match):
            make()
    # Keras refuses the same arguments.
    for make in (lambda m: m.RandomBrightness(1.5), lambda m: m.RandomPosterization(9),
                 lambda m: m.Solarization(addition_factor=1.5), lambda m: m.AutoContrast(value_range=5)):
        with pytest.raises(ValueError):
            make(keras.layers)
    with pytest.raises(ValueError, match="3 channels"):
        RandomColorDegeneration(0.5).compute_output_shape((None, 4, 4, 4))
    with pytest.raises(ValueError, match="3 channels"):
        RandomSaturation(0.5)(torch.rand(1, 4, 4, 4), training=True)
    with pytest.raises(ValueError, match=r"'random_hue.*min_ndim=3"):
        RandomHue(0.5)(torch.rand(4, 4), training=True)
    assert RandomGrayscale(1.0)(torch.rand(2, 4, 4, 1), training=True).shape == (2, 4, 4, 1)


@pytest.mark.parametrize("name", sorted(OURS))
def test_constructor_signature_is_keras(name):
    import inspect

    def signature(cls):
        return [(p.name, p.default) for p in inspect.signature(cls.__init__).parameters.values()]

    assert signature(OURS[name]) == signature(getattr(keras.layers, name))


FACTOR_PROBES = [-1.5, -1, -0.4, 0, 0.3, 1, 1.5, 3, 8, 9, (0.6, 0.2), (-2, -1.5), (-0.5, 0.5), (2, 6),
                 (0.1, 0.2, 0.3), "0.5", None]
FACTOR_ARGS = {"RandomBrightness": "factor", "RandomGrayscale": "factor", "RandomSaturation": "factor",
               "RandomHue": "factor", "RandomColorDegeneration": "factor", "RandomInvert": "factor",
               "RandomPosterization": "factor", "RandomSharpness": "factor",
               "Solarization": "addition_factor"}


@pytest.mark.parametrize("name", sorted(FACTOR_ARGS))
def test_factor_validation_and_standardization_are_keras(name):
    arg = FACTOR_ARGS[name]
    for factor in FACTOR_PROBES:
        try:
            theirs = getattr(keras.layers, name)(**{arg: factor})
        except Exception:  # Keras refuses some with a TypeError (a comparison with a tuple)
            theirs = None
        if theirs is None:
            with pytest.raises(ValueError, match=arg):
                OURS[name](**{arg: factor})
        else:
            assert getattr(OURS[name](**{arg: factor}), arg) == getattr(theirs, arg), factor


def test_input_tensor_is_not_modified():
    x = torch.from_numpy(IMAGES.copy())
    for layer in (RandomBrightness((0.2, 0.2)), RandomInvert((1.0, 1.0)), Solarization(), AutoContrast(),
                  RandomColorJitter(brightness_factor=(0.1, 0.1))):
        layer(x, training=True)
        np.testing.assert_array_equal(x.numpy(), IMAGES)  # Keras's RandomBrightness adds in place
