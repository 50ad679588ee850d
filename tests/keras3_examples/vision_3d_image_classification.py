"""keras.io example "3D image classification from CT scans" (examples/vision/3D_image_classification.py, Keras 3).

The 3D CNN of ``get_model`` (four ``Conv3D``/``MaxPool3D(pool_size=2)``/
``BatchNormalization`` stages, ``GlobalAveragePooling3D``, ``Dense``, Dropout,
sigmoid ``Dense``), compiled with ``run_eagerly=True``, Adam on a staircase
``keras.optimizers.schedules.ExponentialDecay``, binary cross-entropy and the
``"acc"`` metric name; ``ModelCheckpoint(save_best_only=True)`` to a
``.keras`` file + ``EarlyStopping(monitor="val_acc")``, then
``model.load_weights`` of that ``.keras`` file and the two-class score
printout. Synthetic CT volumes in Hounsfield units, normalised by the
example's ``normalize``; 128x128x64 -> 46x46x46 (the smallest size the four
valid-padded stages accept), widths divided by 16-64, batch 2; the random
rotation augmentation is left out and Dropout's rate is 0 (``# harness:``).
"""

import numpy as np
import keras
from keras import layers

RESULTS = {}

"""
## Loading data and preprocessing (synthetic)
"""


def normalize(volume):
    """Normalize the volume"""
    min = -1000
    max = 400
    volume[volume < min] = min
    volume[volume > max] = max
    volume = (volume - min) / (max - min)
    volume = volume.astype("float32")
    return volume


rng = np.random.RandomState(0)
SIZE = 46  # harness: resize_volume to 128x128x64
abnormal_scans = np.array([normalize(rng.normal(0, 700, (SIZE, SIZE, SIZE)) + 150) for _ in range(4)])
normal_scans = np.array([normalize(rng.normal(0, 700, (SIZE, SIZE, SIZE))) for _ in range(4)])

# For the CT scans having presence of viral pneumonia
# assign 1, for the normal ones assign 0.
abnormal_labels = np.array([1 for _ in range(len(abnormal_scans))])
normal_labels = np.array([0 for _ in range(len(normal_scans))])

# Split data in the ratio 70-30 for training and validation.
x_train = np.concatenate((abnormal_scans[:3], normal_scans[:3]), axis=0)
y_train = np.concatenate((abnormal_labels[:3], normal_labels[:3]), axis=0)
x_val = np.concatenate((abnormal_scans[3:], normal_scans[3:]), axis=0)
y_val = np.concatenate((abnormal_labels[3:], normal_labels[3:]), axis=0)
print(
    "Number of samples in train and validation are %d and %d."
    % (x_train.shape[0], x_val.shape[0])
)

# harness: train_preprocessing / validation_preprocessing (rotate; tf.expand_dims(volume, axis=3))
x_train = np.expand_dims(x_train, axis=4)
x_val = np.expand_dims(x_val, axis=4)
batch_size = 2

"""
## Define a 3D convolutional neural network
"""


def get_model(width=128, height=128, depth=64):
    """Build a 3D convolutional neural network model."""

    inputs = keras.Input((width, height, depth, 1))

    x = layers.Conv3D(filters=4, kernel_size=3, activation="relu")(inputs)  # harness: 64
    x = layers.MaxPool3D(pool_size=2)(x)
    x = layers.BatchNormalization()(x)

    x = layers.Conv3D(filters=4, kernel_size=3, activation="relu")(x)  # harness: 64
    x = layers.MaxPool3D(pool_size=2)(x)
    x = layers.BatchNormalization()(x)

    x = layers.Conv3D(filters=8, kernel_size=3, activation="relu")(x)  # harness: 128
    x = layers.MaxPool3D(pool_size=2)(x)
    x = layers.BatchNormalization()(x)

    x = layers.Conv3D(filters=8, kernel_size=3, activation="relu")(x)  # harness: 256
    x = layers.MaxPool3D(pool_size=2)(x)
    x = layers.BatchNormalization()(x)

    x = layers.GlobalAveragePooling3D()(x)
    x = layers.Dense(units=8, activation="relu")(x)  # harness: 512
    x = layers.Dropout(0.0)(x)  # harness: 0.3

    outputs = layers.Dense(units=1, activation="sigmoid")(x)

    # Define the model.
    model = keras.Model(inputs, outputs, name="3dcnn")
    return model


# Build model.
model = get_model(width=SIZE, height=SIZE, depth=SIZE)  # harness: 128, 128, 64
model.summary()

# harness: equal initial weights on both sides (BatchNormalization variances kept positive)
_rs = np.random.RandomState(1)
for layer in model.layers:  # harness:
    ws = layer.get_weights()
    if isinstance(layer, layers.BatchNormalization):  # gamma, beta, moving mean, moving variance
        ws = [1 + 0.1 * _rs.normal(size=ws[0].shape), 0.1 * _rs.normal(size=ws[0].shape),
              0.2 + 0.1 * _rs.normal(size=ws[0].shape), 0.5 + np.abs(0.3 * _rs.normal(size=ws[0].shape))]
    elif ws:
        ws = [_rs.normal(0, 1.5 / np.sqrt(np.prod(ws[0].shape[:-1])), w.shape) for w in ws]
    layer.set_weights([w.astype("float32") for w in ws])
RESULTS["count_params"] = model.count_params()
RESULTS["layer_types"] = [type(layer).__name__ for layer in model.layers]
RESULTS["output_shapes"] = str([tuple(layer.output.shape) for layer in model.layers])
RESULTS["before"] = model.predict(x_val, verbose=0)

"""
## Train model
"""

# Compile model.
initial_learning_rate = 0.0001
lr_schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate, decay_steps=2, decay_rate=0.96, staircase=True  # harness: 100000
)
model.compile(
    loss="binary_crossentropy",
    optimizer=keras.optimizers.Adam(learning_rate=lr_schedule),
    metrics=["acc"],
    run_eagerly=True,
)

# Define callbacks.
checkpoint_cb = keras.callbacks.ModelCheckpoint(
    "3d_image_classification.keras", save_best_only=True
)
early_stopping_cb = keras.callbacks.EarlyStopping(monitor="val_acc", patience=15)

# Train the model, doing validation at the end of each epoch
epochs = 2  # harness: 100
history = model.fit(
    x_train, y_train, batch_size=batch_size,  # harness: train_dataset
    validation_data=(x_val, y_val),  # harness: validation_dataset
    epochs=epochs,
    shuffle=False,  # harness: True
    verbose=2,
    callbacks=[checkpoint_cb, early_stopping_cb],
)
RESULTS["hist_keys"] = sorted(history.history)
for k, v in history.history.items():
    RESULTS["hist_" + k] = v
RESULTS["lr_after"] = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
RESULTS["iterations"] = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
RESULTS["schedule"] = [float(keras.ops.convert_to_numpy(lr_schedule(s))) for s in range(6)]
RESULTS["schedule_config"] = str(sorted(lr_schedule.get_config().items()))

"""
## Make predictions on a single CT scan
"""

# Load best weights.
model.load_weights("3d_image_classification.keras")
prediction = model.predict(np.expand_dims(x_val[0], axis=0))[0]
scores = [1 - prediction[0], prediction[0]]

class_names = ["normal", "abnormal"]
for score, name in zip(scores, class_names):
    print(
        "This model is %.2f percent confident that CT scan is %s"
        % ((100 * score), name)
    )
RESULTS["scores"] = scores
RESULTS["after"] = model.predict(x_val, verbose=0)
RTOL, ATOL = 1e-4, 1e-5
