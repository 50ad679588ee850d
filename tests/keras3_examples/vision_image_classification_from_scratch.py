"""keras.io examples/vision/image_classification_from_scratch.py: Xception-like binary classifier.

Synthetic cat/dog images (uint8 RGB, 180x180 shrunk to 32x32). The data
augmentation sits inside the model (the example's "option 1"); the synthetic
images are left-right symmetric so RandomFlip("horizontal") is the identity on
them, and RandomRotation's factor is 0 (harness), so training is deterministic
while still running the augmentation layers in training mode.
"""
import numpy as np
import keras
from keras import layers

image_size = (32, 32)  # harness: (180, 180) in the original
batch_size = 8  # harness: 128 in the original

rng = np.random.RandomState(0)
half = rng.randint(0, 256, size=(40, 32, 16, 3))
images = np.concatenate([half, half[:, :, ::-1]], axis=2).astype("float32")  # harness: symmetric
labels = rng.randint(0, 2, size=(40, 1)).astype("float32")
x_train, y_train = images[:32], labels[:32]
x_val, y_val = images[32:], labels[32:]

"""
## Using image data augmentation
"""

data_augmentation = keras.Sequential(
    [
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.0),  # harness: 0.1 in the original; 0 keeps training deterministic
    ]
)

augmented = data_augmentation(x_train[:4], training=True)

"""
## Build a model
"""


def make_model(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    # Image augmentation block
    x = data_augmentation(inputs)

    # Entry block
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(8, 3, strides=2, padding="same")(x)  # harness: 128 filters
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    previous_block_activation = x  # Set aside residual

    for size in [16, 24]:  # harness: [256, 512, 728] in the original
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

        # Project residual
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(
            previous_block_activation
        )
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    x = layers.SeparableConv2D(32, 3, padding="same")(x)  # harness: 1024 filters
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    x = layers.GlobalAveragePooling2D()(x)
    if num_classes == 2:
        units = 1
    else:
        units = num_classes

    x = layers.Dropout(0.0)(x)  # harness: 0.25 in the original
    # We specify activation=None so as to return logits
    outputs = layers.Dense(units, activation=None)(x)
    return keras.Model(inputs, outputs)


model = make_model(input_shape=image_size + (3,), num_classes=2)

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([
    (1.0 + seeded.normal(0, 0.1, w.shape) if "gamma" in v.path or "variance" in v.path
     else seeded.normal(0, 0.2, w.shape)).astype("float32") if "variance" not in v.path
    else np.abs(1.0 + seeded.normal(0, 0.1, w.shape)).astype("float32")
    for v, w in zip(model.weights, model.get_weights())
])

"""
## Train the model
"""

epochs = 2  # harness: 25 in the original

callbacks = [
    keras.callbacks.ModelCheckpoint("save_at_{epoch}.keras"),
]
model.compile(
    optimizer=keras.optimizers.Adam(3e-4),
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy(name="acc")],
)
history = model.fit(
    x_train, y_train,
    batch_size=batch_size,
    epochs=epochs,
    callbacks=callbacks,
    validation_data=(x_val, y_val),
    shuffle=False,  # harness: batch order equal in both libraries
)

"""
## Run inference on new data
"""

keras.utils.save_img("cat.png", x_val[0])
img = keras.utils.load_img("cat.png", target_size=image_size)
img_array = keras.utils.img_to_array(img)
img_array = keras.ops.expand_dims(img_array, 0)  # Create batch axis

predictions = model.predict(img_array, verbose=0)
score = float(keras.ops.sigmoid(predictions[0][0]))
print(f"This image is {100 * (1 - score):.2f}% cat and {100 * score:.2f}% dog.")

first = keras.models.load_model("save_at_1.keras")
second = keras.models.load_model("save_at_2.keras")
bn = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)][0]

RESULTS = {
    "params": model.count_params(),
    "trainable_params": sum(int(np.prod(w.shape)) for w in model.trainable_weights),
    "n_layers": len(model.layers),
    "layer_types": [type(layer).__name__ for layer in model.layers],
    "augmented": np.asarray(augmented),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "acc": history.history["acc"],
    "val_loss": history.history["val_loss"],
    "val_acc": history.history["val_acc"],
    "img_array": np.asarray(img_array),
    "score": score,
    "predict": model.predict(x_val, verbose=0),
    "evaluate": model.evaluate(x_val, y_val, verbose=0),
    "moving_mean": bn.moving_mean.numpy(),
    "moving_variance": bn.moving_variance.numpy(),
    "save_at_1_predict": first.predict(x_val, verbose=0),
    "save_at_2_predict": second.predict(x_val, verbose=0),
    "save_at_2_layers": [type(layer).__name__ for layer in second.layers],
}
RTOL, ATOL = 1e-4, 1e-4
