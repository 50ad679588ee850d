"""keras.io examples/keras_recipes/packaging_keras_models_for_wide_distribution.py.

Functional Subclassing: a ``keras.Model`` subclass whose ``__init__`` builds a
functional graph (uint8 ``Input`` of unconstrained size, ``Rescaling``) and
calls ``super().__init__(inputs=..., outputs=...)``; ``summary``, recursive walk
of ``layer.layers``, model surgery through ``get_layer(...).input`` and a new
``keras.Model(input, output)``, and the same model with dictionary inputs.
Synthetic MNIST-shaped uint8 data replaces the ``tf.data`` pipeline.
"""

import keras
import numpy as np

print("Keras version", keras.version())
print("Keras is running on", keras.config.backend())

RESULTS = {}

"""
# Dataset (synthetic uint8 digits; numpy arrays instead of tf.data)
"""

BATCH_SIZE = 16  # harness: 256 in the original
rng = np.random.RandomState(0)
# harness: 14x14 images (the model takes any size), channel axis added here
x_train = rng.randint(0, 256, size=(32, 14, 14, 1)).astype("uint8")
train_labels = rng.randint(0, 10, size=(32,)).astype("uint8")
x_test = rng.randint(0, 256, size=(16, 14, 14, 1)).astype("uint8")
test_labels = rng.randint(0, 10, size=(16,)).astype("uint8")

STEPS_PER_EPOCH = len(train_labels) // BATCH_SIZE
EPOCHS = 2  # harness: 5


def seed_weights(model, seed):  # harness: equal initial weights in both libraries
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])


"""
# Functional Subclassing Model
"""


class MnistModel(keras.Model):
    def __init__(self, **kwargs):
        # Keras Functional model definition. This could have used Sequential as
        # well. Sequential is just syntactic sugar for simple functional models.

        # 1-channel monochrome input
        inputs = keras.layers.Input(shape=(None, None, 1), dtype="uint8")
        # pixel format conversion from uint8 to float32
        y = keras.layers.Rescaling(1 / 255.0)(inputs)

        # 3 convolutional layers
        y = keras.layers.Conv2D(
            filters=16, kernel_size=3, padding="same", activation="relu"
        )(y)
        y = keras.layers.Conv2D(
            filters=32, kernel_size=6, padding="same", activation="relu", strides=2
        )(y)
        y = keras.layers.Conv2D(
            filters=48, kernel_size=6, padding="same", activation="relu", strides=2
        )(y)

        # 2 dense layers
        y = keras.layers.GlobalAveragePooling2D()(y)
        y = keras.layers.Dense(48, activation="relu")(y)
        y = keras.layers.Dropout(0.0)(y)  # harness: 0.4 in the original
        outputs = keras.layers.Dense(
            10, activation="softmax", name="classification_head"  # 10 classes
        )(y)

        # A Keras Functional model is created by calling keras.Model(inputs, outputs)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)


model = MnistModel()
seed_weights(model, 1)  # harness:

model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)

history = model.fit(
    x_train,
    train_labels,
    batch_size=BATCH_SIZE,  # harness: batching done by tf.data in the original
    steps_per_epoch=STEPS_PER_EPOCH,
    epochs=EPOCHS,
    validation_data=(x_test, test_labels),
    shuffle=False,  # harness:
)
RESULTS["history_keys"] = sorted(history.history)
for key, values in history.history.items():
    RESULTS["mnist_" + key] = values
RESULTS["mnist_params"] = model.count_params()
RESULTS["is_functional_subclass"] = [int(isinstance(model, MnistModel)),
                                     int(isinstance(model, keras.Model))]
RESULTS["input_dtype"] = keras.ops.dtype(model.inputs[0])  # harness: `.dtype` is a torch.dtype on keraton (documented)
RESULTS["input_shape"] = str(tuple(model.inputs[0].shape))

"""
# Unconstrained inputs: any image size goes through the same weights
"""

RESULTS["predict_10x12"] = model.predict(x_test[:3, :10, :12], verbose=0)
RESULTS["predict_14x14"] = model.predict(x_test[:3], verbose=0)

"""
# Model introspection
"""

model = MnistModel()

# Model summary works
summary_lines = []
model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))
print("\n".join(summary_lines))
RESULTS["summary_mentions_head"] = int(any("classification_head" in line for line in summary_lines))

walked = []


# Recursively walking the layer graph works as well
def walk_layers(layer):
    if hasattr(layer, "layers"):
        for layer in layer.layers:
            walk_layers(layer)
    else:
        print(layer.name)
        walked.append(layer.name)  # harness: recorded


print("\nWalking model layers:\n")
walk_layers(model)
RESULTS["walked_layer_classes"] = [type(layer).__name__ for layer in model.layers]
RESULTS["walked_count"] = len(walked)
RESULTS["walked_head"] = walked[-1]

"""
# Model surgery
"""

model = MnistModel()
seed_weights(model, 2)  # harness:

input = model.input
# cut before the classification head
y = model.get_layer("classification_head").input

# add a new classification head
output = keras.layers.Dense(
    1,  # single class for binary classification
    activation="sigmoid",
    name="binary_classification_head",
)(y)

# create a new functional model
binary_model = keras.Model(input, output)

binary_model.summary()
seed_weights(binary_model, 3)  # harness:
RESULTS["binary_params"] = binary_model.count_params()
RESULTS["binary_layer_names"] = [layer.name for layer in binary_model.layers][1:]  # harness: input name has a counter

# new dataset with 0 / 1 labels (1 = digit '0', 0 = all other digits)
bin_train_labels = (train_labels == 0).astype("uint8")
bin_test_labels = (test_labels == 0).astype("uint8")

# appropriate loss and metric for binary classification
binary_model.compile(
    optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"]
)

history = binary_model.fit(
    x_train,
    bin_train_labels,
    batch_size=BATCH_SIZE,  # harness:
    steps_per_epoch=STEPS_PER_EPOCH,
    epochs=EPOCHS,
    validation_data=(x_test, bin_test_labels),
    shuffle=False,  # harness:
)
for key, values in history.history.items():
    RESULTS["binary_" + key] = values
RESULTS["binary_predict"] = binary_model.predict(x_test[:4], verbose=0)

"""
# Model with dictionary inputs
"""


class MnistDictModel(keras.Model):
    def __init__(self, **kwargs):
        #
        # The input is a dictionary
        #
        inputs = {
            "image": keras.layers.Input(
                shape=(None, None, 1),  # 1-channel monochrome
                dtype="uint8",
                name="image",
            )
        }

        # pixel format conversion from uint8 to float32
        y = keras.layers.Rescaling(1 / 255.0)(inputs["image"])

        # 3 conv layers
        y = keras.layers.Conv2D(
            filters=16, kernel_size=3, padding="same", activation="relu"
        )(y)
        y = keras.layers.Conv2D(
            filters=32, kernel_size=6, padding="same", activation="relu", strides=2
        )(y)
        y = keras.layers.Conv2D(
            filters=48, kernel_size=6, padding="same", activation="relu", strides=2
        )(y)

        # 2 dense layers
        y = keras.layers.GlobalAveragePooling2D()(y)
        y = keras.layers.Dense(48, activation="relu")(y)
        y = keras.layers.Dropout(0.0)(y)  # harness: 0.4
        outputs = keras.layers.Dense(
            10, activation="softmax", name="classification_head"  # 10 classes
        )(y)

        # A Keras Functional model is created by calling keras.Model(inputs, outputs)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)


model = MnistDictModel()
seed_weights(model, 4)  # harness:

model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)

history = model.fit(
    {"image": x_train},
    train_labels,
    batch_size=BATCH_SIZE,  # harness:
    steps_per_epoch=STEPS_PER_EPOCH,
    epochs=EPOCHS,
    validation_data=({"image": x_test}, test_labels),
    shuffle=False,  # harness:
)
for key, values in history.history.items():
    RESULTS["dict_" + key] = values
RESULTS["dict_input_names"] = [t.name for t in model.inputs]
RESULTS["dict_predict"] = model.predict({"image": x_test[:3]}, verbose=0)
RTOL = 1e-3
