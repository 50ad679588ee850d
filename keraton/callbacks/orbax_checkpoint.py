"""``keras.callbacks.OrbaxCheckpoint``: Keras 3's checkpointing through Orbax (a JAX library), unavailable.

keraton saves checkpoints with ``ModelCheckpoint`` (``.keras`` / ``.weights.h5``
files, or Keras 2's ``.h5``) and ``BackupAndRestore``.
"""

from __future__ import annotations

from keraton.callbacks.callback import Callback


class OrbaxCheckpoint(Callback):
    """Keras 3's Orbax checkpoint callback; creating one raises ``ImportError``.

    Keras 3 raises ``ImportError`` when the ``orbax-checkpoint`` package is
    missing; keraton raises it always, since Orbax writes JAX arrays.  Use
    ``ModelCheckpoint`` or ``BackupAndRestore``.
    """

    def __init__(self, *args, **kwargs):
        """Raise ``ImportError`` pointing at ``ModelCheckpoint``/``BackupAndRestore``."""
        raise ImportError("OrbaxCheckpoint saves through Orbax, a JAX library, which keraton does not use. "
                          "Use keraton.callbacks.ModelCheckpoint (or BackupAndRestore) to checkpoint "
                          "during fit.")
