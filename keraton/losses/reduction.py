"""``keras.losses.Reduction``: tf.keras 2's names for the reduction of a loss.

Matches ``tf.keras.losses.Reduction`` (``ReductionV2``) of TensorFlow 2.15:
the four string constants, :meth:`Reduction.all` and :meth:`Reduction.validate`.
The constants are the strings every keraton loss takes as ``reduction=``;
``AUTO`` (``'auto'``) is read as ``'sum_over_batch_size'``, as tf.keras 2 does
outside a distribution strategy.

Example:
    >>> from keraton.losses.reduction import Reduction
    >>> Reduction.validate(Reduction.NONE)
    >>> Reduction.all()
    ('auto', 'none', 'sum', 'sum_over_batch_size')
"""

from __future__ import annotations


class Reduction:
    """Types of loss reduction, as tf.keras 2's ``keras.losses.Reduction``.

    * ``AUTO``: chosen by context; always ``SUM_OVER_BATCH_SIZE`` in keraton.
    * ``NONE``: no reduction beyond the loss function's own (per-sample values).
    * ``SUM``: the sum of the weighted losses.
    * ``SUM_OVER_BATCH_SIZE``: that sum divided by the number of loss values.
    """

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple:
        """Return the four reduction keys, in tf.keras 2's order."""
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key) -> None:
        """Raise ``ValueError`` unless ``key`` is one of :meth:`all` (tf.keras 2's check)."""
        if key not in cls.all():
            raise ValueError(
                f"Invalid Reduction Key: {key!r}. Expected one of {cls.all()}; use "
                f"keras.losses.Reduction.SUM_OVER_BATCH_SIZE for the mean over the batch."
            )


ReductionV2 = Reduction
