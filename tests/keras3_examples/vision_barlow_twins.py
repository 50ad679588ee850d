"""keras.io example "Barlow Twins for Contrastive SSL" (examples/vision/barlow_twins.py).

``BarlowLoss``, a ``keras.losses.Loss`` subclass whose ``call(z_a, z_b)``
builds the cross-correlation matrix of the batch-normalized embeddings; the
ResNet34 class (identity and convolutional blocks, ``ZeroPadding2D``,
``BatchNormalization(axis=3)``, ``MaxPool2D``, ``AveragePooling2D``) and the
projector of named Dense/BatchNormalization/ReLU layers built on
``resnet.layers[-1].output``; ``BarlowModel`` whose ``train_step`` calls
``self.loss(z_a, z_b)`` (the loss object given to ``compile``); then linear
evaluation: a Sequential of the frozen twin (``model.layers[0].trainable =
False``) and a ``Dense`` with an l2 ``kernel_regularizer``. Harness changes:
``keras.optimizers.Lamb`` for ``tfa.optimizers.LAMB``, ``tf`` ops in
``keras.ops`` (``tf.linalg.set_diag(c, 0)`` as ``c - ops.diag(ops.diagonal(c))``),
the ``tf.GradientTape`` step written the torch way, the two augmented versions
a deterministic numpy flip (in place of the ``tf.image`` augmentation
pipeline), a shallower and narrower ResNet; synthetic CIFAR-10 at 16x16.
"""

import numpy as np
import torch
import keras
from keras import ops

RESULTS = {}

"""
## Load the CIFAR-10 dataset
"""

rng = np.random.RandomState(0)  # harness: synthetic CIFAR-10
train_features = rng.randint(0, 256, size=(32, 16, 16, 3)).astype("float32") / 255
train_labels = rng.randint(0, 10, size=(32,))
test_features = rng.randint(0, 256, size=(16, 16, 16, 3)).astype("float32") / 255
test_labels = rng.randint(0, 10, size=(16,))

"""
## Necessary Hyperparameters
"""

# Batch size of dataset
BATCH_SIZE = 16  # harness: 512
# Width and height of image
IMAGE_SIZE = 16  # harness: 32

# harness: the two augmented versions (augment_versions) as a deterministic flip
augment_a = train_features
augment_b = train_features[:, :, ::-1]

"""
## BarlowLoss: barlow twins model's loss function
"""


class BarlowLoss(keras.losses.Loss):
    """BarlowLoss class.

    BarlowLoss class. Creates a loss function based on the cross-correlation
    matrix.
    """

    def __init__(self, batch_size: int):
        super().__init__()
        self.lambda_amt = 5e-3
        self.batch_size = batch_size

    def get_off_diag(self, c):
        # harness: tf.linalg.set_diag(c, zeros) in keras.ops
        return c - ops.diag(ops.diagonal(c))

    def cross_corr_matrix_loss(self, c):
        # subtracts diagonals by one and squares them(first part)
        c_diff = ops.power(ops.diagonal(c) - 1, 2)

        # takes off diagonal, squares it, multiplies with lambda(second part)
        off_diag = ops.power(self.get_off_diag(c), 2) * self.lambda_amt

        # sum first and second parts together
        loss = ops.sum(c_diff) + ops.sum(off_diag)

        return loss

    def normalize(self, output):
        return (output - ops.mean(output, axis=0)) / ops.std(output, axis=0)

    def cross_corr_matrix(self, z_a_norm, z_b_norm):
        return (ops.transpose(z_a_norm) @ z_b_norm) / self.batch_size

    def call(self, z_a, z_b):
        z_a_norm, z_b_norm = self.normalize(z_a), self.normalize(z_b)
        c = self.cross_corr_matrix(z_a_norm, z_b_norm)
        loss = self.cross_corr_matrix_loss(c)
        return loss


"""
## Barlow Twins' Model Architecture
"""


class ResNet34:
    """Resnet34 class."""

    def identity_block(self, x, filter):
        # copy tensor to variable called x_skip
        x_skip = x
        # Layer 1
        x = keras.layers.Conv2D(filter, (3, 3), padding="same")(x)
        x = keras.layers.BatchNormalization(axis=3)(x)
        x = keras.layers.Activation("relu")(x)
        # Layer 2
        x = keras.layers.Conv2D(filter, (3, 3), padding="same")(x)
        x = keras.layers.BatchNormalization(axis=3)(x)
        # Add Residue
        x = keras.layers.Add()([x, x_skip])
        x = keras.layers.Activation("relu")(x)
        return x

    def convolutional_block(self, x, filter):
        # copy tensor to variable called x_skip
        x_skip = x
        # Layer 1
        x = keras.layers.Conv2D(filter, (3, 3), padding="same", strides=(2, 2))(x)
        x = keras.layers.BatchNormalization(axis=3)(x)
        x = keras.layers.Activation("relu")(x)
        # Layer 2
        x = keras.layers.Conv2D(filter, (3, 3), padding="same")(x)
        x = keras.layers.BatchNormalization(axis=3)(x)
        # Processing Residue with conv(1,1)
        x_skip = keras.layers.Conv2D(filter, (1, 1), strides=(2, 2))(x_skip)
        # Add Residue
        x = keras.layers.Add()([x, x_skip])
        x = keras.layers.Activation("relu")(x)
        return x

    def __call__(self, shape=(32, 32, 3)):
        # Step 1 (Setup Input Layer)
        x_input = keras.layers.Input(shape)
        x = keras.layers.ZeroPadding2D((3, 3))(x_input)
        # Step 2 (Initial Conv layer along with maxPool)
        x = keras.layers.Conv2D(8, kernel_size=7, strides=2, padding="same")(x)  # harness: 64
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation("relu")(x)
        x = keras.layers.MaxPool2D(pool_size=3, strides=2, padding="same")(x)
        # Define size of sub-blocks and initial filter size
        block_layers = [1, 1]  # harness: [3, 4, 6, 3]
        filter_size = 8  # harness: 64
        # Step 3 Add the Resnet Blocks
        for i in range(len(block_layers)):  # harness: range(4)
            if i == 0:
                # For sub-block 1 Residual/Convolutional block not needed
                for j in range(block_layers[i]):
                    x = self.identity_block(x, filter_size)
            else:
                # One Residual/Convolutional Block followed by Identity blocks
                # The filter size will go on increasing by a factor of 2
                filter_size = filter_size * 2
                x = self.convolutional_block(x, filter_size)
                for j in range(block_layers[i] - 1):
                    x = self.identity_block(x, filter_size)
        # Step 4 End Dense Network
        x = keras.layers.AveragePooling2D((2, 2), padding="same")(x)
        x = keras.layers.Flatten()(x)
        model = keras.models.Model(inputs=x_input, outputs=x, name="ResNet34")
        return model


def build_twin() -> keras.Model:
    # number of dense neurons in the projector
    n_dense_neurons = 12  # harness: 5000

    # encoder network
    resnet = ResNet34()((IMAGE_SIZE, IMAGE_SIZE, 3))  # harness: 16x16 images
    last_layer = resnet.layers[-1].output

    # intermediate layers of the projector network
    n_layers = 2
    for i in range(n_layers):
        dense = keras.layers.Dense(n_dense_neurons, name=f"projector_dense_{i}")
        if i == 0:
            x = dense(last_layer)
        else:
            x = dense(x)
        x = keras.layers.BatchNormalization(name=f"projector_bn_{i}")(x)
        x = keras.layers.ReLU(name=f"projector_relu_{i}")(x)

    x = keras.layers.Dense(n_dense_neurons, name=f"projector_dense_{n_layers}")(x)

    model = keras.Model(resnet.input, x)
    return model


"""
## Training Loop Model
"""


class BarlowModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.model = build_twin()
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, batch):
        # get the two augmentations from the batch
        y_a, y_b = batch

        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        # get two versions of predictions
        z_a, z_b = self.model(y_a, training=True), self.model(y_b, training=True)
        loss = self.loss(z_a, z_b)

        loss.backward()
        grads_model = [v.value.grad for v in self.model.trainable_variables]

        with torch.no_grad():
            self.optimizer.apply(grads_model, self.model.trainable_variables)
        self.loss_tracker.update_state(loss)

        return {"loss": self.loss_tracker.result()}


"""
## Model Training
"""

bm = BarlowModel()
_rs = np.random.RandomState(1)  # harness: equal initial weights on both sides
bm.model.set_weights([  # harness:
    _rs.uniform(0.5, 1.5, w.shape).astype("float32") if "variance" in v.path or "gamma" in v.path
    else _rs.normal(0, 0.2, w.shape).astype("float32")
    for v, w in zip(bm.model.weights, bm.model.get_weights())])
# chose the LAMB optimizer due to high batch sizes. Converged MUCH faster
# than ADAM or SGD
optimizer = keras.optimizers.Lamb()  # harness: tfa.optimizers.LAMB()
loss = BarlowLoss(BATCH_SIZE)

# harness: `bm.compile(optimizer=optimizer, loss=loss)`: Keras 3.15 (torch) builds a compiled
# loss before fit by calling it on (images, embeddings), which this loss cannot take; the loss
# object is set where compile() keeps it, as `self.loss` of the train_step.
bm.compile(optimizer=optimizer)
bm.loss = loss
bm.built = True  # harness: Keras 3.15 (torch) would otherwise call the call()-less model to build it
RESULTS["twin_count_params"] = bm.model.count_params()
RESULTS["twin_n_layers"] = len(bm.model.layers)
RESULTS["twin_output_shape"] = list(bm.model.output.shape[1:])
RESULTS["loss_is_compiled_object"] = bm.loss is loss
RESULTS["barlow_loss_value"] = float(ops.convert_to_numpy(loss(
    ops.convert_to_tensor(_rs.normal(size=(8, 4)).astype("float32")),
    ops.convert_to_tensor(_rs.normal(size=(8, 4)).astype("float32")))))

history = bm.fit(augment_a, augment_b, batch_size=BATCH_SIZE, epochs=2,  # harness: numpy, 160
                 shuffle=False, verbose=0)
RESULTS["ssl_keys"] = sorted(history.history)
RESULTS["ssl_loss"] = history.history["loss"]
RESULTS["embedding"] = bm.model.predict(test_features[:2], verbose=0)

"""
## Evaluation
"""

model = keras.models.Sequential(
    [
        bm.model,
        keras.layers.Dense(
            10, activation="softmax", kernel_regularizer=keras.regularizers.l2(0.02)
        ),
    ]
)

model.layers[0].trainable = False
model.layers[1].set_weights([  # harness: equal initial weights of the new head
    _rs.normal(0, 0.3, w.shape).astype("float32") for w in model.layers[1].get_weights()])

linear_optimizer = keras.optimizers.Lamb()  # harness: tfa.optimizers.LAMB()
model.compile(
    optimizer=linear_optimizer,
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)

history = model.fit(train_features, train_labels, batch_size=BATCH_SIZE, epochs=2,
                    validation_data=(test_features, test_labels),
                    shuffle=False, verbose=0)  # harness: numpy in place of tf.data, 35 epochs
RESULTS["linear_keys"] = sorted(history.history)
for k, v in history.history.items():
    RESULTS["linear_" + k] = v
RESULTS["linear_n_trainable"] = len(model.trainable_weights)
RESULTS["linear_n_losses"] = len(model.losses)
RESULTS["linear_predictions"] = model.predict(test_features[:2], verbose=0)
# The biases before BatchNormalization (and of the last Dense, whose output the loss
# standardizes) get gradients that are zero up to rounding; LAMB's normalized update turns that
# rounding into steps of about the learning rate, so trained weights agree to ~1e-3 only.
RTOL, ATOL = 5e-3, 2e-3
