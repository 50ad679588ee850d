"""``keras.experimental``: tf.keras 2's experimental learning-rate schedules and premade models.

In TensorFlow 2.15 ``tf.keras.experimental.CosineDecay`` and
``CosineDecayRestarts`` are the very classes of
``tf.keras.optimizers.schedules`` (same signature: ``alpha`` is the floor as a
fraction of ``initial_learning_rate``; ``warmup_target``/``warmup_steps`` for
``CosineDecay``), so they are keraton's schedules again.  The premade
``LinearModel`` and ``WideDeepModel`` are in :mod:`keraton.models.premade`;
``SequenceFeatures`` (TensorFlow feature columns) and ``SidecarEvaluator``
(TensorFlow's distributed evaluation) are not provided.

Example:
    >>> from keraton import experimental
    >>> float(experimental.CosineDecay(1.0, 10, alpha=0.1)(10))
    0.1
"""

from __future__ import annotations

from keraton.models.premade import LinearModel, WideDeepModel
from keraton.optimizers.schedules.learning_rate_schedule import CosineDecay, CosineDecayRestarts

__all__ = ["CosineDecay", "CosineDecayRestarts", "LinearModel", "WideDeepModel"]
