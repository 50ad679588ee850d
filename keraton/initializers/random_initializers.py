"""Random initializers of ``keras.initializers`` (normal, uniform, variance scaling, orthogonal).

``seed=None`` draws from torch's global generator (new values on each call,
reproducible through ``torch.manual_seed``); an int seed gives Keras 3's
documented behaviour: the same values on every call, drawn exactly as Keras
3's torch backend draws them for that seed.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from keraton.initializers.initializer import Initializer, _float_dtype, _shape

# Standard deviation of a standard normal truncated to (-2, 2); Keras divides by it so
# that VarianceScaling's truncated samples have the requested variance.
_TRUNCATED_STDDEV_CORRECTION = 0.87962566103423978


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` of a weight shape, as Keras's ``compute_fans``.

    Scalars: (1, 1); vectors: (n, n); matrices ``(in, out)``; higher ranks are
    convolution kernels ``(*spatial, in, out)``: both fans are multiplied by
    ``prod(spatial)``.  Explicit ``input_axes``/``output_axes`` override this.
    """
    shape = _shape(shape)
    if input_axes is not None and output_axes is not None:
        return int(math.prod(shape[a] for a in input_axes)), int(
            math.prod(shape[a] for a in output_axes)
        )
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class RandomInitializer(Initializer):
    """Base of the random initializers: holds ``seed`` (None or a non-negative int).

    ``seed=None`` draws from torch's global generator (new values each call);
    an int seed makes every call return the same values (Keras 3 behaviour).
    """

    def __init__(self, seed=None):
        if isinstance(seed, bool) or not (seed is None or isinstance(seed, (int, np.integer))):
            raise ValueError(
                f"`seed` argument should be None or an integer. Received: seed={seed!r} "
                f"of type {type(seed).__name__}."
            )
        self.seed = None if seed is None else int(seed)

    def _generator(self):
        """A fresh generator for an int seed (Keras's torch backend seeding), else None."""
        if self.seed is None:
            return None
        device = torch.get_default_device() if hasattr(torch, "get_default_device") else "cpu"
        generator = torch.Generator(device=device)
        generator.manual_seed(self.seed & 0xFFFFFFFF)
        return generator

    def get_config(self) -> dict:
        """Return ``{"seed": seed}``."""
        return {"seed": self.seed}


def _normal(shape, mean, stddev, dtype, generator):
    return torch.normal(float(mean), float(stddev), size=shape, generator=generator, dtype=dtype)


def _uniform(shape, minval, maxval, dtype, generator):
    return (maxval - minval) * torch.rand(shape, generator=generator, dtype=dtype) + minval


def _truncated_normal(shape, mean, stddev, dtype, generator):
    """Normal samples re-drawn until within 2 stddev of the mean.

    Uses Keras's torch-backend scheme (4 candidates per value, the first inside
    (-2, 2) wins), so seeded draws equal Keras's; the rare values whose 4
    candidates all fall outside (Keras keeps one, out of range) are re-drawn.
    """
    x = torch.normal(0.0, 1.0, size=tuple(shape) + (4,), generator=generator, dtype=dtype)
    valid = (x > -2) & (x < 2)
    first = valid.max(-1, keepdim=True)[1]
    out = x.gather(-1, first).reshape(-1)
    bad = ~valid.any(dim=-1).reshape(-1)
    while bool(bad.any()):
        positions = bad.nonzero().squeeze(1)
        redraw = torch.normal(0.0, 1.0, size=(len(positions),), generator=generator, dtype=dtype)
        ok = (redraw > -2) & (redraw < 2)
        out[positions[ok]] = redraw[ok]
        bad[positions[ok]] = False
    out = out.reshape(shape)
    return out * stddev + mean


class RandomNormal(RandomInitializer):
    """Samples from ``N(mean, stddev**2)``, as ``keras.initializers.RandomNormal``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        """Return normal samples of ``shape``."""
        return _normal(_shape(shape), self.mean, self.stddev, _float_dtype(dtype), self._generator())

    def get_config(self) -> dict:
        """Return ``{"seed", "mean", "stddev"}``."""
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Normal samples truncated to ``mean +- 2 * stddev`` (re-drawn), as Keras's TruncatedNormal.

    ``stddev`` is that of the normal before truncation (the result's standard
    deviation is ``0.8796 * stddev``), exactly as in Keras.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        """Return truncated normal samples of ``shape``."""
        return _truncated_normal(
            _shape(shape), self.mean, self.stddev, _float_dtype(dtype), self._generator()
        )

    def get_config(self) -> dict:
        """Return ``{"seed", "mean", "stddev"}``."""
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Samples from ``U[minval, maxval)``, as ``keras.initializers.RandomUniform``."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        """Return uniform samples of ``shape``."""
        return _uniform(
            _shape(shape), self.minval, self.maxval, _float_dtype(dtype), self._generator()
        )

    def get_config(self) -> dict:
        """Return ``{"seed", "minval", "maxval"}``."""
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    """Scale-adaptive initializer, as ``keras.initializers.VarianceScaling``.

    With ``n`` = fan_in, fan_out or their mean (``mode``), and
    ``s = scale / max(1, n)``:

    * ``"truncated_normal"`` (alias ``"normal"``): truncated normal with
      ``stddev = sqrt(s) / 0.87962566103423978`` so the truncated values have
      variance ``s``;
    * ``"untruncated_normal"``: normal with ``stddev = sqrt(s)``;
    * ``"uniform"``: uniform in ``[-sqrt(3 s), sqrt(3 s)]``.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        allowed_modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in allowed_modes:
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Please use one of {allowed_modes}.")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = ("uniform", "truncated_normal", "untruncated_normal")
        if distribution not in allowed:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution!r}. Please use one of {allowed}."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def _variance(self, shape) -> float:
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        if self.mode == "fan_in":
            return self.scale / max(1.0, fan_in)
        if self.mode == "fan_out":
            return self.scale / max(1.0, fan_out)
        return self.scale / max(1.0, (fan_in + fan_out) / 2.0)

    def __call__(self, shape, dtype=None):
        """Return samples of ``shape`` with the variance given by the fans of ``shape``."""
        shape = _shape(shape)
        dtype = _float_dtype(dtype)
        scale = self._variance(shape)
        generator = self._generator()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / _TRUNCATED_STDDEV_CORRECTION
            return _truncated_normal(shape, 0.0, stddev, dtype, generator)
        if self.distribution == "untruncated_normal":
            return _normal(shape, 0.0, math.sqrt(scale), dtype, generator)
        limit = math.sqrt(3.0 * scale)
        return _uniform(shape, -limit, limit, dtype, generator)

    def get_config(self) -> dict:
        """Return ``{"seed", "scale", "mode", "distribution", "input_axes", "output_axes"}``."""
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling preset whose config only holds the seed and axes (as in Keras)."""

    _preset: tuple = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        scale, mode, distribution = self._preset
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed,
                         input_axes=input_axes, output_axes=output_axes)

    def get_config(self) -> dict:
        """Return ``{"seed", "input_axes", "output_axes"}``, Keras's config of the presets."""
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    """Glorot/Xavier uniform: ``U[-limit, limit]``, ``limit = sqrt(6 / (fan_in + fan_out))``."""

    _preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Glorot/Xavier normal: truncated normal with variance ``2 / (fan_in + fan_out)``."""

    _preset = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """He uniform: ``U[-limit, limit]``, ``limit = sqrt(6 / fan_in)``, as Keras."""

    _preset = (2.0, "fan_in", "uniform")


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal with variance ``2 / fan_in``, as Keras."""

    _preset = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: ``U[-limit, limit]``, ``limit = sqrt(3 / fan_in)``, as Keras."""

    _preset = (1.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with variance ``1 / fan_in``, as Keras."""

    _preset = (1.0, "fan_in", "truncated_normal")


class Orthogonal(RandomInitializer):
    """Orthogonal matrix (times ``gain``) from the QR decomposition of a normal matrix, as Keras.

    Shapes of rank > 2 are treated as ``(prod(shape[:-1]), shape[-1])`` and
    reshaped back.  Rows are orthonormal if there are fewer rows than columns,
    columns otherwise.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        """Return an orthogonal tensor of ``shape`` (rank >= 2)."""
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        dtype = _float_dtype(dtype)
        work_dtype = torch.float64 if dtype == torch.float64 else torch.float32
        num_rows = math.prod(shape[:-1])
        num_cols = shape[-1]
        flat_shape = (max(num_cols, num_rows), min(num_cols, num_rows))
        a = _normal(flat_shape, 0.0, 1.0, work_dtype, self._generator())
        q, r = torch.linalg.qr(a, mode="reduced")
        q = q * torch.sign(torch.diagonal(r))
        if num_rows < num_cols:
            q = q.T
        return (self.gain * q.reshape(shape)).to(dtype)

    def get_config(self) -> dict:
        """Return ``{"seed", "gain"}``."""
        return {**super().get_config(), "gain": self.gain}
