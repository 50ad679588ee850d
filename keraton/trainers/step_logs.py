"""What a step returns and how the loop reads it: lazy metric logs, converted to floats on demand."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch


class Keras2KeysDict(dict):
    """A Keras 3 dict that also answers keys Keras 2 had, on lookup only.

    Comparing, printing and iterating see only the dict's own (Keras 3) keys;
    ``d[key]`` and ``d.get(key)`` of a missing key ask :meth:`keras2_value`.
    """

    def keras2_value(self, key):
        """The value Keras 2 had under ``key``; raise ``KeyError`` if none."""
        raise KeyError(key)

    def __missing__(self, key):
        return self.keras2_value(key)

    def get(self, key, default=None):
        """``dict.get`` that also answers the Keras 2 keys."""
        try:
            return self[key]
        except KeyError:
            return default


class MetricsLogs(Mapping):
    """The logs a step returns: metric results, computed only when read (no per-step sync)."""

    def __init__(self, trainer):
        self._trainer = trainer
        trainer.__dict__["_tracked_metrics_cache"] = None  # layers may have made metrics since
        # The user's metric attributes, found once per loop rather than per read.
        self._tracked = trainer._tracked_metrics()

    def _results(self) -> dict:
        return self._trainer._metric_results(self._tracked)

    def __getitem__(self, key):
        return self._results()[key]

    def __iter__(self):
        return iter(self._results())

    def __len__(self) -> int:
        return len(self._results())


def to_floats(logs) -> dict:
    """Python floats (NumPy arrays for non-scalars) from a logs mapping: the one host read.

    Keys keep their order and nested dicts (a ``compile_metrics`` result that
    a custom ``train_step`` returns) their nesting: :func:`flatten_logs`, like
    Keras's ``pythonify_logs`` where the logs are handed out, sorts and flattens.
    """
    if isinstance(logs, MetricsLogs):
        logs = logs._results()  # once, not once per key
    out = {}
    for k, v in logs.items():
        if hasattr(v, "result") and callable(v.result):  # a Metric returned as a log value
            v = v.result()
        if isinstance(v, Mapping):
            out[k] = to_floats(v)
        elif isinstance(v, torch.Tensor):
            v = v.detach()
            out[k] = float(v) if v.numel() == 1 else v.cpu().numpy()
        elif isinstance(v, (int, float, np.floating, np.integer)):
            out[k] = float(v)
        else:
            out[k] = v
    return out


def flatten_logs(logs) -> dict:
    """Logs in sorted key order with nested dicts flattened in their key's place (Keras 3's
    ``pythonify_logs`` order: ``History``, the progress bar and ``evaluate(return_dict=True)``)."""
    out = {}
    items = logs.items()
    try:
        items = sorted(items)
    except TypeError:  # keys of mixed types: keep their order
        pass
    for k, v in items:
        if isinstance(v, Mapping):
            out.update(flatten_logs(v))
        else:
            out[k] = v
    return out


class BatchLogs(Keras2KeysDict):
    """A batch-end logs dict that also answers Keras 2's ``logs['batch']`` and ``logs['size']``.

    Keras 2.0-2.2 put the batch's index and its number of samples in every
    batch-end ``logs``; Keras 3 (and tf.keras 2) do not list them, nor does
    this dict, but a Keras 2 callback reading them gets them.
    """

    def __init__(self, values, index: int, batch):
        super().__init__(values)
        self._index = index
        self._batch = batch

    def keras2_value(self, key):
        """``batch``: the batch's index in the epoch; ``size``: its number of samples."""
        if key == "batch":
            return self._index
        if key == "size":
            from keraton.utils import tree

            leaves = [t for t in tree.flatten(self._batch) if hasattr(t, "shape") and len(t.shape)]
            if leaves:
                return int(leaves[0].shape[0])
        raise KeyError(key)

    def rebuilt(self, values) -> BatchLogs:
        """The same Keras 2 keys over other values (the callbacks' pythonified copy)."""
        return BatchLogs(values, self._index, self._batch)


def batch_end_logs(logs, index: int, batch) -> BatchLogs:
    """A step's logs as floats for the batch-end callbacks, with Keras 2's ``batch``/``size``."""
    return BatchLogs(to_floats(logs), index, batch)
