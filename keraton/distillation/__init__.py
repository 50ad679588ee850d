"""Knowledge distillation (Keras 3's ``keras.distillation``): a ``Distiller`` model and its losses."""

from keraton.distillation.distillation_loss import (
    DistillationLoss,
    FeatureDistillation,
    LogitsDistillation,
)
from keraton.distillation.distiller import Distiller

__all__ = ["DistillationLoss", "Distiller", "FeatureDistillation", "LogitsDistillation"]
