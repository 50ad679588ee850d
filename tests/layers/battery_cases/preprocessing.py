"""Battery cases for the preprocessing layers (Normalization, Rescaling, CenterCrop, Resizing)."""

from battery_cases import Case
from keraton import layers

CASES = [
    # Adapted Normalization holds a variance weight: the battery's random (possibly negative)
    # weights would make sqrt(variance) NaN, so the battery uses given statistics; adapt is
    # tested in tests/layers/preprocessing/.
    Case("normalization_given_stats",
         lambda: layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0]), (2, 4, 3)),
    Case("normalization_invert",
         lambda: layers.Normalization(axis=None, mean=2.0, variance=4.0, invert=True), (2, 5)),
    Case("rescaling", lambda: layers.Rescaling(1 / 127.5, offset=-1.0), (2, 4, 4, 3)),
    Case("center_crop", lambda: layers.CenterCrop(2, 3), (2, 4, 5, 3),
         bad_inputs=(((2, 4), ("'center_crop'", "min_ndim=3", "(2, 4)")),)),
    Case("resizing", lambda: layers.Resizing(3, 7), (2, 4, 5, 3),
         bad_inputs=(((2, 4, 5, 3, 1), ("'resizing'", "max_ndim=4")),)),
    Case("resizing_nearest_crop",
         lambda: layers.Resizing(6, 2, interpolation="nearest", crop_to_aspect_ratio=True),
         (2, 4, 5, 3)),
]
