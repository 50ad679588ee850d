"""Battery cases for the regularization layers beyond Dropout (noise, spatial dropout, activity penalty)."""

from battery_cases import Case
from keraton import layers

CASES = [
    Case("spatial_dropout1d", lambda: layers.SpatialDropout1D(0.3, seed=1), (2, 3, 4),
         bad_inputs=(((2, 3), ("'spatial_dropout1d'", "ndim=3", "(2, 3)")),)),
    Case("spatial_dropout2d", lambda: layers.SpatialDropout2D(0.3), (2, 3, 4, 5)),
    Case("spatial_dropout2d_channels_first",
         lambda: layers.SpatialDropout2D(0.3, data_format="channels_first"), (2, 3, 4, 5)),
    Case("spatial_dropout3d", lambda: layers.SpatialDropout3D(0.5, seed=2), (2, 2, 3, 2, 4)),
    Case("gaussian_dropout", lambda: layers.GaussianDropout(0.2, seed=1), (2, 5)),
    Case("gaussian_noise", lambda: layers.GaussianNoise(0.1), (2, 3, 4)),
    Case("alpha_dropout", lambda: layers.AlphaDropout(0.2, noise_shape=(None, 1), seed=3), (2, 5)),
    Case("activity_regularization", lambda: layers.ActivityRegularization(l1=0.01, l2=0.1), (2, 5)),
]
