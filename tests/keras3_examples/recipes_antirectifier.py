"""keras.io examples/keras_recipes/antirectifier.py (Keras 3), synthetic MNIST-shaped data.

A custom layer with ``build`` creating a kernel from ``input_shape``, an
initializer from ``keras.initializers.get``, ``inputs -= ops.mean(...)`` (an
in-place subtraction on the incoming tensor), ``ops.relu``/``concatenate``/
``matmul``, and ``get_config`` via ``initializers.serialize``; a Sequential
model with RMSprop, ``validation_split`` and ``evaluate``; the layer's config
round trip and a ``.keras`` save/load.
"""

import numpy as np
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## The Antirectifier layer
"""


class Antirectifier(layers.Layer):
    def __init__(self, initializer="he_normal", **kwargs):
        super().__init__(**kwargs)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        output_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(output_dim * 2, output_dim),
            initializer=self.initializer,
            name="kernel",
            trainable=True,
        )

    def call(self, inputs):
        inputs -= ops.mean(inputs, axis=-1, keepdims=True)
        pos = ops.relu(inputs)
        neg = ops.relu(-inputs)
        concatenated = ops.concatenate([pos, neg], axis=-1)
        mixed = ops.matmul(concatenated, self.kernel)
        return mixed

    def get_config(self):
        # Implement get_config to enable serialization. This is optional.
        base_config = super().get_config()
        config = {"initializer": keras.initializers.serialize(self.initializer)}
        return dict(list(base_config.items()) + list(config.items()))


"""
## Let's test-drive it on MNIST
"""

# Training parameters
batch_size = 32  # harness: 128
num_classes = 10
epochs = 2  # harness: 20

# harness: synthetic MNIST-shaped arrays instead of keras.datasets.mnist.load_data()
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(120, 28, 28)).astype("uint8")
y_train = rng.randint(0, 10, size=(120,)).astype("uint8")
x_test = rng.randint(0, 256, size=(40, 28, 28)).astype("uint8")
y_test = rng.randint(0, 10, size=(40,)).astype("uint8")

x_train = x_train.reshape(-1, 784)
x_test = x_test.reshape(-1, 784)
x_train = x_train.astype("float32")
x_test = x_test.astype("float32")
x_train /= 255
x_test /= 255
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

# Build the model
model = keras.Sequential(
    [
        keras.Input(shape=(784,)),
        layers.Dense(64),  # harness: 256
        Antirectifier(),
        layers.Dense(64),  # harness: 256
        Antirectifier(),
        layers.Dropout(0.0),  # harness: 0.5 (randomness would reach the results)
        layers.Dense(10),
    ]
)
rs = np.random.RandomState(1)  # harness: equal initial weights
model.set_weights([rs.normal(0, 0.05, w.shape).astype("float32") for w in model.get_weights()])  # harness:
RESULTS["count_params"] = model.count_params()
RESULTS["weight_shapes"] = [str(tuple(w.shape)) for w in model.weights]

# Compile the model
model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=keras.optimizers.RMSprop(),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)

# Train the model
history = model.fit(
    x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.15,
    shuffle=False, verbose=0,  # harness:
)
RESULTS["history_keys"] = sorted(history.history)
for key in sorted(history.history):
    RESULTS[f"hist_{key}"] = history.history[key]

# Test the model
RESULTS["evaluate"] = model.evaluate(x_test, y_test, verbose=0)  # harness: verbose
RESULTS["pred"] = model.predict(x_test[:3], verbose=0)

# harness: the layer's config and a save/load round trip (get_config "enables serialization")
layer = model.layers[1]
config = layer.get_config()
RESULTS["config_keys"] = sorted(config)
RESULTS["config_initializer"] = str(config["initializer"]["class_name"])
RESULTS["from_config_initializer"] = type(Antirectifier.from_config(config).initializer).__name__
xs = np.linspace(-1, 1, 12, dtype="float32").reshape(2, 6)
RESULTS["inplace_input_unchanged"] = int(np.allclose(ops.convert_to_numpy(ops.convert_to_tensor(xs)), xs))
model.save("antirectifier.keras")
restored = keras.models.load_model("antirectifier.keras", custom_objects={"Antirectifier": Antirectifier})
RESULTS["restored_pred"] = restored.predict(x_test[:3], verbose=0)
