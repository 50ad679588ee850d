"""keras.io guide "The Sequential model" (guides/sequential_model.py, Keras 3).

Creating a ``Sequential`` model from a list and with ``add``/``pop``, layer
names, deferred weight creation (``weights`` empty until the first call),
``keras.Input`` as first entry (``model.layers`` excludes it), output shapes
while stacking Conv2D/MaxPooling2D (what ``summary`` shows), feature extraction
with ``keras.Model(inputs=initial_model.inputs, outputs=[layer.output ...])``
and via ``get_layer(name=...).output``, and transfer learning by freezing all
layers but the last and by freezing a base model inside a Sequential.
Synthetic data, small sizes.
"""

import numpy as np
import keras
from keras import layers
from keras import ops

RESULTS = {}


def seed_weights(model, seed, scale=0.1):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, scale, w.shape).astype("float32") for w in model.get_weights()])


"""
## When to use a Sequential model
"""

# Define Sequential model with 3 layers
model = keras.Sequential(
    [
        layers.Dense(2, activation="relu", name="layer1"),
        layers.Dense(3, activation="relu", name="layer2"),
        layers.Dense(4, name="layer3"),
    ]
)
# Call model on a test input
x = ops.ones((3, 3))
y = model(x)
seed_weights(model, 0, 0.5)  # harness:
y = model(x)  # harness:
RESULTS["seq_y"] = ops.convert_to_numpy(y)
RESULTS["seq_layer_names"] = [layer.name for layer in model.layers]

# is equivalent to this function:

# Create 3 layers
layer1 = layers.Dense(2, activation="relu", name="layer1")
layer2 = layers.Dense(3, activation="relu", name="layer2")
layer3 = layers.Dense(4, name="layer3")

# Call layers on a test input
x = ops.ones((3, 3))
y = layer3(layer2(layer1(x)))
layer1.set_weights(model.layers[0].get_weights())  # harness:
layer2.set_weights(model.layers[1].get_weights())  # harness:
layer3.set_weights(model.layers[2].get_weights())  # harness:
y = layer3(layer2(layer1(x)))  # harness:
RESULTS["layers_y"] = ops.convert_to_numpy(y)

"""
## Creating a Sequential model
"""

model = keras.Sequential(
    [
        layers.Dense(2, activation="relu"),
        layers.Dense(3, activation="relu"),
        layers.Dense(4),
    ]
)
RESULTS["list_n_layers"] = len(model.layers)
RESULTS["list_layer_types"] = [type(layer).__name__ for layer in model.layers]

model = keras.Sequential()
model.add(layers.Dense(2, activation="relu"))
model.add(layers.Dense(3, activation="relu"))
model.add(layers.Dense(4))
RESULTS["add_n_layers"] = len(model.layers)

model.pop()
print(len(model.layers))  # 2
RESULTS["pop_n_layers"] = len(model.layers)
RESULTS["pop_units"] = [layer.units for layer in model.layers]

model = keras.Sequential(name="my_sequential")
model.add(layers.Dense(2, activation="relu", name="layer1"))
model.add(layers.Dense(3, activation="relu", name="layer2"))
model.add(layers.Dense(4, name="layer3"))
RESULTS["named_model"] = model.name
RESULTS["named_layers"] = [layer.name for layer in model.layers]

"""
## Specifying the input shape in advance
"""

layer = layers.Dense(3)
RESULTS["dense_weights_before"] = len(layer.weights)  # Empty

# Call layer on a test input
x = ops.ones((1, 4))
y = layer(x)
RESULTS["dense_weight_shapes"] = [str(tuple(w.shape)) for w in layer.weights]  # (4, 3) and (3,)

model = keras.Sequential(
    [
        layers.Dense(2, activation="relu"),
        layers.Dense(3, activation="relu"),
        layers.Dense(4),
    ]
)  # No weights at this stage!
RESULTS["deferred_built"] = int(model.built)

# Call the model on a test input
x = ops.ones((1, 4))
y = model(x)
print("Number of weights after calling the model:", len(model.weights))  # 6
RESULTS["deferred_n_weights"] = len(model.weights)
RESULTS["deferred_count_params"] = model.count_params()

summary_lines = []
model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))
RESULTS["summary_mentions_params"] = int(any("Total params" in line for line in summary_lines))

model = keras.Sequential()
model.add(keras.Input(shape=(4,)))
model.add(layers.Dense(2, activation="relu"))

model.summary(print_fn=lambda line, **kwargs: None)  # harness: print_fn
RESULTS["input_first_layers"] = [type(layer).__name__ for layer in model.layers]
RESULTS["input_first_output_shape"] = str(tuple(model.outputs[0].shape))  # harness: Keras 3 Sequential has no .output
RESULTS["input_first_count_params"] = model.count_params()

model = keras.Sequential()
model.add(layers.Dense(2, activation="relu", input_shape=(4,)))  # harness: deprecated style
RESULTS["input_shape_kw_n_layers"] = len(model.layers)
RESULTS["input_shape_kw_n_weights"] = len(model.weights)

"""
## A common debugging workflow: `add()` + `summary()`
"""

model = keras.Sequential()
model.add(keras.Input(shape=(250, 250, 3)))  # 250x250 RGB images
model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(3))

# Can you guess what the current output shape is at this point? Probably not.
# Let's just print it:
model.summary(print_fn=lambda line, **kwargs: None)  # harness: print_fn
RESULTS["debug_shape_1"] = str(tuple(model.outputs[0].shape))  # harness: Keras 3 Sequential has no .output  # The answer was: (40, 40, 32)

model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(3))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(2))

# And now?
model.summary(print_fn=lambda line, **kwargs: None)  # harness: print_fn
RESULTS["debug_shape_2"] = str(tuple(model.outputs[0].shape))  # harness: Keras 3 Sequential has no .output

# Now that we have 4x4 feature maps, time to apply global max pooling.
model.add(layers.GlobalMaxPooling2D())

# Finally, we add a classification layer.
model.add(layers.Dense(10))
RESULTS["debug_output_shapes"] = [str(tuple(layer.output.shape)) for layer in model.layers]
RESULTS["debug_count_params"] = model.count_params()
seed_weights(model, 1)  # harness:
img = np.random.RandomState(2).random_sample((2, 250, 250, 3)).astype("float32")  # harness:
RESULTS["debug_predict"] = model.predict(img, verbose=0)

"""
## Feature extraction with a Sequential model
"""

initial_model = keras.Sequential(
    [
        keras.Input(shape=(250, 250, 3)),
        layers.Conv2D(32, 5, strides=2, activation="relu"),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Conv2D(32, 3, activation="relu"),
    ]
)
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=[layer.output for layer in initial_model.layers],
)
seed_weights(initial_model, 3)  # harness:

# Call feature extractor on test input.
x = ops.ones((1, 250, 250, 3))
features = feature_extractor(x)
RESULTS["fe_all_shapes"] = [str(tuple(f.shape)) for f in features]
RESULTS["fe_all_last_mean"] = float(ops.convert_to_numpy(ops.mean(features[-1])))
RESULTS["fe_all_n_layers"] = len(feature_extractor.layers)

initial_model = keras.Sequential(
    [
        keras.Input(shape=(250, 250, 3)),
        layers.Conv2D(32, 5, strides=2, activation="relu"),
        layers.Conv2D(32, 3, activation="relu", name="my_intermediate_layer"),
        layers.Conv2D(32, 3, activation="relu"),
    ]
)
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=initial_model.get_layer(name="my_intermediate_layer").output,
)
seed_weights(initial_model, 3)  # harness:
# Call feature extractor on test input.
x = ops.ones((1, 250, 250, 3))
features = feature_extractor(x)
RESULTS["fe_one_shape"] = str(tuple(features.shape))
RESULTS["fe_one_slice"] = ops.convert_to_numpy(features)[0, :2, :2, :4]
RESULTS["fe_one_count_params"] = feature_extractor.count_params()

"""
## Transfer learning with a Sequential model
"""

model = keras.Sequential(
    [
        keras.Input(shape=(784,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(32, activation="relu"),
        layers.Dense(32, activation="relu"),
        layers.Dense(10),
    ]
)

# Presumably you would want to first load pre-trained weights.
seed_weights(model, 4)  # harness: instead of model.load_weights(...)
model.save_weights("pretrained.weights.h5")  # harness:
model.load_weights("pretrained.weights.h5")

# Freeze all layers except the last one.
for layer in model.layers[:-1]:
    layer.trainable = False

# Recompile and train (this will only update the weights of the last layer).
model.compile(
    optimizer=keras.optimizers.SGD(0.1),  # harness: the guide leaves compile(...) open
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
xs = np.random.RandomState(5).random_sample((64, 784)).astype("float32")  # harness:
ys = np.random.RandomState(6).randint(0, 10, size=(64,))  # harness:
frozen_before = [w.copy() for w in model.get_weights()]
history = model.fit(xs, ys, batch_size=16, epochs=2, shuffle=False, verbose=0)  # harness:
frozen_after = model.get_weights()
RESULTS["tl_trainable_counts"] = [len(model.trainable_weights), len(model.non_trainable_weights)]
RESULTS["tl_changed"] = [int(not np.array_equal(a, b)) for a, b in zip(frozen_before, frozen_after)]
RESULTS["tl_loss"] = history.history["loss"]
RESULTS["tl_accuracy"] = history.history["accuracy"]
RESULTS["tl_last_kernel_sum"] = float(frozen_after[-2].sum())

# Load a convolutional base with pre-trained weights
# harness: a small convolutional base instead of
# keras.applications.Xception(weights='imagenet', include_top=False, pooling='avg')
base_model = keras.Sequential(
    [
        keras.Input(shape=(32, 32, 3)),
        layers.Conv2D(8, 3, strides=2, activation="relu"),
        layers.BatchNormalization(),
        layers.Conv2D(16, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
    ],
    name="base",
)
rs = np.random.RandomState(7)  # harness: positive weights (BatchNormalization variance)
base_model.set_weights([rs.uniform(0.05, 0.3, w.shape).astype("float32") for w in base_model.get_weights()])  # harness:

# Freeze the base model
base_model.trainable = False

# Use a Sequential model to add a trainable classifier on top
model = keras.Sequential(
    [
        base_model,
        layers.Dense(1000),
    ]
)
model.build((None, 32, 32, 3))  # harness: weights before seeding the head
model.layers[-1].set_weights(  # harness:
    [np.random.RandomState(8).normal(0, 0.1, (16, 1000)).astype("float32"), np.zeros(1000, "float32")])

# Compile & train
model.compile(
    optimizer=keras.optimizers.Adam(1e-3),  # harness:
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
)
imgs = np.random.RandomState(9).random_sample((32, 32, 32, 3)).astype("float32")  # harness:
labels = np.random.RandomState(10).randint(0, 1000, size=(32,))  # harness:
history = model.fit(imgs, labels, batch_size=16, epochs=2, shuffle=False, verbose=0)  # harness:
RESULTS["xfer_trainable_counts"] = [len(model.trainable_weights), len(model.non_trainable_weights)]
RESULTS["xfer_count_params"] = model.count_params()
RESULTS["xfer_loss"] = history.history["loss"]
RESULTS["xfer_bn_moving_mean"] = ops.convert_to_numpy(base_model.layers[1].moving_mean)
RESULTS["xfer_pred"] = model.predict(imgs[:2], verbose=0)[:, :5]
RTOL = 2e-4
