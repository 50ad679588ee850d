"""Where keraton's messages go: stdout (interactive, the default) or Python's ``logging``.

Matches ``keras.utils.enable_interactive_logging`` and friends (also under
``keras.config``): with interactive logging off, progress bars and messages go
to the ``"keraton"`` logger at INFO level instead of stdout.
"""

from keraton.utils.hdf5_matrix import HDF5Matrix  # noqa: F401  (Keras 2's io_utils path)

_INTERACTIVE = {"enabled": True}


def enable_interactive_logging() -> None:
    """Let progress bars and messages write to stdout (the default)."""
    _INTERACTIVE["enabled"] = True


def disable_interactive_logging() -> None:
    """Send progress bars and messages to Python's ``logging`` instead of stdout."""
    _INTERACTIVE["enabled"] = False


def is_interactive_logging_enabled() -> bool:
    """Whether messages go to stdout (True, the default) or to ``logging``."""
    return _INTERACTIVE["enabled"]
