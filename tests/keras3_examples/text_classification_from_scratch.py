"""keras.io examples/nlp/text_classification_from_scratch.py (Keras 3), synthetic IMDB ids.

An ``Input(shape=(None,), dtype="int64")`` of variable length, ``Embedding``,
``Dropout``, two ``Conv1D(padding="valid", strides=3)``, ``GlobalMaxPooling1D``,
``Dense`` and a named sigmoid output, trained with ``binary_crossentropy``;
the model is then called on a sequence length it never saw (the example's
``TextVectorization`` output length), as the end-to-end model does. The
string vectorization itself needs TensorFlow; token ids stand in for it.
Widths are reduced.
"""
import numpy as np
import keras
from keras import layers

"""
## Prepare the data
"""

# Model constants.
max_features = 100  # harness: 20000
embedding_dim = 8  # harness: 128
sequence_length = 64  # harness: 500

# harness: vectorized reviews (what vectorize_layer(text) gives) instead of the IMDB files
rng = np.random.RandomState(0)


def vectorized(n):
    ids = rng.randint(2, max_features, size=(n, sequence_length))
    lengths = rng.randint(20, sequence_length + 1, size=(n,))
    ids[np.arange(sequence_length)[None, :] >= lengths[:, None]] = 0
    return ids.astype("int64"), rng.randint(0, 2, size=(n,)).astype("int64")


train_x, train_y = vectorized(48)
val_x, val_y = vectorized(16)
test_x, test_y = vectorized(16)

"""
## Build a model
"""

# A integer input for vocab indices.
inputs = keras.Input(shape=(None,), dtype="int64")

# Next, we add a layer to map those vocab indices into a space of dimensionality
# 'embedding_dim'.
x = layers.Embedding(max_features, embedding_dim)(inputs)
x = layers.Dropout(0.0)(x)  # harness: 0.5 (randomness would reach the results)

# Conv1D + global max pooling
x = layers.Conv1D(16, 7, padding="valid", activation="relu", strides=3)(x)  # harness: 128
x = layers.Conv1D(16, 7, padding="valid", activation="relu", strides=3)(x)  # harness: 128
x = layers.GlobalMaxPooling1D()(x)

# We add a vanilla hidden layer:
x = layers.Dense(16, activation="relu")(x)  # harness: 128
x = layers.Dropout(0.0)(x)  # harness: 0.5

# We project onto a single unit output layer, and squash it with a sigmoid:
predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)

model = keras.Model(inputs, predictions)

# Compile the model with binary crossentropy loss and an adam optimizer.
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])

"""
## Train the model
"""

epochs = 2  # harness: 3

# Fit the model using the train and test datasets.
history = model.fit(train_x, train_y, batch_size=16,  # harness: arrays instead of train_ds
                    validation_data=(val_x, val_y), epochs=epochs,
                    shuffle=False, verbose=0)  # harness:

"""
## Evaluate the model on the test set
"""

score = model.evaluate(test_x, test_y, verbose=0)

"""
## Make an end-to-end model
"""

# harness: the end-to-end model takes strings (TextVectorization needs TensorFlow); here
# the same trained model is wrapped in a new functional model on the vectorizer's ids
end_inputs = keras.Input(shape=(None,), dtype="int64")
end_outputs = model(end_inputs)
end_to_end_model = keras.Model(end_inputs, end_outputs)
end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

RESULTS = {
    "params": model.count_params(),
    "output_shapes": str([tuple(layer.output.shape) for layer in model.layers]),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "accuracy": history.history["accuracy"],
    "val_loss": history.history["val_loss"],
    "val_accuracy": history.history["val_accuracy"],
    "score": score,
    "predict": model.predict(test_x[:4], verbose=0),
    "predict_shorter": model.predict(test_x[:4, :40], verbose=0),
    "end_to_end_evaluate": end_to_end_model.evaluate(test_x, test_y, verbose=0),
}
