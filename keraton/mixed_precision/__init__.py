"""Mixed precision with Keras 3's API: dtype policies, the global policy and loss scaling.

``set_global_policy('mixed_bfloat16')`` makes new layers compute in bfloat16
(under ``torch.autocast``) while their weights stay float32;
``'mixed_float16'`` does the same with float16, and ``compile`` then wraps the
optimizer in a :class:`LossScaleOptimizer`.
"""

from __future__ import annotations

from keraton.mixed_precision.policy import (
    DTypePolicy,
    FloatDTypePolicy,
    Policy,
    get,
    global_policy,
    set_global_policy,
)

dtype_policy = global_policy  # Keras 3's alias
set_dtype_policy = set_global_policy  # Keras 3's alias


def __getattr__(name):
    # Lazy: keraton.layers.layer imports this package, and the optimizers import the layers.
    if name == "LossScaleOptimizer":
        from keraton.mixed_precision.loss_scale_optimizer import LossScaleOptimizer

        return LossScaleOptimizer
    raise AttributeError(f"module 'keraton.mixed_precision' has no attribute {name!r}")

__all__ = ["DTypePolicy", "FloatDTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "get", "global_policy",
           "set_dtype_policy", "set_global_policy"]
