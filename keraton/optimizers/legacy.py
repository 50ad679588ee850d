"""``keras.optimizers.legacy`` of Keras 2.11-2.15: the optimizers that still honour ``lr=`` and ``decay=``.

Keras 2.11 made new optimizer classes the default and kept the former ones
under ``keras.optimizers.legacy``; from then on Keras 2 code written as
``RMSprop(lr=1e-4, decay=1e-6)`` (the classic examples) had to import them
from here, since the new classes refuse ``decay`` and ignore ``lr``.  Keras 3
removed the module.  keraton's optimizers already honour both Keras 2
arguments (``decay``: ``lr / (1 + decay * iterations)``).  ``SGD``,
``Adadelta``, ``Adagrad``, ``Adam`` and ``Adamax`` update as the legacy
and ``Ftrl`` update as the legacy classes do (``Ftrl``: TensorFlow's fused
kernel, checked against TensorFlow 2.15), so they are the same classes;
``RMSprop`` and ``Nadam`` below keep the legacy update rules, which differ
from Keras 3's.

Example:

>>> from keraton.optimizers.legacy import RMSprop
>>> opt = RMSprop(lr=1e-4, decay=1e-6)
>>> float(opt.learning_rate), opt.decay
(9.999999747378752e-05, 1e-06)
"""

from __future__ import annotations

from keraton.optimizers import nadam, rmsprop
from keraton.optimizers.adadelta import Adadelta
from keraton.optimizers.adagrad import Adagrad
from keraton.optimizers.adam import Adam
from keraton.optimizers.adamax import Adamax
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.ftrl import Ftrl
from keraton.optimizers.optimizer_config import check_number
from keraton.optimizers.sgd import SGD

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "Adamax", "Ftrl", "Nadam", "Optimizer", "RMSprop"]


class RMSprop(rmsprop.RMSprop):
    """Keras 2's legacy ``RMSprop``: without momentum, ``w -= lr * g / (sqrt(v) + epsilon)``.

    Keras 3 (and keraton's :class:`keraton.optimizers.RMSprop`) divide by
    ``sqrt(v + epsilon)``; Keras 2's legacy class adds ``epsilon`` outside the
    root unless ``momentum > 0`` (then TensorFlow's fused kernel puts it
    inside, as Keras 3).  With small gradients the two differ a lot.

    Example:

    >>> opt = keraton.optimizers.legacy.RMSprop(lr=1e-4, decay=1e-6)
    """

    def _denominators(self, grads, indices, epsilon_inside_root=True):
        """``sqrt(v) + epsilon`` without momentum, ``sqrt(v + epsilon)`` with it (Keras 2 legacy)."""
        return super()._denominators(grads, indices, epsilon_inside_root=self.momentum > 0)


class Nadam(nadam.Nadam):
    """Keras 2's legacy ``Nadam``: momentum schedule ``u_t = b1 * (1 - 0.5 * 0.96**(schedule_decay * t))``.

    Keras 3 raises 0.96 to ``t``; the legacy class (as Keras 2.0's Nadam)
    to ``schedule_decay * t``, ``schedule_decay`` 0.004 by default.  As there,
    the learning rate does not decay: a ``decay`` argument is ignored, and
    ``get_config()["decay"]`` reports ``schedule_decay``.

    Example:

    >>> opt = keraton.optimizers.legacy.Nadam(lr=2e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 schedule_decay=0.004, **kwargs):
        """Create the optimizer; ``decay`` is accepted and ignored, as Keras 2's legacy Nadam."""
        kwargs.pop("decay", None)
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         **kwargs)
        self.schedule_decay = check_number("schedule_decay", schedule_decay)

    def _schedule_exponent(self, t, f):
        """``schedule_decay * t`` (Keras 2 legacy), not Keras 3's ``t``."""
        return f(self.schedule_decay) * t

    def get_config(self):
        """Nadam's config with ``decay`` set to ``schedule_decay``, as Keras 2's legacy Nadam writes it."""
        return {**super().get_config(), "decay": self.schedule_decay}


# The legacy classes whose update rule differs from Keras 3's (the others are Keras 3's classes).
LEGACY_RULE_CLASSES = (RMSprop, Nadam)


def legacy_rule_class(class_name):
    """The legacy class named ``class_name`` (any case) if its rule differs from Keras 3's, else ``None``."""
    if not isinstance(class_name, str):
        return None
    return {cls.__name__.lower(): cls for cls in LEGACY_RULE_CLASSES}.get(class_name.lower())
