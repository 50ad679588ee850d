"""keras.io examples/nlp/bidirectional_lstm_imdb.py (synthetic IMDB-shaped token ids)."""
import numpy as np
import keras
from keras import layers

max_features = 100  # harness: 20000 in the original; Only consider the top 20k words
maxlen = 12  # harness: 200 in the original; Only consider the first 200 words of each movie review

"""
## Build the model
"""

# Input for variable-length sequences of integers
inputs = keras.Input(shape=(None,), dtype="int32")
# Embed each integer in a 128-dimensional vector
x = layers.Embedding(max_features, 16)(inputs)  # harness: 128 in the original
# Add 2 bidirectional LSTMs
x = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(x)  # harness: 64 units
x = layers.Bidirectional(layers.LSTM(8))(x)  # harness: 64 units
# Add a classifier
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
summary_lines = []
model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])

"""
## Load the IMDB movie review sentiment data
"""

# harness: keras.datasets.imdb.load_data(num_words=max_features) -> synthetic lists of word ids
rng = np.random.RandomState(0)
x_train = [list(rng.randint(1, max_features, size=rng.randint(3, 20))) for _ in range(32)]
y_train = rng.randint(0, 2, size=(32,))
x_val = [list(rng.randint(1, max_features, size=rng.randint(3, 20))) for _ in range(16)]
y_val = rng.randint(0, 2, size=(16,))
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
# Use pad_sequence to standardize sequence length:
# this will truncate sequences longer than 200 words and zero-pad sequences shorter than 200 words.
x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)

"""
## Train and evaluate the model
"""

model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=16, epochs=2, validation_data=(x_val, y_val),
                    shuffle=False)  # harness

# round trips a user of the example would do
model.save("bidirectional_lstm.keras")
restored = keras.models.load_model("bidirectional_lstm.keras")
bidi = model.layers[2]
bidi_clone = layers.Bidirectional.from_config(bidi.get_config())

RESULTS = {
    "params": model.count_params(),
    "layer_names": [layer.name for layer in model.layers],
    "output_shapes": str([tuple(layer.output.shape) for layer in model.layers]),
    "bidi_weight_shapes": str([tuple(w.shape) for w in bidi.weights]),
    "bidi_weight_paths": [w.path for w in bidi.weights],
    "bidi_config_keys": sorted(bidi.get_config()),
    "bidi_merge_mode": bidi.get_config()["merge_mode"],
    "bidi_clone_forward_units": bidi_clone.forward_layer.units,
    "bidi_clone_backward_go_backwards": int(bidi_clone.backward_layer.go_backwards),
    "summary_mentions_params": int(any("Total params" in line for line in summary_lines)),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "accuracy": history.history["accuracy"],
    "val_loss": history.history["val_loss"],
    "val_accuracy": history.history["val_accuracy"],
    "evaluate": model.evaluate(x_val, y_val, verbose=0),
    "predict": model.predict(x_val[:4], verbose=0),
    "restored_predict": restored.predict(x_val[:4], verbose=0),
    "variable_length_predict": model.predict(x_val[:4, -5:], verbose=0),
}
