"""keras.io example "Self-supervised contrastive learning with SimSiam" (examples/vision/simsiam.py).

The functional encoder (``Rescaling(scale, offset)``, a ResNet backbone ending
in ``GlobalAveragePooling2D(name="backbone_pool")``, a projection head of
``Dense(use_bias=False, kernel_regularizer=regularizers.l2)`` and
``BatchNormalization``) and the autoencoder-like Sequential predictor; the
negative-cosine ``compute_loss`` with ``stop_gradient``; ``SimSiam`` with a
``metrics`` property and a ``train_step`` calling its sub-models without
``training=`` (inference-mode BatchNormalization, as in Keras 3);
``CosineDecay`` with ``SGD(momentum)``, ``EarlyStopping(restore_best_weights)``;
then the backbone cut out with ``get_layer("backbone_pool").output``, frozen,
and a linear classifier trained on it. The ``tf.GradientTape`` step is written
the torch way; ``tf`` ops in ``keras.ops``. Harness changes: a small residual
backbone in place of the downloaded ``resnet_cifar10_v2`` module, the two
augmented views a deterministic numpy flip (in place of ``tf.image`` random
augmentation in ``tf.data``), small sizes; synthetic CIFAR-10.
"""

import numpy as np
import torch
import keras
from keras import layers
from keras import regularizers
from keras import ops

RESULTS = {}

"""
## Define hyperparameters
"""

BATCH_SIZE = 16  # harness: 128
EPOCHS = 2  # harness: 5
CROP_TO = 16  # harness: 32
SEED = 26

PROJECT_DIM = 16  # harness: 2048
LATENT_DIM = 8  # harness: 512
WEIGHT_DECAY = 0.0005

"""
## Load the CIFAR-10 dataset
"""

rng = np.random.RandomState(0)  # harness: synthetic CIFAR-10 at CROP_TO x CROP_TO
x_train = rng.randint(0, 256, size=(48, CROP_TO, CROP_TO, 3)).astype("float32")
y_train = rng.randint(0, 10, size=(48, 1))
x_test = rng.randint(0, 256, size=(16, CROP_TO, CROP_TO, 3)).astype("float32")
y_test = rng.randint(0, 10, size=(16, 1))
print(f"Total training examples: {len(x_train)}")
print(f"Total test examples: {len(x_test)}")

# harness: two "augmented" versions of the data set, a deterministic flip in place of
# `custom_augment` mapped over shuffled tf.data datasets
ssl_ds_one = x_train
ssl_ds_two = x_train[:, :, ::-1]

"""
## Defining the encoder and the predictor
"""


def stem(inputs):  # harness: a small stand-in for resnet_cifar10_v2.stem/learner
    x = layers.Conv2D(8, (3, 3), strides=(1, 1), padding="same", kernel_initializer="he_normal",
                      kernel_regularizer=regularizers.l2(WEIGHT_DECAY))(inputs)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def learner(x, n_blocks):  # harness: one residual block per group
    for _ in range(n_blocks):
        shortcut = x
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.Conv2D(8, (3, 3), padding="same", kernel_regularizer=regularizers.l2(WEIGHT_DECAY))(x)
        x = layers.add([shortcut, x])
    return x


N = 2
DEPTH = N * 9 + 2
NUM_BLOCKS = ((DEPTH - 2) // 9) - 1


def get_encoder():
    # Input and backbone.
    inputs = layers.Input((CROP_TO, CROP_TO, 3))
    x = layers.Rescaling(scale=1.0 / 127.5, offset=-1)(
        inputs
    )
    x = stem(x)
    x = learner(x, NUM_BLOCKS)
    x = layers.GlobalAveragePooling2D(name="backbone_pool")(x)

    # Projection head.
    x = layers.Dense(
        PROJECT_DIM, use_bias=False, kernel_regularizer=regularizers.l2(WEIGHT_DECAY)
    )(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Dense(
        PROJECT_DIM, use_bias=False, kernel_regularizer=regularizers.l2(WEIGHT_DECAY)
    )(x)
    outputs = layers.BatchNormalization()(x)
    return keras.Model(inputs, outputs, name="encoder")


def get_predictor():
    model = keras.Sequential(
        [
            # Note the AutoEncoder-like structure.
            layers.Input((PROJECT_DIM,)),
            layers.Dense(
                LATENT_DIM,
                use_bias=False,
                kernel_regularizer=regularizers.l2(WEIGHT_DECAY),
            ),
            layers.ReLU(),
            layers.BatchNormalization(),
            layers.Dense(PROJECT_DIM),
        ],
        name="predictor",
    )
    return model


"""
## Defining the (pre-)training loop
"""


def compute_loss(p, z):
    # The authors of SimSiam emphasize the impact of
    # the `stop_gradient` operator in the paper as it
    # has an important role in the overall optimization.
    z = ops.stop_gradient(z)
    p = ops.normalize(p, axis=1)
    z = ops.normalize(z, axis=1)
    # Negative cosine similarity (minimizing this is
    # equivalent to maximizing the similarity).
    return -ops.mean(ops.sum((p * z), axis=1))


class SimSiam(keras.Model):
    def __init__(self, encoder, predictor):
        super().__init__()
        self.encoder = encoder
        self.predictor = predictor
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, data):
        # Unpack the data.
        ds_one, ds_two = data

        # Forward pass through the encoder and predictor.
        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        z1, z2 = self.encoder(ds_one), self.encoder(ds_two)
        p1, p2 = self.predictor(z1), self.predictor(z2)
        # Note that here we are enforcing the network to match
        # the representations of two differently augmented batches
        # of data.
        loss = compute_loss(p1, z2) / 2 + compute_loss(p2, z1) / 2

        # Compute gradients and update the parameters.
        loss.backward()
        learnable_params = (
            self.encoder.trainable_variables + self.predictor.trainable_variables
        )
        gradients = [v.value.grad for v in learnable_params]
        with torch.no_grad():
            self.optimizer.apply(gradients, learnable_params)

        # Monitor loss.
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


"""
## Pre-training our networks
"""

# Create a cosine decay learning scheduler.
num_training_samples = len(x_train)
steps = EPOCHS * (num_training_samples // BATCH_SIZE)
lr_decayed_fn = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate=0.03, decay_steps=steps
)

# Create an early stopping callback.
early_stopping = keras.callbacks.EarlyStopping(
    monitor="loss", patience=5, restore_best_weights=True
)

# Compile model and start training.
simsiam = SimSiam(get_encoder(), get_predictor())
simsiam.built = True  # harness: Keras 3.15 (torch) would otherwise call the call()-less model to build it
_rs = np.random.RandomState(1)  # harness: equal initial weights on both sides
for part in (simsiam.encoder, simsiam.predictor):  # harness:
    part.set_weights([  # harness:
        _rs.uniform(0.5, 1.5, w.shape).astype("float32") if "variance" in v.path or "gamma" in v.path
        else _rs.normal(0, 0.3, w.shape).astype("float32")
        for v, w in zip(part.weights, part.get_weights())])
simsiam.compile(optimizer=keras.optimizers.SGD(lr_decayed_fn, momentum=0.6))
RESULTS["encoder_count_params"] = simsiam.encoder.count_params()
RESULTS["predictor_count_params"] = simsiam.predictor.count_params()
RESULTS["n_encoder_losses"] = len(simsiam.encoder.losses)
history = simsiam.fit(ssl_ds_one, ssl_ds_two, batch_size=BATCH_SIZE, epochs=EPOCHS,
                      callbacks=[early_stopping], shuffle=False, verbose=0)  # harness: numpy views

RESULTS["ssl_keys"] = sorted(history.history)
RESULTS["ssl_loss"] = history.history["loss"]
RESULTS["ssl_iterations"] = int(simsiam.optimizer.iterations)
RESULTS["ssl_lr_after"] = float(ops.convert_to_numpy(simsiam.optimizer.learning_rate))
RESULTS["moving_mean"] = ops.convert_to_numpy(simsiam.encoder.layers[3].moving_mean)  # unchanged: inference BN

"""
## Evaluating our SSL method
"""

# Extract the backbone ResNet20.
backbone = keras.Model(
    simsiam.encoder.input, simsiam.encoder.get_layer("backbone_pool").output
)

# We then create our linear classifier and train it.
backbone.trainable = False
inputs = layers.Input((CROP_TO, CROP_TO, 3))
x = backbone(inputs, training=False)
outputs = layers.Dense(10, activation="softmax")(x)
linear_model = keras.Model(inputs, outputs, name="linear_model")
linear_model.layers[-1].set_weights([  # harness: equal initial weights
    _rs.normal(0, 0.3, w.shape).astype("float32") for w in linear_model.layers[-1].get_weights()])

# Compile model and start training.
linear_model.compile(
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
    optimizer=keras.optimizers.SGD(lr_decayed_fn, momentum=0.9),
)
history = linear_model.fit(
    x_train, y_train, batch_size=BATCH_SIZE, validation_data=(x_test, y_test),
    epochs=EPOCHS, callbacks=[early_stopping], shuffle=False, verbose=0,  # harness: numpy
)
_, test_acc = linear_model.evaluate(x_test, y_test, verbose=0)
print("Test accuracy: {:.2f}%".format(test_acc * 100))
RESULTS["linear_keys"] = sorted(history.history)
for k, v in history.history.items():
    RESULTS["linear_" + k] = v
RESULTS["linear_eval"] = linear_model.evaluate(x_test, y_test, verbose=0)
RESULTS["linear_n_trainable"] = len(linear_model.trainable_weights)
RESULTS["backbone_output_shape"] = list(backbone.output.shape[1:])
RESULTS["predictions"] = linear_model.predict(x_test[:3], verbose=0)
