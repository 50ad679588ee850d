"""tf.keras 2's ``keras.layers.experimental`` namespace (TF 2.2-2.15), which Keras 3 removed.

``EinsumDense`` is Keras 3's layer; ``RandomFourierFeatures`` and
``SyncBatchNormalization`` are tf.keras 2's, written for keraton;
``preprocessing`` holds the twenty ``layers.experimental.preprocessing`` names.

Example:
    >>> from keraton.layers.experimental import preprocessing   # tf.keras 2 spelling
    >>> preprocessing.Normalization is keraton.layers.Normalization
    True
"""

from keraton.layers.core import EinsumDense
from keraton.layers.experimental import preprocessing
from keraton.layers.kernelized import RandomFourierFeatures
from keraton.layers.normalization.sync_batch_normalization import SyncBatchNormalization

__all__ = ["EinsumDense", "RandomFourierFeatures", "SyncBatchNormalization", "preprocessing"]
