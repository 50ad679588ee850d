"""What a step returns and how the loop reads it: lazy metric logs, converted to floats on demand."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch


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
