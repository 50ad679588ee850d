"""Battery cases for the normalization layers."""

from battery_cases import Case
from keraton import layers

# The battery sets random normal weights, moving_variance included: a large epsilon keeps
# variance + epsilon positive so outputs are finite and comparable.
CASES = [
    Case("batch_normalization", lambda: layers.BatchNormalization(epsilon=10.0), (4, 3), n_trainable=2,
         n_non_trainable=2,
         bad_inputs=(((4, 5), ("'batch_normalization'", "(4, 5)", "axis -1 of size 3")),
                     ((4, 2, 3), ("'batch_normalization'", "ndim=2")))),
    Case("batch_normalization_channels_first",
         lambda: layers.BatchNormalization(axis=1, momentum=0.9, epsilon=10.0, center=False,
                                           gamma_regularizer="l2"),
         (2, 3, 4, 4), n_trainable=1, n_non_trainable=2),
    Case("layer_normalization", lambda: layers.LayerNormalization(), (2, 3, 4), n_trainable=2),
    Case("layer_normalization_axes",
         lambda: layers.LayerNormalization(axis=[1, 2], epsilon=0.01, center=False),
         (2, 3, 4), n_trainable=1),
    Case("group_normalization", lambda: layers.GroupNormalization(groups=2), (2, 5, 4),
         n_trainable=2,
         bad_inputs=(((2, 5, 6), ("'group_normalization'", "axis -1 of size 4")),)),
    Case("unit_normalization", lambda: layers.UnitNormalization(axis=[1, 2]), (2, 3, 4)),
    Case("rms_normalization", lambda: layers.RMSNormalization(), (2, 3, 4), n_trainable=1),
    Case("rms_normalization_axes", lambda: layers.RMSNormalization(axis=[1, 2], epsilon=0.1),
         (2, 3, 4), n_trainable=1),
    Case("rms_normalization_middle_axis", lambda: layers.RMSNormalization(axis=1), (2, 3, 4),
         n_trainable=1),
    Case("spectral_normalization_dense",
         lambda: layers.SpectralNormalization(layers.Dense(3)), (2, 4), n_trainable=2,
         n_non_trainable=1,
         bad_inputs=(((2, 5), ("'spectral_normalization'", "axis -1 of size 4")),)),
    Case("spectral_normalization_conv2d",
         lambda: layers.SpectralNormalization(layers.Conv2D(2, 2), power_iterations=2),
         (2, 5, 5, 3), n_trainable=2, n_non_trainable=1),
]
