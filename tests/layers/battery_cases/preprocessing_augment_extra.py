"""Battery cases for RandAugment, AugMix, RandomElasticTransform (identity in inference) and CLAHE.

ContrastLimitedAdaptiveHistogramEqualization applies in inference too (Keras's behaviour); its
output goes through integer bins and lookups, so no gradient reaches the input (not differentiable).
"""

from battery_cases import Case
from keraton import layers


def _bad_rank(name):
    return (((2, 5), (f"'{name}'", "min_ndim=3", "(2, 5)")), ((1, 2, 5, 6, 3), (f"'{name}'", "max_ndim=4")))


CASES = [
    Case("rand_augment", lambda: layers.RandAugment(value_range=(-3, 3), num_ops=3, factor=0.4, seed=1),
         (2, 5, 6, 3), bad_inputs=_bad_rank("rand_augment")),
    Case("aug_mix", lambda: layers.AugMix(value_range=(-3, 3), num_chains=2, chain_depth=2, seed=1),
         (2, 5, 6, 3), bad_inputs=_bad_rank("aug_mix")),
    Case("random_elastic_transform",
         lambda: layers.RandomElasticTransform(factor=0.8, scale=(0.2, 0.6), value_range=(-3, 3),
                                               data_format="channels_first", seed=1),
         (2, 3, 8, 6), bad_inputs=_bad_rank("random_elastic_transform")),
    Case("clahe",
         lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(value_range=(-3, 3), tile_grid_size=(2, 3)),
         (2, 5, 6, 3), bad_inputs=_bad_rank("contrast_limited_adaptive_histogram_equalization"),
         differentiable=False),
]
