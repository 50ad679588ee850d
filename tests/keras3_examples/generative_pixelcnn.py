"""keras.io example "PixelCNN" (examples/generative/pixelcnn.py, Keras 3).

``PixelConvLayer`` wraps a ``Conv2D`` built from ``build`` and masks its kernel
with a numpy mask through ``kernel.assign(kernel * mask)`` in every ``call``
(mask types A and B); ``ResidualBlock`` with 1x1 convolutions and
``keras.layers.add``; a functional model whose ``Input`` has a fixed
``batch_size``, trained with ``validation_split``; then pixel-by-pixel sampling
with ``predict``, ``ops.ceil`` and ``keras.random.uniform`` (a harness-seeded
numpy stream). Synthetic binarised MNIST at 6x6, small widths.
"""

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

_noise = np.random.RandomState(5)  # harness: deterministic stand-in for keras.random.uniform


def _uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):  # harness:
    return torch.tensor(_noise.uniform(minval, maxval, tuple(int(s) for s in shape)).astype("float32"))


keras.random.uniform = _uniform  # harness:

"""
## Getting the data
"""

# Model / data parameters
num_classes = 10
input_shape = (6, 6, 1)  # harness: (28, 28, 1)
n_residual_blocks = 2  # harness: 5
# The data, split between train and test sets (synthetic)
rng = np.random.RandomState(0)
x = rng.randint(0, 256, size=(16, 6, 6)).astype("uint8")
y = rng.randint(0, 256, size=(4, 6, 6)).astype("uint8")
# Concatenate all the images together
data = np.concatenate((x, y), axis=0)
# Round all pixel values less than 33% of the max 256 value to 0
# anything above this value gets rounded up to 1 so that all values are either
# 0 or 1
data = np.where(data < (0.33 * 256), 0, 1)
data = data.astype(np.float32)

"""
## Create two classes for the requisite Layers for the model
"""


# The first layer is the PixelCNN layer. This layer simply
# builds on the 2D convolutional layer, but includes masking.
class PixelConvLayer(layers.Layer):
    def __init__(self, mask_type, **kwargs):
        super().__init__()
        self.mask_type = mask_type
        self.conv = layers.Conv2D(**kwargs)

    def build(self, input_shape):
        # Build the conv2d layer to initialize kernel variables
        self.conv.build(input_shape)
        # Use the initialized kernel to create the mask
        kernel_shape = ops.shape(self.conv.kernel)
        self.mask = np.zeros(shape=kernel_shape)
        self.mask[: kernel_shape[0] // 2, ...] = 1.0
        self.mask[kernel_shape[0] // 2, : kernel_shape[1] // 2, ...] = 1.0
        if self.mask_type == "B":
            self.mask[kernel_shape[0] // 2, kernel_shape[1] // 2, ...] = 1.0

    def call(self, inputs):
        self.conv.kernel.assign(self.conv.kernel * self.mask)
        return self.conv(inputs)


# Next, we build our residual block layer.
# This is just a normal residual block, but based on the PixelConvLayer.
class ResidualBlock(keras.layers.Layer):
    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = keras.layers.Conv2D(
            filters=filters, kernel_size=1, activation="relu"
        )
        self.pixel_conv = PixelConvLayer(
            mask_type="B",
            filters=filters // 2,
            kernel_size=3,
            activation="relu",
            padding="same",
        )
        self.conv2 = keras.layers.Conv2D(
            filters=filters, kernel_size=1, activation="relu"
        )

    def call(self, inputs):
        x = self.conv1(inputs)
        x = self.pixel_conv(x)
        x = self.conv2(x)
        return keras.layers.add([inputs, x])


"""
## Build the model based on the original paper
"""

inputs = keras.Input(shape=input_shape, batch_size=8)  # harness: batch_size=128
x = PixelConvLayer(
    mask_type="A", filters=8, kernel_size=7, activation="relu", padding="same"
)(inputs)

for _ in range(n_residual_blocks):
    x = ResidualBlock(filters=8)(x)

for _ in range(2):
    x = PixelConvLayer(
        mask_type="B",
        filters=8,
        kernel_size=1,
        strides=1,
        activation="relu",
        padding="valid",
    )(x)

out = keras.layers.Conv2D(
    filters=1, kernel_size=1, strides=1, activation="sigmoid", padding="valid"
)(x)

pixel_cnn = keras.Model(inputs, out)
# harness: equal initial weights on both sides (before the first masking call of fit)
_rs = np.random.RandomState(1)
pixel_cnn.set_weights([_rs.normal(0, 0.3, w.shape).astype("float32") for w in pixel_cnn.get_weights()])
adam = keras.optimizers.Adam(learning_rate=0.0005)
pixel_cnn.compile(optimizer=adam, loss="binary_crossentropy")

pixel_cnn.summary()
RESULTS["count_params"] = pixel_cnn.count_params()
RESULTS["input_shape"] = str(pixel_cnn.input_shape)
RESULTS["layer_types"] = [type(layer).__name__ for layer in pixel_cnn.layers]
RESULTS["masks"] = [layer.mask.sum() for layer in pixel_cnn.layers if hasattr(layer, "mask")]
RESULTS["mask_A"] = pixel_cnn.layers[1].mask[:, :, 0, 0]

h = pixel_cnn.fit(
    x=data, y=data, batch_size=8, epochs=2, validation_split=0.1, verbose=2,
    shuffle=False,  # harness: sizes, shuffle
)
RESULTS["hist_keys"] = sorted(h.history)
RESULTS["loss"] = h.history["loss"]
RESULTS["val_loss"] = h.history["val_loss"]
RESULTS["kernel_A"] = ops.convert_to_numpy(pixel_cnn.layers[1].conv.kernel)[:, :, 0, 0]

"""
## Demonstration
"""

# Create an empty array of pixels.
batch = 4
pixels = np.zeros(shape=(batch,) + (pixel_cnn.input_shape)[1:])
batch, rows, cols, channels = pixels.shape

# Iterate over the pixels because generation has to be done sequentially pixel by pixel.
probs_seen = []
for row in range(rows):  # harness: tqdm(range(rows))
    for col in range(cols):
        for channel in range(channels):
            # Feed the whole array and retrieving the pixel value probabilities for the next
            # pixel.
            probs = pixel_cnn.predict(pixels, verbose=0)[:, row, col, channel]
            probs_seen.append(probs)
            # Use the probabilities to pick pixel values and append the values to the image
            # frame.
            pixels[:, row, col, channel] = ops.ceil(
                probs - ops.convert_to_numpy(keras.random.uniform(shape=probs.shape))
            )  # harness: convert_to_numpy; a numpy array minus a torch tensor raises TypeError
RESULTS["probs"] = np.stack(probs_seen)[::3]
RESULTS["pixels"] = pixels[..., 0]
RTOL, ATOL = 1e-4, 1e-4
