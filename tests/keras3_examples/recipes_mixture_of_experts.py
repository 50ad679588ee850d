"""keras.io examples/keras_recipes/mixture_of_experts.py: Standalone Mixture-of-Experts layers.

``DenseMoE`` (``ops.tensordot`` with a 3-D kernel, broadcast expert biases,
``activations.get``/``serialize`` in ``get_config``) and ``Conv2DMoE`` (a 5-D
expert kernel reshaped for one ``ops.conv``, 1x1 gating conv); a baseline CNN
and the MoE CNN trained with ``validation_split``; the gating analysis: a
sub-model to ``dense_moe_layer.input`` and a ``Dense`` whose ``set_weights``
gets the MoE layer's variables; a config round trip of ``DenseMoE``.
Synthetic CIFAR-10-like data at 16x16 (``# harness:``).
"""

import numpy as np
import keras
from keras import layers, ops, activations, optimizers

RESULTS = {}


class DenseMoE(layers.Layer):
    """
    Mixture-of-Experts Dense layer.
    """

    def __init__(
        self,
        units,
        n_experts,
        expert_activation=None,
        gating_activation=None,
        use_expert_bias=True,
        use_gating_bias=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = units
        self.n_experts = n_experts
        self.expert_activation = activations.get(expert_activation)
        self.gating_activation = activations.get(gating_activation)
        self.use_expert_bias = use_expert_bias
        self.use_gating_bias = use_gating_bias

    def build(self, input_shape):
        input_dim = input_shape[-1]

        # Expert kernels: (input_dim, units, n_experts)
        self.expert_kernel = self.add_weight(
            name="expert_kernel",
            shape=(input_dim, self.units, self.n_experts),
            initializer="glorot_uniform",
            trainable=True,
        )

        # Expert biases: (units, n_experts)
        if self.use_expert_bias:
            self.expert_bias = self.add_weight(
                name="expert_bias",
                shape=(self.units, self.n_experts),
                initializer="zeros",
                trainable=True,
            )

        # Gating kernel: (input_dim, n_experts)
        self.gating_kernel = self.add_weight(
            name="gating_kernel",
            shape=(input_dim, self.n_experts),
            initializer="glorot_uniform",
            trainable=True,
        )

        # Gating bias: (n_experts,)
        if self.use_gating_bias:
            self.gating_bias = self.add_weight(
                name="gating_bias",
                shape=(self.n_experts,),
                initializer="zeros",
                trainable=True,
            )

        super().build(input_shape)

    def call(self, inputs):
        # Compute expert outputs
        # Shape: (batch_size, units, n_experts)
        expert_outputs = ops.tensordot(inputs, self.expert_kernel, axes=1)

        if self.use_expert_bias:
            expert_outputs = expert_outputs + self.expert_bias

        expert_outputs = self.expert_activation(expert_outputs)

        # Compute gating weights
        # Shape: (batch_size, n_experts)
        gating_outputs = ops.tensordot(inputs, self.gating_kernel, axes=1)

        if self.use_gating_bias:
            gating_outputs = gating_outputs + self.gating_bias

        gating_outputs = self.gating_activation(gating_outputs)

        # Expand gating weights to broadcast with expert outputs
        # Shape: (batch_size, 1, n_experts)
        gating_outputs = ops.expand_dims(gating_outputs, axis=1)

        # Weighted combination of expert outputs
        # Shape: (batch_size, units)
        output = ops.sum(expert_outputs * gating_outputs, axis=-1)

        return output

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "n_experts": self.n_experts,
                "expert_activation": activations.serialize(self.expert_activation),
                "gating_activation": activations.serialize(self.gating_activation),
                "use_expert_bias": self.use_expert_bias,
                "use_gating_bias": self.use_gating_bias,
            }
        )
        return config


class Conv2DMoE(layers.Layer):
    """
    Mixture-of-Experts Conv2D layer.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        n_experts,
        strides=1,
        padding="valid",
        expert_activation=None,
        gating_activation=None,
        use_expert_bias=True,
        use_gating_bias=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = (
            kernel_size
            if isinstance(kernel_size, tuple)
            else (kernel_size, kernel_size)
        )
        self.n_experts = n_experts
        self.strides = strides if isinstance(strides, tuple) else (strides, strides)
        self.padding = padding
        self.expert_activation = activations.get(expert_activation)
        self.gating_activation = activations.get(gating_activation)
        self.use_expert_bias = use_expert_bias
        self.use_gating_bias = use_gating_bias

    def build(self, input_shape):
        input_channels = input_shape[-1]

        # Expert kernels: (kernel_h, kernel_w, input_channels, filters, n_experts)
        self.expert_kernel = self.add_weight(
            name="expert_kernel",
            shape=(
                self.kernel_size[0],
                self.kernel_size[1],
                input_channels,
                self.filters,
                self.n_experts,
            ),
            initializer="glorot_uniform",
            trainable=True,
        )

        # Expert biases: (filters, n_experts)
        if self.use_expert_bias:
            self.expert_bias = self.add_weight(
                name="expert_bias",
                shape=(self.filters, self.n_experts),
                initializer="zeros",
                trainable=True,
            )

        # Gating kernel: (1, 1, input_channels, n_experts)
        # Uses 1x1 convolution for efficient per-position gating
        self.gating_kernel = self.add_weight(
            name="gating_kernel",
            shape=(1, 1, input_channels, self.n_experts),
            initializer="glorot_uniform",
            trainable=True,
        )

        # Gating bias: (n_experts,)
        if self.use_gating_bias:
            self.gating_bias = self.add_weight(
                name="gating_bias",
                shape=(self.n_experts,),
                initializer="zeros",
                trainable=True,
            )

        super().build(input_shape)

    def call(self, inputs):
        # Process each expert and collect outputs
        expert_kernel = ops.reshape(
            self.expert_kernel,
            (
                self.kernel_size[0],
                self.kernel_size[1],
                ops.shape(inputs)[-1],
                self.filters * self.n_experts,
            ),
        )

        expert_outputs = ops.conv(
            inputs,
            expert_kernel,
            strides=self.strides,
            padding=self.padding,
        )

        # Reshape output to split the experts dimension.
        output_shape = ops.shape(expert_outputs)
        expert_outputs = ops.reshape(
            expert_outputs,
            (
                output_shape[0],
                output_shape[1],
                output_shape[2],
                self.filters,
                self.n_experts,
            ),
        )

        if self.use_expert_bias:
            expert_outputs = expert_outputs + self.expert_bias

        expert_outputs = self.expert_activation(expert_outputs)

        # Compute gating weights using 1x1 convolution
        # Shape: (batch, height, width, n_experts)
        gating_outputs = ops.conv(
            inputs,
            self.gating_kernel,
            strides=self.strides,
            padding=self.padding,
        )

        if self.use_gating_bias:
            gating_outputs = gating_outputs + self.gating_bias

        gating_outputs = self.gating_activation(gating_outputs)

        # Expand gating to broadcast with expert outputs
        # Shape: (batch, height, width, 1, n_experts)
        gating_outputs = ops.expand_dims(gating_outputs, axis=-2)

        # Weighted combination of expert outputs
        # Shape: (batch, height, width, filters)
        output = ops.sum(expert_outputs * gating_outputs, axis=-1)

        return output

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "n_experts": self.n_experts,
                "strides": self.strides,
                "padding": self.padding,
                "expert_activation": activations.serialize(self.expert_activation),
                "gating_activation": activations.serialize(self.gating_activation),
                "use_expert_bias": self.use_expert_bias,
                "use_gating_bias": self.use_gating_bias,
            }
        )
        return config


# Load CIFAR-10 dataset (harness: synthetic uint8 images of CIFAR-10's form, 16x16)
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(40, 16, 16, 3)).astype("uint8")
y_train = rng.randint(0, 10, size=(40, 1)).astype("uint8")
x_test = rng.randint(0, 256, size=(12, 16, 16, 3)).astype("uint8")
y_test = rng.randint(0, 10, size=(12, 1)).astype("uint8")

# Normalize pixel values
x_train = x_train.astype("float32") / 255.0
x_test = x_test.astype("float32") / 255.0

# Use a subset for faster training in this demo
subset_size = 32  # harness: 10000
x_train = x_train[:subset_size]
y_train = y_train[:subset_size]

print(f"Training samples: {len(x_train)}")
print(f"Test samples: {len(x_test)}")


def create_baseline_model():
    inputs = keras.Input(shape=(16, 16, 3))  # harness: (32, 32, 3)

    # Convolutional feature extraction
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(inputs)  # harness: 32
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(2)(x)

    x = layers.Conv2D(8, 3, activation="relu", padding="same")(x)  # harness: 64
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(2)(x)

    # Dense classification head
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)  # harness: 128
    x = layers.Dropout(0.0)(x)  # harness: 0.5
    x = layers.Dense(8, activation="relu")(x)  # harness: 64
    outputs = layers.Dense(10, activation="softmax")(x)

    model = keras.Model(inputs, outputs, name="baseline_model")
    return model


def create_moe_model():
    inputs = keras.Input(shape=(16, 16, 3))  # harness: (32, 32, 3)

    # MoE convolutional feature extraction
    x = Conv2DMoE(
        8,  # harness: 32
        3,
        n_experts=4,
        padding="same",
        expert_activation="relu",
        gating_activation="softmax",
    )(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(2)(x)

    x = Conv2DMoE(
        8,  # harness: 64
        3,
        n_experts=4,
        padding="same",
        expert_activation="relu",
        gating_activation="softmax",
    )(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(2)(x)

    # MoE dense classification head
    x = layers.Flatten()(x)
    x = DenseMoE(
        16,  # harness: 128
        n_experts=8,
        expert_activation="relu",
        gating_activation="softmax",
    )(x)
    x = layers.Dropout(0.0)(x)  # harness: 0.5
    x = DenseMoE(
        8,  # harness: 64
        n_experts=4,
        expert_activation="relu",
        gating_activation="softmax",
    )(x)
    outputs = layers.Dense(10, activation="softmax")(x)

    model = keras.Model(inputs, outputs, name="moe_model")
    return model


def seed_weights(model, seed):  # harness: equal initial weights in both libraries
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.2, w.shape).astype("float32") if "variance" not in w.path
                       else np.ones(w.shape, "float32") for w in model.weights])


# Training parameters
epochs = 2  # harness: 10
batch_size = 8  # harness: 128

# Create and compile baseline model
print("BASELINE MODEL")
baseline_model = create_baseline_model()
baseline_model.compile(
    optimizer=optimizers.Adam(learning_rate=0.001),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
baseline_model.summary()
seed_weights(baseline_model, 1)  # harness:

# Train baseline
print("\nTraining baseline model...")
baseline_history = baseline_model.fit(
    x_train,
    y_train,
    batch_size=batch_size,
    epochs=epochs,
    validation_split=0.2,
    verbose=0,  # harness: 1
    shuffle=False,  # harness:
)

# Evaluate baseline
baseline_test_loss, baseline_test_acc = baseline_model.evaluate(
    x_test, y_test, verbose=0
)
print(f"\nBaseline Test Accuracy: {baseline_test_acc:.4f}")

# Create and compile MoE model
print("\nMIXTURE-OF-EXPERTS MODEL")
moe_model = create_moe_model()
moe_model.compile(
    optimizer=optimizers.Adam(learning_rate=0.001),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
moe_model.summary()
seed_weights(moe_model, 2)  # harness:
RESULTS["moe_weight_paths"] = [w.path for w in moe_model.weights]
RESULTS["moe_output_shapes"] = str([tuple(layer.output.shape) for layer in moe_model.layers])

# Train MoE model
print("\nTraining MoE model...")
moe_history = moe_model.fit(
    x_train,
    y_train,
    batch_size=batch_size,
    epochs=epochs,
    validation_split=0.2,
    verbose=0,  # harness: 1
    shuffle=False,  # harness:
)

# Evaluate MoE model
moe_test_loss, moe_test_acc = moe_model.evaluate(x_test, y_test, verbose=0)
print(f"\nMoE Test Accuracy: {moe_test_acc:.4f}")

print(
    f"Baseline - Params: {baseline_model.count_params():,} | "
    f"Test Accuracy: {baseline_test_acc:.4f}"
)
print(
    f"MoE Model - Params: {moe_model.count_params():,} | "
    f"Test Accuracy: {moe_test_acc:.4f}"
)

# Get the first DenseMoE layer from the MoE model
dense_moe_layer = None
for layer in moe_model.layers:
    if isinstance(layer, DenseMoE):
        dense_moe_layer = layer
        break

if dense_moe_layer:
    # Create a model to extract features before the MoE layer
    feature_extractor = keras.Model(
        inputs=moe_model.input,
        outputs=dense_moe_layer.input,  # Input to the first DenseMoE layer
    )

    # Get features for a sample of test data
    test_features = feature_extractor.predict(x_test[:100], verbose=0)

    # Compute gating weights for these samples
    gating_layer = layers.Dense(
        units=dense_moe_layer.n_experts,
        activation=dense_moe_layer.gating_activation,
        use_bias=dense_moe_layer.use_gating_bias,
    )
    gating_layer.build(test_features.shape)
    weights = [dense_moe_layer.gating_kernel]
    if dense_moe_layer.use_gating_bias:
        weights.append(dense_moe_layer.gating_bias)
    gating_layer.set_weights(weights)
    gating_weights = gating_layer(test_features)

    # Convert to numpy for analysis
    gating_weights_np = ops.convert_to_numpy(gating_weights)

    print("\nGating weights distribution across experts:")
    print(f"Mean gating weights per expert: {gating_weights_np.mean(axis=0)}")
    print(f"Std of gating weights per expert: {gating_weights_np.std(axis=0)}")

RESULTS.update({
    "baseline_params": baseline_model.count_params(),
    "moe_params": moe_model.count_params(),
    "baseline_history": [baseline_history.history[k] for k in sorted(baseline_history.history)],
    "history_keys": sorted(moe_history.history),
    "moe_history": [moe_history.history[k] for k in sorted(moe_history.history)],
    "baseline_test": [baseline_test_loss, baseline_test_acc],
    "moe_test": [moe_test_loss, moe_test_acc],
    "feature_shape": list(test_features.shape),
    "gating_mean": gating_weights_np.mean(axis=0),
    "gating_std": gating_weights_np.std(axis=0),
})

# harness: round trips a user of the layers would do
config = dense_moe_layer.get_config()
RESULTS["dense_moe_config"] = str(sorted((k, str(v)) for k, v in config.items() if k != "name"))
conv_config = moe_model.layers[1].get_config()
RESULTS["conv_moe_config"] = str(sorted((k, str(v)) for k, v in conv_config.items() if k != "name"))
# harness: no .keras round trip: Conv2DMoE's config stores kernel_size as a list, which its
# __init__ (isinstance(kernel_size, tuple)) turns into ([3, 3], [3, 3]); Keras 3 fails on it too.
clone = DenseMoE.from_config(config)
clone.build(test_features.shape)
clone.set_weights(dense_moe_layer.get_weights())
RESULTS["clone_output"] = ops.convert_to_numpy(clone(test_features[:3]))
RESULTS["moe_predict"] = moe_model.predict(x_test[:3], verbose=0)
RTOL = 1e-3
ATOL = 1e-5
