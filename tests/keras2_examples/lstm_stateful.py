"""Keras 2 examples/lstm_stateful.py: stateful vs stateless LSTM learning a moving average."""
from __future__ import print_function
import numpy as np
from keras.models import Sequential
from keras.layers import Dense, LSTM

# length of input
input_len = 24

# The window length of the moving average used to generate
# the output from the input in the input/output pair used
# to train the LSTM
tsteps = 2

# The input sequence length that the LSTM is trained on for each output point
lahead = 1

# training parameters passed to "model.fit(...)"
batch_size = 2
epochs = 2

print("*" * 33)
if lahead >= tsteps:
    print("STATELESS LSTM WILL ALSO CONVERGE")
else:
    print("STATELESS LSTM WILL NOT CONVERGE")
print("*" * 33)

rng = np.random.RandomState(0)


def gen_uniform_amp(amp=1, xn=10000):
    """Generates uniform random data between -amp and +amp and of length xn
    (the example's pandas DataFrame replaced by a numpy column)."""
    data_input = rng.uniform(-1 * amp, +1 * amp, xn)
    return data_input.reshape(-1, 1)


# Since the output is a moving average of the input,
# the first few points of output will be NaN
# and will be dropped from the generated data
# before training the LSTM.
to_drop = max(tsteps - 1, lahead - 1)
data_input = gen_uniform_amp(amp=0.1, xn=input_len + to_drop)

# set the target to be a N-point average of the input
expected_output = np.full_like(data_input, np.nan)
for i in range(tsteps - 1, len(data_input)):
    expected_output[i] = data_input[i - tsteps + 1: i + 1].mean(axis=0)

# when lahead > 1, need to convert the input to "rolling window view"
if lahead > 1:
    data_input = np.repeat(data_input, repeats=lahead, axis=1)
    for i, c in enumerate(range(data_input.shape[1])):
        data_input[:, c] = np.roll(data_input[:, c], i)

# drop the nan
expected_output = expected_output[to_drop:]
data_input = data_input[to_drop:]


def split_data(x, y, ratio=0.8):
    to_train = int(input_len * ratio)
    # tweak to match with batch_size
    to_train -= to_train % batch_size

    x_train = x[:to_train]
    y_train = y[:to_train]
    x_test = x[to_train:]
    y_test = y[to_train:]

    # tweak to match with batch_size
    to_drop = x.shape[0] % batch_size
    if to_drop > 0:
        x_test = x_test[:-1 * to_drop]
        y_test = y_test[:-1 * to_drop]

    # some reshaping
    reshape_3 = lambda x: x.reshape((x.shape[0], x.shape[1], 1))
    x_train = reshape_3(x_train)
    x_test = reshape_3(x_test)

    reshape_2 = lambda x: x.reshape((x.shape[0], 1))
    y_train = reshape_2(y_train)
    y_test = reshape_2(y_test)

    return (x_train, y_train), (x_test, y_test)


(x_train, y_train), (x_test, y_test) = split_data(data_input, expected_output)
print('x_train.shape: ', x_train.shape)
print('y_train.shape: ', y_train.shape)
print('x_test.shape: ', x_test.shape)
print('y_test.shape: ', y_test.shape)


def create_model(stateful):
    model = Sequential()
    model.add(LSTM(6,
                   input_shape=(lahead, 1),
                   batch_size=batch_size,
                   stateful=stateful))
    model.add(Dense(1))
    # harness: equal initial weights in both libraries
    seeded = np.random.RandomState(1)
    model.set_weights([seeded.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()])
    model.compile(loss='mse', optimizer='adam')
    return model


print('Creating Stateful Model...')
model_stateful = create_model(stateful=True)

# Train the model
print('Training')
stateful_loss, stateful_val_loss = [], []
for i in range(epochs):
    print('Epoch', i + 1, '/', epochs)
    # Note that the last state for sample i in a batch will
    # be used as initial state for sample i in the next batch.
    # Thus we are simultaneously training on batch_size series with
    # lower resolution than the original series contained in data_input.
    # Each of these series are offset by one step and can be
    # extracted with data_input[i::batch_size].
    h = model_stateful.fit(x_train,
                           y_train,
                           batch_size=batch_size,
                           epochs=1,
                           verbose=1,
                           validation_data=(x_test, y_test),
                           shuffle=False)
    stateful_loss += h.history['loss']
    stateful_val_loss += h.history['val_loss']
    model_stateful.reset_states()

print('Predicting')
predicted_stateful = model_stateful.predict(x_test, batch_size=batch_size)
state_after_predict = [s for s in model_stateful.layers[0].states]
state_after_predict = [np.array(K_state) for K_state in state_after_predict]

print('Creating Stateless Model...')
model_stateless = create_model(stateful=False)

print('Training')
h_stateless = model_stateless.fit(x_train,
                                  y_train,
                                  batch_size=batch_size,
                                  epochs=epochs,
                                  verbose=1,
                                  validation_data=(x_test, y_test),
                                  shuffle=False)

print('Predicting')
predicted_stateless = model_stateless.predict(x_test, batch_size=batch_size)

# The older form of the example: batch_input_shape and two stacked stateful LSTMs.
old = Sequential()
old.add(LSTM(5, batch_input_shape=(batch_size, tsteps, 1),
             return_sequences=True, stateful=True))
old.add(LSTM(5, return_sequences=False, stateful=True))
old.add(Dense(1))
# harness: equal initial weights in both libraries
seeded = np.random.RandomState(2)
old.set_weights([seeded.normal(0, 0.3, w.shape).astype(w.dtype) for w in old.get_weights()])
old.compile(loss='mse', optimizer='rmsprop')
cos = np.cos(np.arange(8 * tsteps) / 3.0).reshape(8, tsteps, 1).astype('float32')
old_expected = cos.mean(axis=1)
old_losses = []
for i in range(2):
    old_h = old.fit(cos, old_expected, batch_size=batch_size, epochs=1, verbose=1, shuffle=False)
    old_losses += old_h.history['loss']
    old.reset_states()
old_predicted = old.predict(cos, batch_size=batch_size)
old_predicted_again = old.predict(cos, batch_size=batch_size)  # states carried over

RESULTS = {
    'stateful_params': model_stateful.count_params(),
    'stateful_loss': stateful_loss,
    'stateful_val_loss': stateful_val_loss,
    'predicted_stateful': predicted_stateful,
    'state_after_predict': np.stack(state_after_predict),
    'stateless_loss': h_stateless.history['loss'],
    'stateless_val_loss': h_stateless.history['val_loss'],
    'predicted_stateless': predicted_stateless,
    'old_params': old.count_params(),
    'old_losses': old_losses,
    'old_predicted': old_predicted,
    'old_predicted_again': old_predicted_again,
}
