"""Battery cases for EinsumDense (core family; kept apart from core.py, which another module owns)."""

from battery_cases import Case
from keraton import layers

CASES = [
    Case("einsum_dense", lambda: layers.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c"),
         (2, 4), n_trainable=2,
         bad_inputs=(((2, 5), ("'einsum_dense'", "(2, 5)", "axis 1 of size 4")),
                     ((2, 3, 4), ("'einsum_dense'", "(2, 3, 4)", "ndim=2")))),
    Case("einsum_dense_heads",
         lambda: layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de",
                                    activation="tanh"),
         (2, 4, 5), n_trainable=2,
         bad_inputs=(((2, 4, 6), ("'einsum_dense'", "(2, 4, 6)", "axis 2 of size 5")),)),
    Case("einsum_dense_ellipsis_no_bias",
         lambda: layers.EinsumDense("...b,bc->...c", output_shape=4, kernel_regularizer="l2"),
         (2, 3, 5), n_trainable=1),
    Case("einsum_dense_partial_bias",
         lambda: layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="d"),
         (2, 4, 5), n_trainable=2),
]
