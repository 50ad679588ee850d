"""keras.io example "Next-Frame Video Prediction with Convolutional LSTMs" (examples/vision/conv_lstm.py, Keras 3).

A functional stack of three ``ConvLSTM2D`` layers (``return_sequences=True``,
``padding="same"``, ``activation="relu"``, kernels 5x5/3x3/1x1) with
``BatchNormalization`` between them and a sigmoid ``Conv3D`` head, on an
``Input`` with an unknown time axis; ``keras.losses.binary_crossentropy`` (the
function), Adam, ``EarlyStopping`` + ``ReduceLROnPlateau`` on ``val_loss``,
``validation_data``; then the autoregressive frame-by-frame prediction loop
on frame sequences of growing length. Synthetic Moving-MNIST-like data (a
bright square moving one pixel a frame): 20 frames of 64x64 -> 6 of 8x8,
64 filters -> 4.
"""

import numpy as np
import keras
from keras import layers

RESULTS = {}

"""
## Dataset Construction (synthetic)
"""

rng = np.random.RandomState(0)
dataset = np.zeros((10, 6, 8, 8), "float32")  # harness: Moving MNIST (1000, 20, 64, 64)
for i in range(10):
    r, c = rng.randint(0, 4, size=2)
    for t in range(6):
        dataset[i, t, r : r + 3, (c + t) % 6 : (c + t) % 6 + 3] = 1.0
dataset = np.clip(dataset * 255 + rng.randint(0, 40, dataset.shape), 0, 255)

# Add a channel dimension since the images are grayscale.
dataset = np.expand_dims(dataset, axis=-1)

# Split into train and validation sets using indexing to optimize memory.
indexes = np.arange(dataset.shape[0])
rng.shuffle(indexes)  # harness: np.random.shuffle
train_index = indexes[: int(0.8 * dataset.shape[0])]
val_index = indexes[int(0.8 * dataset.shape[0]) :]
train_dataset = dataset[train_index]
val_dataset = dataset[val_index]

# Normalize the data to the 0-1 range.
train_dataset = train_dataset / 255
val_dataset = val_dataset / 255


# We'll define a helper function to shift the frames, where
# `x` is frames 0 to n - 1, and `y` is frames 1 to n.
def create_shifted_frames(data):
    x = data[:, 0 : data.shape[1] - 1, :, :]
    y = data[:, 1 : data.shape[1], :, :]
    return x, y


# Apply the processing function to the datasets.
x_train, y_train = create_shifted_frames(train_dataset)
x_val, y_val = create_shifted_frames(val_dataset)

# Inspect the dataset.
print("Training Dataset Shapes: " + str(x_train.shape) + ", " + str(y_train.shape))
print("Validation Dataset Shapes: " + str(x_val.shape) + ", " + str(y_val.shape))

"""
## Model Construction
"""

# Construct the input layer with no definite frame size.
inp = layers.Input(shape=(None, *x_train.shape[2:]))

# We will construct 3 `ConvLSTM2D` layers with batch normalization,
# followed by a `Conv3D` layer for the spatiotemporal outputs.
x = layers.ConvLSTM2D(
    filters=4,  # harness: 64
    kernel_size=(5, 5),
    padding="same",
    return_sequences=True,
    activation="relu",
)(inp)
x = layers.BatchNormalization()(x)
x = layers.ConvLSTM2D(
    filters=4,  # harness: 64
    kernel_size=(3, 3),
    padding="same",
    return_sequences=True,
    activation="relu",
)(x)
x = layers.BatchNormalization()(x)
x = layers.ConvLSTM2D(
    filters=4,  # harness: 64
    kernel_size=(1, 1),
    padding="same",
    return_sequences=True,
    activation="relu",
)(x)
x = layers.Conv3D(
    filters=1, kernel_size=(3, 3, 3), activation="sigmoid", padding="same"
)(x)

# Next, we will build the complete model and compile it.
model = keras.models.Model(inp, x)
model.compile(
    loss=keras.losses.binary_crossentropy,
    optimizer=keras.optimizers.Adam(),
)

# harness: equal initial weights on both sides (BatchNormalization variances kept positive)
_rs = np.random.RandomState(1)
model.set_weights([np.abs(_rs.normal(0.0, 0.2, w.shape)).astype("float32") if w.ndim == 1
                   else _rs.normal(0.0, 0.2, w.shape).astype("float32")
                   for w in model.get_weights()])
RESULTS["count_params"] = model.count_params()
RESULTS["layer_types"] = [type(layer).__name__ for layer in model.layers]
RESULTS["output_shapes"] = str([tuple(layer.output.shape) for layer in model.layers])
RESULTS["weight_shapes"] = str([w.shape for w in model.get_weights()])
RESULTS["before"] = model.predict(x_val, verbose=0)

"""
## Model Training
"""

# Define some callbacks to improve training.
early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10)
reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=5)

# Define modifiable training hyperparameters.
epochs = 2  # harness: 20
batch_size = 4  # harness: 5

# Fit the model to the training data.
history = model.fit(
    x_train,
    y_train,
    batch_size=batch_size,
    epochs=epochs,
    validation_data=(x_val, y_val),
    callbacks=[early_stopping, reduce_lr],
    shuffle=False,  # harness:
    verbose=0,
)
RESULTS["hist_keys"] = sorted(history.history)
for k, v in history.history.items():
    RESULTS["hist_" + k] = v

"""
## Frame Prediction Visualizations
"""

# Select a random example from the validation dataset.
example = val_dataset[1]  # harness: np.random.choice

# Pick the first/last three frames from the example.
frames = example[:3, ...]  # harness: 10
original_frames = example[3:, ...]

# Predict a new set of three frames.
for _ in range(3):  # harness: 10
    # Extract the model's prediction and post-process it.
    new_prediction = model.predict(np.expand_dims(frames, axis=0), verbose=0)
    new_prediction = np.squeeze(new_prediction, axis=0)
    predicted_frame = np.expand_dims(new_prediction[-1, ...], axis=0)

    # Extend the set of prediction frames.
    frames = np.concatenate((frames, predicted_frame), axis=0)

RESULTS["frames"] = frames
RESULTS["evaluate"] = model.evaluate(x_val, y_val, verbose=0)
RTOL, ATOL = 1e-4, 1e-5
