"""keras.io examples/timeseries/timeseries_weather_forecasting.py (synthetic Jena-shaped features).

``keras.utils.timeseries_dataset_from_array`` needs TensorFlow in Keras 3; the
windows it would make are built with NumPy (same start indices, sampling rate
and targets).
"""
import numpy as np
import keras

# harness: synthetic features (7 selected columns of the Jena climate table)
rng = np.random.RandomState(0)
n_rows = 420
t = np.arange(n_rows)
features = np.stack([np.sin(t / (10 + 3 * k)) + 0.1 * rng.normal(size=n_rows) for k in range(7)],
                    axis=1).astype("float32")

split_fraction = 0.715
train_split = int(split_fraction * int(features.shape[0]))
step = 6

past = 36  # harness: 720 in the original
future = 12  # harness: 72 in the original
learning_rate = 0.001
batch_size = 16  # harness: 256 in the original
epochs = 3  # harness: 10 in the original


def normalize(data, train_split):
    data_mean = data[:train_split].mean(axis=0)
    data_std = data[:train_split].std(axis=0)
    return (data - data_mean) / data_std


features = normalize(features, train_split)

train_data = features[0 : train_split - 1]
val_data = features[train_split:]

"""
## Training dataset
"""

start = past + future
end = start + train_split

x_train = train_data[:, [i for i in range(7)]]
y_train = features[start:end][:, 1]

sequence_length = int(past / step)


def timeseries_windows(data, targets, sequence_length, sampling_rate):
    # harness: keras.utils.timeseries_dataset_from_array(data, targets, sequence_length,
    # sampling_rate=step, batch_size=batch_size) as NumPy arrays
    span = (sequence_length - 1) * sampling_rate + 1
    n = len(data) - span + 1
    if targets is not None:
        n = min(n, len(targets))
    idx = np.arange(n)[:, None] + np.arange(0, span, sampling_rate)[None, :]
    windows = data[idx]
    return windows, (None if targets is None else targets[:n])


inputs_train, targets_train = timeseries_windows(x_train, y_train, sequence_length, step)

"""
## Validation dataset
"""

x_end = len(val_data) - past - future

label_start = train_split + past + future

x_val = val_data.iloc[:x_end][[i for i in range(7)]].values if hasattr(val_data, "iloc") \
    else val_data[:x_end][:, [i for i in range(7)]]
y_val = features[label_start:][:, 1]

inputs_val, targets_val = timeseries_windows(x_val, y_val, sequence_length, step)

inputs = inputs_train[:batch_size]
targets = targets_train[:batch_size]
print("Input shape:", inputs.shape)
print("Target shape:", targets.shape)

"""
## Training
"""

inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
lstm_out = keras.layers.LSTM(32)(inputs)
outputs = keras.layers.Dense(1)(lstm_out)

model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
summary_lines = []
model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])

path_checkpoint = "model_checkpoint.weights.h5"
es_callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5)

modelckpt_callback = keras.callbacks.ModelCheckpoint(
    monitor="val_loss",
    filepath=path_checkpoint,
    verbose=1,
    save_weights_only=True,
    save_best_only=True,
)

history = model.fit(
    inputs_train, targets_train,  # harness: dataset_train
    batch_size=batch_size,
    epochs=epochs,
    validation_data=(inputs_val, targets_val),  # harness: dataset_val
    callbacks=[es_callback, modelckpt_callback],
    shuffle=False,  # harness
)

"""
## Prediction
"""

predictions = [model.predict(inputs_val[i * batch_size:(i + 1) * batch_size], verbose=0)[0]
               for i in range(3)]  # harness: for x, y in dataset_val.take(5)

reloaded = keras.Model(inputs=inputs, outputs=keras.layers.Dense(1)(keras.layers.LSTM(32)(inputs)))
reloaded.load_weights(path_checkpoint)

RESULTS = {
    "params": model.count_params(),
    "input_shape": str(tuple(model.input.shape)),
    "n_train_windows": len(inputs_train),
    "n_val_windows": len(inputs_val),
    "summary_mentions_params": int(any("Total params" in line for line in summary_lines)),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
    "predictions": np.array(predictions),
    "checkpoint_predict": reloaded.predict(inputs_val[:4], verbose=0),
    "best_val_loss": reloaded.evaluate(inputs_val, targets_val, verbose=0, batch_size=batch_size)
    if False else min(history.history["val_loss"]),
}
