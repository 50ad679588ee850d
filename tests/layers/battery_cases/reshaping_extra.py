"""Battery cases for Permute, RepeatVector, UpSampling, ZeroPadding and Cropping (1D/2D/3D)."""

from battery_cases import Case
from keraton import layers

CASES = [
    Case("permute", lambda: layers.Permute((2, 1)), (2, 3, 4),
         bad_inputs=(((2, 3, 4, 5), ("'permute'", "ndim=3", "(2, 3, 4, 5)")),)),
    Case("permute_3d", lambda: layers.Permute((3, 1, 2)), (2, 3, 4, 5)),
    Case("repeat_vector", lambda: layers.RepeatVector(3), (2, 4),
         bad_inputs=(((2, 3, 4), ("'repeat_vector'", "ndim=2")),)),
    Case("up_sampling1d", lambda: layers.UpSampling1D(3), (2, 3, 4),
         bad_inputs=(((2, 3), ("'up_sampling1d'", "ndim=3")),)),
    Case("up_sampling2d", lambda: layers.UpSampling2D((2, 3)), (2, 3, 4, 2),
         bad_inputs=(((2, 3, 4), ("'up_sampling2d'", "ndim=4")),)),
    Case("up_sampling2d_bilinear",
         lambda: layers.UpSampling2D(interpolation="bilinear", data_format="channels_first"),
         (2, 2, 3, 4)),
    Case("up_sampling3d", lambda: layers.UpSampling3D(), (2, 2, 3, 2, 2)),
    Case("zero_padding1d", lambda: layers.ZeroPadding1D((1, 2)), (2, 3, 4),
         bad_inputs=(((2, 3), ("'zero_padding1d'", "ndim=3")),)),
    Case("zero_padding2d", lambda: layers.ZeroPadding2D(((1, 2), (0, 3))), (2, 3, 4, 2)),
    Case("zero_padding3d", lambda: layers.ZeroPadding3D(data_format="channels_first"),
         (2, 2, 2, 3, 2)),
    Case("cropping1d", lambda: layers.Cropping1D((1, 2)), (2, 6, 3),
         bad_inputs=(((2, 3, 3), ("'cropping1d'", "smaller", "(2, 3, 3)")),)),
    Case("cropping2d", lambda: layers.Cropping2D(((1, 0), (1, 2))), (2, 5, 6, 3),
         bad_inputs=(((2, 5, 6), ("'cropping2d'", "ndim=4")),)),
    Case("cropping3d", lambda: layers.Cropping3D(), (2, 4, 5, 6, 2)),
]
