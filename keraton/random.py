"""``keras.random`` on torch: random tensors drawn with ``torch.Generator`` objects.

Every function takes Keras 3's ``seed`` argument:

* ``None``: draw from torch's global generator, so that ``torch.manual_seed`` or
  ``keraton.utils.set_random_seed`` make a program reproducible, and successive
  calls give different numbers;
* an ``int``: a fresh generator seeded from it, so every call with the same int
  returns the same numbers (as in Keras);
* a :class:`SeedGenerator`: stateful; each call advances it, so successive calls
  differ, while two generators built with the same seed give the same sequence.

A seed state ``[seed, counter]`` seeds the torch generator with
``(seed + counter) mod 2**32``, as Keras's torch backend does: on the same
device, ``normal``, ``uniform``, ``randint``, ``categorical``, ``gamma``, ``beta``,
``binomial`` and ``dropout`` draw exactly the numbers Keras 3 draws for an int
seed or a ``SeedGenerator``.  ``truncated_normal`` (exact inverse-CDF sampling)
and ``shuffle`` (one permutation of whole slices) use their own algorithms, so
only their distributions match.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from keraton import backend
from keraton.ops._utils import convert_to_tensor, keras_op, standardize_dtype

__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]

_INT32_SPAN = 2**32


def _to_int32(value: int) -> int:
    """Wrap a Python int into int32's range (two's complement), as an int32 state holds it."""
    return (int(value) + 2**31) % _INT32_SPAN - 2**31


class SeedGenerator:
    """A stateful source of seeds for the functions of :mod:`keraton.random` (Keras 3's).

    ``SeedGenerator(seed=None, name=None)``.  The state is an int32 tensor
    ``[seed, counter]``; each random call that receives the generator uses the
    current state and advances the counter.  Two generators made with the same
    ``seed`` produce the same sequence of numbers; ``seed=None`` picks a seed from
    torch's global generator (reproducible after ``torch.manual_seed`` /
    ``keraton.utils.set_random_seed``).

    Create it in a layer's ``__init__`` and pass it as ``seed=`` in ``call`` for
    layers whose randomness must differ between calls yet be reproducible:

        >>> class Noise(keraton.layers.Layer):
        ...     def __init__(self, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.seed_generator = keraton.random.SeedGenerator(1337)
        ...     def call(self, x):
        ...         return x + keraton.random.normal(x.shape, seed=self.seed_generator)
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)  # Keras's backend override: keraton has only torch
        if kwargs:
            raise ValueError(
                f"SeedGenerator: unrecognized keyword arguments {sorted(kwargs)}; it takes only "
                "`seed` and `name`.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(
                f"SeedGenerator: argument `seed` must be an integer or None. Received: seed={seed!r} "
                f"(of type {type(seed).__name__}).")
        self.name = name if name is not None else backend.unique_object_name("seed_generator")
        self._initial_seed = None if seed is None else int(seed)
        if seed is None:  # from torch's global stream, so that torch.manual_seed fixes it
            seed = int(torch.randint(1, 10**9, (), dtype=torch.int64))
        self.state = torch.tensor([_to_int32(seed), 0], dtype=torch.int32)

    def next(self, ordered=True) -> torch.Tensor:
        """Return the current state (a copy) and advance the generator.

        ``ordered=True`` increments the counter; ``ordered=False`` jumps to a new
        state derived deterministically from the current one.
        """
        current = self.state.clone()
        seed, counter = current.tolist()
        if ordered:
            new = [seed, _to_int32(counter + 1)]
        else:
            jump = torch.randint(-(2**31), 2**31, (2,), dtype=torch.int64,
                                 generator=_generator_from_pair(seed, counter, "cpu"))
            new = jump.tolist()
        self.state.copy_(torch.tensor(new, dtype=torch.int32))
        return current

    def get_config(self) -> dict:
        """Keras's config: the seed given at creation (None if none was) and the name."""
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> SeedGenerator:
        """Rebuild a generator from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name!r} state={self.state.tolist()}>"


def _generator_from_pair(seed: int, counter: int, device) -> torch.Generator:
    # Keras's torch backend seeds with the 32-bit sum of the two halves of the state
    # (so SeedGenerator(s)'s second draw is SeedGenerator(s + 1)'s first, as there);
    # kept so that seeded draws give Keras's numbers.
    generator = torch.Generator(device=device)
    generator.manual_seed((seed + counter) % _INT32_SPAN)
    return generator


def _generator(seed, device) -> torch.Generator | None:
    """The torch generator for Keras's ``seed`` argument (None: torch's global one)."""
    if seed is None:
        return None
    if isinstance(seed, SeedGenerator):
        first, second = seed.next().tolist()
        return _generator_from_pair(first, second, device)
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return _generator_from_pair(_to_int32(seed), 0, device)
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed!r} (of type {type(seed).__name__}).")


def _device() -> torch.device:
    return torch.get_default_device()


def _shape(shape) -> tuple:
    if isinstance(shape, torch.Size):
        return tuple(shape)
    if isinstance(shape, (list, tuple)) and all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in shape):
        return tuple(int(d) for d in shape)
    raise TypeError(
        f"`shape` must be a tuple or list of integers, such as (2, 3). Received: shape={shape!r}. "
        "Write (n,) for a 1-D shape.")


def _float_dtype(dtype, fn: str) -> torch.dtype:
    torch_dtype = standardize_dtype(dtype) or backend.torch_dtype(None)
    if not torch_dtype.is_floating_point:
        raise ValueError(
            f"`keras.random.{fn}` requires a floating point `dtype`. Received: dtype="
            f"{backend.dtype_name(torch_dtype)}. Use e.g. 'float32' (or `randint` for integers).")
    return torch_dtype


def _sampling_dtype(dtype: torch.dtype) -> torch.dtype:
    """float64 stays, everything else is sampled in float32 (half types lack some kernels)."""
    return torch.float64 if dtype == torch.float64 else torch.float32


def _affine(values: torch.Tensor, scale, shift, dtype: torch.dtype) -> torch.Tensor:
    """``values * scale + shift`` (numbers or tensors) in ``dtype``."""
    if not isinstance(scale, (int, float)) or scale != 1:
        values = values * (scale if isinstance(scale, (int, float)) else convert_to_tensor(scale))
    if not isinstance(shift, (int, float)) or shift != 0:
        values = values + (shift if isinstance(shift, (int, float)) else convert_to_tensor(shift))
    return values.to(dtype)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from a normal distribution ``N(mean, stddev**2)``; dtype ``floatx()`` by default."""
    dtype = _float_dtype(dtype, "normal")
    shape, device = _shape(shape), _device()
    generator = _generator(seed, device)
    if isinstance(mean, (int, float)) and isinstance(stddev, (int, float)):
        return torch.normal(float(mean), float(stddev), shape, generator=generator, dtype=dtype,
                            device=device)
    values = torch.randn(shape, generator=generator, dtype=dtype, device=device)
    return _affine(values, stddev, mean, dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples uniformly from ``[minval, maxval)``; the dtype must be a float type (as Keras)."""
    dtype = _float_dtype(dtype, "uniform")
    device = _device()
    values = torch.rand(_shape(shape), generator=_generator(seed, device), dtype=dtype,
                        device=device)
    return _affine(values, maxval - minval, minval, dtype)


def _int_bound(value, name: str) -> int:
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return int(value)
    size = value.numel() if isinstance(value, torch.Tensor) else getattr(value, "size", None)
    if size == 1:
        return int(value.item())
    raise TypeError(f"randint: `{name}` must be a number. Received: {name}={value!r}.")


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Samples integers uniformly from ``[minval, maxval)``; the dtype must be an integer type."""
    torch_dtype = standardize_dtype(dtype)
    if torch_dtype.is_floating_point or torch_dtype == torch.bool:
        raise ValueError(
            "`keras.random.randint` requires an integer `dtype`. Received: dtype="
            f"{backend.dtype_name(torch_dtype)}. Use e.g. 'int32' (or `uniform` for floats).")
    low, high = _int_bound(minval, "minval"), _int_bound(maxval, "maxval")
    if low >= high:
        raise ValueError(
            f"randint: `minval` must be smaller than `maxval` (the range is [minval, maxval)). "
            f"Received: minval={minval}, maxval={maxval}.")
    device = _device()
    return torch.randint(low, high, _shape(shape), generator=_generator(seed, device),
                         dtype=torch_dtype, device=device)


# Quantiles of the standard normal at -2 and +2: truncated_normal keeps values
# within two standard deviations of the mean.
_LOW_CDF = 0.5 * math.erfc(2.0 / math.sqrt(2.0))
_HIGH_CDF = 1.0 - _LOW_CDF


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from ``N(mean, stddev**2)`` restricted to ``[mean - 2*stddev, mean + 2*stddev]``.

    Sampled exactly by inverting the normal CDF on the kept range (one draw per
    value, no rejection loop).
    """
    dtype = _float_dtype(dtype, "truncated_normal")
    device = _device()
    u = torch.rand(_shape(shape), generator=_generator(seed, device),
                   dtype=_sampling_dtype(dtype), device=device)
    u = _LOW_CDF + (_HIGH_CDF - _LOW_CDF) * u
    values = math.sqrt(2.0) * torch.erfinv(2.0 * u - 1.0)
    return _affine(values.clamp_(-2.0, 2.0), stddev, mean, dtype)


@keras_op
def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero entries of ``inputs`` with probability ``rate`` and scale the rest by ``1/(1-rate)``.

    Always active (no ``training`` flag), as Keras's ``keras.random.dropout``.
    ``noise_shape`` is the shape of the keep-mask, broadcast over ``inputs``
    (``None`` entries take the input's size).  Integer inputs give ``floatx()``.
    """
    x = convert_to_tensor(inputs)
    if not x.is_floating_point():
        x = x.to(backend.torch_dtype(None))
    rate = float(rate)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"dropout: `rate` must be in [0, 1]. Received: rate={rate}.")
    if noise_shape is None:
        mask_shape = tuple(x.shape)
    else:
        noise_shape = tuple(noise_shape)
        if len(noise_shape) != x.dim():
            raise ValueError(
                f"dropout: `noise_shape` must have one entry per dimension of `inputs` "
                f"({x.dim()}). Received: noise_shape={noise_shape} for inputs of shape "
                f"{tuple(x.shape)}.")
        mask_shape = tuple(x.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    generator = _generator(seed, x.device)
    if rate == 1.0:
        return torch.zeros_like(x)
    keep_probability = torch.full(mask_shape, 1.0 - rate, device=x.device)
    keep = torch.bernoulli(keep_probability, generator=generator).bool()
    return torch.where(keep, x / (1.0 - rate), torch.zeros((), dtype=x.dtype, device=x.device))


@keras_op
def shuffle(x, axis=0, seed=None):
    """Randomly permute the slices of ``x`` along ``axis`` (Keras's ``keras.random.shuffle``).

    One permutation moves whole slices, as on Keras's TensorFlow backend; for
    ``axis=0`` the result equals Keras's torch backend for the same seed.
    """
    x = convert_to_tensor(x)
    if not -x.dim() <= axis < x.dim():
        raise ValueError(
            f"shuffle: `axis` {axis} is out of range for a tensor of rank {x.dim()}.")
    # argsort of uniform keys (not randperm): the permutation Keras's torch backend draws
    keys = torch.rand(x.shape[axis], generator=_generator(seed, x.device), device=x.device)
    return x.index_select(axis, keys.argsort())


@keras_op
def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draw ``num_samples`` class indices per row of 2-D ``logits`` (unnormalized log-probs).

    Returns shape ``(batch_size, num_samples)`` in ``dtype`` (int32 by default), as Keras.
    """
    logits = convert_to_tensor(logits)
    if logits.dim() != 2:
        raise ValueError(
            "`logits` should be a 2-D tensor with shape [batch_size, num_classes]. Received a "
            f"tensor of shape {tuple(logits.shape)}; add a batch axis with `logits[None]`.")
    probabilities = torch.softmax(logits.to(_sampling_dtype(logits.dtype)), dim=-1)
    samples = torch.multinomial(probabilities, int(num_samples), replacement=True,
                                generator=_generator(seed, logits.device))
    return samples.to(standardize_dtype(dtype))


def _broadcast_parameter(value, shape: tuple, dtype: torch.dtype, device) -> torch.Tensor:
    tensor = convert_to_tensor(value).to(device=device, dtype=dtype)
    try:
        return torch.broadcast_to(tensor, shape)
    except RuntimeError:
        raise ValueError(
            f"A distribution parameter of shape {tuple(tensor.shape)} cannot be broadcast to "
            f"`shape` {shape}.") from None


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from a Gamma distribution of concentration ``alpha`` (scale 1).

    ``alpha`` may be a number or a tensor broadcastable to ``shape``.  Keras returns
    the samples cast to ``dtype`` even when it is an integer type; so does this.
    """
    torch_dtype = standardize_dtype(dtype) or backend.torch_dtype(None)
    shape, device = _shape(shape), _device()
    alpha = _broadcast_parameter(alpha, shape, _sampling_dtype(torch_dtype), device)
    return torch._standard_gamma(alpha, generator=_generator(seed, device)).to(torch_dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from a Beta(``alpha``, ``beta``) distribution on ``[0, 1]``.

    Drawn as the first component of a two-class Dirichlet, as torch's ``Beta``
    samples (and hence as Keras's torch backend does).
    """
    torch_dtype = standardize_dtype(dtype) or backend.torch_dtype(None)
    shape, device = _shape(shape), _device()
    work = _sampling_dtype(torch_dtype)
    concentration = torch.stack([_broadcast_parameter(alpha, shape, work, device),
                                 _broadcast_parameter(beta, shape, work, device)], dim=-1)
    sample = torch._sample_dirichlet(concentration, generator=_generator(seed, device))
    return sample[..., 0].to(torch_dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples the number of successes among ``counts`` trials of probability ``probabilities``.

    ``counts`` and ``probabilities`` may be numbers or tensors broadcastable to
    ``shape``; the result is ``floatx()`` unless ``dtype`` says otherwise (as Keras).
    """
    torch_dtype = standardize_dtype(dtype) or backend.torch_dtype(None)
    shape, device = _shape(shape), _device()
    work = _sampling_dtype(torch_dtype)
    counts = _broadcast_parameter(counts, shape, work, device)
    probabilities = _broadcast_parameter(probabilities, shape, work, device)
    return torch.binomial(counts, probabilities, generator=_generator(seed, device)).to(torch_dtype)
