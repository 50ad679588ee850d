"""keras.io examples/vision/autoencoder.py: convolutional (denoising) autoencoder on MNIST-shaped data."""
import numpy as np

from keras import layers
from keras.models import Model
import keras

"""
## Setup
"""


def preprocess(array):
    """Normalizes the supplied array and reshapes it."""
    array = array.astype("float32") / 255.0
    array = np.reshape(array, (len(array), 28, 28, 1))
    return array


noise_rng = np.random.RandomState(3)  # harness: the example draws from np.random directly


def noise(array):
    """Adds random noise to each image in the supplied array."""
    noise_factor = 0.4
    noisy_array = array + noise_factor * noise_rng.normal(
        loc=0.0, scale=1.0, size=array.shape
    )

    return np.clip(noisy_array, 0.0, 1.0)


"""
## Prepare the data
"""

# Since we only need images from the dataset to encode and decode, we
# won't use the labels. (synthetic MNIST-shaped digits; no download)
rng = np.random.RandomState(0)
train_data = rng.randint(0, 256, size=(24, 28, 28)).astype("uint8")
test_data = rng.randint(0, 256, size=(8, 28, 28)).astype("uint8")

# Normalize and reshape the data
train_data = preprocess(train_data)
test_data = preprocess(test_data)

# Create a copy of the data with added noise
noisy_train_data = noise(train_data).astype("float32")
noisy_test_data = noise(test_data).astype("float32")

"""
## Build the autoencoder
"""

input = layers.Input(shape=(28, 28, 1))

# Encoder
x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(input)  # harness: 32 filters
x = layers.MaxPooling2D((2, 2), padding="same")(x)
x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(x)
x = layers.MaxPooling2D((2, 2), padding="same")(x)

# Decoder
x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)

# Autoencoder
autoencoder = Model(input, x)
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
autoencoder.summary()

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
autoencoder.set_weights([seeded.normal(0, 0.2, w.shape).astype("float32")
                         for w in autoencoder.get_weights()])

"""
Now we can train our autoencoder using `train_data` as both our input data
and target.
"""

history = autoencoder.fit(
    x=train_data,
    y=train_data,
    epochs=2,  # harness: 50
    batch_size=8,  # harness: 128
    shuffle=False,  # harness: True in the original
    validation_data=(test_data, test_data),
)

predictions = autoencoder.predict(test_data)

"""
Now that we know that our autoencoder works, let's retrain it using the noisy
data as our input and the clean data as our target.
"""

history_noisy = autoencoder.fit(
    x=noisy_train_data,
    y=train_data,
    epochs=2,  # harness: 100
    batch_size=8,  # harness: 128
    shuffle=False,  # harness: True in the original
    validation_data=(noisy_test_data, test_data),
)

denoised = autoencoder.predict(noisy_test_data)

# round trips
autoencoder.save("autoencoder.keras")
restored = keras.models.load_model("autoencoder.keras")
rebuilt = Model.from_config(autoencoder.get_config())
rebuilt.set_weights(autoencoder.get_weights())
transpose = autoencoder.layers[5]

RESULTS = {
    "params": autoencoder.count_params(),
    "output_shapes": str([tuple(layer.output.shape) for layer in autoencoder.layers]),
    "conv_transpose_config": str(sorted(transpose.get_config().items())),
    "conv_transpose_kernel_shape": list(transpose.get_weights()[0].shape),
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
    "noisy_loss": history_noisy.history["loss"],
    "noisy_val_loss": history_noisy.history["val_loss"],
    "predictions": predictions[:2],
    "denoised": denoised[:2],
    "evaluate": autoencoder.evaluate(noisy_test_data, test_data, verbose=0),
    "restored": restored.predict(noisy_test_data[:2], verbose=0),
    "rebuilt": rebuilt.predict(noisy_test_data[:2], verbose=0),
}
