"""keras.io example "Metric learning for image similarity search" (examples/vision/metric_learning.py).

``AnchorPositivePairs``, a ``keras.utils.Sequence`` (PyDataset) yielding
anchor/positive batches; ``EmbeddingModel``, a functional ``keras.Model``
subclass whose ``train_step`` embeds both halves, scores them with
``ops.einsum``, computes ``self.compute_loss`` against ``ops.arange`` labels and
walks ``self.metrics`` (loss tracker vs compiled metrics), written the torch way
(``zero_grad``, ``backward``, ``optimizer.apply``); the convolutional embedder
ending in ``UnitNormalization``; then the nearest-neighbour confusion matrix
from ``predict``. ``random.choice`` uses a seeded ``random.Random`` (``#
harness:``). Synthetic CIFAR-10 at 12x12, small widths.
"""

import random
from collections import defaultdict

import numpy as np
import torch
import keras
from keras import layers

RESULTS = {}
_random = random.Random(4)  # harness: seeded stand-in for the global random module

"""
## Dataset (synthetic)
"""

rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(40, 12, 12, 3)).astype("uint8")
y_train = (np.arange(40) % 10).reshape(40, 1).astype("uint8")
x_test = rng.randint(0, 256, size=(20, 12, 12, 3)).astype("uint8")
y_test = (np.arange(20) % 10).reshape(20, 1).astype("uint8")
x_train = x_train.astype("float32") / 255.0
y_train = np.squeeze(y_train)
x_test = x_test.astype("float32") / 255.0
y_test = np.squeeze(y_test)

height_width = 12  # harness: 32

class_idx_to_train_idxs = defaultdict(list)
for y_train_idx, y in enumerate(y_train):
    class_idx_to_train_idxs[y].append(y_train_idx)

class_idx_to_test_idxs = defaultdict(list)
for y_test_idx, y in enumerate(y_test):
    class_idx_to_test_idxs[y].append(y_test_idx)

num_classes = 10


class AnchorPositivePairs(keras.utils.Sequence):
    def __init__(self, num_batches):
        super().__init__()
        self.n_batches = num_batches  # harness: `num_batches` is a read-only PyDataset property in Keras 3.15

    def __len__(self):
        return self.n_batches

    def __getitem__(self, _idx):
        x = np.empty((2, num_classes, height_width, height_width, 3), dtype=np.float32)
        for class_idx in range(num_classes):
            examples_for_class = class_idx_to_train_idxs[class_idx]
            anchor_idx = _random.choice(examples_for_class)
            positive_idx = _random.choice(examples_for_class)
            while positive_idx == anchor_idx:
                positive_idx = _random.choice(examples_for_class)
            x[0, class_idx] = x_train[anchor_idx]
            x[1, class_idx] = x_train[positive_idx]
        return x


"""
## Embedding model
"""


class EmbeddingModel(keras.Model):
    def train_step(self, data):
        # Note: Workaround for open issue, to be removed.
        if isinstance(data, (tuple, list)):  # harness: Keras 3.15 (torch) passes a list [x]
            data = data[0]
        anchors, positives = data[0], data[1]

        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        # Run both anchors and positives through model.
        anchor_embeddings = self(anchors, training=True)
        positive_embeddings = self(positives, training=True)

        # Calculate cosine similarity between anchors and positives. As they have
        # been normalised this is just the pair wise dot products.
        similarities = keras.ops.einsum(
            "ae,pe->ap", anchor_embeddings, positive_embeddings
        )

        # Since we intend to use these as logits we scale them by a temperature.
        # This value would normally be chosen as a hyper parameter.
        temperature = 0.2
        similarities /= temperature

        # We use these similarities as logits for a softmax. The labels for
        # this call are just the sequence [0, 1, 2, ..., num_classes] since we
        # want the main diagonal values, which correspond to the anchor/positive
        # pairs, to be high. This loss will move embeddings for the
        # anchor/positive pairs together and move all other pairs apart.
        sparse_labels = keras.ops.arange(num_classes)
        loss = self.compute_loss(y=sparse_labels, y_pred=similarities)

        # Calculate gradients and apply via optimizer.
        loss.backward()
        trainable_variables = [v for v in self.trainable_variables]
        gradients = [v.value.grad for v in trainable_variables]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_variables)

        # Update and return metrics (specifically the one for the loss value).
        for metric in self.metrics:
            # Calling `self.compile` will by default add a [`keras.metrics.Mean`] loss
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(sparse_labels, similarities)

        return {m.name: m.result() for m in self.metrics}


inputs = layers.Input(shape=(height_width, height_width, 3))
x = layers.Conv2D(filters=8, kernel_size=3, strides=2, activation="relu")(inputs)  # harness: 32
x = layers.Conv2D(filters=8, kernel_size=3, strides=2, activation="relu")(x)  # harness: 64
x = layers.Conv2D(filters=16, kernel_size=2, strides=1, activation="relu")(x)  # harness: 128, 3, 2
x = layers.GlobalAveragePooling2D()(x)
embeddings = layers.Dense(units=8, activation=None)(x)
embeddings = keras.layers.UnitNormalization()(embeddings)

model = EmbeddingModel(inputs, embeddings)
# harness: equal initial weights on both sides
_rs = np.random.RandomState(1)
model.set_weights([_rs.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])
RESULTS["count_params"] = model.count_params()
RESULTS["layer_types"] = [type(layer).__name__ for layer in model.layers]

model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
)

# harness: build the compiled loss first; Keras 3.15 (torch) fit would otherwise trace the model
# on the (2, classes, h, w, 3) pair batch to build it and fail the input-shape check.
model.compute_loss(y=keras.ops.arange(num_classes), y_pred=keras.ops.zeros((num_classes, num_classes)))
history = model.fit(AnchorPositivePairs(num_batches=4), epochs=2, verbose=0)  # harness: 1000, 20
RESULTS["hist_keys"] = sorted(history.history)
RESULTS["loss"] = history.history["loss"]

"""
## Testing
"""

near_neighbours_per_example = 3  # harness: 10

embeddings = model.predict(x_test, verbose=0)
gram_matrix = np.einsum("ae,be->ab", embeddings, embeddings)
near_neighbours = np.argsort(gram_matrix.T)[:, -(near_neighbours_per_example + 1) :]
RESULTS["embeddings"] = embeddings[:6]
RESULTS["gram"] = gram_matrix[:5, :5]

confusion_matrix = np.zeros((num_classes, num_classes))

# For each class.
for class_idx in range(num_classes):
    # Consider 10 examples.
    example_idxs = class_idx_to_test_idxs[class_idx][:10]
    for y_test_idx in example_idxs:
        # And count the classes of its near neighbours.
        for nn_idx in near_neighbours[y_test_idx][:-1]:
            nn_class_idx = y_test[nn_idx]
            confusion_matrix[class_idx, nn_class_idx] += 1
RESULTS["confusion_total"] = confusion_matrix.sum()
RESULTS["confusion_diag"] = np.trace(confusion_matrix)
RTOL, ATOL = 1e-4, 1e-4
