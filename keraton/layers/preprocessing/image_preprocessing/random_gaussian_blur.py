"""``RandomGaussianBlur``: blur images with a Gaussian kernel of random width during training."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
    check_unit_factor,
)


def _gaussian_1d(size: int, sigma: torch.Tensor, dtype) -> torch.Tensor:
    x = torch.arange(size, dtype=dtype, device=sigma.device) - (size - 1) / 2
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def gaussian_blur(images: torch.Tensor, kernel_size, sigma: torch.Tensor, data_format: str) -> torch.Tensor:
    """Keras's ``ops.image.gaussian_blur`` on a batch: one ``(sigma_x, sigma_y)`` for all images.

    A depthwise convolution with zero padding of ``kernel_size[0] // 2`` (the
    arithmetic of Keras's torch backend, including its layout of the kernel).
    """
    x = images.permute(0, 3, 1, 2) if data_format == "channels_last" else images
    channels = x.shape[1]
    sigma = sigma.to(x.device, x.dtype)
    kernel = torch.outer(_gaussian_1d(kernel_size[1], sigma[1], x.dtype),
                         _gaussian_1d(kernel_size[0], sigma[0], x.dtype))
    kernel = kernel.reshape(1, 1, kernel_size[0], kernel_size[1]).expand(channels, 1, -1, -1)
    out = F.conv2d(x, kernel, padding=int(kernel_size[0] // 2), groups=channels)
    return out.permute(0, 2, 3, 1) if data_format == "channels_last" else out


def check_kernel_size(kernel_size, layer_name: str) -> tuple:
    """Keras's ``_set_kernel_size``: an odd number ``k`` gives ``(k, k)``; a pair must be two odd numbers."""
    message = (f"Layer '{layer_name}': kernel_size must be an odd number. "
               f"Received: kernel_size={kernel_size!r}")
    if isinstance(kernel_size, (tuple, list)):
        if len(kernel_size) != 2:
            raise ValueError(f"Layer '{layer_name}': the `kernel_size` argument should be a number (or a "
                             f"list of two numbers). Received: kernel_size={kernel_size!r}")
        if kernel_size[0] % 2 == 0 or kernel_size[1] % 2 == 0:
            raise ValueError(message)
        return tuple(kernel_size)
    if isinstance(kernel_size, (int, float)):
        if kernel_size % 2 == 0:
            raise ValueError(message)
        return (kernel_size, kernel_size)
    raise ValueError(message)


class RandomGaussianBlur(TransformationAugmentation):
    """Blur images with a random Gaussian in training, as ``keras.layers.RandomGaussianBlur``.

    Each image is blurred with a probability drawn uniform in ``factor``'s
    ``(lower, upper)`` (a number ``f`` means ``(0, f)``).  One pair of
    standard deviations ``(sigma_x, sigma_y)``, uniform in ``sigma``'s range
    plus ``1e-6``, is drawn per batch (as Keras).  The whole batch is then
    clipped to ``value_range``.  Identity in inference.

    Args:
        factor: a number or a pair in ``[0, 1]``: probability of blurring (default 1).
        kernel_size: an odd integer (default 3) or a pair of odd integers.
        sigma: a number or a pair in ``[0, 1]`` (default 1: ``(0, 1)``).
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        seed: integer seed of the layer's random generator.

    Example:
        >>> layer = RandomGaussianBlur(kernel_size=5, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3) * 255, training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None,
                 seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_unit_factor(factor, "factor", self.name)
        self.kernel_size = check_kernel_size(kernel_size, self.name)
        self.sigma = check_unit_factor(sigma, "sigma", self.name)
        self.value_range = value_range

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"should_apply_blur": (batch,) bool, "blur_factor": (2,)}`` as Keras draws it."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch = self._batch_size(images)
        generator = self._generator_for(seed)
        probability = self._rand((batch,), self.factor[0], self.factor[1], generator)
        apply = self._rand((batch,), 0.0, 1.0, generator) < probability
        sigma = self._rand((2,), self.sigma[0], self.sigma[1], generator) + 1e-6
        return {"should_apply_blur": apply.to(images.device), "blur_factor": sigma.to(images.device)}

    def transform_images(self, images, transformation, training=True):
        """Blur the images drawn for blurring, then clip the batch to ``value_range``."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training or transformation is None:
            return images
        apply = torch.as_tensor(transformation["should_apply_blur"]).to(images.device)
        sigma = torch.as_tensor(transformation["blur_factor"])
        blurred = gaussian_blur(images, self.kernel_size, sigma, self.data_format)
        images = torch.where(apply.view(-1, 1, 1, 1), blurred, images)
        return images.clamp(self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        """Keras's config: ``factor``, ``kernel_size`` and ``sigma`` as pairs, ``value_range``, ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "kernel_size": self.kernel_size, "sigma": self.sigma,
                       "value_range": self.value_range, "seed": self.seed})
        return config
