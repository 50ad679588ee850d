"""Bounding boxes and segmentation masks through the image layers, against Keras 3.

Random layers: the transformation is drawn by the Keras layer and applied by
both (``transform_images`` / ``transform_bounding_boxes`` /
``transform_segmentation_masks``).  Deterministic settings: the dict call
``layer({"images", "bounding_boxes", "segmentation_masks", "labels"})`` of
both is compared.
"""

import os

import numpy as np
import pytest
import torch

from keraton import layers

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

RNG = np.random.default_rng(1)
IMAGES = RNG.uniform(0, 255, (2, 12, 16, 3)).astype("float32")
MASKS = RNG.integers(0, 4, (2, 12, 16, 1)).astype("int32")
BOXES = np.array([[[1, 2, 9, 7], [10, 3, 15, 11], [0, 0, 0, 0]],
                  [[4, 4, 12, 10], [2, 6, 5, 11], [-1, -1, -1, -1]]], "float32")
BOX_LABELS = np.array([[1, 2, -1], [0, 3, -1]], "int32")
LABELS = np.array([0, 1], "int32")


def keras_boxes(boxes=BOXES, labels=BOX_LABELS):
    return {"boxes": keras.ops.convert_to_tensor(boxes.copy()), "labels": keras.ops.convert_to_tensor(labels.copy())}


def as_numpy(x):
    return keras.ops.convert_to_numpy(x) if not isinstance(x, torch.Tensor) else x.detach().cpu().numpy()


def assert_close(got, expected, atol=1e-4):
    got, expected = as_numpy(got), as_numpy(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=atol)


RANDOM_CASES = [
    ("RandomFlip", {"mode": "horizontal"}),
    ("RandomFlip", {"mode": "vertical"}),
    ("RandomFlip", {}),
    ("RandomTranslation", {"height_factor": 0.3, "width_factor": 0.4, "fill_mode": "constant"}),
    ("RandomRotation", {"factor": 0.2}),
    ("RandomZoom", {"height_factor": (-0.4, 0.4), "width_factor": (-0.3, 0.5)}),
    ("RandomZoom", {"height_factor": 0.3}),
    ("RandomShear", {"x_factor": 0.3, "y_factor": 0.2}),
    ("RandomPerspective", {"scale": 0.4}),
    ("RandomCrop", {"height": 8, "width": 8}),
    ("RandomBrightness", {"factor": 0.3}),
    ("RandomContrast", {"factor": 0.3}),
    ("RandomErasing", {}),
]
IDS = [f"{name}-{'-'.join(map(str, kw))}" for name, kw in RANDOM_CASES]


def _square(name):
    # Keras 3.15.1's RandomCrop moves x by the vertical offset and y by the horizontal one: equal
    # offsets (a square image and crop) make the comparison fair.
    return name == "RandomCrop"


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name, kwargs", RANDOM_CASES, ids=IDS)
def test_keras_transformation_moves_boxes_and_masks_as_keras(name, kwargs, data_format):
    images, masks = IMAGES, MASKS
    if _square(name):
        images, masks = images[:, :12, :12], masks[:, :12, :12]
    if data_format == "channels_first":
        images, masks = images.transpose(0, 3, 1, 2), masks.transpose(0, 3, 1, 2)
    kwargs = dict(kwargs, bounding_box_format="xyxy", data_format=data_format)
    theirs = getattr(keras.layers, name)(**kwargs, seed=3)
    ours = getattr(layers, name)(**kwargs)
    for _ in range(3):
        drawn = theirs.get_random_transformation({"images": keras.ops.convert_to_tensor(images)}, training=True)
        if _square(name):  # both offsets equal
            drawn = (drawn[0], drawn[0])

        def fresh(drawn=drawn):
            # a copy per use: Keras's torch affine_transform writes into the rotation matrix
            return keras.tree.map_structure(lambda v: v.clone() if isinstance(v, torch.Tensor) else v, drawn)

        assert_close(ours.transform_images(torch.from_numpy(images), fresh()),
                     theirs.transform_images(keras.ops.convert_to_tensor(images), fresh()), atol=1e-3)
        got = ours.transform_bounding_boxes({"boxes": torch.from_numpy(BOXES), "labels": torch.from_numpy(BOX_LABELS)},
                                            fresh())
        expected = theirs.transform_bounding_boxes(keras_boxes(), fresh())
        assert_close(got["boxes"], expected["boxes"])
        np.testing.assert_array_equal(as_numpy(got["labels"]), as_numpy(expected["labels"]))
        got_masks = ours.transform_segmentation_masks(torch.from_numpy(masks), fresh())
        expected_masks = theirs.transform_segmentation_masks(keras.ops.convert_to_tensor(masks), fresh())
        assert got_masks.dtype == expected_masks.dtype
        assert_close(got_masks, expected_masks, atol=0)


def _dict(images=IMAGES, masks=MASKS, boxes=BOXES, box_labels=BOX_LABELS, labels=LABELS, keras_side=False):
    def convert(array):
        array = np.array(array)  # a copy: Keras's layers write into the dicts they get
        return keras.ops.convert_to_tensor(array) if keras_side else torch.from_numpy(array)

    return {"images": convert(images), "segmentation_masks": convert(masks), "labels": convert(labels),
            "bounding_boxes": {"boxes": convert(boxes), "labels": convert(box_labels)}}


def assert_same_dict(got, expected, atol=1e-4):
    assert set(got) == set(expected)
    assert_close(got["images"], expected["images"], atol=1e-3)
    assert got["segmentation_masks"].dtype == expected["segmentation_masks"].dtype
    assert_close(got["segmentation_masks"], expected["segmentation_masks"], atol=0)
    assert_close(got["labels"], expected["labels"], atol=0)
    assert_close(got["bounding_boxes"]["boxes"], expected["bounding_boxes"]["boxes"], atol=atol)
    np.testing.assert_array_equal(as_numpy(got["bounding_boxes"]["labels"]),
                                  as_numpy(expected["bounding_boxes"]["labels"]))


DETERMINISTIC = [
    ("Resizing", {"height": 6, "width": 10}),
    ("Resizing", {"height": 10, "width": 10, "pad_to_aspect_ratio": True}),
    ("Resizing", {"height": 10, "width": 7, "crop_to_aspect_ratio": True}),
    ("Resizing", {"height": 9, "width": 24, "crop_to_aspect_ratio": True}),
    ("CenterCrop", {"height": 8, "width": 10}),
    ("CenterCrop", {"height": 14, "width": 10}),
    ("RandomTranslation", {"height_factor": (0.25, 0.25), "width_factor": (-0.125, -0.125),
                           "fill_mode": "constant"}),
    ("RandomRotation", {"factor": (0.25, 0.25)}),
    ("RandomZoom", {"height_factor": (-0.5, -0.5), "width_factor": (0.25, 0.25)}),
    ("RandomCrop", {"height": 20, "width": 20}),  # smaller image: center window, resized
]


@pytest.mark.parametrize("single", [False, True])
@pytest.mark.parametrize("fmt", ["xyxy", "rel_yxyx"])
@pytest.mark.parametrize("name, kwargs", DETERMINISTIC, ids=[f"{n}-{i}" for i, (n, _) in enumerate(DETERMINISTIC)])
def test_dict_call_matches_keras(name, kwargs, fmt, single):
    if name == "RandomRotation" and fmt != "xyxy":
        pytest.skip("Keras 3.15.1's RandomRotation reads the boxes as xyxy whatever the format")
    boxes = keras.ops.convert_to_numpy(keras.utils.bounding_boxes.convert_format(
        BOXES.copy(), "xyxy", fmt, height=12, width=16))
    data = dict(images=IMAGES, masks=MASKS, boxes=boxes, box_labels=BOX_LABELS, labels=LABELS)
    if single:
        data = {key: value[0] for key, value in data.items()}
    theirs = getattr(keras.layers, name)(**kwargs, bounding_box_format=fmt)
    ours = getattr(layers, name)(**kwargs, bounding_box_format=fmt)
    expected = theirs(_dict(**data, keras_side=True), training=True)
    got = ours(_dict(**data), training=True)
    if name == "RandomRotation":
        # Keras's torch affine_transform swaps the offsets of the rotation matrix in place, so
        # Keras's masks (transformed after the images) go through a wrong matrix: compare with
        # Keras's masks on a fresh draw instead.
        transformation = theirs.get_random_transformation(keras.ops.convert_to_tensor(data["images"]))
        masks = keras.ops.convert_to_tensor(np.array(data["masks"]))
        expected["segmentation_masks"] = (theirs.transform_segmentation_masks(masks[None], transformation)[0]
                                          if single else theirs.transform_segmentation_masks(masks, transformation))
    if name == "RandomCrop":
        # Keras 3.15.1 shifts x by the vertical offset and y by the horizontal one: keraton shifts
        # each axis by its own offset (the 12 x 12 center window of a 12 x 16 image: top 0, left 2).
        top, left = 0, 2
        offset = np.array([left, top, left, top], "float32")
        boxes_expected = np.maximum(keras.ops.convert_to_numpy(keras.utils.bounding_boxes.convert_format(
            np.array(data["boxes"]), fmt, "xyxy", height=20, width=20)) - offset, 0)
        expected["bounding_boxes"]["boxes"] = keras.utils.bounding_boxes.convert_format(
            boxes_expected, "xyxy", fmt, height=20, width=20)
    assert_same_dict(got, expected)
    ignored = {"name", "seed"}  # unique names; Keras's RandomCrop draws a seed when given none
    assert ({k: v for k, v in ours.get_config().items() if k not in ignored}
            == {k: v for k, v in theirs.get_config().items() if k not in ignored})


def test_inference_and_color_layers_pass_boxes_and_masks_through():
    data = _dict()
    for layer in (layers.RandomFlip(bounding_box_format="xyxy"), layers.RandomRotation(0.3, bounding_box_format="xyxy")):
        out = layer(data, training=False)
        assert_close(out["images"], IMAGES, atol=0)
        assert_close(out["bounding_boxes"]["boxes"], BOXES, atol=0)
        assert_close(out["segmentation_masks"], MASKS, atol=0)
    for layer in (layers.RandomBrightness(0.5, bounding_box_format="xyxy", seed=1),
                  layers.RandomHue(0.5, value_range=(0, 255), seed=1), layers.RandomGrayscale(1.0)):
        out = layer(_dict() if layer.bounding_box_format else {"images": torch.from_numpy(IMAGES),
                                                                "segmentation_masks": torch.from_numpy(MASKS)},
                    training=True)
        assert not torch.equal(out["images"], torch.from_numpy(IMAGES))
        assert_close(out["segmentation_masks"], MASKS, atol=0)
        if "bounding_boxes" in out:
            assert_close(out["bounding_boxes"]["boxes"], BOXES, atol=0)


def test_same_draw_for_images_boxes_and_masks():
    """A box drawn as a block of ones in a channel of the image lands where the box goes."""
    images = np.zeros((4, 12, 16, 1), "float32")
    images[:, 3:7, 2:10] = 1.0  # box (2, 3, 10, 7) in xyxy
    boxes = np.tile(np.array([[[2, 3, 10, 7]]], "float32"), (4, 1, 1))
    layer = layers.RandomFlip(bounding_box_format="xyxy", seed=5)
    out = layer({"images": torch.from_numpy(images), "segmentation_masks": torch.from_numpy(images),
                 "bounding_boxes": {"boxes": torch.from_numpy(boxes), "labels": torch.zeros(4, 1)}}, training=True)
    for image, mask, box in zip(out["images"], out["segmentation_masks"], out["bounding_boxes"]["boxes"]):
        x1, y1, x2, y2 = (int(v) for v in box[0])
        assert image[y1:y2, x1:x2].min() == 1 and image.sum() == (y2 - y1) * (x2 - x1)
        assert torch.equal(mask, image)


def test_list_boxes_are_densified_and_errors():
    layer = layers.RandomFlip(mode="horizontal", bounding_box_format="xyxy")
    out = layer({"images": torch.from_numpy(IMAGES), "bounding_boxes": {"boxes": [[[1, 2, 3, 4]], [[1, 1, 2, 2], [3, 3, 5, 5]]],
                                                                        "labels": [[1], [2, 3]]}}, training=True)
    assert out["bounding_boxes"]["boxes"].shape == (2, 2, 4)
    assert out["bounding_boxes"]["labels"].tolist()[0][1] == -1
    with pytest.raises(ValueError, match="bounding_box_format"):
        layers.RandomFlip()({"images": torch.from_numpy(IMAGES), "bounding_boxes": {"boxes": BOXES, "labels": BOX_LABELS}},
                            training=True)
    with pytest.raises(ValueError, match="'boxes' and 'labels'"):
        layer({"images": torch.from_numpy(IMAGES), "bounding_boxes": {"boxes": BOXES}}, training=True)
    with pytest.raises(NotImplementedError, match="bounding_boxes"):
        layers.CutMix(bounding_box_format="xyxy")(_dict(), training=True)
    with pytest.raises(ValueError, match="'images'"):
        layer({"bounding_boxes": {"boxes": BOXES, "labels": BOX_LABELS}}, training=True)


@pytest.mark.parametrize("name, kwargs", [("RandomFlip", {}), ("RandomZoom", {"height_factor": 0.2}),
                                          ("RandomShear", {"x_factor": 0.2}), ("Resizing", {"height": 4, "width": 5})])
def test_config_round_trip_with_bounding_box_format(name, kwargs):
    layer = getattr(layers, name)(**kwargs, bounding_box_format="center_xywh")
    theirs = getattr(keras.layers, name)(**kwargs, bounding_box_format="center_xywh")
    config = layer.get_config()
    assert config["bounding_box_format"] == "center_xywh"
    assert set(config) == set(theirs.get_config())
    assert type(layer).from_config(config).bounding_box_format == "center_xywh"
    assert "bounding_box_format" not in getattr(layers, name)(**kwargs).get_config()


@pytest.mark.parametrize("max_number, fill_value", [(2, -1), (5, -7)])
@pytest.mark.parametrize("single", [False, True])
def test_max_num_bounding_boxes_matches_keras(max_number, fill_value, single):
    from keraton.layers.preprocessing.image_preprocessing.max_num_bounding_boxes import (
        MaxNumBoundingBoxes,
    )

    data = dict(images=IMAGES.astype("uint8"), masks=MASKS, boxes=BOXES, box_labels=BOX_LABELS, labels=LABELS)
    if single:
        data = {key: value[0] for key, value in data.items()}
    ours = MaxNumBoundingBoxes(max_number, fill_value=fill_value, bounding_box_format="xyxy")
    theirs = keras.layers.MaxNumBoundingBoxes(max_number, fill_value=fill_value, bounding_box_format="xyxy")
    for training in (True, False):
        got = ours(_dict(**data), training=training)
        expected = theirs(_dict(**data, keras_side=True), training=training)
        assert got["images"].dtype == torch.uint8
        assert_same_dict(got, expected, atol=0)
    assert {k: v for k, v in ours.get_config().items() if k != "name"} == {
        k: v for k, v in theirs.get_config().items() if k != "name"}
    shapes = {"images": (2, 12, 16, 3), "bounding_boxes": {"boxes": (2, 3, 4), "labels": (2, 3)}}
    assert ours.compute_output_shape(shapes) == theirs.compute_output_shape(
        {"images": (2, 12, 16, 3), "bounding_boxes": {"boxes": (2, 3, 4), "labels": (2, 3)}})
    with pytest.raises(ValueError, match="bounding_box_format"):
        MaxNumBoundingBoxes(3)(_dict())


@pytest.mark.parametrize("name, kwargs", [("RandomFlip", {}), ("RandomRotation", {"factor": 0.2}),
                                          ("RandomZoom", {"height_factor": 0.2}), ("RandomBrightness", {"factor": 0.2}),
                                          ("RandomShear", {"x_factor": 0.2})])
def test_inference_dict_dtypes_match_keras(name, kwargs):
    got = getattr(layers, name)(**kwargs, bounding_box_format="xyxy")(_dict(), training=False)
    expected = getattr(keras.layers, name)(**kwargs, bounding_box_format="xyxy")(_dict(keras_side=True),
                                                                                 training=False)
    assert_same_dict(got, expected, atol=0)
