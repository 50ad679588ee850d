"""keras.io guide "Training & evaluation with the built-in methods" (Keras 3, torch).

fit/evaluate/predict with validation_data, custom loss function and ``Loss``
subclass, the ``CategoricalTruePositives`` metric subclass, ``add_loss`` in a
layer, the ``LogisticEndpoint`` (compile without loss), validation_split,
``PyDataset`` and torch ``DataLoader`` inputs, class_weight, sample_weight,
the multi-input multi-output model with loss lists / dicts, metrics lists /
dicts, loss_weights and ``None`` losses, EarlyStopping, a LossHistory
callback, ModelCheckpoint, ExponentialDecay and LearningRateScheduler.
Synthetic MNIST-shaped data, small sizes.
"""

import numpy as np
import torch
import keras
from keras import layers, ops

RESULTS = {}
rng = np.random.RandomState(0)


def seed_weights(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])


def record(prefix, history):
    RESULTS[prefix + "_keys"] = sorted(history.history)
    for k, v in history.history.items():
        RESULTS[prefix + "_" + k] = v


inputs = keras.Input(shape=(784,), name="digits")
x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
x = layers.Dense(64, activation="relu", name="dense_2")(x)
outputs = layers.Dense(10, activation="softmax", name="predictions")(x)

model = keras.Model(inputs=inputs, outputs=outputs)

# Synthetic stand-in for keras.datasets.mnist.load_data()
x_train = rng.randint(0, 256, size=(96, 28, 28)).astype("uint8")
y_train = rng.randint(0, 10, size=(96,)).astype("uint8")
x_test = rng.randint(0, 256, size=(32, 28, 28)).astype("uint8")
y_test = rng.randint(0, 10, size=(32,)).astype("uint8")

# Preprocess the data (these are NumPy arrays)
x_train = x_train.reshape(96, 784).astype("float32") / 255
x_test = x_test.reshape(32, 784).astype("float32") / 255

y_train = y_train.astype("float32")
y_test = y_test.astype("float32")

# Reserve 10,000 samples for validation
x_val = x_train[-32:]
y_val = y_train[-32:]
x_train = x_train[:-32]
y_train = y_train[:-32]

model.compile(
    optimizer=keras.optimizers.RMSprop(),  # Optimizer
    # Loss function to minimize
    loss=keras.losses.SparseCategoricalCrossentropy(),
    # List of metrics to monitor
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)
seed_weights(model, 1)  # harness:
history = model.fit(
    x_train,
    y_train,
    batch_size=16,
    epochs=2,
    # We pass some validation for
    # monitoring validation loss and metrics
    # at the end of each epoch
    validation_data=(x_val, y_val),
    shuffle=False,  # harness:
    verbose=0,
)
record("basic", history)
results = model.evaluate(x_test, y_test, batch_size=128, verbose=0)
RESULTS["basic_eval"] = results
predictions = model.predict(x_test[:3], verbose=0)
RESULTS["basic_pred"] = predictions
# harness: not compared: Keras 3 lists a `compile_metrics` container here, keraton (as tf.keras 2)
# the compiled metrics themselves.
# RESULTS["basic_metrics_names"] = [m.name for m in model.metrics]


def get_uncompiled_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    seed_weights(model, 2)  # harness:
    return model


def get_compiled_model():
    model = get_uncompiled_model()
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model


def custom_mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


model = get_uncompiled_model()
model.compile(optimizer=keras.optimizers.Adam(), loss=custom_mean_squared_error)

# We need to one-hot encode the labels to use MSE
y_train_one_hot = ops.one_hot(y_train, num_classes=10)
h = model.fit(x_train, y_train_one_hot, batch_size=16, epochs=1, shuffle=False, verbose=0)  # harness: shuffle
record("custom_fn_loss", h)


class CustomMSE(keras.losses.Loss):
    def __init__(self, regularization_factor=0.1, name="custom_mse"):
        super().__init__(name=name)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
        reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
        return mse + reg * self.regularization_factor


model = get_uncompiled_model()
model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE())

y_train_one_hot = ops.one_hot(y_train, num_classes=10)
h = model.fit(x_train, y_train_one_hot, batch_size=16, epochs=1, shuffle=False, verbose=0)  # harness: shuffle
record("custom_cls_loss", h)


class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(
            shape=(), name="ctp", initializer="zeros"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives.value

    def reset_state(self):
        # The state of the metric will be reset at the start of each epoch.
        self.true_positives.assign(0.0)


model = get_uncompiled_model()
model.compile(
    optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(),
    metrics=[CategoricalTruePositives()],
)
h = model.fit(x_train, y_train, batch_size=16, epochs=3, shuffle=False, verbose=0)  # harness: shuffle
record("ctp", h)
RESULTS["ctp_eval"] = model.evaluate(x_test, y_test, verbose=0, return_dict=True)["categorical_true_positives"]


class ActivityRegularizationLayer(layers.Layer):
    def call(self, inputs):
        self.add_loss(ops.sum(inputs) * 0.1)
        return inputs  # Pass-through layer.


inputs = keras.Input(shape=(784,), name="digits")
x = layers.Dense(64, activation="relu", name="dense_1")(inputs)

# Insert activity regularization as a layer
x = ActivityRegularizationLayer()(x)

x = layers.Dense(64, activation="relu", name="dense_2")(x)
outputs = layers.Dense(10, name="predictions")(x)

model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(
    optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
)
seed_weights(model, 3)  # harness:
# The displayed loss will be much higher than before
# due to the regularization component.
h = model.fit(x_train, y_train, batch_size=16, epochs=1, shuffle=False, verbose=0)  # harness: shuffle
record("actreg", h)


class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        # Compute the training-time loss value and add it
        # to the layer using `self.add_loss()`.
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)

        # Return the inference-time prediction tensor (for `.predict()`).
        return ops.softmax(logits)


inputs = keras.Input(shape=(3,), name="inputs")
targets = keras.Input(shape=(10,), name="targets")
logits = keras.layers.Dense(10)(inputs)
predictions = LogisticEndpoint(name="predictions")(targets, logits)

model = keras.Model(inputs=[inputs, targets], outputs=predictions)
model.compile(optimizer="adam")  # No loss argument!
seed_weights(model, 4)  # harness:

data = {
    "inputs": rng.random_sample((3, 3)),
    "targets": rng.random_sample((3, 10)),
}
h = model.fit(data, verbose=0)
record("endpoint", h)
RESULTS["endpoint_pred"] = model.predict(data, verbose=0)

model = get_compiled_model()
h = model.fit(x_train, y_train, batch_size=16, validation_split=0.2, epochs=1, shuffle=False, verbose=0)
record("valsplit", h)


class ExamplePyDataset(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x = x
        self.y = y
        self.batch_size = batch_size

    def __len__(self):
        return int(np.ceil(len(self.x) / float(self.batch_size)))

    def __getitem__(self, idx):
        batch_x = self.x[idx * self.batch_size : (idx + 1) * self.batch_size]
        batch_y = self.y[idx * self.batch_size : (idx + 1) * self.batch_size]
        return batch_x, batch_y


train_py_dataset = ExamplePyDataset(x_train, y_train, batch_size=20)
val_py_dataset = ExamplePyDataset(x_val, y_val, batch_size=20)
model = get_compiled_model()
h = model.fit(train_py_dataset, validation_data=val_py_dataset, epochs=1, shuffle=False, verbose=0)
record("pydataset", h)
RESULTS["pydataset_eval"] = model.evaluate(val_py_dataset, verbose=0)


class ExampleTorchDataset(torch.utils.data.Dataset):
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]


train_torch_dataset = ExampleTorchDataset(x_train, y_train)
val_torch_dataset = ExampleTorchDataset(x_val, y_val)
train_dataloader = torch.utils.data.DataLoader(
    train_torch_dataset, batch_size=20, shuffle=False  # harness: shuffle=False
)
val_dataloader = torch.utils.data.DataLoader(
    val_torch_dataset, batch_size=20, shuffle=False
)
model = get_compiled_model()
h = model.fit(train_dataloader, validation_data=val_dataloader, epochs=1, verbose=0)
record("dataloader", h)
RESULTS["dataloader_eval"] = model.evaluate(val_dataloader, verbose=0)

class_weight = {
    0: 1.0,
    1: 1.0,
    2: 1.0,
    3: 1.0,
    4: 1.0,
    # Set weight "2" for class "5",
    # making this class 2x more important
    5: 2.0,
    6: 1.0,
    7: 1.0,
    8: 1.0,
    9: 1.0,
}

model = get_compiled_model()
h = model.fit(x_train, y_train, class_weight=class_weight, batch_size=16, epochs=1, shuffle=False, verbose=0)
record("class_weight", h)

sample_weight = np.ones(shape=(len(y_train),))
sample_weight[y_train == 5] = 2.0

model = get_compiled_model()
h = model.fit(x_train, y_train, sample_weight=sample_weight, batch_size=16, epochs=1, shuffle=False, verbose=0)
record("sample_weight", h)

image_input = keras.Input(shape=(32, 32, 3), name="img_input")
timeseries_input = keras.Input(shape=(None, 10), name="ts_input")

x1 = layers.Conv2D(3, 3)(image_input)
x1 = layers.GlobalMaxPooling2D()(x1)

x2 = layers.Conv1D(3, 3)(timeseries_input)
x2 = layers.GlobalMaxPooling1D()(x2)

x = layers.concatenate([x1, x2])

score_output = layers.Dense(1, name="score_output")(x)
class_output = layers.Dense(5, name="class_output")(x)

model = keras.Model(
    inputs=[image_input, timeseries_input], outputs=[score_output, class_output]
)
RESULTS["mimo_output_names"] = list(model.output_names)

# Generate dummy NumPy data
img_data = rng.random_sample(size=(24, 32, 32, 3))
ts_data = rng.random_sample(size=(24, 20, 10))
score_targets = rng.random_sample(size=(24, 1))
class_targets = rng.random_sample(size=(24, 5))

compiles = {
    "list": dict(loss=[keras.losses.MeanSquaredError(), keras.losses.CategoricalCrossentropy()]),
    "list_metrics": dict(
        loss=[keras.losses.MeanSquaredError(), keras.losses.CategoricalCrossentropy()],
        metrics=[
            [
                keras.metrics.MeanAbsolutePercentageError(),
                keras.metrics.MeanAbsoluteError(),
            ],
            [keras.metrics.CategoricalAccuracy()],
        ],
    ),
    "dict_metrics": dict(
        loss={
            "score_output": keras.losses.MeanSquaredError(),
            "class_output": keras.losses.CategoricalCrossentropy(),
        },
        metrics={
            "score_output": [
                keras.metrics.MeanAbsolutePercentageError(),
                keras.metrics.MeanAbsoluteError(),
            ],
            "class_output": [keras.metrics.CategoricalAccuracy()],
        },
    ),
    "loss_weights": dict(
        loss={
            "score_output": keras.losses.MeanSquaredError(),
            "class_output": keras.losses.CategoricalCrossentropy(),
        },
        metrics={
            "score_output": [
                keras.metrics.MeanAbsolutePercentageError(),
                keras.metrics.MeanAbsoluteError(),
            ],
            "class_output": [keras.metrics.CategoricalAccuracy()],
        },
        loss_weights={"score_output": 2.0, "class_output": 1.0},
    ),
    # List loss version
    "none_list": dict(loss=[None, keras.losses.CategoricalCrossentropy()]),
    # Or dict loss version
    # harness: not run: Keras 3.15 raises "Expected keys ['score_output', 'class_output'] in
    # loss dict" for it (keraton accepts it, as the guide says).
    # "none_dict": dict(loss={"class_output": keras.losses.CategoricalCrossentropy()}),
}
for i, (tag, kwargs) in enumerate(compiles.items()):
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), **kwargs)
    seed_weights(model, 10 + i)  # harness:
    if tag.startswith("dict") or tag == "loss_weights":
        h = model.fit(
            {"img_input": img_data, "ts_input": ts_data},
            {"score_output": score_targets, "class_output": class_targets},
            batch_size=8,
            epochs=1,
            shuffle=False,  # harness:
            verbose=0,
        )
    else:
        h = model.fit(
            [img_data, ts_data], [score_targets, class_targets], batch_size=8, epochs=1,
            shuffle=False, verbose=0,  # harness: shuffle
        )
    scores = model.evaluate([img_data, ts_data], [score_targets, class_targets], verbose=0,
                            return_dict=True)  # harness: return_dict (list order: see below)
    if tag.startswith("none"):
        # harness: Keras 3.15's compile(metrics=None) keeps the metrics of the previous
        # compile (keraton drops them), so only the losses are compared.
        h.history = {"loss": h.history["loss"]}
        scores = {"loss": scores["loss"]}
    record("mimo_" + tag, h)
    RESULTS["mimo_" + tag + "_eval_keys"] = sorted(scores)
    RESULTS["mimo_" + tag + "_eval"] = [scores[k] for k in sorted(scores)]

model = get_compiled_model()
callbacks = [
    keras.callbacks.EarlyStopping(
        # Stop training when `val_loss` is no longer improving
        monitor="val_loss",
        # "no longer improving" being defined as "no better than 1e-2 less"
        min_delta=1e-2,
        # "no longer improving" being further defined as "for at least 2 epochs"
        patience=2,
        verbose=0,
    )
]
h = model.fit(
    x_train,
    y_train,
    epochs=20,
    batch_size=16,
    callbacks=callbacks,
    validation_split=0.2,
    shuffle=False,  # harness:
    verbose=0,
)
record("early", h)
RESULTS["early_stopped_epoch"] = callbacks[0].stopped_epoch


class LossHistory(keras.callbacks.Callback):
    def on_train_begin(self, logs):
        self.per_batch_losses = []

    def on_batch_end(self, batch, logs):
        self.per_batch_losses.append(logs.get("loss"))


model = get_compiled_model()
lh = LossHistory()
model.fit(x_train, y_train, epochs=2, batch_size=16, callbacks=[lh], shuffle=False, verbose=0)
RESULTS["loss_history_per_batch"] = [float(v) for v in lh.per_batch_losses]

model = get_compiled_model()
callbacks = [
    keras.callbacks.ModelCheckpoint(
        # Path where to save the model
        # The two parameters below mean that we will overwrite
        # the current checkpoint if and only if
        # the `val_loss` score has improved.
        # The saved model name will include the current epoch.
        filepath="mymodel_{epoch}.keras",
        save_best_only=True,  # Only save a model if `val_loss` has improved.
        monitor="val_loss",
        verbose=0,
    )
]
h = model.fit(
    x_train, y_train, epochs=3, batch_size=16, callbacks=callbacks, validation_split=0.2,
    shuffle=False, verbose=0,  # harness: shuffle
)
import os  # noqa: E402

RESULTS["ckpt_files"] = sorted(f for f in os.listdir(".") if f.startswith("mymodel_"))
best = sorted(RESULTS["ckpt_files"])[-1]
reloaded = keras.models.load_model(best)
RESULTS["ckpt_reload_eval"] = reloaded.evaluate(x_test, y_test, verbose=0)
record("ckpt", h)

initial_learning_rate = 0.1
lr_schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate, decay_steps=3, decay_rate=0.96, staircase=True
)

optimizer = keras.optimizers.RMSprop(learning_rate=lr_schedule)
model = get_uncompiled_model()
model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
h = model.fit(x_train, y_train, epochs=2, batch_size=16, shuffle=False, verbose=0)
record("expdecay", h)
RESULTS["expdecay_lr_values"] = [float(lr_schedule(s)) for s in [0, 2, 3, 7, 100]]
RESULTS["expdecay_iterations"] = int(optimizer.iterations)
RESULTS["expdecay_optimizer_lr"] = float(ops.convert_to_numpy(optimizer.learning_rate))


def scheduler(epoch, lr):
    if epoch < 1:
        return lr
    return lr * 0.5


model = get_compiled_model()
h = model.fit(x_train, y_train, epochs=3, batch_size=16, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.LearningRateScheduler(scheduler)])
record("lrsched", h)
RTOL = 2e-4
