"""``keras.models.experimental`` (tf.keras 2): ``SharpnessAwareMinimization``."""

from keraton.models.sharpness_aware_minimization import SharpnessAwareMinimization

__all__ = ["SharpnessAwareMinimization"]
