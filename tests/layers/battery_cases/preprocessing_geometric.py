"""Battery cases for the Keras 3 geometric and mixing augmentation layers (identity in inference).

Pipeline cannot run the battery as it stands: as Keras 3's, its config holds only ``layers`` and
``name`` (no ``trainable``), which the config check requires. It is listed in ``covers`` of the
shear case: tests/layers/preprocessing/test_geometric_augmentation.py tests it.
"""

from battery_cases import Case
from keraton import layers


def _bad_rank(name):
    return (((2, 5), (f"'{name}'", "min_ndim=3", "(2, 5)")), ((1, 2, 5, 6, 3), (f"'{name}'", "max_ndim=4")))


CASES = [
    Case("random_shear", lambda: layers.RandomShear(0.2, (0.1, 0.3), fill_mode="constant", seed=1),
         (2, 5, 6, 3), bad_inputs=_bad_rank("random_shear"), covers=("Pipeline",)),
    Case("random_erasing", lambda: layers.RandomErasing(scale=(0.1, 0.4), fill_value=0.0, seed=1),
         (2, 5, 6, 3), bad_inputs=_bad_rank("random_erasing")),
    Case("random_gaussian_blur",
         lambda: layers.RandomGaussianBlur(kernel_size=5, value_range=(-1, 1), seed=1),
         (2, 5, 6, 3), bad_inputs=_bad_rank("random_gaussian_blur")),
    Case("mix_up", lambda: layers.MixUp(alpha=0.4, seed=1), (2, 5, 6, 3), bad_inputs=_bad_rank("mix_up")),
    Case("cut_mix", lambda: layers.CutMix(0.5, data_format="channels_first", seed=1), (2, 3, 5, 6),
         bad_inputs=_bad_rank("cut_mix")),
    Case("random_perspective", lambda: layers.RandomPerspective(scale=0.5, seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_perspective")),
]
