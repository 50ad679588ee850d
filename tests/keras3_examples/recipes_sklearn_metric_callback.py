"""keras.io examples/keras_recipes/sklearn_metric_callbacks.py (Keras 3), synthetic MNIST-shaped data.

A ``keras.callbacks.Callback`` subclass whose ``__init__`` does not call
``super().__init__()``, that calls ``self.model.predict`` in ``on_epoch_end``,
scores the predictions with scikit-learn's ``jaccard_score`` and averages them
in a ``keras.metrics.Mean`` (``reset_state``/``update_state``/``result``); the
example's convnet with ``to_categorical`` targets and ``validation_split``.
The TensorBoard summary writer (``tf.summary``) becomes a list (``# harness:``).
"""

import numpy as np
import keras
from keras import layers
from sklearn.metrics import jaccard_score

RESULTS = {}
WRITTEN = []  # harness: stands for the tf.summary file writer


class JaccardScoreCallback(keras.callbacks.Callback):
    """Computes the Jaccard score and logs the results to TensorBoard."""

    def __init__(self, name, x_test, y_test, log_dir):
        self.x_test = x_test
        self.y_test = y_test
        self.keras_metric = keras.metrics.Mean("jaccard_score")
        self.epoch = 0
        self.summary_writer = (log_dir, name)  # harness: tf.summary.create_file_writer(...)

    def on_epoch_end(self, batch, logs=None):
        self.epoch += 1
        self.keras_metric.reset_state()
        predictions = self.model.predict(self.x_test, verbose=0)  # harness: verbose
        jaccard_value = jaccard_score(
            np.argmax(predictions, axis=-1), self.y_test, average=None
        )
        self.keras_metric.update_state(jaccard_value)
        self._write_metric(
            self.keras_metric.name, keras.ops.convert_to_numpy(self.keras_metric.result()).astype(float)
        )  # harness: .numpy()

    def _write_metric(self, name, value):
        WRITTEN.append((name, float(value), self.epoch))  # harness: tf.summary.scalar(name, value, step=self.epoch)


# Model / data parameters
num_classes = 10
input_shape = (28, 28, 1)

# harness: synthetic MNIST-shaped arrays instead of keras.datasets.mnist.load_data()
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(80, 28, 28)).astype("uint8")
y_train = rng.randint(0, 10, size=(80,)).astype("uint8")
x_test = rng.randint(0, 256, size=(40, 28, 28)).astype("uint8")
y_test = rng.randint(0, 10, size=(40,)).astype("uint8")

# Scale images to the [0, 1] range
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
# Make sure images have shape (28, 28, 1)
x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)
print("x_train shape:", x_train.shape)
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")


# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),  # harness: 32 filters
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),  # harness: 64 filters
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

batch_size = 32  # harness: 128
epochs = 2  # harness: 15

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
callbacks = [
    JaccardScoreCallback(model.name, x_test, np.argmax(y_test, axis=-1), "logs")
]
history = model.fit(
    x_train,
    y_train,
    batch_size=batch_size,
    epochs=epochs,
    validation_split=0.1,
    callbacks=callbacks,
    shuffle=False,  # harness:
    verbose=0,  # harness:
)
RESULTS["history_keys"] = sorted(history.history)
for key in sorted(history.history):
    RESULTS[f"hist_{key}"] = history.history[key]
RESULTS["written_names"] = [w[0] for w in WRITTEN]
RESULTS["written_values"] = [w[1] for w in WRITTEN]
RESULTS["written_steps"] = [w[2] for w in WRITTEN]
RESULTS["callback_model_is_model"] = int(callbacks[0].model is model)
RESULTS["writer"] = list(callbacks[0].summary_writer)
RTOL = 2e-4
