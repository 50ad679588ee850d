"""Battery cases for the pooling layers (Max/Average/Global pooling, 1D/2D/3D)."""

from battery_cases import Case
from keraton import layers

CASES = [
    Case("max_pooling1d", lambda: layers.MaxPooling1D(), (2, 6, 3),
         bad_inputs=(((2, 6), ("'max_pooling1d'", "ndim=3", "(2, 6)")),)),
    Case("max_pooling2d", lambda: layers.MaxPooling2D(), (2, 6, 6, 3),
         bad_inputs=(((2, 6, 3), ("'max_pooling2d'", "ndim=4", "(2, 6, 3)")),)),
    Case("max_pooling2d_same_strided", lambda: layers.MaxPooling2D(3, strides=2, padding="same"),
         (2, 7, 6, 3)),
    Case("max_pooling2d_channels_first",
         lambda: layers.MaxPooling2D((2, 3), data_format="channels_first"), (2, 3, 6, 6)),
    Case("max_pooling3d", lambda: layers.MaxPooling3D(padding="same"), (2, 5, 4, 3, 2),
         bad_inputs=(((2, 4, 4, 2), ("'max_pooling3d'", "ndim=5")),)),
    Case("average_pooling1d", lambda: layers.AveragePooling1D(3, strides=1, padding="same"),
         (2, 6, 3)),
    Case("average_pooling2d", lambda: layers.AveragePooling2D(2, strides=1, padding="same"),
         (2, 5, 5, 3), bad_inputs=(((2, 5, 3), ("'average_pooling2d'", "ndim=4")),)),
    Case("average_pooling3d", lambda: layers.AveragePooling3D(2, data_format="channels_first"),
         (2, 2, 4, 4, 4)),
    Case("global_max_pooling1d", lambda: layers.GlobalMaxPooling1D(), (2, 5, 3),
         bad_inputs=(((2, 3), ("'global_max_pooling1d'", "ndim=3")),)),
    Case("global_max_pooling2d", lambda: layers.GlobalMaxPooling2D(keepdims=True), (2, 4, 5, 3)),
    Case("global_max_pooling3d", lambda: layers.GlobalMaxPooling3D(data_format="channels_first"),
         (2, 3, 2, 3, 4)),
    Case("global_average_pooling1d", lambda: layers.GlobalAveragePooling1D(), (2, 5, 3),
         bad_inputs=(((2, 3), ("'global_average_pooling1d'", "ndim=3")),)),
    Case("global_average_pooling2d", lambda: layers.GlobalAveragePooling2D(), (2, 4, 5, 3)),
    Case("global_average_pooling3d", lambda: layers.GlobalAveragePooling3D(keepdims=True),
         (2, 2, 3, 4, 3)),
]
