"""keras.io example "Semi-supervised image classification using contrastive pretraining with SimCLR"
(examples/vision/semisupervised_simclr.py).

The ``RandomColorAffine`` preprocessing layer (``call(images, training=True)``)
inside ``get_augmenter``'s Sequential (``Rescaling``, ``RandomFlip``,
``RandomTranslation``, ``RandomZoom``); the strided-conv encoder; the
supervised baseline; ``ContrastiveModel`` with its own
``compile(contrastive_optimizer, probe_optimizer)``, a ``metrics`` property of
four trackers, the NT-Xent ``contrastive_loss`` (with
``SparseCategoricalAccuracy`` on similarities), a two-optimizer ``train_step``
(the encoder run with ``training=False`` for the linear probe) and a
``test_step`` that logs ``metrics[2:]``; then fine-tuning the pretrained
encoder. The ``tf.GradientTape`` steps are written the torch way
(``zero_grad``, ``backward``, ``optimizer.apply`` under ``torch.no_grad``);
``tf`` ops in ``keras.ops``. Harness changes: augmentation strengths 0 and
left-right symmetric images (the augmenters are then the identity, results
independent of their draws), numpy ``PyDataset`` in place of the zipped
``tf.data`` datasets, small widths, 32x32 synthetic STL-10.
"""

import math

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Hyperparameter setup
"""
# Dataset hyperparameters
unlabeled_dataset_size = 32  # harness: 100000
labeled_dataset_size = 16  # harness: 5000
image_size = 32  # harness: 96
image_channels = 3

# Algorithm hyperparameters
num_epochs = 2  # harness: 20
batch_size = 24  # harness: 525
width = 16  # harness: 128
temperature = 0.1
# Stronger augmentations for contrastive, weaker ones for supervised training
# harness: strengths 0 (min_area 1.0) so that results do not depend on the random draws
contrastive_augmentation = {"min_area": 1.0, "brightness": 0.0, "jitter": 0.0}
classification_augmentation = {
    "min_area": 1.0,
    "brightness": 0.0,
    "jitter": 0.0,
}

"""
## Dataset
"""

rng = np.random.RandomState(0)


def symmetric_images(n):  # harness: left-right symmetric (RandomFlip is the identity)
    half = rng.randint(0, 256, size=(n, image_size, image_size // 2, image_channels))
    return np.concatenate([half, half[:, :, ::-1]], axis=2).astype("float32")


unlabeled_images = symmetric_images(unlabeled_dataset_size)
labeled_images = symmetric_images(labeled_dataset_size)
labels = rng.randint(0, 10, size=(labeled_dataset_size,))
test_images = symmetric_images(16)
test_labels = rng.randint(0, 10, size=(16,))

steps_per_epoch = (unlabeled_dataset_size + labeled_dataset_size) // batch_size
unlabeled_batch_size = unlabeled_dataset_size // steps_per_epoch
labeled_batch_size = labeled_dataset_size // steps_per_epoch
print(f"batch size is {unlabeled_batch_size} (unlabeled) + {labeled_batch_size} (labeled)")


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
## Image augmentations
"""


# Distorts the color distibutions of images
class RandomColorAffine(layers.Layer):
    def __init__(self, brightness=0, jitter=0, **kwargs):
        super().__init__(**kwargs)

        self.brightness = brightness
        self.jitter = jitter

    def get_config(self):
        config = super().get_config()
        config.update({"brightness": self.brightness, "jitter": self.jitter})
        return config

    def call(self, images, training=True):
        if training:
            batch_size = ops.shape(images)[0]

            # Same for all colors
            brightness_scales = 1 + keras.random.uniform(
                (batch_size, 1, 1, 1),
                minval=-self.brightness,
                maxval=self.brightness,
            )
            # Different for all colors
            jitter_matrices = keras.random.uniform(
                (batch_size, 1, 3, 3), minval=-self.jitter, maxval=self.jitter
            )

            color_transforms = (
                ops.broadcast_to(ops.eye(3), (batch_size, 1, 3, 3)) * brightness_scales
                + jitter_matrices
            )
            images = ops.clip(ops.matmul(images, color_transforms), 0, 1)
        return images


# Image augmentation module
def get_augmenter(min_area, brightness, jitter):
    zoom_factor = 1.0 - math.sqrt(min_area)
    return keras.Sequential(
        [
            layers.Rescaling(1 / 255),
            layers.RandomFlip("horizontal"),
            layers.RandomTranslation(zoom_factor / 2, zoom_factor / 2),
            layers.RandomZoom((-zoom_factor, 0.0), (-zoom_factor, 0.0)),
            RandomColorAffine(brightness, jitter),
        ]
    )


augmented = get_augmenter(**contrastive_augmentation)(unlabeled_images[:4])
RESULTS["augmented_shape"] = list(augmented.shape)
RESULTS["augmented_is_rescaled_input"] = bool(
    np.allclose(ops.convert_to_numpy(augmented), unlabeled_images[:4] / 255, atol=1e-6))
_config = RandomColorAffine(0.3, 0.1).get_config()
RESULTS["color_affine_config"] = [_config["brightness"], _config["jitter"]]

"""
## Encoder architecture
"""


# Define the encoder architecture
def get_encoder():
    return keras.Sequential(
        [
            layers.Conv2D(width, kernel_size=3, strides=2, activation="relu"),
            layers.Conv2D(width, kernel_size=3, strides=2, activation="relu"),
            layers.Conv2D(width, kernel_size=3, strides=2, activation="relu"),
            layers.Conv2D(width, kernel_size=3, strides=2, activation="relu"),
            layers.Flatten(),
            layers.Dense(width, activation="relu"),
        ],
        name="encoder",
    )


def seed_weights(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])


"""
## Supervised baseline model
"""

# Baseline supervised training with random initialization
baseline_model = keras.Sequential(
    [
        get_augmenter(**classification_augmentation),
        get_encoder(),
        layers.Dense(10),
    ],
    name="baseline_model",
)
baseline_model.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
)
baseline_model.build((None, image_size, image_size, image_channels))  # harness: to seed
seed_weights(baseline_model, 1)  # harness:

baseline_history = baseline_model.fit(
    labeled_images, labels, batch_size=labeled_batch_size, epochs=num_epochs,
    validation_data=(test_images, test_labels), shuffle=False, verbose=0,  # harness: numpy
)

print(
    "Maximal validation accuracy: {:.2f}%".format(
        max(baseline_history.history["val_acc"]) * 100
    )
)
RESULTS["baseline_keys"] = sorted(baseline_history.history)
for k, v in baseline_history.history.items():
    RESULTS["baseline_" + k] = v
RESULTS["baseline_count_params"] = baseline_model.count_params()

"""
## Self-supervised model for contrastive pretraining
"""


# Define the contrastive model with model-subclassing
class ContrastiveModel(keras.Model):
    def __init__(self):
        super().__init__()

        self.temperature = temperature
        self.contrastive_augmenter = get_augmenter(**contrastive_augmentation)
        self.classification_augmenter = get_augmenter(**classification_augmentation)
        self.encoder = get_encoder()
        # Non-linear MLP as projection head
        self.projection_head = keras.Sequential(
            [
                keras.Input(shape=(width,)),
                layers.Dense(width, activation="relu"),
                layers.Dense(width),
            ],
            name="projection_head",
        )
        # Single dense layer for linear probing
        self.linear_probe = keras.Sequential(
            [layers.Input(shape=(width,)), layers.Dense(10)],
            name="linear_probe",
        )

        self.encoder.summary()
        self.projection_head.summary()
        self.linear_probe.summary()

    def compile(self, contrastive_optimizer, probe_optimizer, **kwargs):
        super().compile(**kwargs)

        self.contrastive_optimizer = contrastive_optimizer
        self.probe_optimizer = probe_optimizer

        # self.contrastive_loss will be defined as a method
        self.probe_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

        self.contrastive_loss_tracker = keras.metrics.Mean(name="c_loss")
        self.contrastive_accuracy = keras.metrics.SparseCategoricalAccuracy(
            name="c_acc"
        )
        self.probe_loss_tracker = keras.metrics.Mean(name="p_loss")
        self.probe_accuracy = keras.metrics.SparseCategoricalAccuracy(name="p_acc")

    @property
    def metrics(self):
        return [
            self.contrastive_loss_tracker,
            self.contrastive_accuracy,
            self.probe_loss_tracker,
            self.probe_accuracy,
        ]

    def contrastive_loss(self, projections_1, projections_2):
        # InfoNCE loss (information noise-contrastive estimation)
        # NT-Xent loss (normalized temperature-scaled cross entropy)

        # Cosine similarity: the dot product of the l2-normalized feature vectors
        projections_1 = ops.normalize(projections_1, axis=1)
        projections_2 = ops.normalize(projections_2, axis=1)
        similarities = (
            ops.matmul(projections_1, ops.transpose(projections_2)) / self.temperature
        )

        # The similarity between the representations of two augmented views of the
        # same image should be higher than their similarity with other views
        batch_size = ops.shape(projections_1)[0]
        contrastive_labels = ops.arange(batch_size)
        self.contrastive_accuracy.update_state(contrastive_labels, similarities)
        self.contrastive_accuracy.update_state(
            contrastive_labels, ops.transpose(similarities)
        )

        # The temperature-scaled similarities are used as logits for cross-entropy
        # a symmetrized version of the loss is used here
        loss_1_2 = keras.losses.sparse_categorical_crossentropy(
            contrastive_labels, similarities, from_logits=True
        )
        loss_2_1 = keras.losses.sparse_categorical_crossentropy(
            contrastive_labels, ops.transpose(similarities), from_logits=True
        )
        return (loss_1_2 + loss_2_1) / 2

    def train_step(self, data):
        (unlabeled_images, _), (labeled_images, labels) = data

        # Both labeled and unlabeled images are used, without labels
        images = ops.concatenate((unlabeled_images, labeled_images), axis=0)
        # Each image is augmented twice, differently
        augmented_images_1 = self.contrastive_augmenter(images, training=True)
        augmented_images_2 = self.contrastive_augmenter(images, training=True)
        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        features_1 = self.encoder(augmented_images_1, training=True)
        features_2 = self.encoder(augmented_images_2, training=True)
        # The representations are passed through a projection mlp
        projections_1 = self.projection_head(features_1, training=True)
        projections_2 = self.projection_head(features_2, training=True)
        contrastive_loss = self.contrastive_loss(projections_1, projections_2)
        ops.sum(contrastive_loss).backward()  # torch: tape.gradient of a vector sums it
        weights = self.encoder.trainable_weights + self.projection_head.trainable_weights
        gradients = [v.value.grad for v in weights]
        with torch.no_grad():
            self.contrastive_optimizer.apply(gradients, weights)
        self.contrastive_loss_tracker.update_state(contrastive_loss)

        # Labels are only used in evalutation for an on-the-fly logistic regression
        preprocessed_images = self.classification_augmenter(
            labeled_images, training=True
        )
        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        # the encoder is used in inference mode here to avoid regularization
        # and updating the batch normalization paramers if they are used
        features = self.encoder(preprocessed_images, training=False)
        class_logits = self.linear_probe(features, training=True)
        probe_loss = self.probe_loss(labels, class_logits)
        probe_loss.backward()
        gradients = [v.value.grad for v in self.linear_probe.trainable_weights]
        with torch.no_grad():
            self.probe_optimizer.apply(gradients, self.linear_probe.trainable_weights)
        self.probe_loss_tracker.update_state(probe_loss)
        self.probe_accuracy.update_state(labels, class_logits)

        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        labeled_images, labels = data

        # For testing the components are used with a training=False flag
        preprocessed_images = self.classification_augmenter(
            labeled_images, training=False
        )
        features = self.encoder(preprocessed_images, training=False)
        class_logits = self.linear_probe(features, training=False)
        probe_loss = self.probe_loss(labels, class_logits)
        self.probe_loss_tracker.update_state(probe_loss)
        self.probe_accuracy.update_state(labels, class_logits)

        # Only the probe metrics are logged at test time
        return {m.name: m.result() for m in self.metrics[2:]}


# Contrastive pretraining
pretraining_model = ContrastiveModel()
pretraining_model.compile(
    contrastive_optimizer=keras.optimizers.Adam(),
    probe_optimizer=keras.optimizers.Adam(),
)
pretraining_model.built = True  # harness: Keras 3.15 (torch) would otherwise call the call()-less model
for part in (pretraining_model.encoder, pretraining_model.contrastive_augmenter,
             pretraining_model.classification_augmenter):  # harness: build to seed (and so
    part.build((None, image_size, image_size, image_channels))  # that Keras 3 fit need not)
seed_weights(pretraining_model.encoder, 2)  # harness:
seed_weights(pretraining_model.projection_head, 3)  # harness:
seed_weights(pretraining_model.linear_probe, 4)  # harness:

pretraining_history = pretraining_model.fit(
    train_dataset, epochs=num_epochs, validation_data=(test_images, test_labels),
    shuffle=False, verbose=0,  # harness: (PyDataset batches are otherwise shuffled)
)
print(
    "Maximal validation accuracy: {:.2f}%".format(
        max(pretraining_history.history["val_p_acc"]) * 100
    )
)
RESULTS["pretraining_keys"] = sorted(pretraining_history.history)
for k, v in pretraining_history.history.items():
    RESULTS["pretraining_" + k] = v
RESULTS["pretraining_iterations"] = [
    int(pretraining_model.contrastive_optimizer.iterations),
    int(pretraining_model.probe_optimizer.iterations)]

"""
## Supervised finetuning of the pretrained encoder
"""

# Supervised finetuning of the pretrained encoder
finetuning_model = keras.Sequential(
    [
        get_augmenter(**classification_augmentation),
        pretraining_model.encoder,
        layers.Dense(10),
    ],
    name="finetuning_model",
)
finetuning_model.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
)
finetuning_model.build((None, image_size, image_size, image_channels))  # harness: to seed
seed_weights(finetuning_model.layers[-1], 5)  # harness:

finetuning_history = finetuning_model.fit(
    labeled_images, labels, batch_size=labeled_batch_size, epochs=num_epochs,
    validation_data=(test_images, test_labels), shuffle=False, verbose=0,  # harness: numpy
)
print(
    "Maximal validation accuracy: {:.2f}%".format(
        max(finetuning_history.history["val_acc"]) * 100
    )
)
for k, v in finetuning_history.history.items():
    RESULTS["finetuning_" + k] = v
RESULTS["finetuning_predictions"] = finetuning_model.predict(test_images[:3], verbose=0)
RTOL, ATOL = 1e-4, 1e-5
