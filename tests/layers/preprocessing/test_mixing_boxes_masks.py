"""Boxes, masks and labels through MixUp, CutMix, AugMix, RandAugment, RandomElasticTransform and CLAHE.

Against real Keras 3 (torch backend): Keras draws a transformation
(``get_random_transformation``) and both layers apply it with their
``transform_*`` hooks.  Where Keras 3.15 itself is broken keraton computes
what Keras means, and the test says so: MixUp's box labels (Keras stacks them
on the batch axis) and masks (Keras indexes the flattened masks), CutMix's
mask channels, RandAugment's box order.  Keras's two in-place writes on
torch are undone as in ``test_augment_extra.py``.  A dict call is checked
against a twin layer with the same seed, so that one draw is seen to drive
images, labels, boxes and masks.
"""

import random
from unittest import mock

import numpy as np
import pytest
import torch

from keraton.layers.preprocessing.image_preprocessing.aug_mix import AugMix
from keraton.layers.preprocessing.image_preprocessing.clahe import (
    ContrastLimitedAdaptiveHistogramEqualization,
)
from keraton.layers.preprocessing.image_preprocessing.cut_mix import CutMix
from keraton.layers.preprocessing.image_preprocessing.mix_up import MixUp
from keraton.layers.preprocessing.image_preprocessing.rand_augment import RandAugment
from keraton.layers.preprocessing.image_preprocessing.random_elastic_transform import (
    RandomElasticTransform,
)

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(3)
IMAGES = RNG.uniform(0, 255, (3, 10, 12, 3)).astype("float32")
MASKS = RNG.integers(0, 4, (3, 10, 12, 1)).astype("int32")
BOXES = np.array([[[1, 2, 7, 6], [3, 1, 11, 9]],
                  [[0, 0, 5, 5], [-1, -1, -1, -1]],
                  [[4, 3, 10, 8], [2, 5, 6, 9]]], "float32")  # xyxy, one padded slot
BOX_LABELS = np.array([[1, 2], [0, -1], [3, 1]], "int32")
LABELS = np.eye(3, dtype="float32")
FORMATS = ["xyxy", "rel_yxyx", "center_xywh"]


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else keras.ops.convert_to_numpy(x)


def _channels(x, data_format):
    return x if data_format == "channels_last" else np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def _boxes_in(fmt):
    return _np(keras.utils.bounding_boxes.convert_format(BOXES.copy(), "xyxy", fmt, height=10, width=12))


def _tree(value):
    """A copy of a Keras transformation, tensors as torch tensors (ints and None kept)."""
    if isinstance(value, dict):
        return {k: _tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tree(v) for v in value]
    if value is None or isinstance(value, (int, str, tuple)):
        return value
    return torch.as_tensor(_np(value)).clone()


def _dict(fmt="xyxy", keys=("labels", "bounding_boxes", "segmentation_masks"), data_format="channels_last"):
    data = {"images": torch.from_numpy(_channels(IMAGES, data_format).copy())}
    if "labels" in keys:
        data["labels"] = torch.from_numpy(LABELS.copy())
    if "bounding_boxes" in keys:
        data["bounding_boxes"] = {"boxes": torch.from_numpy(_boxes_in(fmt)),
                                  "labels": torch.from_numpy(BOX_LABELS.copy())}
    if "segmentation_masks" in keys:
        data["segmentation_masks"] = torch.from_numpy(_channels(MASKS, data_format).copy())
    return data


def _assert_dict_is_one_draw(layer, twin, data):
    """``layer(data)`` equals ``twin``'s hooks applied with the draw ``twin`` makes from the same seed."""
    out = layer(data, training=True)
    drawn = twin.get_random_transformation(data["images"], training=True)
    torch.testing.assert_close(out["images"], twin.transform_images(data["images"], drawn), rtol=0, atol=0)
    if "labels" in data:
        torch.testing.assert_close(out["labels"], twin.transform_labels(data["labels"], drawn), rtol=0, atol=0)
    if "segmentation_masks" in data:
        expected = twin.transform_segmentation_masks(data["segmentation_masks"], drawn)
        torch.testing.assert_close(out["segmentation_masks"], expected, rtol=0, atol=0)
    if "bounding_boxes" in data:
        expected = twin.transform_bounding_boxes(dict(data["bounding_boxes"]), drawn)
        torch.testing.assert_close(out["bounding_boxes"]["boxes"], expected["boxes"], rtol=0, atol=0)
        torch.testing.assert_close(out["bounding_boxes"]["labels"], expected["labels"], rtol=0, atol=0)
    return out


def _assert_inference_passes_through(layer, data):
    out = layer(data, training=False)
    torch.testing.assert_close(out["images"], data["images"], rtol=0, atol=0)
    for key in ("labels", "segmentation_masks"):
        if key in data:
            torch.testing.assert_close(out[key], data[key], rtol=0, atol=0)
    if "bounding_boxes" in data:
        torch.testing.assert_close(out["bounding_boxes"]["boxes"], data["bounding_boxes"]["boxes"], rtol=0, atol=0)


@pytest.fixture
def keras_fixed(monkeypatch):
    """Keras's in-place writes on torch (brightness adds into its input, affine swaps its matrix) as copies."""
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


@pytest.mark.parametrize("fmt", FORMATS)
def test_mix_up_matches_keras(fmt):
    theirs = keras.layers.MixUp(alpha=0.8, bounding_box_format=fmt, seed=1)
    ours = MixUp(alpha=0.8, bounding_box_format=fmt)
    drawn = theirs.get_random_transformation(IMAGES)
    transformation = _tree(drawn)
    assert not torch.equal(transformation["permutation_order"], torch.arange(3))
    np.testing.assert_allclose(_np(ours.transform_images(torch.from_numpy(IMAGES), transformation)),
                               _np(theirs.transform_images(IMAGES, drawn)), rtol=0, atol=1e-4)
    np.testing.assert_allclose(_np(ours.transform_labels(torch.from_numpy(LABELS), transformation)),
                               _np(theirs.transform_labels(keras.ops.convert_to_tensor(LABELS), drawn)), atol=1e-6)
    boxes = _boxes_in(fmt)
    got = ours.transform_bounding_boxes({"boxes": torch.from_numpy(boxes), "labels": torch.from_numpy(BOX_LABELS)},
                                        transformation)
    expected = theirs.transform_bounding_boxes({"boxes": keras.ops.convert_to_tensor(boxes),
                                                "labels": keras.ops.convert_to_tensor(BOX_LABELS)}, drawn)
    np.testing.assert_array_equal(_np(got["boxes"]), _np(expected["boxes"]))  # (3, 4, 4): own then partner's
    # Keras stacks the box labels on the batch axis, (6, 2); keraton keeps them beside their boxes, (3, 4).
    stacked = _np(expected["labels"])
    assert stacked.shape == (6, 2) and got["labels"].shape == (3, 4)
    np.testing.assert_array_equal(_np(got["labels"]), np.concatenate([stacked[:3], stacked[3:]], axis=1))
    # Masks mixed as the images are (Keras's own mask hook indexes the flattened masks).
    got_masks = ours.transform_segmentation_masks(torch.from_numpy(MASKS), transformation)
    assert got_masks.dtype == torch.float32 and got_masks.shape == MASKS.shape
    np.testing.assert_allclose(_np(got_masks), _np(theirs.transform_images(MASKS.astype("float32"), drawn)),
                               rtol=0, atol=1e-5)


@pytest.mark.parametrize("single", [False, True])
def test_mix_up_dict_call_one_draw(single):
    data = _dict("center_xywh")
    _assert_dict_is_one_draw(MixUp(bounding_box_format="center_xywh", seed=4),
                             MixUp(bounding_box_format="center_xywh", seed=4), data)
    _assert_inference_passes_through(MixUp(bounding_box_format="center_xywh"), data)
    if single:
        one = {"images": data["images"][0], "segmentation_masks": data["segmentation_masks"][0],
               "bounding_boxes": {"boxes": data["bounding_boxes"]["boxes"][0],
                                  "labels": data["bounding_boxes"]["labels"][0]}}
        out = MixUp(bounding_box_format="center_xywh", seed=4)(one, training=True)
        # A batch of one is mixed with itself: unchanged images and masks, each box twice.
        torch.testing.assert_close(out["images"], one["images"])
        torch.testing.assert_close(out["segmentation_masks"], one["segmentation_masks"].float())
        torch.testing.assert_close(out["bounding_boxes"]["boxes"], one["bounding_boxes"]["boxes"].repeat(2, 1))
        assert out["bounding_boxes"]["labels"].tolist() == [1, 2, 1, 2]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cut_mix_matches_keras(data_format):
    images, masks = _channels(IMAGES, data_format), _channels(MASKS, data_format)
    theirs = keras.layers.CutMix(factor=0.9, seed=2, data_format=data_format)
    ours = CutMix(factor=0.9, data_format=data_format)
    drawn = theirs.get_random_transformation(images)
    transformation = _tree(drawn)
    np.testing.assert_array_equal(_np(ours.transform_images(torch.from_numpy(images), transformation)),
                                  _np(theirs.transform_images(images, drawn)))
    np.testing.assert_allclose(_np(ours.transform_labels(torch.from_numpy(LABELS), transformation)),
                               _np(theirs.transform_labels(keras.ops.convert_to_tensor(LABELS), drawn)), atol=1e-6)
    got = ours.transform_segmentation_masks(torch.from_numpy(masks), transformation)
    # Keras pastes the masks with the images' 3 channels (equal) and casts them to float.
    expected = _np(theirs.transform_segmentation_masks(keras.ops.convert_to_tensor(masks), drawn))
    channel = -1 if data_format == "channels_last" else 1
    assert expected.shape[channel] == 3 and got.dtype == torch.int32 and got.shape == masks.shape
    np.testing.assert_array_equal(_np(got), np.take(expected, [0], axis=channel).astype("int32"))
    assert not np.array_equal(_np(got), masks)
    with pytest.raises(NotImplementedError):
        theirs.transform_bounding_boxes({"boxes": BOXES, "labels": BOX_LABELS}, drawn)
    with pytest.raises(NotImplementedError, match="bounding_boxes"):
        ours.transform_bounding_boxes({"boxes": BOXES, "labels": BOX_LABELS}, transformation)


def test_cut_mix_dict_call():
    data = _dict(keys=("labels", "segmentation_masks"))
    _assert_dict_is_one_draw(CutMix(seed=5), CutMix(seed=5), data)
    _assert_inference_passes_through(CutMix(), data)
    for training in (True, False):  # as Keras: boxes raise in training and inference
        with pytest.raises(NotImplementedError, match="does not transform 'bounding_boxes'"):
            CutMix(bounding_box_format="xyxy")(_dict(), training=training)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_aug_mix_matches_keras(keras_fixed, data_format):
    random.seed(3)  # Keras picks the chain steps with Python's global random
    images, masks = _channels(IMAGES, data_format), _channels(MASKS, data_format).astype("float32")
    kwargs = {"factor": 0.6, "num_chains": 3, "chain_depth": 3, "seed": 1, "data_format": data_format,
              "bounding_box_format": "xyxy"}
    ours, theirs = AugMix(**kwargs), keras.layers.AugMix(**kwargs)
    moved = 0
    for _ in range(3):
        drawn = theirs.get_random_transformation(images)
        got = ours.transform_segmentation_masks(torch.from_numpy(masks), _tree(drawn))
        expected = _np(theirs.transform_segmentation_masks(keras.ops.convert_to_tensor(masks), _tree(drawn)))
        assert got.dtype == torch.float32
        np.testing.assert_allclose(_np(got), expected, rtol=0, atol=1e-5)
        moved += int(np.abs(expected - masks).max() > 0.01)
        boxes = ours.transform_bounding_boxes({"boxes": torch.from_numpy(BOXES), "labels": torch.from_numpy(BOX_LABELS)},
                                              _tree(drawn))
        np.testing.assert_array_equal(_np(boxes["boxes"]), BOXES)
    assert moved > 0
    data = _dict(data_format=data_format)
    out = _assert_dict_is_one_draw(AugMix(**kwargs), AugMix(**kwargs), data)
    assert out["segmentation_masks"].dtype == torch.float32
    torch.testing.assert_close(out["bounding_boxes"]["boxes"], data["bounding_boxes"]["boxes"])
    torch.testing.assert_close(out["labels"], data["labels"])
    _assert_inference_passes_through(AugMix(**kwargs), data)


# (layer_idxes, Keras moves the boxes in this order too): 0 shear, 1 translation, 2 rotation, 3+ colour.
RAND_AUGMENT_OPS = [((0, 1), True), ((1, 2), True), ((3, 1), True), ((2, 8), True), ((4, 5), True),
                    ((2, 0), False), ((1, 1), False)]


@pytest.mark.parametrize("fmt", ["xyxy", "center_xywh"])
def test_rand_augment_matches_keras(keras_fixed, fmt):
    kwargs = {"factor": 0.5, "seed": 2, "bounding_box_format": fmt}
    ours, theirs = RandAugment(**kwargs), keras.layers.RandAugment(**kwargs)
    drawn = theirs.get_random_transformation(IMAGES)
    boxes = _boxes_in(fmt)
    for idxes, same_order in RAND_AUGMENT_OPS:
        if fmt != "xyxy" and 2 in idxes:
            continue  # Keras 3.15's RandomRotation reads boxes as xyxy whatever the format
        drawn["layer_idxes"] = torch.tensor(idxes, dtype=torch.int32)
        transformation = _tree(drawn)
        got_masks = ours.transform_segmentation_masks(torch.from_numpy(MASKS), transformation)
        expected_masks = theirs.transform_segmentation_masks(keras.ops.convert_to_tensor(MASKS), _tree(drawn))
        assert got_masks.dtype == torch.int32
        np.testing.assert_array_equal(_np(got_masks), _np(expected_masks))
        got = ours.transform_bounding_boxes({"boxes": torch.from_numpy(boxes), "labels": torch.from_numpy(BOX_LABELS)},
                                            transformation)
        if same_order:
            expected = theirs.transform_bounding_boxes({"boxes": keras.ops.convert_to_tensor(boxes),
                                                        "labels": keras.ops.convert_to_tensor(BOX_LABELS)},
                                                       _tree(drawn))
        else:  # Keras applies each chosen layer once in its list order; keraton follows the images
            expected = {"boxes": keras.ops.convert_to_tensor(boxes), "labels": keras.ops.convert_to_tensor(BOX_LABELS)}
            for index in idxes:
                name = theirs._AUGMENT_LAYERS[index]
                expected = getattr(theirs, name).transform_bounding_boxes(expected, _tree(drawn["transforms"][name]))
        np.testing.assert_allclose(_np(got["boxes"]), _np(expected["boxes"]), rtol=1e-5, atol=1e-3)
        np.testing.assert_array_equal(_np(got["labels"]), _np(expected["labels"]))
        if idxes[0] < 3 and idxes != (1, 1):
            assert np.abs(_np(got["boxes"]) - boxes).max() > 0.1


def test_rand_augment_dict_call():
    kwargs = {"num_ops": 3, "factor": 0.7, "seed": 6, "bounding_box_format": "rel_yxyx"}
    data = _dict("rel_yxyx")
    out = _assert_dict_is_one_draw(RandAugment(**kwargs), RandAugment(**kwargs), data)
    assert out["segmentation_masks"].dtype == torch.int32
    torch.testing.assert_close(out["labels"], data["labels"])
    _assert_inference_passes_through(RandAugment(**kwargs), data)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_elastic_transform_masks_match_keras(data_format):
    masks = _channels(MASKS, data_format)
    kwargs = {"factor": 1.0, "scale": (0.6, 1.0), "data_format": data_format, "seed": 2}
    # Keras clips masks to value_range (its image path); keraton leaves mask values alone: with (0, 2)
    # here, keraton's masks are Keras's masks of a (0, 255) layer, which does not clip these ids.
    ours = RandomElasticTransform(value_range=(0, 2), **kwargs)
    theirs = keras.layers.RandomElasticTransform(value_range=(0, 255), **kwargs)
    drawn = theirs.get_random_transformation(_channels(IMAGES, data_format))
    drawn["apply_transform"] = torch.tensor([True, False, True])
    dx, dy = torch.randn(2, 3, 10, 12, generator=torch.Generator().manual_seed(0)) * 3
    fields = [dx, dy]  # Keras draws dx then dy with torch.normal; keraton one randn of [dy; dx]
    with mock.patch("torch.normal", lambda *args, **kwargs: fields.pop(0).clone()):
        expected = _np(theirs.transform_segmentation_masks(keras.ops.convert_to_tensor(masks), drawn))
    transformation = {"apply_transform": _tree(drawn["apply_transform"]),
                      "distortion_factor": _tree(drawn["distortion_factor"]), "seed": 0}
    with mock.patch("torch.randn", lambda *args, **kwargs: torch.cat([dy, dx]).reshape(6, 1, 10, 12)):
        got = ours.transform_segmentation_masks(torch.from_numpy(masks), transformation)
    assert got.dtype == torch.int32  # Keras: float32, the same values
    np.testing.assert_array_equal(_np(got), expected.astype("int32"))
    assert not np.array_equal(_np(got)[[0, 2]], masks[[0, 2]]) and int(got.max()) == 3  # moved, not clipped
    np.testing.assert_array_equal(_np(got)[1], masks[1])
    with pytest.raises(NotImplementedError):
        theirs.transform_bounding_boxes({"boxes": BOXES, "labels": BOX_LABELS}, drawn)


def test_elastic_transform_dict_call_moves_masks_with_images():
    images = np.repeat(MASKS, 3, axis=-1).astype("float32")  # masks = any channel: nearest keeps them equal
    kwargs = {"factor": (1.0, 1.0), "scale": (0.9, 1.0), "interpolation": "nearest", "value_range": (0, 255),
              "seed": 7}
    data = {"images": torch.from_numpy(images), "segmentation_masks": torch.from_numpy(MASKS.copy()),
            "labels": torch.from_numpy(LABELS)}
    out = _assert_dict_is_one_draw(RandomElasticTransform(**kwargs), RandomElasticTransform(**kwargs), data)
    assert not torch.equal(out["segmentation_masks"], data["segmentation_masks"])
    torch.testing.assert_close(out["segmentation_masks"], out["images"][..., :1].to(torch.int32), rtol=0, atol=0)
    torch.testing.assert_close(out["labels"], data["labels"])
    _assert_inference_passes_through(RandomElasticTransform(**kwargs), data)
    for training in (True, False):  # as Keras: boxes raise in training and inference
        with pytest.raises(NotImplementedError, match="does not transform 'bounding_boxes'"):
            RandomElasticTransform(bounding_box_format="xyxy", **kwargs)(_dict(), training=training)


def test_clahe_dict_passes_boxes_masks_and_labels_through():
    layer = ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 3), bounding_box_format="xyxy")
    theirs = keras.layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 3))
    data = _dict()
    for training in (True, False):  # CLAHE equalizes in both
        out = layer(data, training=training)
        np.testing.assert_allclose(_np(out["images"]), _np(theirs(IMAGES)), rtol=0, atol=1e-4)
        for key in ("labels", "segmentation_masks"):
            assert torch.equal(out[key], data[key])
        assert torch.equal(out["bounding_boxes"]["boxes"], data["bounding_boxes"]["boxes"])
    # Keras returns the masks unchanged in inference (and has no hook for them in training).
    keras_out = theirs({"images": IMAGES, "segmentation_masks": MASKS}, training=False)
    np.testing.assert_array_equal(_np(keras_out["segmentation_masks"]), MASKS)


@pytest.mark.parametrize("cls", [MixUp, CutMix, AugMix, RandAugment, RandomElasticTransform,
                                 ContrastLimitedAdaptiveHistogramEqualization], ids=lambda cls: cls.__name__)
def test_config_with_bounding_box_format_matches_keras(cls):
    ours = cls(bounding_box_format="rel_xyxy", name="aug")
    theirs = getattr(keras.layers, cls.__name__)(bounding_box_format="rel_xyxy", name="aug")
    assert ours.get_config() == theirs.get_config()
    clone = cls.from_config(ours.get_config())
    assert clone.bounding_box_format == "rel_xyxy"
    # The composite layers hand the format to their sub-layers, as Keras's kwargs do.
    assert all(layer.bounding_box_format == "rel_xyxy" for layer in getattr(clone, "_augmenters", {}).values())


def test_rand_augment_boxes_follow_the_images():
    """A block of 255s drawn where its box is: after two geometric ops, the box still holds the block.

    With ops ``(rotation, translation)`` Keras's order (translation, then rotation) leaves block pixels
    outside its box; with ``(translation, translation)`` the block leaves the image, and keraton's box is emptied
    (label -1) while Keras's, moved once, stays inside.
    """
    images = np.zeros((4, 32, 32, 1), "float32")
    images[:, 8:20, 10:18] = 255.0
    boxes = {"boxes": torch.tensor([[[10.0, 8.0, 18.0, 20.0]]]).repeat(4, 1, 1), "labels": torch.zeros(4, 1)}
    layer = RandAugment(factor=0.6, interpolation="nearest", bounding_box_format="xyxy", seed=3)
    for name in ("random_shear", "random_translation", "random_rotation"):
        getattr(layer, name).fill_mode = "constant"  # no reflected copies of the block
    transformation = layer.get_random_transformation(torch.from_numpy(images))
    transformation["layer_idxes"] = torch.tensor([2, 1], dtype=torch.int32)
    moved = layer.transform_images(torch.from_numpy(images), transformation)[..., 0]
    moved_boxes = layer.transform_bounding_boxes(boxes, transformation)["boxes"][:, 0]
    for block, (x1, y1, x2, y2) in zip(moved, moved_boxes.tolist()):
        ys, xs = torch.nonzero(block > 127, as_tuple=True)
        assert len(xs) > 0
        assert x1 - 1.5 <= int(xs.min()) and int(xs.max()) + 1 <= x2 + 1.5
        assert y1 - 1.5 <= int(ys.min()) and int(ys.max()) + 1 <= y2 + 1.5
    transformation["layer_idxes"] = torch.tensor([1, 1], dtype=torch.int32)
    assert float(layer.transform_images(torch.from_numpy(images), transformation).max()) == 0.0
    assert layer.transform_bounding_boxes(boxes, transformation)["labels"].eq(-1).all()
