"""Flush denormal floats to zero while ``fit``, ``evaluate`` and ``predict`` run, as Keras on TF and JAX.

TensorFlow's kernels and XLA's CPU code run with the x86 flush-to-zero and
denormals-are-zero modes on, so Keras on those backends never computes with
denormal numbers (magnitudes below 1.2e-38 in float32).  torch leaves them on,
and on CPU each operation that meets them is many times slower: on the
benchmark MLP, after ten epochs the gradients and Adam's intermediate
products are partly denormal and a training step takes 1.8x as long.
Flushing them changes results only below float32's normal range, where
TensorFlow and JAX give zero too.

The mode is switched on when a loop starts and back off when it ends (unless
it was already on), so code outside keraton's loops is not affected; set
``ENABLED = False`` to keep torch's default.
"""

from __future__ import annotations

import functools

import torch

# Set to False to leave torch's handling of denormals alone in fit/evaluate/predict.
ENABLED = True

_DENORMAL = 1e-39  # below float32's smallest normal number, 1.1754944e-38


def flushing() -> bool:
    """True if this thread currently flushes denormals (a denormal times one gives zero)."""
    return float(torch.tensor([_DENORMAL]).mul_(1.0)[0]) == 0.0


def flush_denormals(method):
    """Decorate a training/evaluation loop so that it runs with denormals flushed to zero."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        if not ENABLED or flushing():
            return method(*args, **kwargs)
        if not torch.set_flush_denormal(True):  # the CPU has no such mode
            return method(*args, **kwargs)
        try:
            return method(*args, **kwargs)
        finally:
            torch.set_flush_denormal(False)

    return wrapper
