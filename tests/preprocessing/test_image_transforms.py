"""tf.keras 2's random image transforms, seeded through NumPy's global RNG as tf.keras 2.15.

Outputs from ``tests/fixtures/make_tf2_keras2_names_fixtures.py`` (``np.random.seed(3)``
before each call).
"""

import json
import os

import numpy as np
import pytest

pytest.importorskip("scipy")

from keraton.preprocessing import image_transforms  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                       "tf2_keras2_names.npz")
DATA = np.load(FIXTURE)
CONFIGS = json.loads(str(DATA["configs"]))


@pytest.mark.parametrize("case", sorted(CONFIGS["image_cases"]))
def test_random_transform_matches_tf_keras2(case):
    fn, source, args, kwargs = CONFIGS["image_cases"][case]
    args = [tuple(a) if isinstance(a, list) else a for a in args]
    np.random.seed(3)
    out = getattr(image_transforms, fn)(DATA[source], *args, **kwargs)
    expected = DATA[f"image_{case}"]
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-5)


def test_apply_functions():
    np.testing.assert_allclose(image_transforms.apply_channel_shift(DATA["img"], 30.0),
                               DATA["image_apply_channel_shift"], rtol=1e-6)
    np.testing.assert_allclose(image_transforms.apply_brightness_shift(DATA["img_last"], 1.3),
                               DATA["image_apply_brightness"], atol=1e-5)


@pytest.mark.parametrize(("fn", "args", "match"), [
    ("random_zoom", ((0.5,),), "zoom_range"),
    ("random_brightness", ((0.5, 1.0, 2.0),), "brightness_range"),
    ("random_rotation", (10,), "rank-3"),
])
def test_bad_input(fn, args, match):
    image = DATA["img"] if fn != "random_rotation" else DATA["img"][0]
    with pytest.raises(ValueError, match=match):
        getattr(image_transforms, fn)(image, *args)


def test_zoom_error_names_argument_like_tf_keras2():
    assert "zoom_range" in CONFIGS["zoom_error"]
