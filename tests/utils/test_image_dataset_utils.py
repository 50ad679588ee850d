"""image_dataset_from_directory: order (vs Keras's indexing), labels, resizing, splits, fit."""

import os

import numpy as np
import pytest

import keraton
from keraton.utils import image_dataset_from_directory


@pytest.fixture
def image_dir(tmp_path):
    from PIL import Image
    root = tmp_path / "images"
    for c, cls in enumerate(["cats", "dogs", "eels"]):
        (root / cls).mkdir(parents=True)
        for i in range(4 + c):
            value = 10 * c + i
            Image.fromarray(np.full((6, 8, 3), value, np.uint8)).save(root / cls / f"{i}.png")
    (root / "cats" / "notes.txt").write_text("not an image")
    return str(root)


def _collect(ds):
    xs, ys = zip(*[ds[i] for i in range(len(ds))])
    return np.concatenate(xs), np.concatenate(ys)


def test_order_and_labels_match_keras_index(image_dir):
    pytest.importorskip("keras")
    from keras.src.utils.dataset_utils import index_directory
    ds = image_dataset_from_directory(image_dir, image_size=(6, 8), batch_size=4, seed=3, verbose=False)
    paths, labels, names = index_directory(image_dir, "inferred", (".png",), shuffle=True, seed=3,
                                           verbose=False)
    assert ds.class_names == names == ["cats", "dogs", "eels"]
    assert ds.file_paths == paths
    x, y = _collect(ds)
    assert x.shape == (15, 6, 8, 3) and x.dtype == np.float32 and y.dtype == np.int32
    np.testing.assert_array_equal(y, labels)
    expected = [10 * lab + int(os.path.basename(p)[0]) for p, lab in zip(paths, labels)]
    np.testing.assert_array_equal(x[:, 0, 0, 0], expected)


@pytest.mark.parametrize("label_mode", ["int", "categorical", None])
def test_label_modes_resize_and_grayscale(image_dir, label_mode):
    ds = image_dataset_from_directory(image_dir, label_mode=label_mode, image_size=(3, 4),
                                      color_mode="grayscale", batch_size=5, shuffle=False,
                                      verbose=False)
    batch = ds[0]
    x = batch if label_mode is None else batch[0]
    assert x.shape == (5, 3, 4, 1) and len(ds) == 3
    np.testing.assert_allclose(x[:, 1, 1, 0], [0, 1, 2, 3, 10])  # constant images survive resizing
    if label_mode == "categorical":
        np.testing.assert_array_equal(batch[1], np.eye(3, dtype="float32")[[0, 0, 0, 0, 1]])


def test_binary_and_class_names_subset(image_dir):
    ds = image_dataset_from_directory(image_dir, label_mode="binary", class_names=["eels", "cats"],
                                      image_size=(6, 8), shuffle=False, verbose=False)
    x, y = ds[0]
    assert y.shape == (10, 1) and y.dtype == np.float32
    assert y[:, 0].tolist() == [0.0] * 6 + [1.0] * 4


def test_validation_split(image_dir):
    train, val = image_dataset_from_directory(image_dir, image_size=(6, 8), validation_split=0.2,
                                              subset="both", seed=1, verbose=False)
    assert len(train.file_paths) == 12 and len(val.file_paths) == 3
    assert not set(train.file_paths) & set(val.file_paths)
    only_val = image_dataset_from_directory(image_dir, image_size=(6, 8), validation_split=0.2,
                                            subset="validation", seed=1, verbose=False)
    assert only_val.file_paths == val.file_paths


def test_resize_bilinear_matches_half_pixel_hand_value():
    from keraton.utils.image_dataset_utils import resize_image
    image = np.array([[0.0, 10.0], [20.0, 30.0]])[:, :, None]
    out = resize_image(image, (4, 4))
    # Half-pixel centres: output pixel 1 samples input coordinate 0.25.
    np.testing.assert_allclose(out[1, 1, 0], 0.25 * 10 + 0.25 * 20)
    np.testing.assert_allclose(out[0, 0, 0], 0.0)


@pytest.mark.parametrize("kwargs,match", [
    ({"label_mode": "binary"}, "exactly 2"),
    ({"label_mode": "sparse"}, "label_mode"),
    ({"color_mode": "cmyk"}, "color_mode"),
    ({"validation_split": 0.2}, "subset"),
    ({"validation_split": 0.2, "subset": "training"}, "seed"),
    ({"class_names": ["wolves"]}, "class_names"),
])
def test_bad_arguments(image_dir, kwargs, match):
    with pytest.raises(ValueError, match=match):
        image_dataset_from_directory(image_dir, verbose=False, **kwargs)


def test_missing_directory():
    with pytest.raises(ValueError, match="Could not find directory"):
        image_dataset_from_directory("/nonexistent/keraton", verbose=False)


def test_fit_takes_image_dataset(image_dir):
    ds = image_dataset_from_directory(image_dir, image_size=(6, 8), batch_size=4, seed=0,
                                      label_mode="categorical", verbose=False)
    model = keraton.Sequential([keraton.Input((6, 8, 3)), keraton.layers.Rescaling(1 / 255),
                                keraton.layers.Flatten(), keraton.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    assert len(model.fit(ds, epochs=2, verbose=0).history["loss"]) == 2
