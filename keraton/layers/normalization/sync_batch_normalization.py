"""``SyncBatchNormalization``: tf.keras 2's batch normalization synchronized across replicas.

Keras 2 layer (``tf.keras.layers.experimental.SyncBatchNormalization``),
removed in Keras 3 in favour of ``BatchNormalization(synchronized=True)``.
"""

from __future__ import annotations

from keraton.layers.normalization.batch_normalization import BatchNormalization
from keraton.utils.keras2_names import warn_keras2_name


class SyncBatchNormalization(BatchNormalization):
    """Batch normalization with cross-replica statistics, as tf.keras 2's ``layers.experimental.SyncBatchNormalization``.

    tf.keras 2 makes it ``BatchNormalization(synchronized=True)``, which
    differs from ``BatchNormalization`` only when a distribution strategy
    runs several replicas; keraton's ``BatchNormalization`` computes the
    statistics of the local batch, so in one process (the usual case) the
    numbers are exactly ``BatchNormalization``'s.  Weights and their order
    are ``BatchNormalization``'s.  The config is tf.keras 2's (no
    ``synchronized`` and no ``renorm*`` keys), saved under the class name
    ``SyncBatchNormalization`` so that tf.keras 2 and keraton both read it.

    Args: those of ``BatchNormalization`` (``axis``, ``momentum``,
    ``epsilon``, ``center``, ``scale``, the initializers, regularizers and
    constraints); ``synchronized`` is implied and not taken.

    Example:
        >>> bn = keraton.layers.experimental.SyncBatchNormalization()
        >>> bn(torch.randn(8, 3), training=True).shape
        torch.Size([8, 3])
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        if "synchronized" in kwargs:
            raise TypeError("SyncBatchNormalization takes no `synchronized` argument (it is always "
                            "synchronized); use BatchNormalization(synchronized=...) instead.")
        super().__init__(axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
                         beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                         moving_mean_initializer=moving_mean_initializer,
                         moving_variance_initializer=moving_variance_initializer,
                         beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                         beta_constraint=beta_constraint, gamma_constraint=gamma_constraint,
                         synchronized=True, **kwargs)
        warn_keras2_name("keras.layers.experimental.SyncBatchNormalization",
                         "`keras.layers.BatchNormalization(synchronized=True)`")

    def get_config(self) -> dict:
        """tf.keras 2's SyncBatchNormalization config (BatchNormalization's without ``synchronized``/``renorm*``)."""
        config = super().get_config()
        for key in ("synchronized", "renorm", "renorm_clipping", "renorm_momentum"):
            config.pop(key, None)
        return config
