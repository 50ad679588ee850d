"""keras.io examples/vision/mnist_convnet.py: Simple MNIST convnet (synthetic digits of MNIST's shape)."""
import numpy as np
import keras
from keras import layers

"""
## Prepare the data
"""

# Model / data parameters
num_classes = 10
input_shape = (28, 28, 1)

# the data, split between train and test sets (MNIST's dtypes and ranges; no download)
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(60, 28, 28)).astype("uint8")
y_train = rng.randint(0, 10, size=(60,)).astype("uint8")
x_test = rng.randint(0, 256, size=(20, 28, 28)).astype("uint8")
y_test = rng.randint(0, 10, size=(20,)).astype("uint8")

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

"""
## Build the model
"""

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),  # harness: 32 filters in the original
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),  # harness: 64 filters
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.0),  # harness: 0.5 in the original; 0 keeps training deterministic
        layers.Dense(num_classes, activation="softmax"),
    ]
)

summary_lines = []
model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))
print("\n".join(summary_lines))

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])

"""
## Train the model
"""

batch_size = 16  # harness: 128 in the original
epochs = 2  # harness: 15 in the original

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                    validation_split=0.1,
                    shuffle=False)  # harness: batch order equal in both libraries

"""
## Evaluate the trained model
"""

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])

# round trips a user of the example would do
predictions = model.predict(x_test[:4], verbose=0)
clone = keras.Sequential.from_config(model.get_config())
clone.set_weights(model.get_weights())
model.save("mnist_convnet.keras")
restored = keras.models.load_model("mnist_convnet.keras")

RESULTS = {
    "params": model.count_params(),
    "layer_names": [layer.name for layer in model.layers],
    "output_shapes": str([tuple(layer.output.shape) for layer in model.layers]),
    "summary_mentions_params": int(any("Total params" in line for line in summary_lines)),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "accuracy": history.history["accuracy"],
    "val_loss": history.history["val_loss"],
    "val_accuracy": history.history["val_accuracy"],
    "score": score,
    "predict": predictions,
    "clone_predict": clone.predict(x_test[:4], verbose=0),
    "restored_predict": restored.predict(x_test[:4], verbose=0),
    "restored_score": restored.evaluate(x_test, y_test, verbose=0),
    "optimizer_iterations": int(model.optimizer.iterations.numpy()),
}
