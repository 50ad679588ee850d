"""``keras.metrics.experimental`` of tf.keras 2: :class:`PyMetric`, a metric computed in Python/NumPy."""

from keraton.metrics.py_metric import PyMetric

__all__ = ["PyMetric"]
