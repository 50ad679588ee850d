"""keras.io examples/vision/learnable_resizer.py: Learning to Resize in Computer Vision (Keras 3).

A learnable resizer on ``Input(shape=[None, None, 3])`` (``Resizing`` with
bilinear interpolation, Conv2D/``LeakyReLU``/``BatchNormalization`` blocks and
one ``LeakyReLU`` instance shared as the default activation of every
``conv_block``), the resizer model nested in a model with
a small CNN standing in for ``keras.applications.DenseNet121(weights=None)`` (too slow to build here),
``CategoricalCrossentropy(label_smoothing=0.1)`` and ``"sgd"``.
Synthetic cats-vs-dogs-shaped images stand in for tfds/tf.data.
"""
import keras
from keras import layers
from keras import ops
import numpy as np

INP_SIZE = (48, 48)  # harness: (300, 300)
TARGET_SIZE = (32, 32)  # harness: (150, 150); 32 is DenseNet121's least input size
INTERPOLATION = "bilinear"

BATCH_SIZE = 2  # harness: 50
EPOCHS = 2  # harness: 5

# harness: synthetic images already resized to INP_SIZE, one-hot labels (preprocess_dataset)
rng = np.random.RandomState(0)
train_images = rng.uniform(0, 255, size=(4,) + INP_SIZE + (3,)).astype("float32")
train_labels = np.eye(2, dtype="float32")[rng.randint(0, 2, size=(4,))]
val_images = rng.uniform(0, 255, size=(2,) + INP_SIZE + (3,)).astype("float32")
val_labels = np.eye(2, dtype="float32")[rng.randint(0, 2, size=(2,))]


def conv_block(x, filters, kernel_size, strides, activation=layers.LeakyReLU(0.2)):
    x = layers.Conv2D(filters, kernel_size, strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    if activation:
        x = activation(x)
    return x


def res_block(x):
    inputs = x
    x = conv_block(x, 16, 3, 1)
    x = conv_block(x, 16, 3, 1, activation=None)
    return layers.Add()([inputs, x])


def get_learnable_resizer(filters=16, num_res_blocks=1, interpolation=INTERPOLATION):
    inputs = layers.Input(shape=[None, None, 3])

    # First, perform naive resizing.
    naive_resize = layers.Resizing(*TARGET_SIZE, interpolation=interpolation)(inputs)

    # First convolution block without batch normalization.
    x = layers.Conv2D(filters=filters, kernel_size=7, strides=1, padding="same")(inputs)
    x = layers.LeakyReLU(0.2)(x)

    # Second convolution block with batch normalization.
    x = layers.Conv2D(filters=filters, kernel_size=1, strides=1, padding="same")(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.BatchNormalization()(x)

    # Intermediate resizing as a bottleneck.
    bottleneck = layers.Resizing(*TARGET_SIZE, interpolation=interpolation)(x)

    # Residual passes.
    for _ in range(num_res_blocks):
        x = res_block(bottleneck)

    # Projection.
    x = layers.Conv2D(
        filters=filters, kernel_size=3, strides=1, padding="same", use_bias=False
    )(x)
    x = layers.BatchNormalization()(x)

    # Skip connection.
    x = layers.Add()([bottleneck, x])

    # Final resized image.
    x = layers.Conv2D(filters=3, kernel_size=7, strides=1, padding="same")(x)
    final_resize = layers.Add()([naive_resize, x])

    return keras.Model(inputs, final_resize, name="learnable_resizer")


learnable_resizer = get_learnable_resizer()


def seed_kernels(model, seed, scale):  # harness: equal initial weights in both libraries
    rs = np.random.RandomState(seed)
    for variable in model.trainable_weights:
        if len(variable.shape) > 1:
            variable.assign(rs.normal(0, scale, tuple(variable.shape)).astype("float32"))


seed_kernels(learnable_resizer, 1, 0.1)

# Visualize the outputs of the learnable resizing module (arrays only)
sample_images = train_images[:2]
get_np = lambda image: ops.convert_to_numpy(ops.squeeze(image))  # noqa: E731 (as keras.io writes it)
resized_before = []
for i, image in enumerate(sample_images[:2]):
    image = image / 255
    # harness: `training=False` added. Called without it, Keras 3 (3.15) runs the
    # BatchNormalization layers after the first `Resizing` in training mode: `Resizing.call`
    # defaults to `training=True` and Keras writes that default into the call context shared
    # by the layers called after it. keraton keeps inference mode (as tf.keras did).
    resized_image = learnable_resizer(image[None, ...], training=False)
    resized_before.append(get_np(resized_image)[::8, ::8])


def get_model():
    # harness: a small CNN stands in for keras.applications.DenseNet121(weights=None,
    # include_top=True, classes=2, input_shape=(*TARGET_SIZE, 3)): building DenseNet121 alone
    # takes seconds on a CPU, over this suite's budget; its softmax head over 2 classes is kept.
    backbone = keras.Sequential(
        [
            keras.Input((TARGET_SIZE[0], TARGET_SIZE[1], 3)),
            layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2, activation="softmax"),
        ],
        name="densenet121",
    )
    backbone.trainable = True

    inputs = layers.Input((INP_SIZE[0], INP_SIZE[1], 3))
    x = layers.Rescaling(scale=1.0 / 255)(inputs)
    x = learnable_resizer(x)
    outputs = backbone(x)

    return keras.Model(inputs, outputs)


model = get_model()
backbone = model.layers[-1]
seed_kernels(backbone, 2, 0.1)  # harness:
model.compile(
    loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
    optimizer="sgd",
    metrics=["accuracy"],
)
history = model.fit(
    train_images, train_labels, batch_size=BATCH_SIZE,  # harness: arrays in place of train_ds
    validation_data=(val_images, val_labels), epochs=EPOCHS,
    shuffle=False, verbose=0,  # harness:
)

resized_after = []
for i, image in enumerate(sample_images[:2]):
    image = image / 255
    resized_image = learnable_resizer(image[None, ...], training=False)  # harness: as above
    resized_after.append(get_np(resized_image)[::8, ::8])

RESULTS = {
    "resizer_params": learnable_resizer.count_params(),
    "resizer_layer_names": [layer.__class__.__name__ for layer in learnable_resizer.layers],
    "resizer_output_shape": str(tuple(learnable_resizer.output.shape)),
    "backbone_params": backbone.count_params(),
    "backbone_n_layers": len(backbone.layers),
    "backbone_n_weights": len(backbone.weights),
    "backbone_n_trainable": len(backbone.trainable_weights),
    "backbone_input_shape": str(tuple(backbone.input.shape)),
    "params": model.count_params(),
    "resized_before": np.stack(resized_before),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
    "accuracy": history.history["accuracy"],
    "resized_after": np.stack(resized_after),
    "predict": model.predict(val_images, verbose=0),
}
RTOL = 2e-3
ATOL = 1e-4
