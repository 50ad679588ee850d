"""Battery cases for Keras 2's deprecated dense layers (MaxoutDense, Highway)."""

import warnings

from battery_cases import Case
from keraton import constraints, regularizers
from keraton.layers.core.legacy_dense import Highway, MaxoutDense


def _quiet(make):
    """The factory without the deprecation warning every construction gives (as in Keras 2)."""

    def factory():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return make()

    return factory


CASES = [
    Case("maxout_dense", _quiet(lambda: MaxoutDense(3, nb_feature=2)), (2, 4), n_trainable=2,
         bad_inputs=(((2, 5), ("'maxout_dense'", "(2, 5)", "axis -1 of size 4")),
                     ((2, 3, 4), ("'maxout_dense'", "(2, 3, 4)", "ndim=2")))),
    Case("maxout_dense_no_bias_regularized",
         _quiet(lambda: MaxoutDense(5, nb_feature=3, bias=False, W_regularizer=regularizers.l2(0.01),
                                    W_constraint=constraints.max_norm(2.0))),
         (2, 4), n_trainable=1),
    Case("highway", _quiet(lambda: Highway(activation="relu")), (2, 4), n_trainable=4,
         bad_inputs=(((2, 5), ("'highway'", "(2, 5)", "axis -1 of size 4")),)),
    Case("highway_no_bias", _quiet(lambda: Highway(bias=False, W_regularizer="l1",
                                                   b_constraint="non_neg")),
         (2, 4), n_trainable=2),
]
