"""State of the current layer call: pending losses, call depth, and which ``call``s take which arguments."""

from __future__ import annotations

import inspect

# Layers that called add_loss() during the current outermost call.  Cleared when
# an outermost call starts, so a layer's losses always belong to its last call.
_PENDING_LOSS_LAYERS: list = []
_CALL_DEPTH = [0]
_ACCEPTS_TRAINING: dict = {}


def _call_accepts(cls, name: str) -> bool:
    key = (cls, name)
    if key not in _ACCEPTS_TRAINING:
        params = inspect.signature(cls.call).parameters
        _ACCEPTS_TRAINING[key] = name in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
        )
    return _ACCEPTS_TRAINING[key]
