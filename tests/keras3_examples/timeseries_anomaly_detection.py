"""keras.io example "Timeseries anomaly detection using an Autoencoder" (examples/timeseries/timeseries_anomaly_detection.py).

The example's numpy normalisation and ``create_sequences`` windows, the
Sequential ``Conv1D``/``Dropout``/``Conv1DTranspose`` autoencoder (strides 2,
"same" padding), Adam + MSE with ``EarlyStopping(monitor="val_loss",
mode="min")`` and ``validation_split``, the reconstruction-MAE threshold and
the anomaly indices. Synthetic NAB-shaped values (a daily sine with an
injected bump), short windows; dropout rate 0 (``# harness:``).
"""

import numpy as np
import keras
from keras import layers

RESULTS = {}

"""
## Load the data (synthetic; the example reads the NAB CSV files with pandas)
"""

rng = np.random.RandomState(0)  # harness:
t = np.arange(480)
df_small_noise = (np.sin(2 * np.pi * t / 48) * 10 + 40 + rng.normal(0, 0.5, t.shape)).astype("float32")
df_daily_jumpsup = df_small_noise + rng.normal(0, 0.5, t.shape).astype("float32")
df_daily_jumpsup[300:312] += 25.0

"""
## Prepare training data
"""

# Normalize and save the mean and std we get,
# for normalizing test data.
training_mean = df_small_noise.mean()
training_std = df_small_noise.std()
df_training_value = (df_small_noise - training_mean) / training_std
print("Number of training samples:", len(df_training_value))

TIME_STEPS = 24  # harness: 288


# Generated training sequences for use in the model.
def create_sequences(values, time_steps=TIME_STEPS):
    output = []
    for i in range(len(values) - time_steps + 1):
        output.append(values[i : (i + time_steps)])
    return np.stack(output)


x_train = create_sequences(df_training_value[:, None])  # harness: DataFrame.values -> [:, None]
print("Training input shape: ", x_train.shape)
RESULTS["x_train_shape"] = list(x_train.shape)

"""
## Build a model
"""

model = keras.Sequential(
    [
        layers.Input(shape=(x_train.shape[1], x_train.shape[2])),
        layers.Conv1D(filters=8, kernel_size=7, padding="same", strides=2, activation="relu"),  # harness: 32
        layers.Dropout(rate=0.0),  # harness: 0.2
        layers.Conv1D(filters=4, kernel_size=7, padding="same", strides=2, activation="relu"),  # harness: 16
        layers.Conv1DTranspose(filters=4, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Dropout(rate=0.0),  # harness: 0.2
        layers.Conv1DTranspose(filters=8, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
    ]
)
rs = np.random.RandomState(1)  # harness: equal initial weights on both sides
model.set_weights([rs.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
summary_lines = []
model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))
RESULTS["params"] = model.count_params()
RESULTS["output_shapes"] = [str(tuple(layer.output.shape)) for layer in model.layers]
RESULTS["summary_has_total"] = int(any("Total params" in line for line in summary_lines))

"""
## Train the model
"""

history = model.fit(
    x_train,
    x_train,
    epochs=3,  # harness: 50
    batch_size=64,  # harness: 128
    validation_split=0.1,
    callbacks=[
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, mode="min")
    ],
    shuffle=False, verbose=0,  # harness:
)
RESULTS["hist_keys"] = sorted(history.history)
RESULTS["loss"] = history.history["loss"]
RESULTS["val_loss"] = history.history["val_loss"]

"""
## Detecting anomalies
"""

# Get train MAE loss.
x_train_pred = model.predict(x_train, verbose=0)
train_mae_loss = np.mean(np.abs(x_train_pred - x_train), axis=1)

# Get reconstruction loss threshold.
threshold = np.max(train_mae_loss)
print("Reconstruction error threshold: ", threshold)
RESULTS["threshold"] = float(threshold)
RESULTS["train_mae_head"] = train_mae_loss[:5, 0]

df_test_value = (df_daily_jumpsup - training_mean) / training_std

# Create sequences from test values.
x_test = create_sequences(df_test_value[:, None])
print("Test input shape: ", x_test.shape)

# Get test MAE loss.
x_test_pred = model.predict(x_test, verbose=0)
test_mae_loss = np.mean(np.abs(x_test_pred - x_test), axis=1)
test_mae_loss = test_mae_loss.reshape((-1))

# Detect all the samples which are anomalies.
anomalies = test_mae_loss > threshold
print("Number of anomaly samples: ", np.sum(anomalies))
RESULTS["num_anomalies"] = int(np.sum(anomalies))
RESULTS["test_mae_slice"] = test_mae_loss[280:320:4]

# data i is an anomaly if samples [(i - timesteps + 1) to (i)] are anomalies
anomalous_data_indices = []
for data_idx in range(TIME_STEPS - 1, len(df_test_value) - TIME_STEPS + 1):
    if np.all(anomalies[data_idx - TIME_STEPS + 1 : data_idx]):
        anomalous_data_indices.append(data_idx)
RESULTS["anomalous_data_indices"] = np.array(anomalous_data_indices, dtype="int64")
RESULTS["predict_slice"] = x_test_pred[300, ::4, 0]
