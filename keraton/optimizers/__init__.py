"""Keras 3 optimizers on PyTorch: ``SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``,
``Adadelta``, ``Adamax``, ``Nadam``, ``Lion``, ``Ftrl``, ``Lamb``, ``Adafactor``, ``Muon``, plus
``get`` / ``serialize`` / ``deserialize``.

Each optimizer updates ``torch.nn.Parameter`` lists in place with Keras's
update rules and defaults, through either the Keras API (``apply_gradients``,
``apply``) or the torch API (``build`` once, then ``step`` / ``zero_grad``).
"""

from __future__ import annotations

import torch

from keraton.optimizers import experimental, legacy, schedules
from keraton.optimizers.adadelta import Adadelta
from keraton.optimizers.adafactor import Adafactor
from keraton.optimizers.adagrad import Adagrad
from keraton.optimizers.adam import Adam
from keraton.optimizers.adamax import Adamax
from keraton.optimizers.adamw import AdamW
from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.ftrl import Ftrl
from keraton.optimizers.lamb import Lamb
from keraton.optimizers.lion import Lion
from keraton.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from keraton.optimizers.muon import Muon
from keraton.optimizers.nadam import Nadam
from keraton.optimizers.rmsprop import RMSprop
from keraton.optimizers.scalar_variable import ScalarVariable
from keraton.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from keraton.optimizers.sgd import SGD
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

ALL_OBJECTS = (Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl,
               Lamb, Adafactor, Muon, ScheduleFreeAdamW, MultiOptimizer, OptimizerMap)
# Names accepted by get(): Keras's lower-cased class names.
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS if cls is not Optimizer}

__all__ = [
    "SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion",
    "LossScaleOptimizer", "MultiOptimizer", "Muon", "Nadam", "Optimizer", "OptimizerMap",
    "RMSprop", "ScalarVariable", "ScheduleFreeAdamW", "TorchOptimizer", "deserialize", "experimental",
    "get", "legacy", "schedules", "serialize",
]


def serialize(optimizer) -> dict:
    """Return Keras 3's serialized form of ``optimizer`` (``module``, ``class_name``, ``config``...)."""
    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """Create an optimizer from :func:`serialize`'s output (class names are case-insensitive, as Keras)."""
    module_objects = {cls.__name__: cls for cls in ALL_OBJECTS}
    module_objects.update({name: cls for name, cls in ALL_OBJECTS_DICT.items()})
    if isinstance(config, dict) and isinstance(config.get("class_name"), str):
        lowered = config["class_name"].lower()
        if config["class_name"] not in module_objects and lowered in ALL_OBJECTS_DICT:
            config = {**config, "class_name": lowered}
    return deserialize_keras_object(config, module_objects=module_objects,
                                    custom_objects=custom_objects, kind="optimizer")


def get(identifier):
    """Return an optimizer from a name (``'adam'``, case-insensitive), a config dict or an instance.

    Matches ``keras.optimizers.get``: ``None`` gives ``None``, an instance is
    returned unchanged, a name gives a new optimizer with Keras's defaults; a
    ``torch.optim.Optimizer`` is wrapped in :class:`TorchOptimizer` (as Keras 2
    wrapped a TensorFlow optimizer in ``TFOptimizer``).
    Unknown names raise a ``ValueError`` naming the closest known optimizer.
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, torch.optim.Optimizer):  # Keras 2 wrapped TF's in TFOptimizer
        return TorchOptimizer(identifier)
    if isinstance(identifier, str):
        from keraton.utils.lookup import lookup_by_name  # lazy: keraton.utils imports much

        return lookup_by_name("optimizer", identifier, ALL_OBJECTS_DICT)()
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, type) and issubclass(identifier, Optimizer):
        obj = identifier()
    else:
        obj = None
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. Expected an optimizer name "
        f"(one of {sorted(ALL_OBJECTS_DICT)}), a config dict or an Optimizer instance."
    )


# Keras 3 also exports it here; imported last (it subclasses Optimizer).
from keraton.mixed_precision.loss_scale_optimizer import LossScaleOptimizer  # noqa: E402
from keraton.optimizers.torch_optimizer import TorchOptimizer  # noqa: E402
