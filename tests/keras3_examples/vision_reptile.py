"""keras.io example "Few-Shot learning with Reptile" (examples/vision/reptile.py).

The example's ``conv_bn`` model (``Conv2D`` strides 2, ``BatchNormalization``,
``ReLU``, ``Flatten``, softmax ``Dense``), ``model.compile()`` with no
arguments, an ``SGD`` optimizer used by hand, and the Reptile meta-loop:
``get_weights`` before the inner steps, interpolation of the new weights with
the meta step size and ``set_weights``, then evaluation by a few inner steps
on support images, ``predict`` on query images and a weight restore. The
``tf.GradientTape`` steps are written the torch way (``zero_grad``, the
per-sample ``sparse_categorical_crossentropy`` summed as the tape does,
``backward``, ``optimizer.apply`` under ``torch.no_grad()``). The Omniglot
``Dataset`` (tfds) is a numpy stand-in with ``get_mini_dataset`` returning
lists of batches; sampling uses a seeded numpy stream (``# harness:``).
"""

import numpy as np
import torch
import keras
from keras import layers, ops

RESULTS = {}

learning_rate = 0.003
meta_step_size = 0.25

inner_batch_size = 10  # harness: 25
eval_batch_size = 10  # harness: 25

meta_iters = 3  # harness: 2000
eval_iters = 2  # harness: 5
inner_iters = 2  # harness: 4

eval_interval = 1
train_shots = 4  # harness: 20
shots = 2  # harness: 5
classes = 5

sample_rs = np.random.RandomState(0)  # harness: random.sample / np.random.shuffle streams


class Dataset:  # harness: numpy stand-in for the tfds-based Omniglot Dataset
    def __init__(self, training):
        rs = np.random.RandomState(1 if training else 2)
        self.data = {label: rs.randint(0, 2, size=(6, 14, 14, 1)).astype("float32")
                     for label in range(12)}
        self.labels = list(self.data.keys())

    def get_mini_dataset(self, batch_size, repetitions, shots, num_classes, split=False):
        temp_labels = np.zeros(shape=(num_classes * shots))
        temp_images = np.zeros(shape=(num_classes * shots, 14, 14, 1))
        if split:
            test_labels = np.zeros(shape=(num_classes))
            test_images = np.zeros(shape=(num_classes, 14, 14, 1))

        # Get a random subset of labels from the entire label set.
        label_subset = sample_rs.choice(self.labels, num_classes, replace=False)
        for class_idx, class_obj in enumerate(label_subset):
            # Use enumerated index value as a temporary label for mini-batch in
            # few shot learning.
            temp_labels[class_idx * shots : (class_idx + 1) * shots] = class_idx
            # If creating a split dataset for testing, select an extra sample from each
            # label to create the test dataset.
            if split:
                test_labels[class_idx] = class_idx
                images_to_split = self.data[class_obj][sample_rs.permutation(6)[: shots + 1]]
                test_images[class_idx] = images_to_split[-1]
                temp_images[class_idx * shots : (class_idx + 1) * shots] = images_to_split[:-1]
            else:
                # For each index in the randomly selected label_subset, sample the
                # necessary number of images.
                temp_images[class_idx * shots : (class_idx + 1) * shots] = self.data[class_obj][
                    sample_rs.permutation(6)[:shots]]

        order = np.concatenate([sample_rs.permutation(len(temp_labels)) for _ in range(repetitions)])
        batches = [(temp_images[order[i : i + batch_size]].astype("float32"),
                    temp_labels[order[i : i + batch_size]].astype("int32"))
                   for i in range(0, len(order), batch_size)]
        if split:
            return batches, test_images.astype("float32"), test_labels.astype("int32")
        return batches


train_dataset = Dataset(training=True)
test_dataset = Dataset(training=False)

"""
## Build the model
"""


def conv_bn(x):
    x = layers.Conv2D(filters=8, kernel_size=3, strides=2, padding="same")(x)  # harness: 64
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


inputs = layers.Input(shape=(14, 14, 1))  # harness: 28x28
x = conv_bn(inputs)
x = conv_bn(x)
x = conv_bn(x)
x = conv_bn(x)
x = layers.Flatten()(x)
outputs = layers.Dense(classes, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile()
optimizer = keras.optimizers.SGD(learning_rate=learning_rate)

rs = np.random.RandomState(3)  # harness: equal initial weights (moving variances positive)
model.set_weights([np.abs(rs.normal(0, 0.3, w.shape)).astype("float32") + 0.5
                   if "variance" in v.name else rs.normal(0, 0.3, w.shape).astype("float32")
                   for v, w in zip(model.weights, model.get_weights())])
RESULTS["params"] = model.count_params()
RESULTS["trainable_count"] = len(model.trainable_weights)
RESULTS["non_trainable_count"] = len(model.non_trainable_weights)


def inner_step(images, labels):  # harness: the example's GradientTape block, the torch way
    model.zero_grad()
    preds = model(images)
    loss = keras.losses.sparse_categorical_crossentropy(labels, preds)
    ops.sum(loss).backward()  # tape.gradient of a vector loss differentiates its sum
    grads = [v.value.grad for v in model.trainable_weights]
    with torch.no_grad():
        optimizer.apply(grads, model.trainable_weights)
    return float(ops.convert_to_numpy(ops.mean(loss)))


"""
## Train the model
"""

training = []
testing = []
inner_losses = []
for meta_iter in range(meta_iters):
    frac_done = meta_iter / meta_iters
    cur_meta_step_size = (1 - frac_done) * meta_step_size
    # Temporarily save the weights from the model.
    old_vars = model.get_weights()
    # Get a sample from the full dataset.
    mini_dataset = train_dataset.get_mini_dataset(inner_batch_size, inner_iters, train_shots, classes)
    for images, labels in mini_dataset:
        inner_losses.append(inner_step(images, labels))
    new_vars = model.get_weights()
    # Perform SGD for the meta step.
    for var in range(len(new_vars)):
        new_vars[var] = old_vars[var] + ((new_vars[var] - old_vars[var]) * cur_meta_step_size)
    # After the meta-learning step, reload the newly-trained weights into the model.
    model.set_weights(new_vars)
    # Evaluation loop
    if meta_iter % eval_interval == 0:
        accuracies = []
        for dataset in (train_dataset, test_dataset):
            # Sample a mini dataset from the full dataset.
            train_set, test_images, test_labels = dataset.get_mini_dataset(
                eval_batch_size, eval_iters, shots, classes, split=True
            )
            old_vars = model.get_weights()
            # Train on the samples and get the resulting accuracies.
            for images, labels in train_set:
                inner_losses.append(inner_step(images, labels))
            test_preds = model.predict(test_images, verbose=0)
            test_preds = ops.convert_to_numpy(ops.argmax(test_preds, axis=-1))  # harness: axis
            num_correct = (test_preds == test_labels).sum()
            # Reset the weights after getting the evaluation accuracies.
            model.set_weights(old_vars)
            accuracies.append(num_correct / classes)
        training.append(accuracies[0])
        testing.append(accuracies[1])

RESULTS["inner_losses"] = inner_losses
RESULTS["training_acc"] = training
RESULTS["testing_acc"] = testing
RESULTS["optimizer_iterations"] = int(optimizer.iterations)
RESULTS["dense_kernel"] = model.get_weights()[-2][:6, 0]
RESULTS["bn_moving_mean"] = model.get_weights()[4]
RESULTS["predict"] = model.predict(test_dataset.data[0][:2], verbose=0)
RTOL, ATOL = 2e-4, 1e-5
