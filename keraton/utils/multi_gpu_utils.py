"""Keras 2's ``keras.utils.multi_gpu_model``: its checks, and one device's training behind it.

Keras 2.0.9-2.3 (and tf.keras up to TF 2.3) replicated a model on several GPUs
with ``multi_gpu_model(model, gpus)``, a function Keras 3 dropped for its
distribution API.  keraton keeps the function so that Keras 2 programs run:
it refuses what Keras 2 refused (fewer than two GPUs asked for, GPUs the
machine does not have: the ``ValueError`` that CPU-fallback code catches), and
where the GPUs exist it returns ``model`` itself, which trains on one device,
with a warning.  Data parallelism on torch is ``torchrun`` with
``keraton.distribution``; the returned model shares the weights as Keras 2's
did (it *is* the template), so saving either saves the same weights.
"""

from __future__ import annotations

import warnings

import torch

from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["multi_gpu_model"]


def _available_devices() -> list:
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return ["/cpu:0"] + [f"/gpu:{i}" for i in range(count)]


def multi_gpu_model(model, gpus=None, cpu_merge=True, cpu_relocation=False):
    """Keras 2's ``multi_gpu_model``: Keras 2's argument checks; ``model`` itself where the GPUs exist.

    Args:
        model: the model to "replicate".
        gpus: the number of GPUs (>= 2), a list of GPU ids, or None for all
            the machine's GPUs.
        cpu_merge, cpu_relocation: Keras 2's placement switches; accepted.

    Raises:
        ValueError: fewer than two GPUs asked for, or GPUs this machine does
            not have (with Keras 2's wording, so CPU fallbacks written for it
            still work).
    """
    del cpu_merge, cpu_relocation  # where Keras 2 placed the weights and merged the outputs
    warn_keras2_name("keras.utils.multi_gpu_model",
                     "`keraton.distribution` (data parallelism over processes with torchrun)")
    available = _available_devices()
    if isinstance(gpus, (list, tuple)):
        if len(gpus) <= 1:
            raise ValueError("For multi-gpu usage to be effective, call `multi_gpu_model` with "
                             f"`len(gpus) >= 2`. Received: `gpus={gpus}`")
        targets = list(gpus)
    else:
        if gpus is None:
            gpus = len(available) - 1
        if gpus <= 1:
            raise ValueError("For multi-gpu usage to be effective, call `multi_gpu_model` with "
                             f"`gpus >= 2`. Received: `gpus={gpus}`")
        targets = list(range(gpus))
    wanted = ["/cpu:0"] + [f"/gpu:{i}" for i in targets]
    missing = [d for d in wanted if d not in available]
    if missing:
        raise ValueError(f"To call `multi_gpu_model` with `gpus={gpus}`, we expect the following "
                         f"devices to be available: {wanted}. However this machine only has: "
                         f"{available}. Try reducing `gpus`.")
    warnings.warn(f"multi_gpu_model: keraton trains '{model.name}' on one device and returns it "
                  "unchanged (Keras 2 split each batch over the GPUs). For data parallelism run "
                  "the program with torchrun and keraton.distribution.", UserWarning, stacklevel=2)
    return model
