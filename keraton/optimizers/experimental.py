"""``keras.optimizers.experimental``: tf.keras 2's path to the "new" optimizers.

In TensorFlow 2.11-2.15 ``tf.keras.optimizers.experimental.Adam`` (and the
others below) is the same class as ``tf.keras.optimizers.Adam``: the optimizer
that Keras 3 kept.  keraton's optimizers are those Keras 3 classes, so this
module names them again; arguments, defaults, update rules and configs are
keraton's (= Keras 3's = tf.keras 2.15's).

Example:
    >>> from keraton.optimizers import experimental
    >>> experimental.Adam is __import__("keraton").optimizers.Adam
    True
"""

from __future__ import annotations

from keraton.optimizers.adadelta import Adadelta
from keraton.optimizers.adafactor import Adafactor
from keraton.optimizers.adagrad import Adagrad
from keraton.optimizers.adam import Adam
from keraton.optimizers.adamax import Adamax
from keraton.optimizers.adamw import AdamW
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.ftrl import Ftrl
from keraton.optimizers.nadam import Nadam
from keraton.optimizers.rmsprop import RMSprop
from keraton.optimizers.sgd import SGD

__all__ = ["SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Nadam",
           "Optimizer", "RMSprop"]
