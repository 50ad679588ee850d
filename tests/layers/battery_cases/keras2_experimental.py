"""Battery cases for tf.keras 2's ``layers.experimental`` layers that Keras 3 dropped.

RandomHeight / RandomWidth resize only in training, to a random size that compute_output_shape
leaves unknown; their Cases use factors that keep the size (so the shape checks apply) and
tests/layers/preprocessing/test_random_height_width.py checks the resizing.  RandomFourierFeatures
runs with trainable=True (its default config holds trainable=False, which the battery's config
check does not expect); tests/layers/test_kernelized.py covers the default.
"""

from battery_cases import Case
from keraton import layers


def _bad_rank(name):
    return (((2, 5), (f"'{name}'", "min_ndim=3", "(2, 5)")), ((1, 2, 5, 6, 3), (f"'{name}'", "max_ndim=4")))


CASES = [
    Case("random_height", lambda: layers.RandomHeight((0.0, 0.1), interpolation="bicubic", seed=1),
         (2, 5, 6, 3), bad_inputs=_bad_rank("random_height")),
    Case("random_width", lambda: layers.RandomWidth((0.0, 0.1), interpolation="lanczos3", seed=1),
         (2, 5, 6, 3), bad_inputs=_bad_rank("random_width")),
    Case("random_fourier_features",
         lambda: layers.RandomFourierFeatures(5, kernel_initializer="laplacian", trainable=True), (3, 4),
         n_trainable=1, n_non_trainable=2,
         bad_inputs=(((3, 5), ("'random_fourier_features'", "(3, 5)")),)),
    Case("sync_batch_normalization", lambda: layers.SyncBatchNormalization(epsilon=10.0), (4, 3),
         n_trainable=2, n_non_trainable=2,
         bad_inputs=(((4, 5), ("'sync_batch_normalization'", "(4, 5)")),)),
]
