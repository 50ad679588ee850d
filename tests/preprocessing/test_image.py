"""ImageDataGenerator against Keras 3's legacy (Keras 2) copy: seeded batches must be identical."""

import numpy as np
import pytest

import keraton
from keraton.preprocessing.image import (
    ImageDataGenerator,
    apply_affine_transform,
    array_to_img,
    img_to_array,
    load_img,
)


@pytest.fixture
def legacy():
    pytest.importorskip("keras")
    from keras.src.legacy.preprocessing import image
    return image


@pytest.fixture
def images():
    return np.random.default_rng(0).uniform(0, 255, size=(7, 10, 12, 3)).astype("float32")


AUGMENTATIONS = [
    {"rescale": 1 / 255},
    {"rotation_range": 30},
    {"width_shift_range": 0.2, "height_shift_range": 3},
    {"width_shift_range": [1, 2], "fill_mode": "constant", "cval": 5.0},
    {"zoom_range": 0.3, "fill_mode": "reflect"},
    {"zoom_range": [0.8, 1.1], "shear_range": 15, "fill_mode": "wrap"},
    {"horizontal_flip": True, "vertical_flip": True},
    {"channel_shift_range": 20.0},
    {"samplewise_center": True, "samplewise_std_normalization": True},
    {"rotation_range": 10, "horizontal_flip": True, "rescale": 2.0, "interpolation_order": 0},
    {"brightness_range": (0.5, 1.5)},
]


@pytest.mark.parametrize("kwargs", AUGMENTATIONS)
def test_flow_matches_keras2(legacy, images, kwargs):
    y = np.arange(7)
    ours = ImageDataGenerator(**kwargs).flow(images, y, batch_size=3, seed=11)
    theirs = legacy.ImageDataGenerator(**kwargs).flow(images, y, batch_size=3, seed=11)
    assert len(ours) == len(theirs) == 3
    for i in range(3):
        (xa, ya), (xb, yb) = ours[i], theirs[i]
        np.testing.assert_allclose(xa, xb, rtol=1e-5, atol=1e-4)
        np.testing.assert_array_equal(ya, yb)


def test_featurewise_fit_matches_keras2(legacy, images):
    kwargs = {"featurewise_center": True, "featurewise_std_normalization": True, "rescale": 0.5}
    ours, theirs = ImageDataGenerator(**kwargs), legacy.ImageDataGenerator(**kwargs)
    ours.fit(images)
    theirs.fit(images)
    np.testing.assert_allclose(ours.mean, theirs.mean, rtol=1e-6)
    np.testing.assert_allclose(ours.std, theirs.std, rtol=1e-6)
    np.testing.assert_allclose(ours.mean.reshape(-1), (images * 0.5).mean(axis=(0, 1, 2)), rtol=1e-5)
    batch = ours.flow(images, batch_size=7, shuffle=False)[0]
    np.testing.assert_allclose(batch.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(batch.std(axis=(0, 1, 2)), 1, atol=1e-4)


def test_validation_split_and_sample_weight(images):
    gen = ImageDataGenerator(validation_split=0.3)
    y, w = np.arange(7), np.linspace(0, 1, 7)
    val = gen.flow(images, y, batch_size=10, shuffle=False, subset="validation")
    train = gen.flow(images, y, sample_weight=w, batch_size=10, shuffle=False, subset="training")
    assert val[0][1].tolist() == [0, 1] and train[0][1].tolist() == [2, 3, 4, 5, 6]
    np.testing.assert_allclose(train[0][2], w[2:])


def test_hand_computed_transforms():
    x = np.arange(9.0).reshape(1, 3, 3)
    np.testing.assert_allclose(apply_affine_transform(x, theta=90)[0], np.rot90(x[0], k=1), atol=1e-12)
    shifted = apply_affine_transform(x, ty=1, fill_mode="constant", cval=-1)[0]
    # Keras 2 applies ``ty`` along the rows for (row, col) images (its argument names are swapped).
    np.testing.assert_array_equal(shifted, [[3, 4, 5], [6, 7, 8], [-1, -1, -1]])
    flipped = ImageDataGenerator().apply_transform(np.arange(6.0).reshape(1, 2, 3).transpose(1, 2, 0),
                                                   {"flip_horizontal": True})
    np.testing.assert_array_equal(flipped[:, :, 0], [[2, 1, 0], [5, 4, 3]])


@pytest.fixture
def image_dir(tmp_path):
    rng = np.random.default_rng(1)
    for cls in ["a", "b"]:
        (tmp_path / cls).mkdir()
        for i in range(5):
            array_to_img(rng.uniform(0, 255, (9, 11, 3)), scale=False).save(tmp_path / cls / f"{i}.png")
    return str(tmp_path)


@pytest.mark.parametrize("kwargs", [
    {"class_mode": "categorical"}, {"class_mode": "binary", "color_mode": "grayscale"},
    {"class_mode": "sparse", "target_size": (5, 6)}, {"class_mode": None},
    {"class_mode": "input", "target_size": (9, 11)},
])
@pytest.mark.parametrize("gen_kwargs", [{}, {"rotation_range": 20, "horizontal_flip": True,
                                             "rescale": 1 / 255}])
def test_flow_from_directory_matches_keras2(legacy, image_dir, kwargs, gen_kwargs):
    kwargs = {"target_size": (8, 8), "batch_size": 4, "seed": 3, **kwargs}
    ours = ImageDataGenerator(**gen_kwargs).flow_from_directory(image_dir, **kwargs)
    theirs = legacy.ImageDataGenerator(**gen_kwargs).flow_from_directory(image_dir, **kwargs)
    assert ours.filenames == theirs.filenames and ours.class_indices == theirs.class_indices
    np.testing.assert_array_equal(ours.classes, theirs.classes)
    for i in range(len(theirs)):
        a, b = ours[i], theirs[i]
        a, b = (a, b) if isinstance(a, tuple) else ((a,), (b,))
        for u, v in zip(a, b):
            np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-4)


def test_flow_from_directory_subset(legacy, image_dir):
    gen = ImageDataGenerator(validation_split=0.4)
    val = gen.flow_from_directory(image_dir, subset="validation", shuffle=False)
    train = gen.flow_from_directory(image_dir, subset="training", shuffle=False)
    assert val.filenames == [f"{c}/{i}.png" for c in "ab" for i in (0, 1)]
    assert len(train.filenames) == 6 and train.classes.tolist() == [0, 0, 0, 1, 1, 1]
    theirs = legacy.ImageDataGenerator(validation_split=0.4).flow_from_directory(
        image_dir, subset="training", shuffle=False)
    assert theirs.filenames == train.filenames


def test_next_and_fit_take_the_iterators(images):
    gen = ImageDataGenerator(rescale=1 / 255, horizontal_flip=True)
    it = gen.flow(images, np.eye(2)[np.arange(7) % 2], batch_size=4, seed=0)
    x, y = next(it)
    assert x.shape == (4, 10, 12, 3) and y.shape == (4, 2)
    model = keraton.Sequential([keraton.Input((10, 12, 3)), keraton.layers.Flatten(),
                                keraton.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert len(model.fit(it, epochs=2, verbose=0).history["loss"]) == 2


@pytest.mark.parametrize("kwargs,match", [
    ({"zoom_range": "big"}, "zoom_range"), ({"fill_mode": "mirror"}, "fill_mode"),
    ({"validation_split": 1.5}, "validation_split"), ({"brightness_range": 0.5}, "brightness_range"),
    ({"data_format": "nhwc"}, "data_format"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ImageDataGenerator(**kwargs)


def test_bad_inputs(images):
    with pytest.raises(ValueError, match="rank 4"):
        ImageDataGenerator().flow(images[0])
    with pytest.raises(ValueError, match="same length"):
        ImageDataGenerator().flow(images, np.arange(3))
    with pytest.raises(ValueError, match="fit"):
        ImageDataGenerator(featurewise_center=True).flow(images)[0]


def test_keras2_image_helpers_are_exported():
    x = np.zeros((2, 2, 3))
    assert img_to_array(array_to_img(x)).shape == (2, 2, 3) and callable(load_img)


def test_missing_scipy_names_the_package(monkeypatch, images):
    import sys
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.ndimage", None)
    with pytest.raises(ImportError, match="pip install scipy"):
        ImageDataGenerator(rotation_range=10).flow(images, seed=0)[0]
