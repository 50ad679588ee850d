"""What the visualization functions share: NumPy conversion and the batch check."""

from __future__ import annotations

import numpy as np
import torch

from keraton import backend


def to_numpy(x) -> np.ndarray:
    """A tensor, array or nested list as a NumPy array."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def check_batch(images) -> None:
    """Refuse anything but a batch of images (rank 4), with Keras's message."""
    shape = tuple(images.shape)
    if len(shape) != 4:
        raise ValueError(f"`images` must be batched 4D tensor. Received: images.shape={shape}")


def data_format_or_default(data_format) -> str:
    return data_format or backend.image_data_format()
