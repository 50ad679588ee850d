"""Battery cases for the merging layers; each is called on a list of inputs (a tuple of shapes)."""

import warnings

from battery_cases import Case
from keraton import layers

TWO = ((2, 3), (2, 3))

CASES = [
    Case("add", lambda: layers.Add(), ((2, 3), (2, 3), (2, 3)),
         bad_inputs=((((2, 3), (2, 4)), ("'add'", "(2, 3)", "(2, 4)")),)),
    Case("add_broadcast", lambda: layers.Add(), ((2, 1, 3), (2, 4, 3))),
    Case("subtract", lambda: layers.Subtract(), TWO,
         bad_inputs=((((2, 3), (2, 3), (2, 3)), ("'subtract'", "exactly 2")),)),
    Case("multiply", lambda: layers.Multiply(), ((2, 4), (2, 3, 4))),
    Case("average", lambda: layers.Average(), TWO),
    Case("maximum", lambda: layers.Maximum(), TWO),
    Case("minimum", lambda: layers.Minimum(), ((2, 3, 2), (2, 3, 2))),
    Case("concatenate", lambda: layers.Concatenate(), ((2, 3), (2, 5)),
         bad_inputs=((((2, 3, 4), (2, 2, 4)), ("'concatenate'", "(2, 3, 4)", "(2, 2, 4)")),)),
    Case("concatenate_axis1", lambda: layers.Concatenate(axis=1), ((2, 3, 4), (2, 1, 4))),
    Case("dot", lambda: layers.Dot(axes=1), TWO,
         bad_inputs=((((2, 3), (2, 4)), ("'dot'", "size 3", "size 4")),)),
    Case("dot_normalize", lambda: layers.Dot(axes=(2, 1), normalize=True), ((2, 3, 4), (2, 4, 5))),
]


def _legacy_merge(**kwargs):
    """Keras 2.0/2.1's deprecated ``Merge``, without its warning (given on every construction)."""

    def factory():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return layers.Merge(**kwargs)

    return factory


CASES += [
    Case("legacy_merge_concat", _legacy_merge(mode="concat"), ((2, 3), (2, 5)),
         bad_inputs=((((2, 3, 4), (2, 2, 4)), ('"concat" mode', "(2, 3, 4)", "(2, 2, 4)")),)),
    Case("legacy_merge_sum", _legacy_merge(mode="sum"), ((2, 3), (2, 3), (2, 3)),
         bad_inputs=((((2, 3), (2, 4)), ("sum mode", "(2, 3)", "(2, 4)")),)),
    Case("legacy_merge_cos", _legacy_merge(mode="cos"), TWO,
         bad_inputs=((((2, 3), (2, 4)), ("cos mode", "(2, 3)", "(2, 4)")),)),
]
