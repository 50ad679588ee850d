"""keras.io examples/keras_recipes/trainer_pattern.py (Keras 3), with the torch ``train_step``.

A ``MyTrainer(keras.Model)`` wrapping another model: its own loss function and
``SparseCategoricalAccuracy``, a ``metrics`` property, a ``train_step`` written
the torch way (``zero_grad``, ``backward``, ``v.value.grad``,
``optimizer.apply``; the example's own is ``tf.GradientTape``), a
``test_step`` and ``call`` delegating to the wrapped model; two trainers
(SGD, Adam) around two Sequential models using ``Flatten(input_shape=...)``,
with ``EarlyStopping(monitor="val_loss")`` (a key the custom test_step does
not log) and ``validation_data``. Synthetic MNIST-shaped data.
"""

import warnings

import numpy as np
import torch
import keras

RESULTS = {}

# Load MNIST dataset and standardize the data
# harness: synthetic MNIST-shaped arrays instead of keras.datasets.mnist.load_data()
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(96, 28, 28)).astype("uint8")
y_train = rng.randint(0, 10, size=(96,)).astype("uint8")
x_test = rng.randint(0, 256, size=(32, 28, 28)).astype("uint8")
y_test = rng.randint(0, 10, size=(32,)).astype("uint8")
x_train, x_test = x_train / 255.0, x_test / 255.0


class MyTrainer(keras.Model):
    def __init__(self, model):
        super().__init__()
        self.model = model
        # Create loss and metrics here.
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy()
        self.accuracy_metric = keras.metrics.SparseCategoricalAccuracy()

    @property
    def metrics(self):
        # List metrics here.
        return [self.accuracy_metric]

    def train_step(self, data):
        x, y = data
        # harness: the torch form of the example's GradientTape step
        self.zero_grad()
        y_pred = self.model(x, training=True)  # Forward pass
        # Compute loss value
        loss = self.loss_fn(y, y_pred)
        loss.backward()

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = [v.value.grad for v in trainable_vars]

        # Update weights
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_vars)

        # Update metrics
        for metric in self.metrics:
            metric.update_state(y, y_pred)

        # Return a dict mapping metric names to current value.
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data

        # Inference step
        y_pred = self.model(x, training=False)

        # Update metrics
        for metric in self.metrics:
            metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def call(self, x):
        # Equivalent to `call()` of the wrapped keras.Model
        x = self.model(x)
        return x


model_a = keras.models.Sequential(
    [
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(64, activation="relu"),  # harness: 256
        keras.layers.Dropout(0.0),  # harness: 0.2 (randomness would reach the results)
        keras.layers.Dense(10, activation="softmax"),
    ]
)

callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)]


def seed(model, seed_value):  # harness: equal initial weights
    rs = np.random.RandomState(seed_value)
    model.set_weights([rs.normal(0, 0.05, w.shape).astype("float32") for w in model.get_weights()])


seed(model_a, 1)  # harness:
trainer_1 = MyTrainer(model_a)
trainer_1.compile(optimizer=keras.optimizers.SGD())
with warnings.catch_warnings(record=True) as caught:  # harness: record the val_loss warning
    warnings.simplefilter("always")
    history_1 = trainer_1.fit(
        x_train, y_train, epochs=3, batch_size=32, validation_data=(x_test, y_test),
        callbacks=callbacks, shuffle=False, verbose=0,  # harness: epochs, shuffle, verbose
    )
RESULTS["early_stopping_warned"] = int(any("val_loss" in str(w.message) for w in caught))
RESULTS["t1_history_keys"] = sorted(history_1.history)
RESULTS["t1_accuracy"] = history_1.history["sparse_categorical_accuracy"]
RESULTS["t1_val_accuracy"] = history_1.history["val_sparse_categorical_accuracy"]
RESULTS["t1_n_trainable"] = len(trainer_1.trainable_variables)
RESULTS["t1_pred"] = trainer_1.predict(x_test[:2], verbose=0)
RESULTS["t1_evaluate"] = trainer_1.evaluate(x_test, y_test, verbose=0)

model_b = keras.models.Sequential(
    [
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(32, activation="relu"),  # harness: 128
        keras.layers.Dropout(0.0),  # harness: 0.2
        keras.layers.Dense(10, activation="softmax"),
    ]
)
seed(model_b, 2)  # harness:

trainer_2 = MyTrainer(model_b)
trainer_2.compile(optimizer=keras.optimizers.Adam())
history_2 = trainer_2.fit(
    x_train, y_train, epochs=3, batch_size=32, validation_data=(x_test, y_test),
    callbacks=callbacks, shuffle=False, verbose=0,  # harness:
)
RESULTS["t2_accuracy"] = history_2.history["sparse_categorical_accuracy"]
RESULTS["t2_val_accuracy"] = history_2.history["val_sparse_categorical_accuracy"]
RESULTS["t2_pred"] = trainer_2.predict(x_test[:2], verbose=0)
RESULTS["t2_weights_sum"] = float(sum(w.sum() for w in model_b.get_weights()))
RTOL = 2e-4
