"""Battery cases for the activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU)."""

from battery_cases import Case
from keraton import initializers, layers

CASES = [
    Case("relu", lambda: layers.ReLU(), (2, 5)),
    Case("relu_all_arguments", lambda: layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2),
         (2, 5)),
    Case("leaky_relu", lambda: layers.LeakyReLU(negative_slope=0.2), (2, 3, 4)),
    Case("elu", lambda: layers.ELU(alpha=0.7), (2, 5)),
    Case("prelu", lambda: layers.PReLU(alpha_initializer="ones"), (2, 5), n_trainable=1,
         bad_inputs=(((2, 6), ("'p_re_lu'", "(2, 6)", "axis 1 of size 5")),)),
    Case("prelu_shared_axes", lambda: layers.PReLU(alpha_initializer=initializers.Constant(0.25),
                                                       shared_axes=[1, 2], alpha_regularizer="l2"),
         (2, 3, 4, 5), n_trainable=1),
    Case("softmax", lambda: layers.Softmax(), (2, 5)),
    Case("softmax_axes", lambda: layers.Softmax(axis=[1, 2]), (2, 3, 4)),
    Case("thresholded_relu", lambda: layers.ThresholdedReLU(theta=0.3), (2, 5)),
]
