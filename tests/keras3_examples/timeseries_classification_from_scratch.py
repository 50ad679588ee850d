"""keras.io examples/timeseries/timeseries_classification_from_scratch.py (synthetic FordA-shaped series)."""
import keras
import numpy as np

"""
## Load the data: the FordA dataset
"""

# harness: synthetic univariate series of FordA's layout (label column then 500 values) -> 48 steps
rng = np.random.RandomState(0)


def readucr(n):
    y = rng.choice([-1, 1], size=n)
    t = np.linspace(0, 4 * np.pi, 48)
    x = np.sin(t[None, :] * (1.5 + 0.5 * y[:, None])) + 0.3 * rng.normal(size=(n, 48))
    return x, y.astype(int)


x_train, y_train = readucr(40)
x_test, y_test = readucr(12)

"""
## Standardize the data
"""

x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))

num_classes = len(np.unique(y_train))

idx = np.random.RandomState(1).permutation(len(x_train))  # harness: np.random.permutation
x_train = x_train[idx]
y_train = y_train[idx]

y_train[y_train == -1] = 0
y_test[y_test == -1] = 0

"""
## Build a model
"""


def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)

    conv1 = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(input_layer)  # harness: 64
    conv1 = keras.layers.BatchNormalization()(conv1)
    conv1 = keras.layers.ReLU()(conv1)

    conv2 = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(conv1)  # harness: 64
    conv2 = keras.layers.BatchNormalization()(conv2)
    conv2 = keras.layers.ReLU()(conv2)

    conv3 = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(conv2)  # harness: 64
    conv3 = keras.layers.BatchNormalization()(conv3)
    conv3 = keras.layers.ReLU()(conv3)

    gap = keras.layers.GlobalAveragePooling1D()(conv3)

    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)

    return keras.models.Model(inputs=input_layer, outputs=output_layer)


model = make_model(input_shape=x_train.shape[1:])

# harness: equal initial weights in both libraries (BatchNormalization variances kept positive)
seeded = np.random.RandomState(2)
model.set_weights([np.abs(seeded.normal(0.2, 0.1, w.shape)).astype("float32")
                   for w in model.get_weights()])

"""
## Train the model
"""

epochs = 6  # harness: 500 in the original
batch_size = 8  # harness: 32 in the original

callbacks = [
    keras.callbacks.ModelCheckpoint(
        "best_model.keras", save_best_only=True, monitor="val_loss"
    ),
    keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", factor=0.5, patience=1, min_lr=0.0001  # harness: patience 20
    ),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, verbose=1),  # harness: 50
]
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.02),  # harness: "adam" in the original
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)
history = model.fit(
    x_train,
    y_train,
    batch_size=batch_size,
    epochs=epochs,
    callbacks=callbacks,
    validation_split=0.2,
    verbose=1,
    shuffle=False,  # harness
)

"""
## Evaluate model on test data
"""

model = keras.models.load_model("best_model.keras")

test_loss, test_acc = model.evaluate(x_test, y_test)

print("Test accuracy", test_acc)
print("Test loss", test_loss)

best_epoch = int(np.argmin(history.history["val_loss"]))
RESULTS = {
    "params": model.count_params(),
    "trainable_params": sum(int(np.prod(w.shape)) for w in model.trainable_weights),
    "layer_classes": [type(layer).__name__ for layer in model.layers],
    "history_keys": sorted(history.history),
    "epochs_run": len(history.history["loss"]),
    "loss": history.history["loss"],
    "sparse_categorical_accuracy": history.history["sparse_categorical_accuracy"],
    "val_loss": history.history["val_loss"],
    "learning_rate": history.history["learning_rate"],
    "best_epoch": best_epoch,
    "test_loss": test_loss,
    "test_acc": test_acc,
    "restored_lr": float(ops_lr) if (ops_lr := np.asarray(model.optimizer.learning_rate)) is not None else 0.0,
    "restored_iterations": int(np.asarray(model.optimizer.iterations)),
    "predict": model.predict(x_test[:3], verbose=0),
    "bn_moving_mean": model.layers[2].get_weights()[2],
}
RTOL = 1e-4
ATOL = 1e-5
