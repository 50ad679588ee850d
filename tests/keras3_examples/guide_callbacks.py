"""keras.io guide "Writing your own callbacks" (guides/writing_your_own_callbacks.py, Keras 3).

A ``CustomCallback`` overriding every hook (train/test/predict begin and end,
epoch and batch begin and end) that records which hooks run in which order
and the log keys and values they receive during fit (with validation_split),
evaluate and predict; ``LossAndErrorPrintingCallback`` reading ``logs``;
``EarlyStoppingAtMinLoss`` with ``model.get_weights``/``set_weights`` and
``model.stop_training``; ``CustomLearningRateScheduler`` reading and setting
``model.optimizer.learning_rate``. Synthetic MNIST-shaped data.
"""

import numpy as np
import keras

RESULTS = {}
EVENTS = []  # harness: what the guide prints, recorded


def log(*parts):  # harness: stands in for the guide's print()
    EVENTS.append(" ".join(str(p) for p in parts))


def get_model():
    model = keras.Sequential()
    model.add(keras.layers.Dense(1))

    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
        loss="mean_squared_error",
        metrics=["mean_absolute_error"],
    )
    model.build((None, 784))  # harness: create weights before seeding
    model.set_weights([np.random.RandomState(1).normal(0, 0.01, (784, 1)).astype("float32"),
                       np.zeros(1, "float32")])  # harness:
    return model


# Load example MNIST data and pre-process it
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(64, 28, 28)).astype("uint8")  # synthetic MNIST
y_train = rng.randint(0, 10, size=(64,)).astype("uint8")
x_test = rng.randint(0, 256, size=(48, 28, 28)).astype("uint8")  # 48: see the note at the end
y_test = rng.randint(0, 10, size=(48,)).astype("uint8")
x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
x_test = x_test.reshape(-1, 784).astype("float32") / 255.0

# Limit the data to 1000 samples
x_train = x_train[:1000]
y_train = y_train[:1000]
x_test = x_test[:1000]
y_test = y_test[:1000]


class CustomCallback(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        keys = list(logs.keys())
        log("Starting training; got log keys: {}".format(keys))

    def on_train_end(self, logs=None):
        keys = list(logs.keys())
        log("Stop training; got log keys: {}".format(keys))

    def on_epoch_begin(self, epoch, logs=None):
        keys = list(logs.keys())
        log("Start epoch {} of training; got log keys: {}".format(epoch, keys))

    def on_epoch_end(self, epoch, logs=None):
        keys = list(logs.keys())
        log("End epoch {} of training; got log keys: {}".format(epoch, keys))

    def on_test_begin(self, logs=None):
        keys = list(logs.keys())
        log("Start testing; got log keys: {}".format(keys))

    def on_test_end(self, logs=None):
        keys = list(logs.keys())
        log("Stop testing; got log keys: {}".format(keys))

    def on_predict_begin(self, logs=None):
        keys = list(logs.keys())
        log("Start predicting; got log keys: {}".format(keys))

    def on_predict_end(self, logs=None):
        keys = list(logs.keys())
        log("Stop predicting; got log keys: {}".format(keys))

    def on_train_batch_begin(self, batch, logs=None):
        keys = list(logs.keys())
        log("...Training: start of batch {}; got log keys: {}".format(batch, keys))

    def on_train_batch_end(self, batch, logs=None):
        keys = list(logs.keys())
        log("...Training: end of batch {}; got log keys: {}".format(batch, keys))

    def on_test_batch_begin(self, batch, logs=None):
        keys = list(logs.keys())
        log("...Evaluating: start of batch {}; got log keys: {}".format(batch, keys))

    def on_test_batch_end(self, batch, logs=None):
        keys = list(logs.keys())
        log("...Evaluating: end of batch {}; got log keys: {}".format(batch, keys))

    def on_predict_batch_begin(self, batch, logs=None):
        keys = list(logs.keys())
        log("...Predicting: start of batch {}; got log keys: {}".format(batch, keys))

    def on_predict_batch_end(self, batch, logs=None):
        keys = list(logs.keys())
        log("...Predicting: end of batch {}; got log keys: {}".format(batch, keys))


model = get_model()
model.fit(
    x_train,
    y_train,
    batch_size=16,
    epochs=1,
    verbose=0,
    validation_split=0.5,
    callbacks=[CustomCallback()],
)

res = model.evaluate(
    x_test, y_test, batch_size=16, verbose=0, callbacks=[CustomCallback()]
)

res = model.predict(x_test, batch_size=16, callbacks=[CustomCallback()], verbose=0)
RESULTS["custom_events"] = EVENTS[:]
RESULTS["custom_predict_shape"] = str(res.shape)
EVENTS.clear()


class LossAndErrorPrintingCallback(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        log(
            "Up to batch {}, the average loss is {:7.4f}.".format(batch, logs["loss"])
        )

    def on_test_batch_end(self, batch, logs=None):
        log(
            "Up to batch {}, the average loss is {:7.4f}.".format(batch, logs["loss"])
        )

    def on_epoch_end(self, epoch, logs=None):
        log(
            "The average loss for epoch {} is {:7.4f} "
            "and mean absolute error is {:7.4f}.".format(
                epoch, logs["loss"], logs["mean_absolute_error"]
            )
        )


model = get_model()
h = model.fit(
    x_train,
    y_train,
    batch_size=16,
    epochs=2,
    verbose=0,
    shuffle=False,  # harness:
    callbacks=[LossAndErrorPrintingCallback()],
)

res = model.evaluate(
    x_test,
    y_test,
    batch_size=16,
    verbose=0,
    callbacks=[LossAndErrorPrintingCallback()],
)
RESULTS["printing_events"] = EVENTS[:]
RESULTS["printing_hist_loss"] = h.history["loss"]
RESULTS["printing_hist_mae"] = h.history["mean_absolute_error"]
RESULTS["printing_eval"] = res
EVENTS.clear()


class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
    """Stop training when the loss is at its min, i.e. the loss stops decreasing.

    Arguments:
        patience: Number of epochs to wait after min has been hit. After this
        number of no improvement, training stops.
    """

    def __init__(self, patience=0):
        super().__init__()
        self.patience = patience
        # best_weights to store the weights at which the minimum loss occurs.
        self.best_weights = None

    def on_train_begin(self, logs=None):
        # The number of epoch it has waited when loss is no longer minimum.
        self.wait = 0
        # The epoch the training stops at.
        self.stopped_epoch = 0
        # Initialize the best as infinity.
        self.best = np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get("loss")
        if np.less(current, self.best):
            self.best = current
            self.wait = 0
            # Record the best weights if current results is better (less).
            self.best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
                log("Restoring model weights from the end of the best epoch.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0:
            log(f"Epoch {self.stopped_epoch + 1}: early stopping")


model = get_model()
es = EarlyStoppingAtMinLoss()
h = model.fit(
    x_train,
    y_train,
    batch_size=16,
    steps_per_epoch=2,
    epochs=30,
    verbose=0,
    shuffle=False,  # harness:
    callbacks=[LossAndErrorPrintingCallback(), es],
)
RESULTS["early_events"] = EVENTS[:]
RESULTS["early_stopped_epoch"] = es.stopped_epoch
RESULTS["early_best"] = float(es.best)
RESULTS["early_hist_loss"] = h.history["loss"]
RESULTS["early_final_weights"] = model.get_weights()[0][:6, 0]
RESULTS["early_restored"] = int(all(np.array_equal(a, b) for a, b in
                                    zip(model.get_weights(), es.best_weights)))
EVENTS.clear()


class CustomLearningRateScheduler(keras.callbacks.Callback):
    """Learning rate scheduler which sets the learning rate according to schedule.

    Arguments:
        schedule: a function that takes an epoch index
            (integer, indexed from 0) and current learning rate
            as inputs and returns a new learning rate as output (float).
    """

    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self.model.optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        # Get the current learning rate from model's optimizer.
        lr = self.model.optimizer.learning_rate
        # Call schedule function to get the scheduled learning rate.
        scheduled_lr = self.schedule(epoch, lr)
        # Set the value back to the optimizer before this epoch starts
        self.model.optimizer.learning_rate = scheduled_lr
        log(f"\nEpoch {epoch}: Learning rate is {float(np.array(scheduled_lr)):.6f}.")


LR_SCHEDULE = [
    # (epoch to start, learning rate) tuples
    (3, 0.05),
    (6, 0.01),
    (9, 0.005),
    (12, 0.001),
]


def lr_schedule(epoch, lr):
    """Helper function to retrieve the scheduled learning rate based on epoch."""
    if epoch < LR_SCHEDULE[0][0] or epoch > LR_SCHEDULE[-1][0]:
        return lr
    for i in range(len(LR_SCHEDULE)):
        if epoch == LR_SCHEDULE[i][0]:
            return LR_SCHEDULE[i][1]
    return lr


model = get_model()
h = model.fit(
    x_train,
    y_train,
    batch_size=32,
    epochs=15,
    verbose=0,
    shuffle=False,  # harness:
    callbacks=[
        LossAndErrorPrintingCallback(),
        CustomLearningRateScheduler(lr_schedule),
    ],
)
RESULTS["lr_events"] = [e for e in EVENTS if "Learning rate" in e]
RESULTS["lr_hist_loss"] = h.history["loss"]
RESULTS["lr_hist_keys"] = sorted(h.history)
RESULTS["lr_final"] = float(np.array(model.optimizer.learning_rate))
RTOL = 2e-4
# harness note: 48 test samples (whole batches of 16). With a partial last batch, labels of
# shape (n,) and predictions (n, 1), keraton's "mean_absolute_error" averages batch means
# (tf.keras 2's squeeze in MeanMetricWrapper) where Keras 3 averages samples.
