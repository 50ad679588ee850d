"""``keraton.visualization`` against Keras 3 (masks, galleries) and hand-made pictures (boxes).

Keras draws boxes with OpenCV, which is not installed here (Keras's
``draw_bounding_boxes`` then raises ``ImportError``), so keraton's NumPy
rectangles are checked pixel by pixel against a hand-drawn outline.
"""

import os

import numpy as np
import pytest
import torch

from keraton import visualization

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, (2, 6, 7, 3)).astype("float32")
MASKS = RNG.integers(-1, 4, (2, 6, 7, 1)).astype("int32")


COLORS = {0: (255, 0, 0), 1: (0, 0, 255), 2: (0, 9, 0), 3: (1, 2, 3)}


# Keras on torch raises for class values >= num_classes (torch's one_hot): all values are in range here.
@pytest.mark.parametrize("kwargs", [{"num_classes": 4}, {"num_classes": 4, "alpha": 0.3},
                                    {"num_classes": 4, "color_mapping": COLORS},
                                    {"num_classes": 4, "ignore_index": 2}, {"num_classes": 4, "blend": False}])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_draw_segmentation_masks_matches_keras(kwargs, data_format):
    images, masks = IMAGES, MASKS
    if data_format == "channels_first":
        images, masks = images.transpose(0, 3, 1, 2), masks.transpose(0, 3, 1, 2)
    got = visualization.draw_segmentation_masks(torch.from_numpy(images), masks, data_format=data_format, **kwargs)
    expected = keras.visualization.draw_segmentation_masks(images.copy(), masks.copy(), data_format=data_format,
                                                           **kwargs)
    got, expected = np.asarray(got), keras.ops.convert_to_numpy(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    with pytest.raises(TypeError, match="integer dtype"):
        visualization.draw_segmentation_masks(images, masks.astype("float32"), data_format=data_format)


def test_draw_segmentation_masks_leaves_classes_beyond_num_classes():
    # Keras's default num_classes is the largest class value, which is then not painted
    # (keraton follows Keras's TensorFlow backend there; its torch backend raises).
    got = visualization.draw_segmentation_masks(IMAGES, MASKS, alpha=1.0, color_mapping=COLORS)
    top = MASKS[..., 0] == MASKS.max()
    np.testing.assert_array_equal(got[top], IMAGES.astype("uint8")[top])
    np.testing.assert_array_equal(got[MASKS[..., 0] == 1], np.tile(np.array([[0, 0, 255]], "uint8"),
                                                                  ((MASKS == 1).sum(), 1)))


@pytest.mark.parametrize("fmt", ["xyxy", "rel_yxyx"])
def test_draw_bounding_boxes_draws_outlines(fmt):
    images = np.zeros((2, 10, 12, 3), "float32")  # float in [0, 1]: scaled by 255 as Keras
    boxes = np.array([[[2, 1, 9, 6], [0, 0, 3, 3]], [[5, 5, 11, 9], [1, 1, 2, 2]]], "float32")
    labels = np.array([[0, -1], [1, 1]])  # -1: not drawn
    boxes_in_format = keras.ops.convert_to_numpy(keras.utils.bounding_boxes.convert_format(
        boxes.copy(), "xyxy", fmt, height=10, width=12))
    got = visualization.draw_bounding_boxes(images, {"boxes": boxes_in_format, "labels": labels}, fmt,
                                            color=(255, 0, 10), line_thickness=1)
    assert got.dtype == np.uint8 and got.shape == images.shape
    expected = np.zeros((2, 10, 12), "uint8")
    for i, j in ((0, 0), (1, 0), (1, 1)):
        x1, y1, x2, y2 = boxes[i, j].astype(int)
        expected[i, y1:y2 + 1, [x1, x2]] = 255
        expected[i, [y1, y2], x1:x2 + 1] = 255
    np.testing.assert_array_equal(got[..., 0], expected)
    np.testing.assert_array_equal(got[..., 2], expected // 255 * 10)
    thick = visualization.draw_bounding_boxes(np.zeros((1, 10, 12, 3), "uint8"),
                                              {"boxes": boxes[:1, :1], "labels": labels[:1, :1]}, "xyxy",
                                              color=(9, 9, 9), line_thickness=2)
    assert thick[0, 0:3, 1:11, 0].min() == 9 and thick[0, 3, 4, 0] == 0  # a 3-pixel band, hollow inside
    with pytest.raises(ValueError, match="'boxes' and 'labels'"):
        visualization.draw_bounding_boxes(images, {"boxes": boxes}, "xyxy")
    with pytest.raises(TypeError, match="should be a dict"):
        visualization.draw_bounding_boxes(images, boxes, "xyxy")
    with pytest.raises(ValueError, match="batched 4D"):
        visualization.draw_bounding_boxes(images[0], {"boxes": boxes, "labels": labels}, "xyxy")


def _png_pixels(path):
    from matplotlib import image

    return image.imread(path)


def test_plot_image_and_mask_galleries_match_keras(tmp_path):
    images = IMAGES[..., :3]
    kwargs = {"y_true": np.array([0, 1]), "label_map": {0: "cat", 1: "dog"}, "value_range": (0, 255)}
    visualization.plot_image_gallery(images, path=str(tmp_path / "ours.png"), **kwargs)
    keras.visualization.plot_image_gallery(images.copy(), path=str(tmp_path / "theirs.png"), **kwargs)
    np.testing.assert_array_equal(_png_pixels(tmp_path / "ours.png"), _png_pixels(tmp_path / "theirs.png"))

    visualization.plot_segmentation_mask_gallery(images, num_classes=4, y_true=MASKS, y_pred=MASKS[::-1],
                                                 path=str(tmp_path / "ours_masks.png"))
    keras.visualization.plot_segmentation_mask_gallery(images.copy(), num_classes=4, y_true=MASKS.copy(),
                                                       y_pred=MASKS[::-1].copy(),
                                                       path=str(tmp_path / "theirs_masks.png"))
    np.testing.assert_array_equal(_png_pixels(tmp_path / "ours_masks.png"),
                                  _png_pixels(tmp_path / "theirs_masks.png"))
    with pytest.raises(ValueError, match="label_map"):
        visualization.plot_image_gallery(images, y_true=np.array([0, 1]), path=str(tmp_path / "x.png"))
    with pytest.raises(ValueError, match="either `path`"):
        visualization.plot_image_gallery(images, path=str(tmp_path / "x.png"), show=True)


def test_plot_bounding_box_gallery_saves_a_figure(tmp_path):
    boxes = {"boxes": np.array([[[1, 1, 5, 4]], [[0, 0, 6, 5]]], "float32"), "labels": np.array([[0], [1]])}
    path = tmp_path / "boxes.png"
    visualization.plot_bounding_box_gallery(IMAGES, "xyxy", y_true=boxes, y_pred=boxes, legend=True, path=str(path))
    assert path.exists() and _png_pixels(path).ndim == 3
    with pytest.raises(ValueError, match="legend"):
        visualization.plot_bounding_box_gallery(IMAGES, "xyxy", y_true=boxes, legend=True, legend_handles=[1],
                                                path=str(path))
