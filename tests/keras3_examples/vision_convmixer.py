"""keras.io example "Image classification with ConvMixer" (examples/vision/convmixer.py, Keras 3).

The functional ConvMixer: ``Rescaling``, a patch-embedding ``Conv2D`` stem,
``Activation("gelu")`` + ``BatchNormalization`` blocks, residual
``DepthwiseConv2D`` mixing with ``layers.Add``, pointwise ``Conv2D``,
``GlobalAvgPool2D``; trained with ``AdamW`` and a ``ModelCheckpoint`` that
saves whole ``.keras`` models (``save_best_only`` on ``val_accuracy``), then
``load_weights`` from that ``.keras`` file and ``evaluate``; the filter
visualisation steps (``layers[2].get_weights()``, ``get_config()["kernel_size"]
== (5, 5)`` to find the depthwise layers). The ``tf.data`` augmentation
(RandomCrop/RandomFlip) is left out (``# harness:``). Synthetic CIFAR-10 at
12x12, small widths.
"""

import numpy as np
import keras
from keras import layers

RESULTS = {}

"""
## Hyperparameters
"""

learning_rate = 0.001
weight_decay = 0.0001
batch_size = 8  # harness: 128
num_epochs = 2  # harness: 10

"""
## Load the CIFAR-10 dataset (synthetic)
"""

rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(32, 12, 12, 3)).astype("uint8")
y_train = rng.randint(0, 10, size=(32, 1)).astype("uint8")
x_test = rng.randint(0, 256, size=(8, 12, 12, 3)).astype("uint8")
y_test = rng.randint(0, 10, size=(8, 1)).astype("uint8")
val_split = 0.25

val_indices = int(len(x_train) * val_split)
new_x_train, new_y_train = x_train[val_indices:], y_train[val_indices:]
x_val, y_val = x_train[:val_indices], y_train[:val_indices]

print(f"Training data samples: {len(new_x_train)}")
print(f"Validation data samples: {len(x_val)}")
print(f"Test data samples: {len(x_test)}")

"""
## ConvMixer utilities
"""


def activation_block(x):
    x = layers.Activation("gelu")(x)
    return layers.BatchNormalization()(x)


def conv_stem(x, filters: int, patch_size: int):
    x = layers.Conv2D(filters, kernel_size=patch_size, strides=patch_size)(x)
    return activation_block(x)


def conv_mixer_block(x, filters: int, kernel_size: int):
    # Depthwise convolution.
    x0 = x
    x = layers.DepthwiseConv2D(kernel_size=kernel_size, padding="same")(x)
    x = layers.Add()([activation_block(x), x0])  # Residual.

    # Pointwise convolution.
    x = layers.Conv2D(filters, kernel_size=1)(x)
    x = activation_block(x)

    return x


def get_conv_mixer_256_8(
    image_size=32, filters=256, depth=8, kernel_size=5, patch_size=2, num_classes=10
):
    """ConvMixer-256/8: https://openreview.net/pdf?id=TVHS5Y4dNvM.
    The hyperparameter values are taken from the paper.
    """
    inputs = keras.Input((image_size, image_size, 3))
    x = layers.Rescaling(scale=1.0 / 255)(inputs)

    # Extract patch embeddings.
    x = conv_stem(x, filters, patch_size)

    # ConvMixer blocks.
    for _ in range(depth):
        x = conv_mixer_block(x, filters, kernel_size)

    # Classification block.
    x = layers.GlobalAvgPool2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)

    return keras.Model(inputs, outputs)


"""
## Model training and evaluation utility
"""


def run_experiment(model):
    optimizer = keras.optimizers.AdamW(
        learning_rate=learning_rate, weight_decay=weight_decay
    )

    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )

    checkpoint_filepath = "checkpoint.keras"  # harness: /tmp/checkpoint.keras
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        checkpoint_filepath,
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=False,
    )

    history = model.fit(
        new_x_train, new_y_train, batch_size=batch_size, shuffle=False,  # harness: numpy
        validation_data=(x_val, y_val),
        epochs=num_epochs,
        callbacks=[checkpoint_callback],
        verbose=0,
    )

    model.load_weights(checkpoint_filepath)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")

    return history, model


"""
## Train and evaluate model
"""

conv_mixer_model = get_conv_mixer_256_8(image_size=12, filters=8, depth=2, kernel_size=5)  # harness: sizes
# harness: equal initial weights on both sides (BN variances positive)
_rs = np.random.RandomState(1)
conv_mixer_model.set_weights([
    (_rs.uniform(0.5, 1.5, w.shape) if "variance" in v.path or "gamma" in v.path
     else _rs.normal(0, 0.3, w.shape)).astype("float32")
    for v, w in zip(conv_mixer_model.weights, conv_mixer_model.get_weights())])
RESULTS["count_params"] = conv_mixer_model.count_params()
RESULTS["layer_types"] = [type(layer).__name__ for layer in conv_mixer_model.layers]
RESULTS["before"] = conv_mixer_model.predict(x_test, verbose=0)

history, conv_mixer_model = run_experiment(conv_mixer_model)
RESULTS["hist_keys"] = sorted(history.history)
for k, v in history.history.items():
    RESULTS["hist_" + k] = v
RESULTS["after_load"] = conv_mixer_model.predict(x_test, verbose=0)
RESULTS["evaluate"] = conv_mixer_model.evaluate(x_test, y_test, verbose=0)
reloaded = keras.saving.load_model("checkpoint.keras")  # harness: the checkpoint as a model
RESULTS["reloaded_predict"] = reloaded.predict(x_test, verbose=0)
RESULTS["reloaded_optimizer"] = type(reloaded.optimizer).__name__

"""
## Visualizing the internals of ConvMixer
"""


def visualization_plot(weights, idx=1):
    # First, apply min-max normalization to the
    # given weights to avoid isotrophic scaling.
    p_min, p_max = weights.min(), weights.max()
    weights = (weights - p_min) / (p_max - p_min)

    # Visualize all the filters.
    num_filters = 8  # harness: 256
    return [weights[:, :, :, i] for i in range(num_filters)]  # harness: plt.imshow(...) skipped


# We first visualize the learned patch embeddings.
patch_embeddings = conv_mixer_model.layers[2].get_weights()[0]
RESULTS["patch_embeddings"] = np.stack(visualization_plot(patch_embeddings))[:, 0]

depthwise = []
for i, layer in enumerate(conv_mixer_model.layers):
    if isinstance(layer, layers.DepthwiseConv2D):
        if layer.get_config()["kernel_size"] == (5, 5):
            print(i, layer)
            depthwise.append(i)
RESULTS["depthwise_indices"] = depthwise

idx = depthwise[-1]  # Taking a kernel from the middle of the network. (harness: 26)

kernel = conv_mixer_model.layers[idx].get_weights()[0]
kernel = np.expand_dims(kernel.squeeze(), axis=2)
RESULTS["depthwise_kernel"] = np.stack(visualization_plot(kernel))[:, :, :, 0]
RTOL, ATOL = 1e-4, 1e-4
