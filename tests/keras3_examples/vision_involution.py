"""keras.io example "Involutional neural networks" (examples/vision/involution.py).

The ``Involution`` layer: sublayers (AveragePooling2D or identity, a Sequential
kernel generator with Conv2D/BatchNormalization/ReLU, three ``Reshape`` layers)
created in ``build`` from the input shape, a ``call`` returning a tuple
``(output, kernel)`` from ``ops.image.extract_patches`` patches times the
generated kernels; the example's shape tests with strides 1 and 2; a
convolutional baseline and the involution model (tuple outputs unpacked in the
functional API), both trained with ``validation_data``; and the kernel
visualisation model built on ``get_layer(name).output[1]``. The example's
``tf.identity``/``tf.image.extract_patches``/``tf.multiply``/``tf.reduce_sum``
are written with ``keras.layers.Identity``/``keras.ops``; ``tf.data`` is
replaced by numpy arrays. Synthetic CIFAR-10 at 8x8, small widths.
"""

import numpy as np
import keras
from keras import ops

RESULTS = {}

"""
## Convolution / Involution
"""


class Involution(keras.layers.Layer):
    def __init__(
        self, channel, group_number, kernel_size, stride, reduction_ratio, name
    ):
        super().__init__(name=name)

        # Initialize the parameters.
        self.channel = channel
        self.group_number = group_number
        self.kernel_size = kernel_size
        self.stride = stride
        self.reduction_ratio = reduction_ratio

    def build(self, input_shape):
        # Get the shape of the input.
        (_, height, width, num_channels) = input_shape

        # Scale the height and width with respect to the strides.
        height = height // self.stride
        width = width // self.stride

        # Define a layer that average pools the input tensor
        # if stride is more than 1.
        self.stride_layer = (
            keras.layers.AveragePooling2D(
                pool_size=self.stride, strides=self.stride, padding="same"
            )
            if self.stride > 1
            else keras.layers.Identity()  # harness: tf.identity
        )
        # Define the kernel generation layer.
        self.kernel_gen = keras.Sequential(
            [
                keras.layers.Conv2D(
                    filters=self.channel // self.reduction_ratio, kernel_size=1
                ),
                keras.layers.BatchNormalization(),
                keras.layers.ReLU(),
                keras.layers.Conv2D(
                    filters=self.kernel_size * self.kernel_size * self.group_number,
                    kernel_size=1,
                ),
            ]
        )
        # Define reshape layers
        self.kernel_reshape = keras.layers.Reshape(
            target_shape=(
                height,
                width,
                self.kernel_size * self.kernel_size,
                1,
                self.group_number,
            )
        )
        self.input_patches_reshape = keras.layers.Reshape(
            target_shape=(
                height,
                width,
                self.kernel_size * self.kernel_size,
                num_channels // self.group_number,
                self.group_number,
            )
        )
        self.output_reshape = keras.layers.Reshape(
            target_shape=(height, width, num_channels)
        )

    def call(self, x):
        # Generate the kernel with respect to the input tensor.
        # B, H, W, K*K*G
        kernel_input = self.stride_layer(x)
        kernel = self.kernel_gen(kernel_input)

        # reshape the kerenl
        # B, H, W, K*K, 1, G
        kernel = self.kernel_reshape(kernel)

        # Extract input patches.
        # B, H, W, K*K*C
        input_patches = ops.image.extract_patches(
            x,
            size=self.kernel_size,
            strides=self.stride,
            dilation_rate=1,
            padding="same",
        )

        # Reshape the input patches to align with later operations.
        # B, H, W, K*K, C//G, G
        input_patches = self.input_patches_reshape(input_patches)

        # Compute the multiply-add operation of kernels and patches.
        # B, H, W, K*K, C//G, G
        output = ops.multiply(kernel, input_patches)
        # B, H, W, C//G, G
        output = ops.sum(output, axis=3)

        # Reshape the output kernel.
        # B, H, W, C
        output = self.output_reshape(output)

        # Return the output tensor and the kernel.
        return output, kernel


"""
## Testing the Involution layer
"""

# Define the input tensor.
input_tensor = np.random.RandomState(5).normal(size=(4, 8, 8, 3)).astype("float32")  # harness: tf.random.normal((32, 256, 256, 3))

# Compute involution with stride 1.
output_tensor, _ = Involution(
    channel=3, group_number=1, kernel_size=5, stride=1, reduction_ratio=1, name="inv_1"
)(input_tensor)
print(f"with stride 1 ouput shape: {output_tensor.shape}")
RESULTS["stride1_shape"] = list(output_tensor.shape)

# Compute involution with stride 2.
output_tensor, _ = Involution(
    channel=3, group_number=1, kernel_size=5, stride=2, reduction_ratio=1, name="inv_2"
)(input_tensor)
print(f"with stride 2 ouput shape: {output_tensor.shape}")
RESULTS["stride2_shape"] = list(output_tensor.shape)

# Compute involution with stride 1, channel 16 and reduction ratio 2.
output_tensor, _ = Involution(
    channel=16, group_number=1, kernel_size=5, stride=1, reduction_ratio=2, name="inv_3"
)(input_tensor)
print(
    "with channel 16 and reduction ratio 2 ouput shape: {}".format(output_tensor.shape)
)
RESULTS["channel16_shape"] = list(output_tensor.shape)

"""
## Image Classification (synthetic CIFAR-10)
"""

rng = np.random.RandomState(0)
train_images = rng.randint(0, 256, size=(24, 8, 8, 3)).astype("uint8")
train_labels = rng.randint(0, 10, size=(24, 1)).astype("uint8")
test_images = rng.randint(0, 256, size=(8, 8, 8, 3)).astype("uint8")
test_labels = rng.randint(0, 10, size=(8, 1)).astype("uint8")

# Normalize pixel values to be between 0 and 1.
(train_images, test_images) = (train_images / 255.0, test_images / 255.0)


def seed_weights(model, seed):  # harness: equal initial weights (BN variances positive)
    rs = np.random.RandomState(seed)
    model.set_weights([
        (rs.uniform(0.5, 1.5, w.shape) if "variance" in v.path or "gamma" in v.path
         else rs.normal(0, 0.3, w.shape)).astype("float32")
        for v, w in zip(model.weights, model.get_weights())])


# Build the conv model.
print("building the convolution model...")
conv_model = keras.Sequential(
    [
        keras.layers.Conv2D(4, (3, 3), input_shape=(8, 8, 3), padding="same"),  # harness: 32
        keras.layers.ReLU(name="relu1"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(8, (3, 3), padding="same"),  # harness: 64
        keras.layers.ReLU(name="relu2"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(8, (3, 3), padding="same"),  # harness: 64
        keras.layers.ReLU(name="relu3"),
        keras.layers.Flatten(),
        keras.layers.Dense(8, activation="relu"),  # harness: 64
        keras.layers.Dense(10),
    ]
)
seed_weights(conv_model, 1)  # harness:

# Compile the mode with the necessary loss function and optimizer.
print("compiling the convolution model...")
conv_model.compile(
    optimizer="adam",
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)

# Train the model.
print("conv model training...")
conv_hist = conv_model.fit(train_images, train_labels, batch_size=8, epochs=2,
                           validation_data=(test_images, test_labels),
                           shuffle=False, verbose=0)  # harness: numpy, 20 epochs
RESULTS["conv_loss"] = conv_hist.history["loss"]
RESULTS["conv_val_loss"] = conv_hist.history["val_loss"]

# Build the involution model.
print("building the involution model...")

inputs = keras.Input(shape=(8, 8, 3))  # harness: (32, 32, 3)
x, _ = Involution(
    channel=3, group_number=1, kernel_size=3, stride=1, reduction_ratio=2, name="inv_1"
)(inputs)
x = keras.layers.ReLU()(x)
x = keras.layers.MaxPooling2D((2, 2))(x)
x, _ = Involution(
    channel=3, group_number=1, kernel_size=3, stride=1, reduction_ratio=2, name="inv_2"
)(x)
x = keras.layers.ReLU()(x)
x = keras.layers.MaxPooling2D((2, 2))(x)
x, _ = Involution(
    channel=3, group_number=1, kernel_size=3, stride=1, reduction_ratio=2, name="inv_3"
)(x)
x = keras.layers.ReLU()(x)
x = keras.layers.Flatten()(x)
x = keras.layers.Dense(8, activation="relu")(x)  # harness: 64
outputs = keras.layers.Dense(10)(x)

inv_model = keras.Model(inputs=[inputs], outputs=[outputs], name="inv_model")
seed_weights(inv_model, 2)  # harness:
RESULTS["inv_count_params"] = inv_model.count_params()
RESULTS["inv_layer_types"] = [type(layer).__name__ for layer in inv_model.layers]

# Compile the mode with the necessary loss function and optimizer.
print("compiling the involution model...")
inv_model.compile(
    optimizer="adam",
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)

# train the model
print("inv model training...")
inv_hist = inv_model.fit(train_images, train_labels, batch_size=8, epochs=2,
                         validation_data=(test_images, test_labels),
                         shuffle=False, verbose=0)  # harness: numpy, 20 epochs
RESULTS["inv_hist_keys"] = sorted(inv_hist.history)
RESULTS["inv_loss"] = inv_hist.history["loss"]
RESULTS["inv_val_loss"] = inv_hist.history["val_loss"]
RESULTS["inv_val_accuracy"] = inv_hist.history["val_accuracy"]

"""
## Visualizing Involution Kernels
"""

layer_names = ["inv_1", "inv_2", "inv_3"]
outputs = [inv_model.get_layer(name).output[1] for name in layer_names]
vis_model = keras.Model(inv_model.inputs, outputs)

test_image = test_images[:2]  # harness: a fixed batch in place of test_ds.take(1)
inv_out = vis_model.predict(test_image, verbose=0)
inv1_kernel, inv2_kernel, inv3_kernel = inv_out
RESULTS["kernel_shapes"] = [list(k.shape) for k in inv_out]
RESULTS["inv1_kernel"] = ops.convert_to_numpy(ops.sum(inv1_kernel, axis=(3, 4, 5)))[0]  # harness: tf.reduce_sum
RESULTS["inv3_kernel"] = inv3_kernel[0, ..., 0, 0]
RTOL, ATOL = 1e-4, 1e-4
