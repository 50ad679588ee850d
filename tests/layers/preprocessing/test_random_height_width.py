"""RandomHeight / RandomWidth (tf.keras 2 layers) against tf.keras 2.15.

TensorFlow's random streams cannot be reproduced, so the fixture
(``tests/fixtures/make_tf2_experimental_layers_fixtures.py``) fixes the factor
(``factor=(f, f)`` draws exactly ``1 + f``): the resized pixels of each of
``tf.image.resize``'s eight methods, sizes, inference, dtypes and configs.
"""

import json
import os

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.preprocessing.image_preprocessing.random_height_width import (
    RandomHeight,
    RandomWidth,
)
from keraton.layers.preprocessing.image_preprocessing.tf_resize import (
    TF_RESIZE_METHODS,
    tf_resize_matrix,
)

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "fixtures", "tf2_experimental_layers.npz")
CLASSES = {"RandomHeight": RandomHeight, "RandomWidth": RandomWidth}


@pytest.fixture(scope="module")
def tf2():
    data = np.load(FIXTURE)
    return data, json.loads(str(data["configs"]))


@pytest.mark.parametrize("cls", sorted(CLASSES))
@pytest.mark.parametrize("factor,tag", [((0.5, 0.5), "up"), ((-0.4, -0.4), "down")])
@pytest.mark.parametrize("interpolation", TF_RESIZE_METHODS)
def test_fixed_factor_resize_matches_tf_keras_2(tf2, cls, factor, tag, interpolation):
    data, _ = tf2
    layer = CLASSES[cls](factor, interpolation=interpolation, seed=3)
    y = layer(torch.from_numpy(data["images"]), training=True)
    expected = data[f"{cls}_{tag}_{interpolation}"]
    assert tuple(y.shape) == expected.shape and y.dtype == torch.float32
    # Pixels in [0, 255]: float32 rounding of TF's two resize passes.
    np.testing.assert_allclose(y.numpy(), expected, rtol=0, atol=2e-4)


@pytest.mark.parametrize("cls", sorted(CLASSES))
def test_inference_returns_input_and_config_and_shape_match(tf2, cls):
    data, configs = tf2
    layer = CLASSES[cls](0.2, interpolation="nearest", seed=5)
    images = torch.from_numpy(data["images"])
    assert torch.equal(layer(images, training=False), images)
    model = keraton.Sequential([keraton.Input((5, 6, 3)), layer])
    np.testing.assert_array_equal(model.predict(data["images"], verbose=0), data[f"{cls}_inference"])
    config = {k: v for k, v in layer.get_config().items() if k not in ("name", "dtype")}
    assert config == {k: v for k, v in configs[cls].items() if k not in ("name", "dtype")}
    assert list(layer.compute_output_shape((None, 5, 6, 3))) == configs[f"{cls}_output_shape"]


def test_output_size_is_known_only_where_every_draw_keeps_it():
    assert RandomHeight((0.0, 0.1)).compute_output_shape((None, 5, 6, 3)) == (None, 5, 6, 3)
    assert RandomHeight((0.0, 0.2)).compute_output_shape((None, 5, 6, 3)) == (None, None, 6, 3)
    assert RandomWidth((-0.1, 0.0)).compute_output_shape((5, 6, 3)) == (5, None, 3)
    assert RandomWidth(0.0).compute_output_shape((5, None, 3)) == (5, None, 3)


def test_integer_images_come_back_float(tf2):
    data, _ = tf2
    y = RandomHeight((0.5, 0.5))(torch.from_numpy(data["int_images"]), training=True)
    assert y.dtype == torch.float32
    np.testing.assert_allclose(y.numpy(), data["int_height"], atol=1e-4)


@pytest.mark.parametrize("cls,axis", [(RandomHeight, 0), (RandomWidth, 1)])
def test_random_sizes_stay_in_the_factor_range_and_follow_the_seed(cls, axis):
    images = torch.rand(20, 20, 3)  # one unbatched image
    sizes = {cls((-0.3, 0.2), seed=seed)(images, training=True).shape[axis] for seed in range(30)}
    assert min(sizes) >= 14 and max(sizes) <= 24 and len(sizes) > 3
    assert images.shape[1 - axis] == cls(0.2)(images, training=True).shape[1 - axis]
    first = cls(0.5, seed=7)(images, training=True)
    again = cls(0.5, seed=7)(images, training=True)
    assert torch.equal(first, again)


def test_matrices_are_identity_where_the_kernel_vanishes_at_integers():
    for method in ("bilinear", "nearest", "bicubic", "area", "lanczos3"):
        torch.testing.assert_close(tf_resize_matrix(5, 5, method), torch.eye(5), atol=1e-6, rtol=0)
    for method in TF_RESIZE_METHODS:  # every row is a weighted mean
        torch.testing.assert_close(tf_resize_matrix(4, 7, method).sum(1), torch.ones(7))


def test_models_with_them_round_trip_and_train(tmp_path):
    model = keraton.Sequential([keraton.Input((6, 6, 2)), RandomHeight(0.2, interpolation="bicubic", seed=1),
                                RandomWidth((0.1, 0.3), seed=2), keraton.layers.GlobalAveragePooling2D(),
                                keraton.layers.Dense(1)])
    assert model.output_shape == (None, 1)
    x = np.random.default_rng(0).standard_normal((4, 6, 6, 2)).astype("float32")
    expected = model.predict(x, verbose=0)
    rebuilt = keraton.models.model_from_json(model.to_json())
    assert [type(layer).__name__ for layer in rebuilt.layers[:2]] == ["RandomHeight", "RandomWidth"]
    assert rebuilt.layers[1].get_config()["factor"] in ((0.1, 0.3), [0.1, 0.3])
    model.save(tmp_path / "m.keras")
    loaded = keraton.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)
    model.compile("sgd", "mse")
    history = model.fit(x, np.zeros((4, 1)), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize("kwargs,error", [
    ({"factor": (0.3, 0.1)}, ValueError),
    ({"factor": -1.5}, ValueError),
    ({"factor": (-1.5, 0.1)}, ValueError),
    ({"factor": "big"}, ValueError),
    ({"factor": 0.1, "interpolation": "cubic"}, NotImplementedError),
])
def test_bad_arguments(kwargs, error):
    for cls in CLASSES.values():
        with pytest.raises(error, match="factor|interpolation"):
            cls(**kwargs)


def test_bad_inputs():
    with pytest.raises(ValueError, match="min_ndim=3"):
        RandomHeight(0.1)(torch.rand(4, 4), training=True)
    with pytest.raises(ValueError, match="not a dict"):
        RandomWidth(0.1)({"images": torch.rand(1, 4, 4, 3)}, training=True)
