"""keras.io examples/keras_recipes/endpoint_layer_pattern.py (Keras 3).

An "endpoint" layer that takes logits, targets and sample weights, calls
``self.add_loss`` with a ``BinaryCrossentropy(from_logits=True)`` loss and
updates a ``BinaryAccuracy`` metric it holds; a functional model with three
named inputs compiled with only an optimizer and fit on a dict of arrays;
then an inference model without targets sharing the weights via
``set_weights(model.get_weights()[:2])``. Smaller arrays (``np.random`` seeded).
"""

import numpy as np
import keras
from keras import ops

RESULTS = {}

"""
## Usage of endpoint layers in the Functional API
"""


class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_metric = keras.metrics.BinaryAccuracy(name="accuracy")

    def call(self, logits, targets=None, sample_weight=None):
        if targets is not None:
            # Compute the training-time loss value and add it
            # to the layer using `self.add_loss()`.
            loss = self.loss_fn(targets, logits, sample_weight)
            self.add_loss(loss)

            # Log the accuracy as a metric (we could log arbitrary metrics,
            # including different metrics for training and inference.)
            self.accuracy_metric.update_state(targets, logits, sample_weight)

        # Return the inference-time prediction tensor (for `.predict()`).
        return ops.softmax(logits)


inputs = keras.Input((764,), name="inputs")
logits = keras.layers.Dense(1)(inputs)
targets = keras.Input((1,), name="targets")
sample_weight = keras.Input((1,), name="sample_weight")
preds = LogisticEndpoint()(logits, targets, sample_weight)
model = keras.Model([inputs, targets, sample_weight], preds)

np.random.seed(0)  # harness: seeded, 128 rows instead of 1000
data = {
    "inputs": np.random.random((128, 764)),
    "targets": np.random.random((128, 1)),
    "sample_weight": np.random.random((128, 1)),
}
rs = np.random.RandomState(1)  # harness: equal initial weights
model.set_weights([rs.normal(0, 0.05, w.shape).astype("float32") for w in model.get_weights()])  # harness:

model.compile(keras.optimizers.Adam(1e-3))
history = model.fit(data, epochs=2, batch_size=32, shuffle=False, verbose=0)  # harness: batch, shuffle, verbose
RESULTS["history_keys"] = sorted(history.history)
RESULTS["loss"] = history.history["loss"]
RESULTS["model_input_names"] = [t.name for t in model.inputs]
RESULTS["n_losses"] = len(model.losses)
RESULTS["endpoint_accuracy"] = float(model.layers[-1].accuracy_metric.result())
RESULTS["evaluate"] = model.evaluate(data, batch_size=32, verbose=0)

"""
## Exporting an inference-only model
"""

inputs = keras.Input((764,), name="inputs")
logits = keras.layers.Dense(1)(inputs)
preds = LogisticEndpoint()(logits, targets=None, sample_weight=None)
inference_model = keras.Model(inputs, preds)

inference_model.set_weights(model.get_weights()[:2])

batch_preds = inference_model.predict(np.random.random((16, 764)), verbose=0)  # harness: 16 rows
RESULTS["batch_preds"] = batch_preds
RESULTS["inference_n_weights"] = len(inference_model.weights)
RESULTS["dense_kernel_sum"] = float(model.get_weights()[0].sum())
RTOL = 2e-4
