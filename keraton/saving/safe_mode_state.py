"""Whether deserialization runs in safe mode (refusing bytecode), as ``keras.config.enable_unsafe_deserialization``."""

from __future__ import annotations

import contextlib

_SAFE_MODE = [True]


def in_safe_mode() -> bool:
    """True unless unsafe deserialization was enabled or a ``safe_mode=False`` scope is active."""
    return _SAFE_MODE[-1]


def enable_unsafe_deserialization() -> None:
    """Allow loading Lambda bytecode everywhere (Keras's ``enable_unsafe_deserialization``)."""
    _SAFE_MODE[0] = False


@contextlib.contextmanager
def safe_mode_scope(safe_mode: bool | None):
    """Run the block with ``safe_mode`` (``None`` keeps the current setting)."""
    if safe_mode is None:
        yield
        return
    _SAFE_MODE.append(bool(safe_mode))
    try:
        yield
    finally:
        _SAFE_MODE.pop()
