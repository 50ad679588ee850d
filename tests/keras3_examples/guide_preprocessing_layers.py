"""keras.io guide "Working with preprocessing layers" (guides/preprocessing_layers.py, Keras 3).

The parts that real Keras 3 runs without TensorFlow (its StringLookup,
IntegerLookup, TextVectorization, Hashing and Discretization.adapt need
``tf``, which the oracle does not have): ``Normalization`` (``adapt``, call,
``mean``/``variance`` given, ``invert``), normalizing numerical features in a
model trained with ``fit`` (CIFAR-10-shaped flattened data, synthetic),
``CategoryEncoding`` (one_hot, multi_hot, count with ``count_weights``),
``Discretization`` with ``bin_boundaries`` (int and one_hot), and the
deterministic image layers (``Rescaling``, ``CenterCrop``, ``Resizing``) in
a model. NumPy arrays instead of ``tf.constant``/``tf.data``.
"""

import numpy as np
import keras
from keras import layers

RESULTS = {}


def np_(x):
    return keras.ops.convert_to_numpy(x)


"""
## The `adapt()` method
"""

data = np.array(
    [
        [0.1, 0.2, 0.3],
        [0.8, 0.9, 1.0],
        [1.5, 1.6, 1.7],
    ]
)
layer = layers.Normalization()
layer.adapt(data)
normalized_data = layer(data)

print("Features mean: %.2f" % (np_(normalized_data).mean()))  # harness: .numpy()
print("Features std: %.2f" % (np_(normalized_data).std()))  # harness: .numpy()
RESULTS["norm_out"] = np_(normalized_data)
RESULTS["norm_mean_std"] = [float(np_(normalized_data).mean()), float(np_(normalized_data).std())]
RESULTS["norm_state"] = [np_(layer.mean), np_(layer.variance)]
RESULTS["norm_count_weights"] = len(layer.weights)

# harness: the guide's own `Normalization(mean=..., variance=...)` and `invert=True` forms
layer = layers.Normalization(mean=[0.8, 0.9, 1.0], variance=[0.3267, 0.3267, 0.3267])
RESULTS["norm_given"] = np_(layer(data))
inverse = layers.Normalization(mean=[0.8, 0.9, 1.0], variance=[0.3267, 0.3267, 0.3267], invert=True)
RESULTS["norm_invert"] = np_(inverse(layer(data)))

"""
## Normalizing numerical features
"""

# harness: CIFAR-10-shaped synthetic images instead of keras.datasets.cifar10.load_data()
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(64, 8, 8, 3)).astype("uint8")  # harness: 8x8, not 32x32
y_train = rng.randint(0, 10, size=(64, 1)).astype("uint8")
x_train = x_train.reshape((len(x_train), -1))
input_shape = x_train.shape[1:]
classes = 10

# Create a Normalization layer and set its internal state using the training data
normalizer = layers.Normalization()
normalizer.adapt(x_train)

# Create a model that include the normalization layer
inputs = keras.Input(shape=input_shape)
x = normalizer(inputs)
outputs = layers.Dense(classes, activation="softmax")(x)
model = keras.Model(inputs, outputs)
dense = model.layers[-1]  # harness: equal initial weights
dense.set_weights([rng.normal(0, 0.05, w.shape).astype("float32") for w in dense.get_weights()])  # harness:

# Train the model
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
history = model.fit(x_train, y_train, batch_size=16, shuffle=False, verbose=0)  # harness: batch, shuffle
RESULTS["num_loss"] = history.history["loss"]
RESULTS["num_norm_mean"] = np_(normalizer.mean)[0, :6]
RESULTS["num_norm_var"] = np_(normalizer.variance)[0, :6]
RESULTS["num_pred"] = model.predict(x_train[:2], verbose=0)
RESULTS["num_n_trainable"] = [len(model.trainable_weights), len(model.non_trainable_weights)]
RESULTS["num_count_params"] = model.count_params()

"""
## Encoding integer categorical features via one-hot encoding
"""

# harness: CategoryEncoding on integer ids (the guide's IntegerLookup needs TensorFlow)
data = np.array([[3], [2], [0], [1]])
encoder = layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
RESULTS["cat_one_hot"] = np_(encoder(data))
encoder = layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")
RESULTS["cat_multi_hot"] = np_(encoder(np.array([[0, 1], [0, 0], [1, 2], [3, 1]])))
encoder = layers.CategoryEncoding(num_tokens=4, output_mode="count")
count_weights = np.array([[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]])
RESULTS["cat_count_weighted"] = np_(encoder(np.array([[0, 1], [0, 0], [1, 2], [3, 1]]),
                                            count_weights=count_weights))
RESULTS["cat_count"] = np_(encoder(np.array([[0, 1], [0, 0], [1, 2], [3, 1]])))

# harness: the hashing trick's CategoryEncoding stage on precomputed bins
# (layers.Hashing needs TensorFlow in Keras 3)
bins = np.random.RandomState(1).randint(0, 64, size=(10, 3))
encoder = layers.CategoryEncoding(num_tokens=64, output_mode="multi_hot")
encoded_data = encoder(bins)
print(encoded_data.shape)
RESULTS["hash_encoded_shape"] = str(tuple(encoded_data.shape))
RESULTS["hash_encoded_sums"] = np_(encoded_data).sum(axis=1)

"""
## Discretization
"""

layer = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
RESULTS["disc_int"] = np_(layer(np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])))
layer = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode="one_hot")
RESULTS["disc_one_hot"] = np_(layer(np.array([-1.5, 1.0, 3.4, 0.5])))
layer = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode="count")
RESULTS["disc_count"] = np_(layer(np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])))

"""
## Image preprocessing (deterministic layers)
"""

images = np.random.RandomState(2).randint(0, 256, size=(2, 12, 10, 3)).astype("float32")
pre = keras.Sequential(
    [
        keras.Input(shape=(12, 10, 3)),
        layers.Rescaling(scale=1.0 / 255),
        layers.CenterCrop(8, 8),
        layers.Resizing(4, 4),
    ]
)
out = pre(images)
RESULTS["img_shape"] = str(tuple(out.shape))
RESULTS["img_out"] = np_(out)[0, :, :, 0]
RESULTS["img_rescaled"] = np_(layers.Rescaling(scale=1.0 / 127.5, offset=-1)(images))[0, 0, :3]
RESULTS["img_resize_nearest"] = np_(layers.Resizing(6, 5, interpolation="nearest")(images))[1, :, :, 2]
RESULTS["img_pre_config_names"] = [type(layer).__name__ for layer in pre.layers]
RTOL = 1e-4
ATOL = 1e-5
