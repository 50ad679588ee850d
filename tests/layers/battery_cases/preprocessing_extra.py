"""Battery cases for the Keras 3 augmentation layers (identity in inference, differentiable).

The lookup and encoding layers have their own cases (preprocessing_lookup.py).
RandomCrop cannot run the battery as it stands: its declared output shape is
its training crop while inference returns the input unchanged (Keras 3's
documented behaviour).  It is listed in ``covers`` of the flip case so the
coverage check knows where it is tested: tests/layers/preprocessing/.
"""

from battery_cases import Case
from keraton import layers

_TESTED_OUTSIDE_BATTERY = ("RandomCrop",)


def _bad_rank(name):
    return (((2, 5), (f"'{name}'", "min_ndim=3", "(2, 5)")), ((1, 2, 5, 6, 3), (f"'{name}'", "max_ndim=4")))


CASES = [
    Case("random_flip", lambda: layers.RandomFlip(seed=1), (2, 5, 6, 3), bad_inputs=_bad_rank("random_flip"),
         covers=_TESTED_OUTSIDE_BATTERY),
    Case("random_rotation", lambda: layers.RandomRotation(0.2, fill_mode="constant", seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_rotation")),
    Case("random_zoom", lambda: layers.RandomZoom(0.2, (-0.1, 0.3), seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_zoom")),
    Case("random_translation", lambda: layers.RandomTranslation(0.1, 0.2, fill_mode="wrap"), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_translation")),
    Case("random_contrast", lambda: layers.RandomContrast((0.1, 0.4), value_range=(0, 1)), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_contrast")),
]
