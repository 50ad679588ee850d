"""How a layer's policy reaches its ``call``: ``torch.autocast`` contexts and float32 loss inputs."""

from __future__ import annotations

import torch
from torch import nn

from keraton.mixed_precision import policy as dtype_policy
from keraton.utils import tree

_LOW = (torch.float16, torch.bfloat16)


def call_with_policy(layer, first, args, kwargs):
    """Run ``nn.Module.__call__`` of ``layer`` in the compute dtype of its policy.

    A mixed layer opens ``torch.autocast`` unless an enclosing layer already
    did (one context per model call, not per layer).  A float32 layer inside
    an autocast region turns it off and takes float32 inputs, as a Keras
    float32 layer computes in float32 inside a mixed model.
    """
    device = first.device.type if isinstance(first, torch.Tensor) else "cpu"
    dtype = layer._dtype_policy.autocast_dtype
    active = torch.is_autocast_enabled(device)
    if dtype is not None:
        if active and torch.get_autocast_dtype(device) == dtype:
            return nn.Module.__call__(layer, *args, **kwargs)
        with torch.autocast(device, dtype=dtype):
            return nn.Module.__call__(layer, *args, **kwargs)
    if active and layer._dtype_policy.compute_dtype == "float32":
        with torch.autocast(device, enabled=False):
            return nn.Module.__call__(layer, *upcast_inputs(args), **kwargs)
    return nn.Module.__call__(layer, *args, **kwargs)


def upcast_inputs(args):
    """Low-precision floating tensors in ``args`` cast to float32 (for a float32 layer)."""
    return tree.map_structure(
        lambda t: t.float() if isinstance(t, torch.Tensor) and t.dtype in _LOW else t, args)


def float32_outputs(y_pred):
    """Model outputs in float32 for the loss and metrics, as Keras computes losses in float32."""
    if isinstance(y_pred, torch.Tensor):
        return y_pred.float() if y_pred.dtype in _LOW else y_pred
    if not dtype_policy.MIXED_IN_USE[0]:
        return y_pred
    return tree.map_structure(
        lambda t: t.float() if isinstance(t, torch.Tensor) and t.dtype in _LOW else t, y_pred)
