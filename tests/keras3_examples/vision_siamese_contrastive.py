"""keras.io examples/vision/siamese_contrastive.py: siamese network with a contrastive loss.

Synthetic MNIST-shaped digits; the example's random pairing (``random`` module)
is replaced by a numpy RandomState pairing (harness). The shared embedding
network (BatchNormalization inside) is called twice per step.
"""
import numpy as np
import keras
from keras import ops

epochs = 2  # harness: 10
batch_size = 8  # harness: 16
margin = 1  # Margin for contrastive loss.

"""
## Load the MNIST dataset
"""

rng = np.random.RandomState(0)
x_train_val = rng.randint(0, 256, size=(48, 28, 28)).astype("uint8")
y_train_val = rng.randint(0, 10, size=(48,)).astype("uint8")
x_test = rng.randint(0, 256, size=(16, 28, 28)).astype("uint8")
y_test = rng.randint(0, 10, size=(16,)).astype("uint8")

# Change the data type to a floating point format
x_train_val = x_train_val.astype("float32")
x_test = x_test.astype("float32")

# Keep 50% of train_val  in validation set
x_train, x_val = x_train_val[:24], x_train_val[24:]
y_train, y_val = y_train_val[:24], y_train_val[24:]
del x_train_val, y_train_val


"""
## Create pairs of images
"""


def make_pairs(x, y):
    """Creates a tuple containing image pairs with corresponding label."""
    pair_rng = np.random.RandomState(5)  # harness: `random` module in the original
    num_classes = max(y) + 1
    digit_indices = [np.where(y == i)[0] for i in range(num_classes)]

    pairs = []
    labels = []

    for idx1 in range(len(x)):
        # add a matching example
        x1 = x[idx1]
        label1 = y[idx1]
        idx2 = digit_indices[label1][pair_rng.randint(len(digit_indices[label1]))]
        x2 = x[idx2]

        pairs += [[x1, x2]]
        labels += [0]

        # add a non-matching example
        label2 = pair_rng.randint(0, num_classes)
        while label2 == label1 or len(digit_indices[label2]) == 0:
            label2 = pair_rng.randint(0, num_classes)

        idx2 = digit_indices[label2][pair_rng.randint(len(digit_indices[label2]))]
        x2 = x[idx2]

        pairs += [[x1, x2]]
        labels += [1]

    return np.array(pairs), np.array(labels).astype("float32")


# make train pairs
pairs_train, labels_train = make_pairs(x_train, y_train)

# make validation pairs
pairs_val, labels_val = make_pairs(x_val, y_val)

# make test pairs
pairs_test, labels_test = make_pairs(x_test, y_test)

x_train_1 = pairs_train[:, 0]  # x_train_1.shape is (60000, 28, 28)
x_train_2 = pairs_train[:, 1]
x_val_1 = pairs_val[:, 0]  # x_val_1.shape = (60000, 28, 28)
x_val_2 = pairs_val[:, 1]
x_test_1 = pairs_test[:, 0]  # x_test_1.shape = (20000, 28, 28)
x_test_2 = pairs_test[:, 1]

"""
## Define the model
"""


# Provided two tensors t1 and t2
# Euclidean distance = sqrt(sum(square(t1-t2)))
def euclidean_distance(vects):
    """Find the Euclidean distance between two vectors."""
    x, y = vects
    sum_square = ops.sum(ops.square(x - y), axis=1, keepdims=True)
    return ops.sqrt(ops.maximum(sum_square, keras.backend.epsilon()))


input = keras.layers.Input((28, 28, 1))
x = keras.layers.BatchNormalization()(input)
x = keras.layers.Conv2D(4, (5, 5), activation="tanh")(x)
x = keras.layers.AveragePooling2D(pool_size=(2, 2))(x)
x = keras.layers.Conv2D(16, (5, 5), activation="tanh")(x)
x = keras.layers.AveragePooling2D(pool_size=(2, 2))(x)
x = keras.layers.Flatten()(x)

x = keras.layers.BatchNormalization()(x)
x = keras.layers.Dense(10, activation="tanh")(x)
embedding_network = keras.Model(input, x)


input_1 = keras.layers.Input((28, 28, 1))
input_2 = keras.layers.Input((28, 28, 1))

# As mentioned above, Siamese Network share weights between
# tower networks (sister networks). To allow this, we will use
# same embedding network for both tower networks.
tower_1 = embedding_network(input_1)
tower_2 = embedding_network(input_2)

merge_layer = keras.layers.Lambda(euclidean_distance, output_shape=(1,))(
    [tower_1, tower_2]
)
normal_layer = keras.layers.BatchNormalization()(merge_layer)
output_layer = keras.layers.Dense(1, activation="sigmoid")(normal_layer)
siamese = keras.Model(inputs=[input_1, input_2], outputs=output_layer)

"""
## Define the contrastive Loss
"""


def loss(margin=1):
    """Provides 'contrastive_loss' an enclosing scope with variable 'margin'."""

    # Contrastive loss = mean( (1-true_value) * square(prediction) +
    #                         true_value * square( max(margin-prediction, 0) ))
    def contrastive_loss(y_true, y_pred):
        """Calculates the contrastive loss."""
        square_pred = ops.square(y_pred)
        margin_square = ops.square(ops.maximum(margin - (y_pred), 0))
        return ops.mean((1 - y_true) * square_pred + (y_true) * margin_square)

    return contrastive_loss


"""
## Compile the model with the contrastive loss
"""

siamese.compile(loss=loss(margin=margin), optimizer="RMSprop", metrics=["accuracy"])
siamese.summary()

# harness: equal initial weights in both libraries (BatchNormalization statistics kept)
seeded = np.random.RandomState(1)
siamese.set_weights([
    w if "moving" in v.path else
    (1.0 + seeded.normal(0, 0.1, w.shape) if "gamma" in v.path
     else seeded.normal(0, 0.2, w.shape)).astype("float32")
    for v, w in zip(siamese.weights, siamese.get_weights())
])

"""
## Train the model
"""

history = siamese.fit(
    [x_train_1, x_train_2],
    labels_train,
    validation_data=([x_val_1, x_val_2], labels_val),
    batch_size=batch_size,
    epochs=epochs,
    shuffle=False,  # harness: batch order equal in both libraries
)

"""
## Evaluate the model
"""

results = siamese.evaluate([x_test_1, x_test_2], labels_test)
print("test loss, test acc:", results)

predictions = siamese.predict([x_test_1, x_test_2])

siamese.save("siamese.keras")
restored = keras.models.load_model("siamese.keras", compile=False,
                                   custom_objects={"euclidean_distance": euclidean_distance})
bn_first = embedding_network.layers[1]

RESULTS = {
    "params": siamese.count_params(),
    "embedding_params": embedding_network.count_params(),
    "n_weights": len(siamese.weights),
    "n_trainable": len(siamese.trainable_weights),
    "layer_names": [layer.name for layer in siamese.layers],
    "pairs_shape": list(pairs_train.shape),
    "labels_train": labels_train,
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "accuracy": history.history["accuracy"],
    "val_loss": history.history["val_loss"],
    "results": results,
    "predictions": predictions[:8],
    "bn_moving_mean": bn_first.moving_mean.numpy(),
    "bn_moving_variance": bn_first.moving_variance.numpy(),
    "restored": restored.predict([x_test_1[:4], x_test_2[:4]], verbose=0),
}
RTOL, ATOL = 1e-4, 1e-4
