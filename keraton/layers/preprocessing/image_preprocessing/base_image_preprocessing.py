"""``ImagePreprocessingLayer``: Keras 3's dict input for the image layers (images, boxes, masks, labels).

Keras 3's image layers take either an image tensor or a dict
``{"images": ..., "bounding_boxes": {"boxes": ..., "labels": ...},
"segmentation_masks": ..., "labels": ...}``.  One transformation is drawn
(``get_random_transformation``) and applied to every entry through
``transform_images``, ``transform_bounding_boxes``,
``transform_segmentation_masks`` and ``transform_labels``, so boxes and
masks follow their images.  The ``transform_*`` hooks here take batches (a
single image and its boxes are handled as a batch of one); by default boxes,
masks and labels are returned unchanged, as Keras's colour layers do.
"""

from __future__ import annotations

import torch

from keraton.layers.layer import Layer
from keraton.layers.preprocessing.image_preprocessing.bounding_boxes.validation import (
    densify_bounding_boxes,
)
from keraton.utils.argument_validation import standardize_data_format


class ImagePreprocessingLayer(Layer):
    """Base of the image preprocessing layers (not a public layer; Keras's ``BaseImagePreprocessingLayer``).

    Subclasses set ``_always_active`` when they transform in inference too
    (``Resizing``, ``CenterCrop``, ``AutoContrast``), and
    ``_bounding_boxes_not_implemented = True`` where Keras raises
    ``NotImplementedError`` for boxes (``CutMix``, ``RandomElasticTransform``):
    a dict holding boxes then raises it too, in training and inference.

    Args:
        bounding_box_format: the format of ``data["bounding_boxes"]["boxes"]``
            (``"xyxy"``, ``"rel_yxyx"``, ...; see ``keras.utils.bounding_boxes``);
            required when boxes are passed.  Written to the config only when set.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
    """

    _always_active = False
    _bounding_boxes_not_implemented = False

    def __init__(self, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = standardize_data_format(data_format)

    # Keras's public hooks; subclasses override what they transform.
    def get_random_transformation(self, data, training=True, seed=None):
        """The parameters of one draw for ``data`` (``None``: nothing random to draw)."""
        return None

    def transform_labels(self, labels, transformation, training=True):
        """Labels are unchanged (Keras, except in the layers that mix images)."""
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Boxes ``{"boxes": (batch, N, 4), "labels": (batch, N)}`` are unchanged (a colour layer)."""
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Masks ``(batch, H, W, 1)`` are unchanged (a colour layer)."""
        return segmentation_masks

    def _standardize_images(self, images, training):
        """The images tensor as the layer computes on it (rank check and dtype)."""
        raise NotImplementedError

    def _apply_images(self, images, transformation):
        """Transform a ``(batch, ...)`` image tensor by ``transformation`` (when active)."""
        raise NotImplementedError

    def _height_width(self, shape) -> tuple:
        """``(height, width)`` of an image shape in the layer's data_format."""
        return (shape[-2], shape[-1]) if self.data_format == "channels_first" else (shape[-3], shape[-2])

    def _call_dict(self, data, training):
        """Keras's dict call: one draw, applied to images, boxes, masks and labels (a new dict)."""
        if "images" not in data:
            raise ValueError(f"Layer '{self.name}': a dict input must hold the key 'images' (and optionally "
                             "'bounding_boxes', 'segmentation_masks', 'labels'); received the keys "
                             f"{sorted(data)}.")
        active = bool(training) or self._always_active
        images = self._standardize_images(data["images"], active)
        single = images.dim() == 3

        def batched(x):
            return x.unsqueeze(0) if single else x

        def unbatched(x):
            return x.squeeze(0) if single else x

        transformation = self.get_random_transformation(batched(images), training=True) if active else None
        outputs = dict(data)
        outputs["images"] = unbatched(self._apply_images(batched(images), transformation)) if active else images
        if "bounding_boxes" in data:
            outputs["bounding_boxes"] = self._call_boxes(data["bounding_boxes"], transformation, active,
                                                         single)
        if "segmentation_masks" in data:
            masks = torch.as_tensor(data["segmentation_masks"])
            # Called in inference too: as Keras, some layers cast the masks to their float dtype there.
            outputs["segmentation_masks"] = unbatched(
                self.transform_segmentation_masks(batched(masks), transformation, training=active))
        if "labels" in data:
            labels = torch.as_tensor(data["labels"])
            if active:
                labels = unbatched(self.transform_labels(batched(labels), transformation, True))
            else:
                labels = self.transform_labels(labels, None, training=False)
            outputs["labels"] = labels
        return outputs

    def _refuse_bounding_boxes(self):
        raise NotImplementedError(f"Layer '{self.name}' ({type(self).__name__}) does not transform "
                                  "'bounding_boxes' (neither does Keras 3, which raises NotImplementedError "
                                  "here); leave them out of the dict and handle them separately.")

    def _call_boxes(self, bounding_boxes, transformation, active, single):
        if not self.bounding_box_format:
            raise ValueError("You passed an input with a 'bounding_boxes' key, but you didn't specify a "
                             f"bounding box format. Pass a `bounding_box_format` argument to your "
                             f"{type(self).__name__} layer, e.g. `bounding_box_format='xyxy'`.")
        if self._bounding_boxes_not_implemented:
            self._refuse_bounding_boxes()
        boxes = densify_bounding_boxes(bounding_boxes, is_batched=not single)
        if not active:
            return boxes
        if single:
            boxes = {**boxes, "boxes": boxes["boxes"].unsqueeze(0), "labels": boxes["labels"].unsqueeze(0)}
        boxes = self.transform_bounding_boxes(boxes, transformation, training=True)
        if single:
            boxes = {**boxes, "boxes": boxes["boxes"].squeeze(0), "labels": boxes["labels"].squeeze(0)}
        return boxes

    def get_config(self) -> dict:
        """The base config plus ``data_format``, and ``bounding_box_format`` when set (as Keras)."""
        config = super().get_config()
        config["data_format"] = self.data_format
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config
