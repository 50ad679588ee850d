"""Hinge metrics (``Hinge``, ``SquaredHinge``, ``CategoricalHinge``), as in Keras 3.

Each is the running (weighted) mean of the hinge loss function of the same
name; 0/1 labels are mapped to -1/1 for ``Hinge`` and ``SquaredHinge``.
"""

from __future__ import annotations

from keraton.losses import functions as loss_fns
from keraton.metrics.regression_metrics import _LossMean


class Hinge(_LossMean):
    """Mean hinge loss (Keras ``metrics.Hinge``)."""

    _fn_ = staticmethod(loss_fns.hinge)

    def __init__(self, name="hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


class SquaredHinge(_LossMean):
    """Mean squared hinge loss (Keras ``metrics.SquaredHinge``)."""

    _fn_ = staticmethod(loss_fns.squared_hinge)

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


class CategoricalHinge(_LossMean):
    """Mean categorical hinge loss (Keras ``metrics.CategoricalHinge``)."""

    _fn_ = staticmethod(loss_fns.categorical_hinge)

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)
