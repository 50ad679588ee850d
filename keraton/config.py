"""``keras.config``: global settings of keraton, under Keras 3's names.

The float type, epsilon and image data format are :mod:`keraton.backend`'s; the
dtype policy is :mod:`keraton.mixed_precision`'s global policy; unsafe
deserialization is :mod:`keraton.saving`'s safe-mode switch.  The backend is
always ``"torch"``.  Interactive logging, traceback filtering, flash attention,
``max_epochs`` and ``max_steps_per_epoch`` are stored here for the parts of
keraton that read them.  As in Keras, the environment variables
``KERAS_MAX_EPOCHS`` and ``KERAS_MAX_STEPS_PER_EPOCH`` set the two limits at
import time.
"""

from __future__ import annotations

import os

from keraton import backend as _backend
from keraton import mixed_precision as _mixed_precision
from keraton.saving.safe_mode_state import enable_unsafe_deserialization
from keraton.utils.io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)

__all__ = [
    "backend",
    "disable_flash_attention",
    "disable_interactive_logging",
    "disable_traceback_filtering",
    "dtype_policy",
    "enable_flash_attention",
    "enable_interactive_logging",
    "enable_traceback_filtering",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "image_data_format",
    "is_flash_attention_enabled",
    "is_interactive_logging_enabled",
    "is_nnx_enabled",
    "is_traceback_filtering_enabled",
    "max_epochs",
    "max_steps_per_epoch",
    "set_backend",
    "set_dtype_policy",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_max_epochs",
    "set_max_steps_per_epoch",
]

floatx = _backend.floatx
epsilon = _backend.epsilon
set_epsilon = _backend.set_epsilon
set_floatx = _backend.set_floatx
image_data_format = _backend.image_data_format


def _limit_from_env(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


_SETTINGS = {
    "traceback_filtering": True,
    "flash_attention": None,  # None: layers use it where they can (Keras's default)
    "max_epochs": _limit_from_env("KERAS_MAX_EPOCHS"),
    "max_steps_per_epoch": _limit_from_env("KERAS_MAX_STEPS_PER_EPOCH"),
}


def backend() -> str:
    """The name of the backend: always ``"torch"`` (keraton runs Keras code on PyTorch)."""
    return "torch"


def set_backend(backend) -> None:
    """Accept ``"torch"`` (nothing to do); any other backend raises ``ValueError``.

    Keras reloads itself on another backend; keraton is PyTorch-native and has no other.
    """
    if backend != "torch":
        raise ValueError(
            f"keraton runs only on PyTorch: set_backend({backend!r}) is not possible. Use "
            "'torch', or install Keras itself to run on JAX or TensorFlow.")


def set_image_data_format(data_format) -> None:
    """Set the default image data format, ``'channels_last'`` or ``'channels_first'`` (any case)."""
    _backend.set_image_data_format(str(data_format).lower())


def dtype_policy():
    """The global dtype policy (a ``DTypePolicy``; ``floatx()``'s unless one was set)."""
    return _mixed_precision.global_policy()


def set_dtype_policy(policy) -> None:
    """Set the global dtype policy from a name (``'mixed_bfloat16'``) or a ``DTypePolicy``."""
    if not isinstance(policy, (str, _mixed_precision.DTypePolicy)):
        raise ValueError(
            "Invalid `policy` argument. Expected the string name of a policy (such as "
            f"'mixed_float16') or a `DTypePolicy` instance. Received: policy={policy!r} (of type "
            f"{type(policy).__name__}).")
    _mixed_precision.set_global_policy(policy)


def enable_traceback_filtering() -> None:
    """Turn traceback filtering on (the default; keraton does not shorten tracebacks)."""
    _SETTINGS["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    """Turn traceback filtering off (kept for Keras code; keraton's tracebacks are never cut)."""
    _SETTINGS["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    """The traceback-filtering setting (True unless disabled)."""
    return _SETTINGS["traceback_filtering"]


def enable_flash_attention() -> None:
    """Let attention layers use flash attention where they can (the default).

    As Keras, this restores the automatic setting, so :func:`is_flash_attention_enabled`
    returns ``None`` afterwards.
    """
    _SETTINGS["flash_attention"] = None


def disable_flash_attention() -> None:
    """Stop attention layers from using flash attention."""
    _SETTINGS["flash_attention"] = False


def is_flash_attention_enabled():
    """``False`` after :func:`disable_flash_attention`, else ``None`` (automatic), as Keras."""
    return _SETTINGS["flash_attention"]


def is_nnx_enabled() -> bool:
    """Always False: Flax NNX integration exists only on Keras's JAX backend."""
    return False


def _check_limit(value, name: str):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            f"{name} must be None (no limit) or a non-negative integer. Received: {value!r}.")
    return value


def set_max_epochs(max_epochs) -> None:
    """Cap the number of epochs of every ``fit`` call (``None``: no cap); a debugging aid."""
    _SETTINGS["max_epochs"] = _check_limit(max_epochs, "max_epochs")


def max_epochs():
    """The cap on ``fit``'s epochs set by :func:`set_max_epochs` or ``KERAS_MAX_EPOCHS``, or None."""
    return _SETTINGS["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch) -> None:
    """Cap the steps of each epoch of ``fit``/``evaluate``/``predict`` (``None``: no cap)."""
    _SETTINGS["max_steps_per_epoch"] = _check_limit(max_steps_per_epoch, "max_steps_per_epoch")


def max_steps_per_epoch():
    """The per-epoch step cap set by :func:`set_max_steps_per_epoch` (or the env var), or None."""
    return _SETTINGS["max_steps_per_epoch"]
