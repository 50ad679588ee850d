"""Learning-rate schedules with Keras 3's names, arguments and numbers, plus ``serialize``/``deserialize``."""

from __future__ import annotations

from keraton.optimizers.schedules.learning_rate_schedule import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
)
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

__all__ = [
    "CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
    "LearningRateSchedule", "PiecewiseConstantDecay", "PolynomialDecay", "deserialize", "serialize",
]

_OBJECTS = {cls.__name__: cls for cls in (LearningRateSchedule, CosineDecay, CosineDecayRestarts,
                                          ExponentialDecay, InverseTimeDecay,
                                          PiecewiseConstantDecay, PolynomialDecay)}


def serialize(learning_rate_schedule) -> dict:
    """Keras 3's serialized form of a schedule (``module``, ``class_name``, ``config``, ...).

    Example:

    >>> serialize(ExponentialDecay(0.1, 100, 0.9))["class_name"]
    'ExponentialDecay'
    """
    return serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """Rebuild a schedule from :func:`serialize`'s output (or Keras 3's).

    Example:

    >>> deserialize(serialize(CosineDecay(0.1, 10))).decay_steps
    10
    """
    return deserialize_keras_object(config, module_objects=_OBJECTS, custom_objects=custom_objects,
                                    kind="learning rate schedule")
