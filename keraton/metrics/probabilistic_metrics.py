"""Probabilistic metrics (cross-entropies, KL divergence, Poisson), as in Keras 3.

Each is the running (weighted) mean of the loss function of the same name in
:mod:`keraton.losses`, with Keras's constructor arguments and configs.
"""

from __future__ import annotations

from keraton.losses import functions as loss_fns
from keraton.metrics.regression_metrics import _LossMean


class KLDivergence(_LossMean):
    """Mean Kullback-Leibler divergence (Keras ``metrics.KLDivergence``)."""

    _fn_ = staticmethod(loss_fns.kl_divergence)

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(name=name, dtype=dtype)


class Poisson(_LossMean):
    """Mean Poisson loss (Keras ``metrics.Poisson``)."""

    _fn_ = staticmethod(loss_fns.poisson)

    def __init__(self, name="poisson", dtype=None):
        super().__init__(name=name, dtype=dtype)


class BinaryCrossentropy(_LossMean):
    """Mean binary cross-entropy (Keras ``metrics.BinaryCrossentropy(from_logits, label_smoothing)``)."""

    _fn_ = staticmethod(loss_fns.binary_crossentropy)

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing

    def get_config(self):
        """``{'name', 'dtype', 'from_logits', 'label_smoothing'}``."""
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(_LossMean):
    """Mean categorical cross-entropy (Keras ``metrics.CategoricalCrossentropy``)."""

    _fn_ = staticmethod(loss_fns.categorical_crossentropy)

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        """``{'name', 'dtype', 'from_logits', 'label_smoothing', 'axis'}``."""
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(_LossMean):
    """Mean sparse categorical cross-entropy (Keras ``metrics.SparseCategoricalCrossentropy``).

    As in Keras, positions equal to ``ignore_class`` score 0 but still count in
    the mean unless a ``sample_weight`` is given (the mask is only folded into
    explicit weights).
    """

    _fn_ = staticmethod(loss_fns.sparse_categorical_crossentropy)

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self):
        """``{'name', 'dtype', 'from_logits', 'ignore_class', 'axis'}``."""
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}
