"""``keras.visualization.plot_image_gallery``: a grid of images with matplotlib."""

from __future__ import annotations

import math

import numpy as np

from keraton.layers.preprocessing.image_preprocessing.color_ops import transform_value_range
from keraton.visualization._common import data_format_or_default, to_numpy


def import_pyplot():
    """``matplotlib.pyplot``, imported on first use (matplotlib is optional)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("The plotting functions of `keras.visualization` require the `matplotlib` package. "
                          "Please install it with `pip install matplotlib`.") from error
    return plt


def plot_image_gallery(images, y_true=None, y_pred=None, label_map=None, rows=None, cols=None,
                       value_range=(0, 255), scale=2, path=None, show=None, transparent=True, dpi=60,
                       legend_handles=None, data_format=None):
    """Show (or save to ``path``) a ``rows x cols`` grid of a batch of images, as Keras.

    Images are mapped from ``value_range`` to ``[0, 255]`` and shown as
    uint8; ``y_true`` / ``y_pred`` class ids become titles through
    ``label_map``.  ``rows`` defaults to ``ceil(sqrt(batch))`` and ``cols``
    to ``batch // rows`` (Keras's arithmetic).  Pass ``path`` to save the
    figure (then it is not shown) or ``show=True`` to display it.
    """
    plt = import_pyplot()
    if path is not None and show:
        raise ValueError("plot_gallery() expects either `path` to be set, or `show` to be true.")
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError("If `y_true` or `y_pred` are provided, a `label_map` must also be provided.")
    show = show if show is not None else path is None
    data_format = data_format_or_default(data_format)
    images = to_numpy(images)
    batch_size = images.shape[0] if images.ndim == 4 else 1
    rows = rows or int(math.ceil(math.sqrt(batch_size)))
    cols = cols or int(math.ceil(batch_size // rows))
    if images.ndim != 4:
        raise ValueError("`plot_images_gallery()` requires you to batch your `np.array` samples together.")
    images = images[:min(rows * cols, batch_size)]
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    fig, axes = plt.subplots(nrows=rows, ncols=cols, figsize=(cols * scale, rows * scale), frameon=False,
                             layout="tight", squeeze=True, sharex="row", sharey="col")
    fig.subplots_adjust(wspace=0, hspace=0)
    if isinstance(axes, np.ndarray) and axes.ndim == 1:
        axes = np.expand_dims(axes, 0 if rows == 1 else -1)
    if legend_handles is not None:
        fig.legend(handles=legend_handles, loc="lower center")
    images = to_numpy(transform_value_range(_as_tensor(images), value_range, (0, 255)))
    y_true = None if y_true is None else to_numpy(y_true)
    y_pred = None if y_pred is None else to_numpy(y_pred)
    for row in range(rows):
        for col in range(cols):
            index = row * cols + col
            axis = axes[row, col] if isinstance(axes, np.ndarray) else axes
            axis.imshow(images[index].astype("uint8"))
            axis.margins(x=0, y=0)
            axis.axis("off")
            title = []
            if y_true is not None and index < len(y_true):
                title.append(f"Label: {label_map.get(y_true[index], 'Unknown')}")
            if y_pred is not None and index < len(y_pred):
                title.append(f"Pred: {label_map.get(y_pred[index], 'Unknown')}")
            if title:
                axis.set_title("  ".join(title), fontsize=8)
    if path is not None:
        plt.savefig(fname=path, pad_inches=0, bbox_inches="tight", transparent=transparent, dpi=dpi)
        plt.close()
    elif show:
        plt.show()
        plt.close()


def _as_tensor(images: np.ndarray):
    import torch

    return torch.from_numpy(np.ascontiguousarray(images))
