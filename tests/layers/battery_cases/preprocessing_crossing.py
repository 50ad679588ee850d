"""Battery cases for ``HashedCrossing`` (non-differentiable: integer bins or their one-hot codes).

It is called on a list of same-shaped integer feature tensors, ``(batch,)`` or
``(batch, 1)``, with symbolic ``keraton.Input``s of dtype int64.
"""

import torch

from battery_cases import Case
from keraton.layers.preprocessing.hashed_crossing import HashedCrossing


def _features(*shapes):
    return lambda gen: [torch.randint(0, 50, shape, generator=gen) for shape in shapes]


CROSS_CASE = dict(input_dtype="int64", differentiable=False)

CASES = [
    Case("hashed_crossing", lambda: HashedCrossing(num_bins=7), ((4, 1), (4, 1)),
         make_input=_features((4, 1), (4, 1)),
         bad_inputs=((((2, 3), (2, 3)), ("'hashed_crossing'", "should have shape", "(2, 3)")),
                     (((2, 1), (3, 1)), ("'hashed_crossing'", "equal shape", "(3, 1)"))),
         **CROSS_CASE),
    Case("hashed_crossing_one_hot", lambda: HashedCrossing(num_bins=5, output_mode="one_hot"),
         ((4,), (4,), (4,)), make_input=_features((4,), (4,), (4,)), **CROSS_CASE),
]
