"""keras.io examples/vision/oxford_pets_image_segmentation.py: U-Net-like (Xception-style) segmentation.

Synthetic RGB images and trimap masks (labels 1..3 shifted to 0..2 as in the
example's ``target_img -= 1``), 160x160 shrunk to 16x16, per-pixel
sparse_categorical_crossentropy.
"""
import numpy as np
import keras
from keras import layers

img_size = (16, 16)  # harness: (160, 160)
num_classes = 3
batch_size = 4  # harness: 32

rng = np.random.RandomState(0)
input_imgs = rng.randint(0, 256, size=(12,) + img_size + (3,)).astype("float32")
target_imgs = rng.randint(1, 4, size=(12,) + img_size + (1,)).astype("uint8")
# Ground truth labels are 1, 2, 3. Subtract one to make them 0, 1, 2:
target_imgs -= 1
train_input, train_target = input_imgs[:8], target_imgs[:8]
valid_input, valid_target = input_imgs[8:], target_imgs[8:]

"""
## Prepare U-Net Xception-style model
"""


def get_model(img_size, num_classes):
    inputs = keras.Input(shape=img_size + (3,))

    ### [First half of the network: downsampling inputs] ###

    # Entry block
    x = layers.Conv2D(4, 3, strides=2, padding="same")(inputs)  # harness: 32 filters
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    previous_block_activation = x  # Set aside residual

    # Blocks 1, 2, 3 are identical apart from the feature depth.
    for filters in [8, 16]:  # harness: [64, 128, 256]
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

        # Project residual
        residual = layers.Conv2D(filters, 1, strides=2, padding="same")(
            previous_block_activation
        )
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    ### [Second half of the network: upsampling inputs] ###

    for filters in [16, 8, 4]:  # harness: [256, 128, 64, 32]
        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.UpSampling2D(2)(x)

        # Project residual
        residual = layers.UpSampling2D(2)(previous_block_activation)
        residual = layers.Conv2D(filters, 1, padding="same")(residual)
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    # Add a per-pixel classification layer
    outputs = layers.Conv2D(num_classes, 3, activation="softmax", padding="same")(x)

    # Define the model
    model = keras.Model(inputs, outputs)
    return model


# Build model
model = get_model(img_size, num_classes)
model.summary()

# harness: equal initial weights in both libraries (BatchNormalization statistics kept)
seeded = np.random.RandomState(1)
model.set_weights([
    w if "moving" in v.path else
    (1.0 + seeded.normal(0, 0.1, w.shape) if "gamma" in v.path
     else seeded.normal(0, 0.2, w.shape)).astype("float32")
    for v, w in zip(model.weights, model.get_weights())
])

before = model.predict(valid_input[:2], verbose=0)

"""
## Train the model
"""

# Configure the model for training.
# We use the "sparse" version of categorical_crossentropy
# because our target data is integers.
def per_pixel_sparse_categorical_crossentropy(y_true, y_pred):
    # harness: Keras 3.15's torch backend cannot backpropagate through a 4-D
    # "sparse_categorical_crossentropy" on CPU (RuntimeError: grad_input must be
    # contiguous); the same per-pixel loss on flattened pixels trains in both
    # libraries. The 4-D loss itself is compared below with evaluate().
    return keras.losses.sparse_categorical_crossentropy(
        keras.ops.reshape(y_true, (-1, 1)), keras.ops.reshape(y_pred, (-1, num_classes))
    )


model.compile(
    optimizer=keras.optimizers.Adam(1e-4), loss=per_pixel_sparse_categorical_crossentropy
)

callbacks = [
    keras.callbacks.ModelCheckpoint("oxford_segmentation.keras", save_best_only=True)
]

# Train the model, doing validation at the end of each epoch.
epochs = 2  # harness: 50
history = model.fit(
    train_input, train_target,
    batch_size=batch_size,
    epochs=epochs,
    validation_data=(valid_input, valid_target),
    callbacks=callbacks,
    verbose=2,
    shuffle=False,  # harness: batch order equal in both libraries
)

"""
## Visualize predictions
"""

# Generate predictions for all images in the validation set
val_preds = model.predict(valid_input)


def display_mask(i):
    """Quick utility to display a model's prediction."""
    mask = np.argmax(val_preds[i], axis=-1)
    mask = np.expand_dims(mask, axis=-1)
    img = keras.utils.array_to_img(mask)
    return mask, np.asarray(img)


mask, mask_img = display_mask(2)
best = keras.models.load_model(
    "oxford_segmentation.keras", compile=False)  # harness: the loss above is a local function
best.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")

RESULTS = {
    "params": model.count_params(),
    "non_trainable": sum(int(np.prod(w.shape)) for w in model.non_trainable_weights),
    "output_shape": list(model.output.shape[1:]),
    "layer_types": [type(layer).__name__ for layer in model.layers],
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
    "before": before,
    "val_preds": val_preds[:2],
    "mask": mask,
    "mask_img": mask_img,
    "best_predict": best.predict(valid_input[:2], verbose=0),
    "best_evaluate": best.evaluate(valid_input, valid_target, verbose=0),
}
# The convolution biases in front of BatchNormalization have a zero gradient up to float
# noise, which Adam's first steps scale to +-learning_rate: trained predictions agree to ~1e-3.
RTOL, ATOL = 1e-4, 5e-3
