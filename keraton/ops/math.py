"""Keras 3's math ops (``keras.src.ops.math``): special functions, ``logsumexp``, ``top_k``,
``segment_*``, ``extract_sequences`` and the Fourier transforms, which take and return
``(real, imag)`` pairs of float tensors.
"""

from __future__ import annotations

import math

import torch

from keraton import backend
from keraton.ops._utils import convert_to_tensor as _to_tensor
from keraton.ops._utils import keras_op
from keraton.ops.core import _dtype_range, _floatx, _to_float

__all__ = [
    "cdist", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2", "in_top_k",
    "irfft", "istft", "logdet", "logsumexp", "rfft", "rsqrt", "segment_max", "segment_min",
    "segment_prod", "segment_sum", "stft", "top_k", "view_as_complex", "view_as_real",
]


# --------------------------------------------------------------------------------------
# Math
# --------------------------------------------------------------------------------------


@keras_op
def erf(x):
    """The error function of ``x``; ints and bools give float32."""
    return torch.erf(_to_tensor(x))


@keras_op
def erfc(x):
    """The complementary error function ``1 - erf(x)``; ints and bools give float32."""
    return torch.erfc(_to_tensor(x))


@keras_op
def erfinv(x):
    """The inverse error function of ``x``; ints and bools give float32."""
    return torch.erfinv(_to_tensor(x))


@keras_op
def rsqrt(x):
    """``1 / sqrt(x)``; ints and bools give float32."""
    return torch.rsqrt(_to_tensor(x))


@keras_op
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x), axis))`` computed stably; ints and bools give float32."""
    x = _to_tensor(x)
    dims = tuple(range(x.ndim)) if axis is None else axis
    return torch.logsumexp(x, dim=dims, keepdim=keepdims)


@keras_op
def logdet(x):
    """``log(det(x))`` of the (batched) square matrices in the last two axes of ``x``."""
    x = _to_tensor(x)
    if not (x.is_floating_point() or x.is_complex()):
        raise TypeError(f"logdet: expected a float tensor, got dtype {backend.dtype_name(x.dtype)}."
                        " Cast it first, e.g. keras.ops.cast(x, 'float32').")
    return torch.logdet(x)


@keras_op
def top_k(x, k, sorted=True):
    """The ``k`` largest values along the last axis and their int64 indices, as
    ``(values, indices)`` (torch's named tuple); ``sorted=True`` orders them descending."""
    x = _to_tensor(x)
    size = x.shape[-1] if x.ndim else 1
    if not 0 <= int(k) <= size:
        raise ValueError(f"top_k: `k` must be between 0 and the last axis size {size}, got {k}.")
    return torch.topk(x, int(k), sorted=sorted)


@keras_op
def in_top_k(targets, predictions, k):
    """For each row, whether ``predictions[row, targets[row]]`` is among the ``k`` largest
    values of the row (ties with the ``k``-th value count as in).  Returns bools."""
    targets = _to_tensor(targets).to(torch.int64)
    predictions = _to_tensor(predictions)
    target_values = torch.take_along_dim(predictions, targets[:, None], dim=-1)
    kth_value = torch.topk(predictions, int(k), dim=-1).values[:, -1:]
    return (target_values >= kth_value)[:, 0]


@keras_op
def cdist(x, y):
    """Euclidean distances between the rows of ``x`` (..., P, M) and ``y`` (..., R, M),
    shape (..., P, R) with broadcast batch axes; ints give float32."""
    x, y = _to_tensor(x), _to_tensor(y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"cdist: both inputs need rank >= 2, got shapes {tuple(x.shape)} and "
                         f"{tuple(y.shape)}.")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"cdist: the last axes must match, got shapes {tuple(x.shape)} and "
                         f"{tuple(y.shape)}.")
    out_dtype = torch.promote_types(x.dtype, y.dtype)
    out_dtype = out_dtype if out_dtype.is_floating_point else _floatx()
    diff = x.to(out_dtype).unsqueeze(-2) - y.to(out_dtype).unsqueeze(-3)
    return torch.sqrt(torch.sum(diff * diff, dim=-1))


@keras_op
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` samples every ``sequence_stride`` along the last axis:
    shape ``(..., num_frames, sequence_length)``."""
    x = _to_tensor(x)
    if x.ndim < 1 or x.shape[-1] < sequence_length:
        raise ValueError(f"extract_sequences: `x` needs a last axis of at least sequence_length="
                         f"{sequence_length} samples, got shape {tuple(x.shape)}.")
    return torch.unfold_copy(x, -1, int(sequence_length), int(sequence_stride))


def _segment_reduce(data, segment_ids, num_segments, how):
    data, segment_ids = _to_tensor(data), _to_tensor(segment_ids)
    if segment_ids.ndim != 1:
        raise ValueError(
            f"segment ops: `segment_ids` must be 1-D, got shape {tuple(segment_ids.shape)}. "
            "Flatten it (and the leading axes of `data` to match) first.")
    if data.ndim == 0 or data.shape[0] != segment_ids.shape[0]:
        raise ValueError(
            "segment ops: `data` and `segment_ids` must have the same leading dimension, got "
            f"{tuple(data.shape)} and {tuple(segment_ids.shape)}.")
    ids = segment_ids.to(torch.int64)
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.numel() else 0
    num_segments = int(num_segments)
    # Ids outside [0, num_segments) go to an extra trash row that is dropped at the end.
    ids = torch.where((ids >= 0) & (ids < num_segments), ids, num_segments)
    work = data.to(torch.int64) if data.dtype == torch.bool else data
    if how == "sum":
        fill = 0
    elif how == "prod":
        fill = 1
    else:
        low, high = _dtype_range(work.dtype)
        if work.is_floating_point():
            low, high = -math.inf, math.inf
        fill = low if how == "amax" else high
    out = torch.full((num_segments + 1, *data.shape[1:]), fill, dtype=work.dtype,
                     device=data.device)
    index = ids.reshape(-1, *[1] * (data.ndim - 1)).expand_as(work)
    out = out.scatter_reduce(0, index, work, how, include_self=True)
    return out[:num_segments].to(data.dtype)


@keras_op
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sum of the rows of ``data`` sharing a segment id; empty segments give 0 and ids
    outside ``[0, num_segments)`` are dropped.  ``sorted`` is a hint only."""
    return _segment_reduce(data, segment_ids, num_segments, "sum")


@keras_op
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Product of the rows of ``data`` sharing a segment id (empty segments give 1)."""
    return _segment_reduce(data, segment_ids, num_segments, "prod")


@keras_op
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maximum of the rows of ``data`` sharing a segment id (empty segments give -inf,
    or the dtype's minimum for ints)."""
    return _segment_reduce(data, segment_ids, num_segments, "amax")


@keras_op
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Minimum of the rows of ``data`` sharing a segment id (empty segments give +inf,
    or the dtype's maximum for ints)."""
    return _segment_reduce(data, segment_ids, num_segments, "amin")


# --------------------------------------------------------------------------------------
# Fourier transforms: (real, imag) pairs in and out
# --------------------------------------------------------------------------------------


def _complex_from_pair(x, op):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{op}: `x` must be a (real, imag) pair of float tensors, got {x!r}.")
    real, imag = _to_tensor(x[0]), _to_tensor(x[1])
    if real.shape != imag.shape:
        raise ValueError(f"{op}: the real and imaginary parts must have the same shape, got "
                         f"{tuple(real.shape)} and {tuple(imag.shape)}.")
    if not (real.is_floating_point() and imag.is_floating_point()):
        raise ValueError(
            f"{op}: the real and imaginary parts must be float tensors, got dtypes "
            f"{backend.dtype_name(real.dtype)} and {backend.dtype_name(imag.dtype)}.")
    common = torch.promote_types(real.dtype, imag.dtype)
    return torch.complex(real.to(common), imag.to(common))


def _check_rank(x, rank, op):
    if x.ndim < rank:
        raise ValueError(f"{op}: the input needs rank >= {rank}, got shape {tuple(x.shape)}.")


@keras_op
def fft(x):
    """1-D FFT along the last axis of the complex tensor given as ``(real, imag)``."""
    z = _complex_from_pair(x, "fft")
    _check_rank(z, 1, "fft")
    z = torch.fft.fft(z)
    return z.real, z.imag


@keras_op
def fft2(x):
    """2-D FFT over the last two axes of the complex tensor given as ``(real, imag)``."""
    z = _complex_from_pair(x, "fft2")
    _check_rank(z, 2, "fft2")
    z = torch.fft.fft2(z)
    return z.real, z.imag


@keras_op
def ifft2(x):
    """Inverse 2-D FFT over the last two axes of ``(real, imag)``."""
    z = _complex_from_pair(x, "ifft2")
    _check_rank(z, 2, "ifft2")
    z = torch.fft.ifft2(z)
    return z.real, z.imag


@keras_op
def rfft(x, fft_length=None):
    """FFT of the real signal ``x`` along its last axis (``fft_length // 2 + 1`` bins),
    as ``(real, imag)``; ``fft_length`` crops or zero-pads the signal."""
    x = _to_tensor(x)
    _check_rank(x, 1, "rfft")
    z = torch.fft.rfft(_to_float(x), n=fft_length, dim=-1)
    return z.real, z.imag


@keras_op
def irfft(x, fft_length=None):
    """Inverse of :func:`rfft`: a real signal of ``fft_length`` samples (default
    ``2 * (bins - 1)``) from ``(real, imag)`` bins along the last axis."""
    z = _complex_from_pair(x, "irfft")
    _check_rank(z, 1, "irfft")
    return torch.fft.irfft(z, n=fft_length, dim=-1)


def _stft_window(window, sequence_length, dtype, device):
    if window is None:
        return None
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f"A string `window` must be 'hann' or 'hamming', got {window!r}.")
        make = torch.hann_window if window == "hann" else torch.hamming_window
        return make(sequence_length, periodic=True, dtype=dtype, device=device)
    win = _to_tensor(window).to(dtype)
    if win.shape != (sequence_length,):
        raise ValueError(f"`window` must have shape ({sequence_length},) (sequence_length), "
                         f"got {tuple(win.shape)}.")
    return win


def _check_stride(sequence_stride):
    if not isinstance(sequence_stride, int) or sequence_stride <= 0:
        raise ValueError(
            f"`sequence_stride` must be a positive integer, got {sequence_stride!r}.")


@keras_op
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform along the last axis of the float32/float64 signal ``x``.

    Returns ``(real, imag)`` of shape ``(..., num_frames, fft_length // 2 + 1)``; with
    ``center`` the signal is reflect-padded by ``fft_length // 2`` on both sides.
    ``window`` is ``"hann"``, ``"hamming"``, ``None`` or an array of ``sequence_length``.
    """
    _check_stride(sequence_stride)
    x = _to_tensor(x)
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"stft: `x` must be float32 or float64, got "
                        f"{backend.dtype_name(x.dtype)}. Cast it first.")
    if fft_length < sequence_length:
        raise ValueError(f"stft: `fft_length` ({fft_length}) must be >= `sequence_length` "
                         f"({sequence_length}).")
    win = _stft_window(window, sequence_length, x.dtype, x.device)
    if win is None:
        win = torch.ones(sequence_length, dtype=x.dtype, device=x.device)
    batch_shape = x.shape[:-1]
    z = torch.stft(x.reshape(-1, x.shape[-1]), n_fft=fft_length, hop_length=sequence_stride,
                   win_length=sequence_length, window=win, center=center, return_complex=True)
    z = z.reshape(*batch_shape, *z.shape[-2:]).transpose(-2, -1)
    return z.real, z.imag


def _overlap_add(frames, stride):
    """Sum frames (B, N, L) placed every ``stride`` samples: (B, (N - 1) * stride + L)."""
    _, n, length = frames.shape
    out_len = (n - 1) * stride + length
    folded = torch.nn.functional.fold(frames.transpose(1, 2), output_size=(1, out_len),
                                      kernel_size=(1, length), stride=(1, stride))
    return folded.reshape(frames.shape[0], out_len)


@keras_op
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """Inverse short-time Fourier transform of ``(real, imag)`` frames (the inverse of
    :func:`stft`): windowed overlap-add, normalised as Keras does; ``length`` trims or pads
    the output signal."""
    _check_stride(sequence_stride)
    z = _complex_from_pair(x, "istft")
    _check_rank(z, 2, "istft")
    real_dtype = z.real.dtype
    win = _stft_window(window, sequence_length, real_dtype, z.device)
    batch_shape = z.shape[:-2]
    if sequence_length == fft_length and center and win is not None:
        signal = torch.istft(z.reshape(-1, *z.shape[-2:]).transpose(-2, -1), n_fft=fft_length,
                             hop_length=sequence_stride, win_length=sequence_length,
                             window=win, center=True, length=length, return_complex=False)
        return signal.reshape(*batch_shape, signal.shape[-1])
    frames = torch.fft.irfft(z, n=fft_length, dim=-1)
    if win is not None:
        # Centre the window in fft_length, then divide it by the sum of the squared windows
        # that overlap each sample position (TensorFlow's inverse_stft_window_fn rule).
        left = (fft_length - sequence_length) // 2
        win = torch.nn.functional.pad(win, (left, fft_length - sequence_length - left))
        periods = -(-fft_length // sequence_stride)
        squares = torch.nn.functional.pad(win * win, (0, periods * sequence_stride - fft_length))
        denom = squares.reshape(periods, sequence_stride).sum(0).repeat(periods)[:fft_length]
        frames = frames * (win / denom)
    num_frames = frames.shape[-2]
    signal = _overlap_add(frames.reshape(-1, num_frames, fft_length), sequence_stride)
    signal = signal.reshape(*batch_shape, signal.shape[-1])
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = signal.shape[-1] - fft_length // 2
    else:
        end = signal.shape[-1]
    return signal[..., start:end]


@keras_op
def view_as_complex(x):
    """A complex64 tensor from a real tensor whose last axis (size 2) holds (real, imag)."""
    x = _to_tensor(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError("view_as_complex: the last axis must have size 2 (real, imag), got "
                         f"shape {tuple(x.shape)}.")
    return torch.complex(x[..., 0].to(torch.float32), x[..., 1].to(torch.float32))


@keras_op
def view_as_real(x):
    """A real tensor of shape ``x.shape + (2,)`` holding the real and imaginary parts."""
    x = _to_tensor(x)
    if not x.is_complex():
        raise ValueError(f"view_as_real: expected a complex tensor, got dtype "
                         f"{backend.dtype_name(x.dtype)}.")
    return torch.stack([x.real, x.imag], dim=-1)


