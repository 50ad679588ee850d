"""keras.io guides/transfer_learning.py: freezing layers, trainable propagation, fine-tuning a base model.

The guide's Xception(weights="imagenet") base cannot be downloaded here; a small
convolutional base with BatchNormalization stands in for it (harness), and the
cats-vs-dogs images are synthetic. The end-to-end flow is the guide's: frozen
base called with training=False, train the top, unfreeze, recompile with a low
learning rate, fine-tune (BatchNormalization stays in inference mode).
"""
import numpy as np
import keras
from keras import layers

RESULTS = {}

"""
## Freezing layers: understanding the `trainable` attribute
"""

layer = keras.layers.Dense(3)
layer.build((None, 4))  # Create the weights
RESULTS["dense_counts"] = [len(layer.weights), len(layer.trainable_weights),
                           len(layer.non_trainable_weights)]

layer = keras.layers.BatchNormalization()
layer.build((None, 4))  # Create the weights
RESULTS["bn_counts"] = [len(layer.weights), len(layer.trainable_weights),
                        len(layer.non_trainable_weights)]

layer = keras.layers.Dense(3)
layer.build((None, 4))  # Create the weights
layer.trainable = False  # Freeze the layer
RESULTS["frozen_counts"] = [len(layer.weights), len(layer.trainable_weights),
                            len(layer.non_trainable_weights)]

# Make a model with 2 layers
layer1 = keras.layers.Dense(3, activation="relu")
layer2 = keras.layers.Dense(3, activation="sigmoid")
model = keras.Sequential([keras.Input(shape=(3,)), layer1, layer2])

# Freeze the first layer
layer1.trainable = False

# Keep a copy of the weights of layer1 for later reference
initial_layer1_weights_values = layer1.get_weights()

# Train the model
model.compile(optimizer="adam", loss="mse")
rng = np.random.RandomState(0)
model.fit(rng.random_sample((2, 3)), rng.random_sample((2, 3)))

# Check that the weights of layer1 have not changed during training
final_layer1_weights_values = layer1.get_weights()
np.testing.assert_allclose(
    initial_layer1_weights_values[0], final_layer1_weights_values[0]
)
np.testing.assert_allclose(
    initial_layer1_weights_values[1], final_layer1_weights_values[1]
)

"""
## Recursive setting of the `trainable` attribute
"""

inner_model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        keras.layers.Dense(3, activation="relu"),
        keras.layers.Dense(3, activation="relu"),
    ]
)

model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        inner_model,
        keras.layers.Dense(3, activation="sigmoid"),
    ]
)

model.trainable = False  # Freeze the outer model

assert inner_model.trainable == False  # All layers in `model` are now frozen  # noqa: E712 (as the guide)
assert inner_model.layers[0].trainable == False  # `trainable` is propagated recursively  # noqa: E712
RESULTS["recursive_trainable"] = [len(model.trainable_weights), len(model.non_trainable_weights)]

"""
## An end-to-end example: fine-tuning an image classification model
"""

image_size = (16, 16)  # harness: (150, 150)
x_all = np.random.RandomState(1).randint(0, 256, size=(24,) + image_size + (3,)).astype("float32")
y_all = np.random.RandomState(2).randint(0, 2, size=(24, 1)).astype("float32")
x_train, y_train, x_val, y_val = x_all[:16], y_all[:16], x_all[16:], y_all[16:]


def make_base_model(input_shape):  # harness: stands in for keras.applications.Xception
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(16, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    outputs = layers.Activation("relu")(x)
    return keras.Model(inputs, outputs, name="xception")


base_model = make_base_model(image_size + (3,))
seeded = np.random.RandomState(3)  # harness: equal "pre-trained" weights in both libraries
base_model.set_weights([
    np.abs(1.0 + seeded.normal(0, 0.1, w.shape)).astype("float32") if "variance" in v.path
    else seeded.normal(0, 0.3, w.shape).astype("float32")
    for v, w in zip(base_model.weights, base_model.get_weights())
])

# Freeze the base_model
base_model.trainable = False

# Create new model on top
inputs = keras.Input(shape=image_size + (3,))

# Pre-trained Xception weights requires that input be scaled
# from (0, 255) to a range of (-1., +1.), the rescaling layer
# outputs: `(inputs * scale) + offset`
scale_layer = keras.layers.Rescaling(scale=1 / 127.5, offset=-1)
x = scale_layer(inputs)

# The base model contains batchnorm layers. We want to keep them in inference mode
# when we unfreeze the base model for fine-tuning, so we make sure that the
# base_model is running in inference mode here.
x = base_model(x, training=False)
x = keras.layers.GlobalAveragePooling2D()(x)
x = keras.layers.Dropout(0.0)(x)  # Regularize with dropout (harness: 0.2)
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

summary_lines = []
model.summary(show_trainable=True, print_fn=lambda line, **kwargs: summary_lines.append(line))
print("\n".join(summary_lines))
model.layers[-1].set_weights([seeded.normal(0, 0.3, (16, 1)).astype("float32"),
                              np.zeros(1, "float32")])  # harness: equal head weights

moving_before = [w.numpy().copy() for w in base_model.weights if "moving" in w.path]
RESULTS["frozen_model_counts"] = [len(model.trainable_weights), len(model.non_trainable_weights)]

model.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy()],
)

epochs = 2  # harness: 2
print("Fitting the top layer of the model")
history = model.fit(x_train, y_train, batch_size=8, epochs=epochs,
                    validation_data=(x_val, y_val), shuffle=False)  # harness: shuffle=False

"""
## Do a round of fine-tuning of the entire model
"""

# Unfreeze the base_model. Note that it keeps running in inference mode
# since we passed `training=False` when calling it. This means that
# the batchnorm layers will not update their batch statistics.
# This prevents the batchnorm layers from undoing all the training
# we've done so far.
base_model.trainable = True
# harness: Keras 3.15 (torch) does NOT keep these layers in inference mode: the
# outer model's training=True overrides the recorded `training=False` of the
# base_model call, so fit updates the moving statistics, contrary to the guide
# (keraton follows the guide). Freezing the BatchNormalization layers runs them
# in inference mode in both libraries.
for bn_layer in base_model.layers:
    if isinstance(bn_layer, keras.layers.BatchNormalization):
        bn_layer.trainable = False
model.summary(show_trainable=True)
RESULTS["unfrozen_model_counts"] = [len(model.trainable_weights), len(model.non_trainable_weights)]

model.compile(
    optimizer=keras.optimizers.Adam(1e-5),  # Low learning rate
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy()],
)

epochs = 1  # harness: 1
print("Fitting the end-to-end model")
history_ft = model.fit(x_train, y_train, batch_size=8, epochs=epochs,
                       validation_data=(x_val, y_val), shuffle=False)  # harness: shuffle=False

print("Test dataset evaluation")
score = model.evaluate(x_val, y_val)

moving_after = [w.numpy() for w in base_model.weights if "moving" in w.path]

RESULTS.update({
    "summary_trainable_column": int(any("Trainable" in line for line in summary_lines)),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
    "ft_loss": history_ft.history["loss"],
    "ft_val_loss": history_ft.history["val_loss"],
    "score": score,
    "moving_stats_unchanged": int(all(np.array_equal(a, b) for a, b in zip(moving_before, moving_after))),
    "moving_after": np.concatenate([m.ravel() for m in moving_after]),
    "moving_before": np.concatenate([m.ravel() for m in moving_before]),
    "base_kernel_after": base_model.get_weights()[0],
    "predict": model.predict(x_val, verbose=0),
})
