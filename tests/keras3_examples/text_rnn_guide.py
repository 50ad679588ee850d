"""keras.io guides/working_with_rnns.py: Working with RNNs (Keras 3), on synthetic data."""
import numpy as np
import keras
from keras import layers
from keras import ops

rng = np.random.RandomState(0)
RESULTS = {}


def seeded_weights(model, seed, scale=0.1):
    # harness: equal initial weights in both libraries
    r = np.random.RandomState(seed)
    model.set_weights([r.normal(0, scale, w.shape).astype("float32") for w in model.get_weights()])


"""
## Built-in RNN layers: a simple example
"""

model = keras.Sequential()
# Add an Embedding layer expecting input vocab of size 1000, and
# output embedding dimension of size 64.
model.add(layers.Embedding(input_dim=1000, output_dim=64))

# Add a LSTM layer with 128 internal units.
model.add(layers.LSTM(128))

# Add a Dense layer with 10 units.
model.add(layers.Dense(10))

model.build(input_shape=(None, 5))  # harness: built so summary shows parameter counts
model.summary()
RESULTS["simple_params"] = model.count_params()

model = keras.Sequential()
model.add(layers.Embedding(input_dim=1000, output_dim=64))

# The output of GRU will be a 3D tensor of shape (batch_size, timesteps, 256)
model.add(layers.GRU(256, return_sequences=True))

# The output of SimpleRNN will be a 2D tensor of shape (batch_size, 128)
model.add(layers.SimpleRNN(128))

model.add(layers.Dense(10))

model.build(input_shape=(None, 5))  # harness
model.summary()
RESULTS["gru_simplernn_params"] = model.count_params()
seeded_weights(model, 1)
tokens = rng.randint(0, 1000, size=(3, 5))
RESULTS["gru_simplernn_predict"] = model.predict(tokens, verbose=0)

"""
## Outputs and states
"""

encoder_vocab = 1000
decoder_vocab = 2000

encoder_input = layers.Input(shape=(None,))
encoder_embedded = layers.Embedding(input_dim=encoder_vocab, output_dim=64)(
    encoder_input
)

# Return states in addition to output
output, state_h, state_c = layers.LSTM(64, return_state=True, name="encoder")(
    encoder_embedded
)
encoder_state = [state_h, state_c]

decoder_input = layers.Input(shape=(None,))
decoder_embedded = layers.Embedding(input_dim=decoder_vocab, output_dim=64)(
    decoder_input
)

# Pass the 2 states to a new LSTM layer, as initial state
decoder_output = layers.LSTM(64, name="decoder")(
    decoder_embedded, initial_state=encoder_state
)
output = layers.Dense(10)(decoder_output)

model = keras.Model([encoder_input, decoder_input], output)
model.summary()
RESULTS["encdec_params"] = model.count_params()
RESULTS["encdec_layer_names"] = [layer.name for layer in model.layers]
seeded_weights(model, 2)
enc_tokens = rng.randint(0, encoder_vocab, size=(3, 6))
dec_tokens = rng.randint(0, decoder_vocab, size=(3, 4))
RESULTS["encdec_predict"] = model.predict([enc_tokens, dec_tokens], verbose=0)
model.save("encdec.keras")
RESULTS["encdec_restored_predict"] = keras.models.load_model("encdec.keras").predict(
    [enc_tokens, dec_tokens], verbose=0)

"""
## Cross-batch statefulness
"""

paragraph1 = rng.random_sample((20, 10, 50)).astype(np.float32)
paragraph2 = rng.random_sample((20, 10, 50)).astype(np.float32)
paragraph3 = rng.random_sample((20, 10, 50)).astype(np.float32)

lstm_layer = layers.LSTM(64, stateful=True)
output = lstm_layer(paragraph1)
seeded_weights(lstm_layer, 3)  # harness
lstm_layer.reset_states()  # harness: start from zeros with the seeded weights
output = lstm_layer(paragraph1)
output = lstm_layer(paragraph2)
output = lstm_layer(paragraph3)
RESULTS["stateful_output"] = ops.convert_to_numpy(output)[:2, :8]
RESULTS["stateful_n_states"] = len(lstm_layer.states)

# reset_states() will reset the cached state to the original initial_state.
# If no initial_state was provided, zero-states will be used by default.
lstm_layer.reset_states()
RESULTS["states_after_reset"] = float(np.abs(ops.convert_to_numpy(lstm_layer.states[0])).sum())
output_again = lstm_layer(paragraph1)
RESULTS["stateful_first_after_reset"] = ops.convert_to_numpy(output_again)[:2, :8]

"""
### RNN State Reuse
"""

lstm_layer = layers.LSTM(64, stateful=True)
output = lstm_layer(paragraph1)
seeded_weights(lstm_layer, 4)  # harness
lstm_layer.reset_states()  # harness
output = lstm_layer(paragraph1)
output = lstm_layer(paragraph2)

existing_state = lstm_layer.states

new_lstm_layer = layers.LSTM(64)
new_output = new_lstm_layer(paragraph3, initial_state=existing_state)
seeded_weights(new_lstm_layer, 5)  # harness
new_output = new_lstm_layer(paragraph3, initial_state=existing_state)
RESULTS["state_reuse_output"] = ops.convert_to_numpy(new_output)[:2, :8]

"""
## Bidirectional RNNs
"""

model = keras.Sequential()
model.add(keras.Input(shape=(5, 10)))
model.add(layers.Bidirectional(layers.LSTM(64, return_sequences=True)))
model.add(layers.Bidirectional(layers.LSTM(32)))
model.add(layers.Dense(10))

model.summary()
RESULTS["bidi_params"] = model.count_params()
RESULTS["bidi_output_shapes"] = str([tuple(layer.output.shape) for layer in model.layers])
seeded_weights(model, 6)
RESULTS["bidi_predict"] = model.predict(paragraph1[:3, :5, :10], verbose=0)

"""
## Performance optimization and CuDNN kernels
"""

batch_size = 16  # harness: 64 in the original
# Each MNIST image batch is a tensor of shape (batch_size, 28, 28).
# Each input sequence will be of size (28, 28) (height is treated like time).
input_dim = 28

units = 16  # harness: 64 in the original
output_size = 10  # labels are from 0 to 9


# Build the RNN model
def build_model(allow_cudnn_kernel=True):
    # CuDNN is only available at the layer level, and not at the cell level.
    # This means `LSTM(units)` will use the CuDNN kernel,
    # while RNN(LSTMCell(units)) will run on non-CuDNN kernel.
    if allow_cudnn_kernel:
        # The LSTM layer with default options uses CuDNN.
        lstm_layer = keras.layers.LSTM(units, input_shape=(None, input_dim))
    else:
        # Wrapping a LSTMCell in a RNN layer will not use CuDNN.
        lstm_layer = keras.layers.RNN(
            keras.layers.LSTMCell(units), input_shape=(None, input_dim)
        )
    model = keras.models.Sequential(
        [
            lstm_layer,
            keras.layers.BatchNormalization(),
            keras.layers.Dense(output_size),
        ]
    )
    return model


# harness: synthetic MNIST-shaped digits instead of keras.datasets.mnist.load_data()
x_train = rng.randint(0, 256, size=(32, 28, 28)).astype("float32") / 255.0
y_train = rng.randint(0, 10, size=(32,))
x_test = rng.randint(0, 256, size=(16, 28, 28)).astype("float32") / 255.0
y_test = rng.randint(0, 10, size=(16,))
sample, sample_label = x_train[0], y_train[0]

model = build_model(allow_cudnn_kernel=True)

model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer="sgd",
    metrics=["accuracy"],
)
model.build((None, None, input_dim))  # harness: build before seeding the weights
seeded_weights(model, 7, scale=0.2)

history = model.fit(
    x_train, y_train, validation_data=(x_test, y_test), batch_size=batch_size, epochs=1,
    shuffle=False,  # harness
)
RESULTS["cudnn_history"] = [history.history[k][0] for k in sorted(history.history)]

noncudnn_model = build_model(allow_cudnn_kernel=False)
noncudnn_model.set_weights(model.get_weights())
noncudnn_model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer="sgd",
    metrics=["accuracy"],
)
history = noncudnn_model.fit(
    x_train, y_train, validation_data=(x_test, y_test), batch_size=batch_size, epochs=1,
    shuffle=False,  # harness
)
RESULTS["noncudnn_history"] = [history.history[k][0] for k in sorted(history.history)]
RESULTS["noncudnn_weight_names"] = [w.path for w in noncudnn_model.weights]

result = model.predict(ops.expand_dims(sample, 0), verbose=0)
RESULTS["predicted_logits"] = result
RESULTS["predicted_label"] = int(ops.convert_to_numpy(ops.argmax(result, axis=1))[0])
RESULTS["lstm_cell_config"] = str(sorted(
    (k, str(v)) for k, v in noncudnn_model.layers[0].cell.get_config().items() if k != "name"))
