"""keras.io examples/keras_recipes/subclassing_conv_layers.py (Keras 3), synthetic MNIST-shaped data.

Weight standardization by overriding ``Conv2D.convolution_op``: a mixin and a
direct override, both calling ``ops.moments`` on the kernel and ``ops.conv``
with ``strides``/``padding``/``dilation_rate`` lists (``self.padding.upper()``);
a Sequential model starting with ``InputLayer(input_shape=...)``, trained with
``validation_split``; the standardized convolution checked against ``ops.conv``.
"""

import numpy as np
import keras
from keras import layers
from keras import ops

RESULTS = {}


class StandardizedConvMixin:
    def convolution_op(self, inputs, kernel):
        mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
        return ops.conv(
            inputs,
            (kernel - mean) / ops.sqrt(var + 1e-10),
            strides=list(self.strides),
            padding=self.padding.upper(),
            dilation_rate=list(self.dilation_rate),
        )


class StandardizedConv2D(StandardizedConvMixin, layers.Conv2D):
    """Standardized Conv2D layer."""


class StandardizedConv2DWithOverride(layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
        return ops.conv(
            inputs,
            (kernel - mean) / ops.sqrt(var + 1e-10),
            padding="valid",
            strides=list(self.strides),
            dilation_rate=list(self.dilation_rate),
        )


num_classes = 10
input_shape = (28, 28, 1)

# harness: synthetic MNIST-shaped arrays instead of keras.datasets.mnist.load_data()
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(80, 28, 28)).astype("uint8")
y_train = rng.randint(0, 10, size=(80,)).astype("uint8")
x_test = rng.randint(0, 256, size=(20, 28, 28)).astype("uint8")
y_test = rng.randint(0, 10, size=(20,)).astype("uint8")

# Scale images to the [0, 1] range
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
# Make sure images have shape (28, 28, 1)
x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential(
    [
        keras.layers.InputLayer(input_shape=input_shape),
        StandardizedConv2D(filters=8, kernel_size=(3, 3), activation="relu"),  # harness: 32
        layers.MaxPooling2D(pool_size=(2, 2)),
        StandardizedConv2DWithOverride(
            filters=16, kernel_size=(3, 3), activation="relu"  # harness: 64
        ),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.0),  # harness: 0.5 (randomness would reach the results)
        layers.Dense(num_classes, activation="softmax"),
    ]
)
rs = np.random.RandomState(1)  # harness: equal initial weights
model.set_weights([rs.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])  # harness:

summary_lines = []
model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))  # harness: print_fn
RESULTS["summary_mentions_params"] = int(any("Total params" in line for line in summary_lines))
RESULTS["layer_classes"] = [type(layer).__name__ for layer in model.layers]
RESULTS["output_shapes"] = [str(tuple(layer.output.shape)) for layer in model.layers]
RESULTS["count_params"] = model.count_params()

# harness: the standardized convolution against ops.conv on a standardized kernel
conv = model.layers[0]
kernel = conv.get_weights()[0]  # (keraton keeps `conv.kernel` itself in torch's layout)
std_kernel = (kernel - kernel.mean(axis=(0, 1, 2), keepdims=True)) / np.sqrt(
    kernel.var(axis=(0, 1, 2), keepdims=True) + 1e-10)
manual = ops.convert_to_numpy(ops.relu(ops.conv(x_test[:2], std_kernel) + conv.get_weights()[1]))
RESULTS["conv_out"] = ops.convert_to_numpy(conv(x_test[:2]))[0, :3, :3, :4]
RESULTS["conv_matches_manual"] = int(np.allclose(ops.convert_to_numpy(conv(x_test[:2])), manual, atol=1e-5))

batch_size = 32  # harness: 128
epochs = 2  # harness: 5

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

history = model.fit(
    x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1,
    shuffle=False, verbose=0,  # harness:
)
RESULTS["history_keys"] = sorted(history.history)
for key in sorted(history.history):
    RESULTS[f"hist_{key}"] = history.history[key]
RESULTS["evaluate"] = model.evaluate(x_test, y_test, verbose=0)
RESULTS["pred"] = model.predict(x_test[:2], verbose=0)
RTOL = 2e-4
