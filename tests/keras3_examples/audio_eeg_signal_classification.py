"""keras.io examples/audio/eeg_signal.py (Keras 3): EEG signal classification, synthetic signals.

Min-max scaled 1-channel signals of length 512, ``to_categorical`` labels,
naive inverse-frequency ``class_weight``; a stack of strided ``Conv1D`` +
``BatchNormalization``, ``Flatten``, ``Dense`` layers with
``keras.regularizers.L2()``; ``Adam(amsgrad=True)``, ``CategoricalCrossentropy``
and the metrics ``TopKCategoricalAccuracy(k=3)``, ``AUC``, ``Precision``,
``Recall``; callbacks ``ModelCheckpoint(save_best_only=True, monitor="loss")``
and ``ReduceLROnPlateau(monitor="val_top_k_categorical_accuracy")``; a
five-value ``evaluate``; the best checkpoint reloaded. Widths are reduced.
"""
import numpy as np
import keras
from keras import layers

QUALITY_THRESHOLD = 128
BATCH_SIZE = 16  # harness: 64
SHUFFLE_BUFFER_SIZE = 100

"""
## Pre-process and collate data
"""

# harness: synthetic raw EEG values and label-encoded classes instead of eeg-data.csv
rng = np.random.RandomState(0)
num_classes = 5  # harness: the collated labels of the dataset
raw_values = [rng.randint(-2048, 2048, size=(512,)).astype("float64") for _ in range(64)]
labels_list = list(rng.choice(num_classes, size=64, p=[0.4, 0.25, 0.15, 0.1, 0.1]))


def min_max_scale(values):  # harness: sklearn's MinMaxScaler().fit_transform on one column
    values = np.asarray(values).reshape(-1, 1)
    return (values - values.min()) / (values.max() - values.min())


series_list = [min_max_scale(i) for i in raw_values]

# harness: the first 48 / last 16 instead of train_test_split(..., shuffle=True)
x_train, x_test = series_list[:48], series_list[48:]
y_train, y_test = labels_list[:48], labels_list[48:]

print(len(x_train), len(x_test), len(y_train), len(y_test))

x_train = np.asarray(x_train).astype(np.float32).reshape(-1, 512, 1)
y_train = np.asarray(y_train).astype(np.float32).reshape(-1, 1)
y_train = keras.utils.to_categorical(y_train)

x_test = np.asarray(x_test).astype(np.float32).reshape(-1, 512, 1)
y_test = np.asarray(y_test).astype(np.float32).reshape(-1, 1)
y_test = keras.utils.to_categorical(y_test, num_classes)  # harness: num_classes (small split)

vals_dict = {}
for i in labels_list:
    if i in vals_dict.keys():
        vals_dict[i] += 1
    else:
        vals_dict[i] = 1
total = sum(vals_dict.values())

# Formula used - Naive method where
# weight = 1 - (no. of samples present / total no. of samples)
# So more the samples, lower the weight

weight_dict = {k: (1 - (v / total)) for k, v in vals_dict.items()}
print(weight_dict)
print(vals_dict)

"""
## Define function to generate Convolutional model
"""

W = 8  # harness: widths divided by 8 (Conv1D) and 64 (Dense) to stay small


def make_conv_model():
    input_layer = keras.Input(shape=(512, 1))

    x = layers.Conv1D(
        filters=32 // W, kernel_size=3, strides=2, activation="relu", padding="same"
    )(input_layer)
    x = layers.BatchNormalization()(x)

    x = layers.Conv1D(
        filters=64 // W, kernel_size=3, strides=2, activation="relu", padding="same"
    )(x)
    x = layers.BatchNormalization()(x)

    x = layers.Conv1D(
        filters=128 // W, kernel_size=5, strides=2, activation="relu", padding="same"
    )(x)
    x = layers.BatchNormalization()(x)

    x = layers.Conv1D(
        filters=256 // W, kernel_size=5, strides=2, activation="relu", padding="same"
    )(x)
    x = layers.BatchNormalization()(x)

    x = layers.Conv1D(
        filters=512 // W, kernel_size=7, strides=2, activation="relu", padding="same"
    )(x)
    x = layers.BatchNormalization()(x)

    x = layers.Conv1D(
        filters=1024 // W, kernel_size=7, strides=2, activation="relu", padding="same"
    )(x)
    x = layers.BatchNormalization()(x)

    x = layers.Dropout(0.0)(x)  # harness: 0.2 (randomness would reach the results)

    x = layers.Flatten()(x)

    x = layers.Dense(4096 // 64, activation="relu")(x)
    x = layers.Dropout(0.0)(x)  # harness: 0.2

    x = layers.Dense(
        2048 // 64, activation="relu", kernel_regularizer=keras.regularizers.L2()
    )(x)
    x = layers.Dropout(0.0)(x)  # harness: 0.2

    x = layers.Dense(
        1024 // 64, activation="relu", kernel_regularizer=keras.regularizers.L2()
    )(x)
    x = layers.Dropout(0.0)(x)  # harness: 0.2

    x = layers.Dense(
        128 // 8, activation="relu", kernel_regularizer=keras.regularizers.L2()
    )(x)

    output_layer = layers.Dense(num_classes, activation="softmax")(x)

    return keras.Model(inputs=input_layer, outputs=output_layer)


"""
## Get Model summary
"""

conv_model = make_conv_model()

summary_lines = []
conv_model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))

# harness: equal initial weights in both libraries (BatchNormalization's moving statistics kept)
seeded = np.random.RandomState(1)
conv_model.set_weights([
    seeded.normal(0, 0.2, w.shape).astype("float32") if "moving" not in w.path else w.numpy()
    for w in conv_model.weights])

"""
## Define callbacks, optimizer, loss and metrics
"""

# harness: 30 in the original; after two epochs the gradients through the BatchNormalization
# stack drift apart at float32-noise level (Keras 3's torch moments use E[x^2] - E[x]^2)
epochs = 2

callbacks = [
    keras.callbacks.ModelCheckpoint(
        "best_model.keras", save_best_only=True, monitor="loss"
    ),
    keras.callbacks.ReduceLROnPlateau(
        monitor="val_top_k_categorical_accuracy",
        factor=0.2,
        patience=1,  # harness: 2 (so that the reduction happens within two epochs)
        min_lr=0.000001,
    ),
]

optimizer = keras.optimizers.Adam(amsgrad=True, learning_rate=0.001)
loss = keras.losses.CategoricalCrossentropy()

"""
## Compile model and call `model.fit()`
"""

conv_model.compile(
    optimizer=optimizer,
    loss=loss,
    metrics=[
        keras.metrics.TopKCategoricalAccuracy(k=3),
        keras.metrics.AUC(),
        keras.metrics.Precision(),
        keras.metrics.Recall(),
    ],
)

conv_model_history = conv_model.fit(
    x_train, y_train, batch_size=BATCH_SIZE,  # harness: arrays instead of tf.data
    epochs=epochs,
    callbacks=callbacks,
    validation_data=(x_test, y_test),
    class_weight=weight_dict,
    shuffle=False, verbose=0,  # harness: batch order equal in both libraries
)

"""
## Evaluate model on test data
"""

loss, accuracy, auc, precision, recall = conv_model.evaluate(x_test, y_test, verbose=0)
print(f"Loss : {loss}")
print(f"Top 3 Categorical Accuracy : {accuracy}")
print(f"Area under the Curve (ROC) : {auc}")
print(f"Precision : {precision}")
print(f"Recall : {recall}")

best = keras.models.load_model("best_model.keras")  # harness: the checkpoint, reloaded

RESULTS = {
    "params": conv_model.count_params(),
    "trainable_params": int(sum(np.prod(w.shape) for w in conv_model.trainable_weights)),
    "summary_has_total": int(any("Total params" in line for line in summary_lines)),
    "class_weight": [weight_dict[k] for k in sorted(weight_dict)],
    "history_keys": sorted(conv_model_history.history),
    "history": [conv_model_history.history[k] for k in sorted(conv_model_history.history)],
    "evaluate": [loss, accuracy, auc, precision, recall],
    "model_losses": [float(keras.ops.convert_to_numpy(v)) for v in conv_model.losses],
    "final_lr": float(keras.ops.convert_to_numpy(conv_model.optimizer.learning_rate)),
    "predict": conv_model.predict(x_test[:4], verbose=0),
    "best_predict": best.predict(x_test[:4], verbose=0),
    "best_metric_names": [m.name for m in best.metrics],
}
RTOL, ATOL = 5e-3, 1e-5  # float32 noise amplified through the BatchNormalization stack
