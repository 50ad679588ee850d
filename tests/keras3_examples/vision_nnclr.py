"""keras.io example "Self-supervised contrastive learning with NNCLR" (examples/vision/nnclr.py).

``NNCLR``, a subclassed model with two augmenter Sequentials, a conv encoder,
projection head and linear probe; a non-trainable ``keras.Variable`` feature
queue (initialised with ``keras.utils.normalize``) read by a nearest-neighbour
lookup (``ops.argmax``/``ops.take``/``stop_gradient``) and updated with
``assign`` inside the loss; contrastive and cross-correlation accuracies as
``SparseCategoricalAccuracy`` on similarity matrices; a two-optimizer
``train_step`` calling the sub-models without ``training=`` (inference mode,
as in Keras 3) and returning raw loss tensors; ``compile(..., jit_compile=False)``;
then fine-tuning in a Sequential. Harness changes: the ``tf.GradientTape``
steps written the torch way, the example's ``ops.tranpose`` typo as
``ops.transpose``, ``keras_cv``'s ``RandomCropAndResize`` left out and its
``RandomBrightness`` as ``keras.layers.RandomBrightness`` with factor 0,
left-right symmetric images (the augmenters are then the identity), the queue
seeded from numpy, a numpy ``PyDataset`` in place of the zipped ``tf.data``
datasets, tiny sizes; synthetic 32x32 STL-10.
"""

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Hyperparameters
"""

AUTOTUNE = None  # harness: tf.data.AUTOTUNE
shuffle_buffer = 5000
labelled_train_images = 16  # harness: 5000
unlabelled_images = 32  # harness: 100000

temperature = 0.1
queue_size = 40  # harness: 10000
contrastive_augmenter = {
    "brightness": 0.0,  # harness: 0.5
    "name": "contrastive_augmenter",
    "scale": (0.2, 1.0),
}
classification_augmenter = {
    "brightness": 0.0,  # harness: 0.2
    "name": "classification_augmenter",
    "scale": (0.5, 1.0),
}
input_shape = (32, 32, 3)  # harness: (96, 96, 3)
width = 16  # harness: 128
num_epochs = 2  # harness: 25
steps_per_epoch = 2  # harness: 200

"""
## Load the Dataset
"""

rng = np.random.RandomState(0)


def symmetric_images(n):  # harness: left-right symmetric (RandomFlip is the identity)
    half = rng.randint(0, 256, size=(n, input_shape[0], input_shape[1] // 2, 3))
    return np.concatenate([half, half[:, :, ::-1]], axis=2).astype("float32")


unlabeled_images = symmetric_images(unlabelled_images)
labeled_images = symmetric_images(labelled_train_images)
labels = rng.randint(0, 10, size=(labelled_train_images,))
test_images = symmetric_images(12)
test_labels = rng.randint(0, 10, size=(12,))

unlabeled_batch_size = unlabelled_images // steps_per_epoch
labeled_batch_size = labelled_train_images // steps_per_epoch
batch_size = unlabeled_batch_size + labeled_batch_size


class ZippedDataset(keras.utils.PyDataset):  # harness: in place of tf.data.Dataset.zip
    def __len__(self):
        return steps_per_epoch

    def __getitem__(self, i):
        u = slice(i * unlabeled_batch_size, (i + 1) * unlabeled_batch_size)
        b = slice(i * labeled_batch_size, (i + 1) * labeled_batch_size)
        return (unlabeled_images[u], np.zeros(unlabeled_batch_size, "int64")), (
            labeled_images[b], labels[b])


train_dataset = ZippedDataset()

"""
### Prepare augmentation module
"""


def augmenter(brightness, name, scale):
    return keras.Sequential(
        [
            layers.Input(shape=input_shape),
            layers.Rescaling(1 / 255),
            layers.RandomFlip("horizontal"),
            # harness: keras_cv.layers.RandomCropAndResize(target_size, crop_area_factor=scale,
            # aspect_ratio_factor=(3 / 4, 4 / 3)) left out (keras_cv)
            layers.RandomBrightness(factor=brightness, value_range=(0.0, 1.0)),  # harness: keras_cv
        ],
        name=name,
    )


"""
### Encoder architecture
"""


def encoder():
    return keras.Sequential(
        [
            layers.Input(shape=input_shape),
            layers.Conv2D(width, kernel_size=3, strides=2, activation="relu"),
            layers.Conv2D(width, kernel_size=3, strides=2, activation="relu"),
            layers.Conv2D(width, kernel_size=3, strides=2, activation="relu"),
            layers.Conv2D(width, kernel_size=3, strides=2, activation="relu"),
            layers.Flatten(),
            layers.Dense(width, activation="relu"),
        ],
        name="encoder",
    )


"""
## The NNCLR model for contrastive pre-training
"""


class NNCLR(keras.Model):
    def __init__(
        self,
        temperature,
        queue_size,
    ):
        super().__init__()
        self.probe_accuracy = keras.metrics.SparseCategoricalAccuracy()
        self.correlation_accuracy = keras.metrics.SparseCategoricalAccuracy()
        self.contrastive_accuracy = keras.metrics.SparseCategoricalAccuracy()
        self.probe_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

        self.contrastive_augmenter = augmenter(**contrastive_augmenter)
        self.classification_augmenter = augmenter(**classification_augmenter)
        self.encoder = encoder()
        self.projection_head = keras.Sequential(
            [
                layers.Input(shape=(width,)),
                layers.Dense(width, activation="relu"),
                layers.Dense(width),
            ],
            name="projection_head",
        )
        self.linear_probe = keras.Sequential(
            [layers.Input(shape=(width,)), layers.Dense(10)], name="linear_probe"
        )
        self.temperature = temperature

        feature_dimensions = self.encoder.output_shape[1]
        self.feature_queue = keras.Variable(
            keras.utils.normalize(
                keras.random.normal(shape=(queue_size, feature_dimensions)),
                axis=1,
                order=2,
            ),
            trainable=False,
        )

    def compile(self, contrastive_optimizer, probe_optimizer, **kwargs):
        super().compile(**kwargs)
        self.contrastive_optimizer = contrastive_optimizer
        self.probe_optimizer = probe_optimizer

    def nearest_neighbour(self, projections):
        support_similarities = ops.matmul(projections, ops.transpose(self.feature_queue))
        nn_projections = ops.take(
            self.feature_queue, ops.argmax(support_similarities, axis=1), axis=0
        )
        return projections + ops.stop_gradient(nn_projections - projections)

    def update_contrastive_accuracy(self, features_1, features_2):
        features_1 = keras.utils.normalize(features_1, axis=1, order=2)
        features_2 = keras.utils.normalize(features_2, axis=1, order=2)
        similarities = ops.matmul(features_1, ops.transpose(features_2))
        batch_size = ops.shape(features_1)[0]
        contrastive_labels = ops.arange(batch_size)
        self.contrastive_accuracy.update_state(
            ops.concatenate([contrastive_labels, contrastive_labels], axis=0),
            ops.concatenate([similarities, ops.transpose(similarities)], axis=0),
        )

    def update_correlation_accuracy(self, features_1, features_2):
        features_1 = (features_1 - ops.mean(features_1, axis=0)) / ops.std(
            features_1, axis=0
        )
        features_2 = (features_2 - ops.mean(features_2, axis=0)) / ops.std(
            features_2, axis=0
        )

        batch_size = ops.shape(features_1)[0]
        cross_correlation = (
            ops.matmul(ops.transpose(features_1), features_2) / batch_size
        )

        feature_dim = ops.shape(features_1)[1]
        correlation_labels = ops.arange(feature_dim)
        self.correlation_accuracy.update_state(
            ops.concatenate([correlation_labels, correlation_labels], axis=0),
            ops.concatenate(
                [cross_correlation, ops.transpose(cross_correlation)], axis=0
            ),
        )

    def contrastive_loss(self, projections_1, projections_2):
        projections_1 = keras.utils.normalize(projections_1, axis=1, order=2)
        projections_2 = keras.utils.normalize(projections_2, axis=1, order=2)

        similarities_1_2_1 = (
            ops.matmul(
                self.nearest_neighbour(projections_1), ops.transpose(projections_2)
            )
            / self.temperature
        )
        similarities_1_2_2 = (
            ops.matmul(
                projections_2, ops.transpose(self.nearest_neighbour(projections_1))
            )
            / self.temperature
        )

        similarities_2_1_1 = (  #
            ops.matmul(
                self.nearest_neighbour(projections_2), ops.transpose(projections_1)
            )
            / self.temperature
        )
        similarities_2_1_2 = (
            ops.matmul(
                projections_1, ops.transpose(self.nearest_neighbour(projections_2))
            )
            / self.temperature
        )

        batch_size = ops.shape(projections_1)[0]
        contrastive_labels = ops.arange(batch_size)
        loss = keras.losses.sparse_categorical_crossentropy(
            ops.concatenate(
                [
                    contrastive_labels,
                    contrastive_labels,
                    contrastive_labels,
                    contrastive_labels,
                ],
                axis=0,
            ),
            ops.concatenate(
                [
                    similarities_1_2_1,
                    similarities_1_2_2,
                    similarities_2_1_1,
                    similarities_2_1_2,
                ],
                axis=0,
            ),
            from_logits=True,
        )

        self.feature_queue.assign(
            ops.concatenate([projections_1, self.feature_queue[:-batch_size]], axis=0)
        )
        return loss

    def train_step(self, data):
        (unlabeled_images, _), (labeled_images, labels) = data
        images = ops.concatenate((unlabeled_images, labeled_images), axis=0)
        augmented_images_1 = self.contrastive_augmenter(images)
        augmented_images_2 = self.contrastive_augmenter(images)

        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        features_1 = self.encoder(augmented_images_1)
        features_2 = self.encoder(augmented_images_2)
        projections_1 = self.projection_head(features_1)
        projections_2 = self.projection_head(features_2)
        contrastive_loss = self.contrastive_loss(projections_1, projections_2)
        ops.sum(contrastive_loss).backward()  # torch: tape.gradient of a vector sums it
        weights = self.encoder.trainable_weights + self.projection_head.trainable_weights
        gradients = [v.value.grad for v in weights]
        with torch.no_grad():
            self.contrastive_optimizer.apply(gradients, weights)
        self.update_contrastive_accuracy(features_1, features_2)
        self.update_correlation_accuracy(features_1, features_2)
        preprocessed_images = self.classification_augmenter(labeled_images)

        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        features = self.encoder(preprocessed_images)
        class_logits = self.linear_probe(features)
        probe_loss = self.probe_loss(labels, class_logits)
        probe_loss.backward()
        gradients = [v.value.grad for v in self.linear_probe.trainable_weights]
        with torch.no_grad():
            self.probe_optimizer.apply(gradients, self.linear_probe.trainable_weights)
        self.probe_accuracy.update_state(labels, class_logits)

        return {
            "c_loss": ops.mean(contrastive_loss),  # harness: the per-sample vector, averaged
            "c_acc": self.contrastive_accuracy.result(),
            "r_acc": self.correlation_accuracy.result(),
            "p_loss": probe_loss,
            "p_acc": self.probe_accuracy.result(),
        }

    def test_step(self, data):
        labeled_images, labels = data

        preprocessed_images = self.classification_augmenter(
            labeled_images, training=False
        )
        features = self.encoder(preprocessed_images, training=False)
        class_logits = self.linear_probe(features, training=False)
        probe_loss = self.probe_loss(labels, class_logits)

        self.probe_accuracy.update_state(labels, class_logits)
        return {"p_loss": probe_loss, "p_acc": self.probe_accuracy.result()}


"""
## Pre-train NNCLR
"""


def seed_weights(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])


model = NNCLR(temperature=temperature, queue_size=queue_size)
model.compile(
    contrastive_optimizer=keras.optimizers.Adam(),
    probe_optimizer=keras.optimizers.Adam(),
    jit_compile=False,
)
model.built = True  # harness: Keras 3.15 (torch) would otherwise call the call()-less model
seed_weights(model.encoder, 1)  # harness:
seed_weights(model.projection_head, 2)  # harness:
seed_weights(model.linear_probe, 3)  # harness:
_queue = np.random.RandomState(4).normal(size=(queue_size, width)).astype("float32")  # harness:
model.feature_queue.assign(_queue / np.linalg.norm(_queue, axis=1, keepdims=True))  # harness:
RESULTS["queue_shape"] = list(model.feature_queue.shape)
RESULTS["queue_trainable"] = bool(model.feature_queue.trainable)
RESULTS["n_non_trainable_model_weights"] = len(model.non_trainable_weights)

pretrain_history = model.fit(
    train_dataset, epochs=num_epochs, validation_data=(test_images, test_labels),
    shuffle=False, verbose=0,  # harness: numpy; PyDataset batches are otherwise shuffled
)
RESULTS["pretrain_keys"] = sorted(pretrain_history.history)
for k, v in pretrain_history.history.items():
    RESULTS["pretrain_" + k] = v
RESULTS["queue_head"] = ops.convert_to_numpy(model.feature_queue)[:2]
"""
## Evaluate our model
"""

finetuning_model = keras.Sequential(
    [
        layers.Input(shape=input_shape),
        augmenter(**classification_augmenter),
        model.encoder,
        layers.Dense(10),
    ],
    name="finetuning_model",
)
finetuning_model.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
    jit_compile=False,
)
seed_weights(finetuning_model.layers[-1], 5)  # harness:

finetuning_history = finetuning_model.fit(
    labeled_images, labels, batch_size=labeled_batch_size, epochs=num_epochs,
    validation_data=(test_images, test_labels), shuffle=False, verbose=0,  # harness: numpy
)
for k, v in finetuning_history.history.items():
    RESULTS["finetuning_" + k] = v
RESULTS["finetuning_predictions"] = finetuning_model.predict(test_images[:2], verbose=0)
