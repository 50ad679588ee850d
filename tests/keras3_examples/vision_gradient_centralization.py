"""keras.io examples/vision/gradient_centralization.py: Gradient Centralization (Keras 3).

A ``Sequential`` CNN whose first layer takes ``input_shape=`` (no ``Input``),
``Rescaling`` applied outside the model, ``RMSprop`` and a ``GCRMSprop``
subclass overriding the legacy ``get_gradients`` hook (never called by Keras 3's
optimizers, so it trains as ``RMSprop``), a ``TimeHistory`` callback with
``logs={}`` defaults, ``model.summary()``, and re-compiling the same model with
a new optimizer between two ``fit`` calls. Synthetic Horses-or-Humans-shaped data.
"""
from time import time
import numpy as np
import keras
from keras import layers
from keras.optimizers import RMSprop
from keras import ops

num_classes = 2
input_shape = (96, 96, 3)  # harness: (300, 300, 3); 96 is about the least the 5 conv/pool stages take
batch_size = 4  # harness: 128

# harness: synthetic uint8 images and 0/1 labels in place of tfds.load("horses_or_humans")
rng = np.random.RandomState(0)
train_images = rng.randint(0, 256, size=(8,) + input_shape).astype("uint8")
train_labels = rng.randint(0, 2, size=(8,)).astype("int64")

rescale = layers.Rescaling(1.0 / 255)
data_augmentation = [
    layers.RandomFlip("horizontal_and_vertical"),
    layers.RandomRotation(0.3),
    layers.RandomZoom(0.2),
]


def apply_aug(x):
    for aug in data_augmentation:
        x = aug(x)
    return x


# harness: `prepare` maps rescale (and, for training, apply_aug) over a tf.data pipeline; here
# the rescaled arrays are used and the random augmentation is left out.
x_train = ops.convert_to_numpy(rescale(train_images))
# What the augmentation layers give at inference (deterministic).
RESULTS = {
    "aug_inference": ops.convert_to_numpy(
        data_augmentation[0](x_train[:2], training=False))[:, ::20, ::20, 0],
}

model = keras.Sequential(
    [
        layers.Conv2D(4, (3, 3), activation="relu", input_shape=input_shape),  # harness: 16 filters
        layers.MaxPooling2D(2, 2),
        layers.Conv2D(8, (3, 3), activation="relu"),  # harness: 32
        layers.Dropout(0.0),  # harness: 0.5
        layers.MaxPooling2D(2, 2),
        layers.Conv2D(8, (3, 3), activation="relu"),  # harness: 64
        layers.Dropout(0.0),  # harness: 0.5
        layers.MaxPooling2D(2, 2),
        layers.Conv2D(8, (3, 3), activation="relu"),  # harness: 64
        layers.MaxPooling2D(2, 2),
        layers.Conv2D(8, (3, 3), activation="relu"),  # harness: 64
        layers.MaxPooling2D(2, 2),
        layers.Flatten(),
        layers.Dropout(0.0),  # harness: 0.5
        layers.Dense(16, activation="relu"),  # harness: 512
        layers.Dense(1, activation="sigmoid"),
    ]
)

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])


class GCRMSprop(RMSprop):
    def get_gradients(self, loss, params):
        # We here just provide a modified get_gradients() function since we are
        # trying to just compute the centralized gradients.

        grads = []
        gradients = super().get_gradients()
        for grad in gradients:
            grad_len = len(grad.shape)
            if grad_len > 1:
                axis = list(range(grad_len - 1))
                grad -= ops.mean(grad, axis=axis, keep_dims=True)
            grads.append(grad)

        return grads


optimizer = GCRMSprop(learning_rate=1e-4)


class TimeHistory(keras.callbacks.Callback):
    def on_train_begin(self, logs={}):
        self.times = []

    def on_epoch_begin(self, batch, logs={}):
        self.epoch_time_start = time()

    def on_epoch_end(self, batch, logs={}):
        self.times.append(time() - self.epoch_time_start)


time_callback_no_gc = TimeHistory()
model.compile(
    loss="binary_crossentropy",
    optimizer=RMSprop(learning_rate=1e-4),
    metrics=["accuracy"],
)

summary_no_gc = []
model.summary(print_fn=lambda line, **kwargs: summary_no_gc.append(line))  # harness: print_fn

history_no_gc = model.fit(
    x_train, train_labels, batch_size=batch_size,  # harness: arrays in place of train_ds
    epochs=2, verbose=0, callbacks=[time_callback_no_gc],  # harness: epochs=10, verbose=1
    shuffle=False,  # harness:
)
weights_no_gc = model.get_weights()

time_callback_gc = TimeHistory()
model.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])

summary_gc = []
model.summary(print_fn=lambda line, **kwargs: summary_gc.append(line))  # harness: print_fn

history_gc = model.fit(
    x_train, train_labels, batch_size=batch_size,  # harness:
    epochs=2, verbose=0, callbacks=[time_callback_gc],  # harness:
    shuffle=False,  # harness:
)

print("Not using Gradient Centralization")
print(f"Loss: {history_no_gc.history['loss'][-1]}")
print(f"Accuracy: {history_no_gc.history['accuracy'][-1]}")
print(f"Training Time: {sum(time_callback_no_gc.times)}")

print("Using Gradient Centralization")
print(f"Loss: {history_gc.history['loss'][-1]}")
print(f"Accuracy: {history_gc.history['accuracy'][-1]}")
print(f"Training Time: {sum(time_callback_gc.times)}")


def total_params_line(lines):
    return [line.strip() for line in "\n".join(lines).splitlines() if "Total params" in line]


RESULTS.update({
    "params": model.count_params(),
    "output_shapes": str([tuple(layer.output.shape) for layer in model.layers]),
    "summary_total_no_gc": total_params_line(summary_no_gc),
    "summary_total_gc": total_params_line(summary_gc),
    "history_keys": sorted(history_gc.history),
    "loss_no_gc": history_no_gc.history["loss"],
    "accuracy_no_gc": history_no_gc.history["accuracy"],
    "loss_gc": history_gc.history["loss"],
    "accuracy_gc": history_gc.history["accuracy"],
    "n_epoch_times": [len(time_callback_no_gc.times), len(time_callback_gc.times)],
    "kernel_no_gc": weights_no_gc[-2][:6, 0],
    "kernel_gc": model.get_weights()[-2][:6, 0],
    "conv_kernel_gc": model.get_weights()[0][1, 1, :, :2],
    "optimizer_iterations": int(model.optimizer.iterations.numpy()),
    "optimizer_class": type(model.optimizer).__name__,
    "predict": model.predict(x_train[:4], verbose=0),
})
RTOL = 1e-3
ATOL = 1e-6
