"""Battery cases for the Keras 3 color augmentation layers (identity in inference, except AutoContrast).

AutoContrast applies in inference too (Keras's behaviour); its battery input
(randn) has no constant channel, so it stays differentiable.
"""

from battery_cases import Case
from keraton import layers


def _bad_rank(name):
    return (((2, 5), (f"'{name}'", "min_ndim=3", "(2, 5)")), ((1, 2, 5, 6, 3), (f"'{name}'", "max_ndim=4")))


CASES = [
    Case("random_brightness", lambda: layers.RandomBrightness(0.2, seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_brightness")),
    Case("random_grayscale", lambda: layers.RandomGrayscale(0.5, seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_grayscale")),
    Case("random_saturation", lambda: layers.RandomSaturation(0.5, seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_saturation")),
    Case("random_hue", lambda: layers.RandomHue(0.3, value_range=(0, 1), seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_hue")),
    Case("random_color_degeneration", lambda: layers.RandomColorDegeneration(0.5, seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_color_degeneration")),
    Case("random_invert", lambda: layers.RandomInvert(seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_invert")),
    Case("random_posterization", lambda: layers.RandomPosterization(4, seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_posterization")),
    Case("solarization", lambda: layers.Solarization(0.2, 0.5, seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("solarization")),
    Case("auto_contrast", lambda: layers.AutoContrast(value_range=(0, 1)), (2, 5, 6, 3),
         bad_inputs=_bad_rank("auto_contrast")),
    Case("random_sharpness", lambda: layers.RandomSharpness(0.5, seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_sharpness")),
    Case("equalization", lambda: layers.Equalization(bins=128), (2, 5, 6, 3),
         bad_inputs=_bad_rank("equalization")),
    Case("random_color_jitter",
         lambda: layers.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.3, saturation_factor=0.4,
                                          hue_factor=0.1, seed=1), (2, 5, 6, 3),
         bad_inputs=_bad_rank("random_color_jitter")),
]
