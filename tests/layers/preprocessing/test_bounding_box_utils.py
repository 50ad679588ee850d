"""``keras.utils.bounding_boxes`` functions against Keras 3 on equal inputs."""

import os

import numpy as np
import pytest
import torch

from keraton.layers.preprocessing.image_preprocessing import bounding_boxes as ours

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
theirs = keras.utils.bounding_boxes

FORMATS = ["xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx", "rel_xywh",
           "rel_center_xywh"]
RNG = np.random.default_rng(0)
XYXY = np.sort(RNG.uniform(0, 40, (2, 5, 2, 2)), axis=2).reshape(2, 5, 4)
XYXY = XYXY.astype("float32")  # x1 < x2, y1 < y2 inside a 40 x 40 image


def close(got, expected, atol=1e-6):
    np.testing.assert_allclose(np.asarray(got), keras.ops.convert_to_numpy(expected), rtol=1e-6, atol=atol)


@pytest.mark.parametrize("source", FORMATS)
@pytest.mark.parametrize("target", ["xyxy", "center_yxhw", "rel_xywh", "rel_center_xywh", "yxyx"])
def test_convert_format_matches_keras(source, target):
    boxes = theirs.convert_format(XYXY.copy(), "xyxy", source, height=30, width=50)
    boxes = keras.ops.convert_to_numpy(boxes)
    got = ours.convert_format(boxes, source, target, height=30, width=50)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32
    close(got, theirs.convert_format(boxes.copy(), source, target, height=30, width=50))
    # the dict form converts "boxes" and keeps the rest
    out = ours.convert_format({"boxes": boxes, "labels": np.ones((2, 5))}, source, target, 30, 50)
    assert set(out) == {"boxes", "labels"}
    close(out["boxes"], theirs.convert_format(boxes.copy(), source, target, height=30, width=50))


def test_convert_format_errors():
    with pytest.raises(ValueError, match="last dimension of 4"):
        ours.convert_format(np.zeros((2, 3)), "xyxy", "xywh")
    with pytest.raises(ValueError, match="Supported formats"):
        ours.convert_format(XYXY, "xyxy", "corners")
    with pytest.raises(ValueError, match="height"):
        ours.convert_format(XYXY, "xyxy", "rel_xyxy")


@pytest.mark.parametrize("fmt", ["xyxy", "rel_xyxy"])
def test_clip_to_image_size_matches_keras(fmt):
    boxes = np.array([[-10, -20, 150, 160], [50, 40, 70, 80], [130, 5, 140, 9]], "float32")
    if fmt == "rel_xyxy":
        boxes = boxes / 100.0
    labels = np.array([0, 1, 2], "int32")
    got = ours.clip_to_image_size({"boxes": boxes, "labels": labels}, height=100, width=120,
                                  bounding_box_format=fmt)
    expected = theirs.clip_to_image_size({"boxes": boxes.copy(), "labels": labels.copy()}, height=100,
                                         width=120, bounding_box_format=fmt)
    close(got["boxes"], expected["boxes"])
    close(got["labels"], expected["labels"])
    assert got["labels"].tolist() == [0, 1, -1]  # the box outside the image is emptied
    with pytest.raises(NotImplementedError):
        ours.clip_to_image_size({"boxes": boxes}, 10, 10, "xywh")


def test_affine_crop_pad_match_keras():
    angle = np.array([30.0, -75.0], "float32")
    zeros, ones = np.zeros(2, "float32"), np.ones(2, "float32")
    args = (angle, np.array([0.1, -0.2], "float32"), np.array([0.05, 0.0], "float32"),
            np.array([1.2, 0.8], "float32"), np.array([10.0, 0.0], "float32"), np.array([0.0, -5.0], "float32"),
            40, 60)
    close(ours.affine_transform(XYXY, *args), theirs.affine_transform(XYXY.copy(), *args), atol=1e-4)
    close(ours.affine_transform(XYXY, angle, zeros, zeros, ones, zeros, zeros, 40, 60, center_x=0.2,
                                center_y=0.7),
          theirs.affine_transform(XYXY.copy(), angle, zeros, zeros, ones, zeros, zeros, 40, 60, center_x=0.2,
                                  center_y=0.7), atol=1e-4)
    close(ours.crop(XYXY, 10, 20, 40, 30), theirs.crop(XYXY.copy(), 10, 20, 40, 30))
    close(ours.pad(XYXY, 3, 7), theirs.pad(XYXY.copy(), 3, 7))
    for fn in (ours.crop, ours.pad):
        with pytest.raises(NotImplementedError):
            fn(XYXY, 1, 1, 2, 2, bounding_box_format="xywh")


@pytest.mark.parametrize("encoding", ["center_yxhw", "center_xywh"])
@pytest.mark.parametrize("variance", [None, [0.1, 0.1, 0.2, 0.2]])
def test_encode_decode_deltas_match_keras(encoding, variance):
    anchors = XYXY[0]
    boxes = XYXY[1]
    got = ours.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", encoding, variance)
    expected = theirs.encode_box_to_deltas(anchors.copy(), boxes.copy(), "xyxy", "xyxy", encoding, variance)
    close(got, expected, atol=1e-5)
    decoded = ours.decode_deltas_to_boxes(anchors, got, "xyxy", "yxyx", encoding, variance)
    close(decoded, theirs.decode_deltas_to_boxes(anchors.copy(), got.clone(), "xyxy", "yxyx", encoding,
                                                 variance), atol=1e-4)
    close(ours.convert_format(decoded, "yxyx", "xyxy"), boxes, atol=1e-4)
    levels = ours.decode_deltas_to_boxes({"P3": anchors}, {"P3": got.numpy()}, "xyxy", "xyxy", encoding, variance)
    close(levels["P3"], boxes, atol=1e-4)
    with pytest.raises(ValueError, match="variance"):
        ours.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", variance=[1.0, 1.0])


@pytest.mark.parametrize("batched1, batched2", [(False, False), (True, True), (True, False), (False, True)])
@pytest.mark.parametrize("use_masking", [False, True])
def test_compute_iou_matches_keras(batched1, batched2, use_masking):
    boxes1 = XYXY if batched1 else XYXY[0]
    boxes2 = XYXY[:, :3] if batched2 else XYXY[1, :3]
    boxes2 = boxes2.copy()
    boxes2[..., 0, :] = -1.0  # a padding box, masked with use_masking
    got = ours.compute_iou(boxes1, boxes2, "xyxy", use_masking=use_masking, mask_val=-2)
    if not (use_masking and batched1 != batched2):  # Keras's mask transposes by boxes1's rank only
        close(got, theirs.compute_iou(boxes1.copy(), boxes2.copy(), "xyxy", use_masking=use_masking, mask_val=-2))
    assert got.shape[-2:] == (boxes1.shape[-2], boxes2.shape[-2])
    close(ours.compute_iou([[0, 0, 2, 2]], [[1, 1, 3, 3]], "xyxy"), np.array([[1 / 7]], "float32"), atol=1e-6)
    with pytest.raises(ValueError, match="image_shape"):
        ours.compute_iou(boxes1, boxes2, "rel_xyxy")


def test_compute_ciou_matches_keras():
    close(ours.compute_ciou(XYXY[0], XYXY[1], "xyxy"), theirs.compute_ciou(XYXY[0].copy(), XYXY[1].copy(), "xyxy"),
          atol=1e-5)
    yxyx = ours.convert_format(XYXY, "xyxy", "yxyx").numpy()
    close(ours.compute_ciou(yxyx[0], yxyx[1], "yxyx"), theirs.compute_ciou(yxyx[0].copy(), yxyx[1].copy(), "yxyx"),
          atol=1e-5)
    with pytest.raises(ValueError, match="relative"):
        ours.compute_ciou(XYXY[0], XYXY[1], "rel_xyxy")
