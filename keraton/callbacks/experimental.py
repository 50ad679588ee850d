"""``keras.callbacks.experimental``: tf.keras 2's deprecated ``BackupAndRestore`` path.

``tf.keras.callbacks.experimental.BackupAndRestore`` (TensorFlow 2.15) is a
subclass of ``tf.keras.callbacks.BackupAndRestore`` that only logs a
deprecation warning; this one does the same over keraton's callback.
"""

from __future__ import annotations

import warnings

from keraton.callbacks.backup_and_restore import BackupAndRestore as _BackupAndRestore

__all__ = ["BackupAndRestore"]


class BackupAndRestore(_BackupAndRestore):
    """Deprecated alias of ``keras.callbacks.BackupAndRestore`` (tf.keras 2's experimental one).

    Takes the same arguments (``backup_dir``, ``save_freq``, ``delete_checkpoint``,
    ...) and behaves the same; constructing it warns that the path is deprecated.

    Example:
        >>> import warnings, tempfile
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     cb = BackupAndRestore(tempfile.mkdtemp())
    """

    def __init__(self, *args, **kwargs):
        warnings.warn("`keras.callbacks.experimental.BackupAndRestore` is deprecated; use "
                      "`keras.callbacks.BackupAndRestore` instead.", DeprecationWarning,
                      stacklevel=2)
        super().__init__(*args, **kwargs)
