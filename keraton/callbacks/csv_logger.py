"""`CSVLogger`, matching `keras.callbacks.CSVLogger` (Keras 3)."""

import collections.abc
import csv
import io
import os

import numpy as np

from keraton.callbacks.callback import Callback
from keraton.distribution import is_primary


class CSVLogger(Callback):
    """Stream each epoch's results to a CSV file, as Keras does.

    The columns are `epoch` and the sorted names of the first epoch's logs;
    when those hold no `val_` entry, `val_<name>` columns are added for every
    name (filled with `NA` when absent), exactly as Keras 3. Each row is
    appended, flushed and fsynced on its own, so a crash (even `SIGKILL`)
    leaves every earlier row intact.

    Args:
        filename: Path of the CSV file.
        separator: Column separator.
        append: Append to an existing file (its header is kept, and written
            only if the file is empty) instead of overwriting it.

    Example:

    >>> csv_logger = CSVLogger("training.log")
    >>> model.fit(x, y, callbacks=[csv_logger])  # doctest: +SKIP
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.keys = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        """Truncate the file (unless `append`) and decide whether to write a header."""
        self._writes = is_primary()  # in distributed training only rank 0 writes
        if not self._writes:
            return
        self.append_header = True
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, encoding="utf-8") as f:
                    self.append_header = not bool(len(f.readline()))
        else:
            with open(self.filename, "w", encoding="utf-8"):
                pass
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        """Append the epoch's row (and the header before the first one)."""
        if not getattr(self, "_writes", True):
            return
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        buffer = io.StringIO()
        dialect = type("CSVLoggerDialect", (csv.excel,), {"delimiter": self.sep})
        writer = csv.DictWriter(buffer, fieldnames=["epoch"] + self.keys, dialect=dialect)
        if self.append_header:
            writer.writeheader()
            self.append_header = False
        row = {"epoch": epoch}
        row.update((key, _handle_value(logs.get(key, "NA"))) for key in self.keys)
        writer.writerow(row)
        with open(self.filename, "a", encoding="utf-8", newline="") as f:
            f.write(buffer.getvalue())
            f.flush()
            os.fsync(f.fileno())

    def on_train_end(self, logs=None):
        """Forget the columns, so that a new `fit` starts a new table."""
        self.keys = None


def _handle_value(value):
    """Keras's cell formatting: iterables become a quoted `"[a, b]"` string."""
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return f'"[{", ".join(map(str, value))}]"'
    return value
