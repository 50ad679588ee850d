"""keras.io example "Supervised Contrastive Learning" (examples/vision/supervised-contrastive-learning.py).

An encoder (``data_augmentation`` Sequential with an adapted ``Normalization``,
then a convolutional backbone with ``pooling="avg"``) wrapped by functional
models; the baseline classifier; ``SupervisedContrastiveLoss``, a
``keras.losses.Loss`` subclass overriding ``__call__`` that uses
``keras.utils.normalize`` and ``ops.matmul``/``ops.divide``; a projection head
trained with it; then the encoder frozen (``layer.trainable = False`` on every
layer) under a new classifier head. Harness changes: a small conv backbone in
place of ``keras.applications.ResNet50V2(weights=None)`` (size), the
``tfa.losses.npairs_loss`` the example imports written with ``ops``,
left-right symmetric images (RandomFlip is then the identity), rotation factor
0, dropout 0. Synthetic CIFAR-10 at 8x8.
"""

import numpy as np
import keras
from keras import ops
from keras import layers

RESULTS = {}

"""
## Prepare the data
"""

num_classes = 10
input_shape = (8, 8, 3)  # harness: (32, 32, 3)

rng = np.random.RandomState(0)
half = rng.randint(0, 256, size=(40, 8, 4, 3))
x_all = np.concatenate([half, half[:, :, ::-1]], axis=2).astype("uint8")  # harness: symmetric
y_all = rng.randint(0, num_classes, size=(40, 1)).astype("uint8")
(x_train, y_train), (x_test, y_test) = (x_all[:32], y_all[:32]), (x_all[32:], y_all[32:])

print(f"x_train shape: {x_train.shape} - y_train shape: {y_train.shape}")
print(f"x_test shape: {x_test.shape} - y_test shape: {y_test.shape}")

"""
## Using image data augmentation
"""

data_augmentation = keras.Sequential(
    [
        layers.Normalization(),
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.0),  # harness: 0.02
    ]
)

# Setting the state of the normalization layer.
data_augmentation.layers[0].adapt(x_train)

"""
## Build the encoder model
"""


def create_encoder():
    # harness: a small backbone in place of
    # keras.applications.ResNet50V2(include_top=False, weights=None, input_shape=input_shape, pooling="avg")
    resnet = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(8, 3, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
            layers.GlobalAveragePooling2D(),
        ],
        name="resnet",
    )

    inputs = keras.Input(shape=input_shape)
    augmented = data_augmentation(inputs)
    outputs = resnet(augmented)
    model = keras.Model(inputs=inputs, outputs=outputs, name="cifar10-encoder")
    return model


encoder = create_encoder()
encoder.summary()

learning_rate = 0.001
batch_size = 8  # harness: 265
hidden_units = 16  # harness: 512
projection_units = 8  # harness: 128
num_epochs = 2  # harness: 50
dropout_rate = 0.0  # harness: 0.5
temperature = 0.05

"""
## Build the classification model
"""


def create_classifier(encoder, trainable=True):
    for layer in encoder.layers:
        layer.trainable = trainable

    inputs = keras.Input(shape=input_shape)
    features = encoder(inputs)
    features = layers.Dropout(dropout_rate)(features)
    features = layers.Dense(hidden_units, activation="relu")(features)
    features = layers.Dropout(dropout_rate)(features)
    outputs = layers.Dense(num_classes, activation="softmax")(features)

    model = keras.Model(inputs=inputs, outputs=outputs, name="cifar10-classifier")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    return model


def seed_weights(model, seed):  # harness: equal initial weights (Normalization statistics kept)
    rs = np.random.RandomState(seed)
    model.set_weights([
        w if "normalization/" in v.path and "batch" not in v.path
        else (rs.uniform(0.5, 1.5, w.shape) if "variance" in v.path or "gamma" in v.path
              else rs.normal(0, 0.3, w.shape)).astype("float32")
        for v, w in zip(model.weights, model.get_weights())])


"""
## Experiment 1: Train the baseline classification model
"""

encoder = create_encoder()
classifier = create_classifier(encoder)
seed_weights(classifier, 1)  # harness:
classifier.summary()
RESULTS["baseline_count_params"] = classifier.count_params()
RESULTS["baseline_n_trainable"] = len(classifier.trainable_weights)

history = classifier.fit(x=x_train, y=y_train, batch_size=batch_size, epochs=num_epochs,
                         shuffle=False, verbose=0)  # harness: shuffle

accuracy = classifier.evaluate(x_test, y_test, verbose=0)[1]
print(f"Test accuracy: {round(accuracy * 100, 2)}%")
RESULTS["baseline_keys"] = sorted(history.history)
RESULTS["baseline_loss"] = history.history["loss"]
RESULTS["baseline_accuracy"] = history.history["sparse_categorical_accuracy"]
RESULTS["baseline_eval"] = classifier.evaluate(x_test, y_test, verbose=0)

"""
## Experiment 2: Use supervised contrastive learning
"""


def npairs_loss(y_true, y_pred):  # harness: tfa.losses.npairs_loss written with ops
    y_true = ops.expand_dims(y_true, -1)
    y_true = ops.cast(ops.equal(y_true, ops.transpose(y_true)), y_pred.dtype)
    y_true = y_true / ops.sum(y_true, axis=1, keepdims=True)
    loss = keras.losses.categorical_crossentropy(y_true, y_pred, from_logits=True)
    return ops.mean(loss)


class SupervisedContrastiveLoss(keras.losses.Loss):
    def __init__(self, temperature=1, name=None):
        super().__init__(name=name)
        self.temperature = temperature

    def __call__(self, labels, feature_vectors, sample_weight=None):
        # Normalize feature vectors
        feature_vectors_normalized = keras.utils.normalize(feature_vectors, axis=1, order=2)
        # Compute logits
        logits = ops.divide(
            ops.matmul(
                feature_vectors_normalized, ops.transpose(feature_vectors_normalized)
            ),
            self.temperature,
        )
        return npairs_loss(ops.squeeze(labels), logits)


def add_projection_head(encoder):
    inputs = keras.Input(shape=input_shape)
    features = encoder(inputs)
    outputs = layers.Dense(projection_units, activation="relu")(features)
    model = keras.Model(
        inputs=inputs, outputs=outputs, name="cifar-encoder_with_projection-head"
    )
    return model


encoder = create_encoder()

encoder_with_projection_head = add_projection_head(encoder)
seed_weights(encoder_with_projection_head, 2)  # harness:
encoder_with_projection_head.compile(
    optimizer=keras.optimizers.Adam(learning_rate),
    loss=SupervisedContrastiveLoss(temperature),
)

encoder_with_projection_head.summary()

history = encoder_with_projection_head.fit(
    x=x_train, y=y_train, batch_size=batch_size, epochs=num_epochs,
    shuffle=False, verbose=0,  # harness:
)
RESULTS["contrastive_loss"] = history.history["loss"]
RESULTS["projection"] = encoder_with_projection_head.predict(x_test, verbose=0)

classifier = create_classifier(encoder, trainable=False)
_rs = np.random.RandomState(3)  # harness: equal initial weights of the new head
for layer in classifier.layers:  # harness:
    if isinstance(layer, layers.Dense):  # harness:
        layer.set_weights([_rs.normal(0, 0.3, w.shape).astype("float32") for w in layer.get_weights()])
RESULTS["frozen_n_trainable"] = len(classifier.trainable_weights)
RESULTS["frozen_n_non_trainable"] = len(classifier.non_trainable_weights)
encoder_before = encoder.get_weights()

history = classifier.fit(x=x_train, y=y_train, batch_size=batch_size, epochs=num_epochs,
                         shuffle=False, verbose=0)  # harness:

accuracy = classifier.evaluate(x_test, y_test, verbose=0)[1]
print(f"Test accuracy: {round(accuracy * 100, 2)}%")
RESULTS["frozen_loss"] = history.history["loss"]
RESULTS["frozen_eval"] = classifier.evaluate(x_test, y_test, verbose=0)
RESULTS["encoder_unchanged"] = all(
    np.array_equal(a, b) for a, b in zip(encoder_before, encoder.get_weights()))
RESULTS["normalize"] = keras.ops.convert_to_numpy(
    keras.utils.normalize(keras.ops.convert_to_tensor([[3.0, 4.0], [1.0, 0.0]]), axis=1, order=2))
RTOL, ATOL = 1e-4, 1e-4
