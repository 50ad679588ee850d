"""Battery cases for the core layers (Dense, Activation, Dropout, Flatten, Reshape, Lambda, wrapper)."""

from torch import nn

import keraton
from battery_cases import Case
from keraton import constraints, initializers, layers, regularizers

CASES = [
    # Dense with each of its arguments.
    Case("dense", lambda: layers.Dense(3), (2, 4), n_trainable=2,
         bad_inputs=(((2, 5), ("'dense'", "(2, 5)", "axis -1 of size 4", "(None, 4)")),
                     ((4,), ("'dense'", "(4,)", "min_ndim=2", "(None, 4)")))),
    Case("dense_relu", lambda: layers.Dense(3, activation="relu"), (2, 4), n_trainable=2),
    Case("dense_sigmoid", lambda: layers.Dense(3, activation="sigmoid"), (2, 4), n_trainable=2),
    Case("dense_softmax", lambda: layers.Dense(3, activation=keraton.activations.softmax),
         (2, 4), n_trainable=2),
    Case("dense_no_bias", lambda: layers.Dense(3, use_bias=False), (2, 4), n_trainable=1),
    Case("dense_initializers",
         lambda: layers.Dense(3, kernel_initializer="he_normal",
                              bias_initializer=initializers.Constant(0.5)),
         (2, 4), n_trainable=2),
    Case("dense_initializer_objects",
         lambda: layers.Dense(3, kernel_initializer=initializers.RandomNormal(stddev=0.3, seed=1),
                              bias_initializer="ones"),
         (2, 4), n_trainable=2),
    Case("dense_regularizers",
         lambda: layers.Dense(3, kernel_regularizer="l2", bias_regularizer=regularizers.L1(0.1),
                              activity_regularizer=regularizers.L1L2(l1=0.01, l2=0.02)),
         (2, 4), n_trainable=2),
    Case("dense_constraints",
         lambda: layers.Dense(3, kernel_constraint="max_norm", bias_constraint=constraints.NonNeg()),
         (2, 4), n_trainable=2),
    Case("dense_3d", lambda: layers.Dense(5, activation="tanh"), (2, 3, 4), n_trainable=2,
         bad_inputs=(((2, 3, 6), ("'dense'", "(2, 3, 6)", "axis -1 of size 4", "(None, 3, 4)")),)),
    # Activation.
    Case("activation_relu", lambda: layers.Activation("relu"), (2, 5)),
    Case("activation_softmax", lambda: layers.Activation(keraton.activations.softmax), (2, 3, 4)),
    # Dropout (inference mode unless told otherwise).
    Case("dropout", lambda: layers.Dropout(0.5), (2, 6)),
    Case("dropout_noise_shape_seed", lambda: layers.Dropout(0.3, noise_shape=(None, 1, 4), seed=3),
         (2, 3, 4)),
    # Flatten.
    Case("flatten", lambda: layers.Flatten(), (2, 3, 4),
         bad_inputs=(((), ("'flatten'", "()", "min_ndim=1")),)),
    Case("flatten_channels_first", lambda: layers.Flatten(data_format="channels_first"),
         (2, 3, 4, 5)),
    # Reshape.
    Case("reshape", lambda: layers.Reshape((4, 3)), (2, 12),
         bad_inputs=(((2, 10), ("'reshape'", "(2, 10)", "(4, 3)")),)),
    Case("reshape_minus_one", lambda: layers.Reshape((2, -1)), (2, 3, 4),
         bad_inputs=(((2, 5), ("'reshape'", "(2, 5)", "(2, -1)")),)),
    # Lambda.
    Case("lambda_output_shape", lambda: layers.Lambda(lambda x: x[:, :2] * 2.0, output_shape=(2,)),
         (2, 4), from_config_kwargs={"safe_mode": False}),
    # TorchModuleWrapper: weights are the module's parameters; no config to rebuild from.
    Case("torch_module_wrapper", lambda: layers.TorchModuleWrapper(nn.Linear(4, 3)), (2, 4),
         n_trainable=2, config_round_trip=False),
    # Identity: any input passes through.
    Case("identity", lambda: layers.Identity(), (2, 3, 4)),
]
