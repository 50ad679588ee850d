"""Keras 2 examples/mnist_hierarchical_rnn.py: a hierarchical RNN (rows, then columns) on MNIST."""
from __future__ import print_function

import numpy as np

import keras
from keras.models import Model
from keras.layers import Input, Dense, TimeDistributed
from keras.layers import LSTM

# Training parameters.
batch_size = 16
num_classes = 10
epochs = 2

# Embedding dimensions.
row_hidden = 8
col_hidden = 8

# the data, split between train and test sets (MNIST's dtypes and ranges; no download)
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(32, 28, 28)).astype('uint8')
y_train = rng.randint(0, 10, size=(32,))
x_test = rng.randint(0, 256, size=(16, 28, 28)).astype('uint8')
y_test = rng.randint(0, 10, size=(16,))

# Reshapes data to 4D for Hierarchical RNN.
x_train = x_train.reshape(x_train.shape[0], 28, 28, 1)
x_test = x_test.reshape(x_test.shape[0], 28, 28, 1)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
print('x_train shape:', x_train.shape)
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# Converts class vectors to binary class matrices.
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

row, col, pixel = x_train.shape[1:]

# 4D input.
x = Input(shape=(row, col, pixel))

# Encodes a row of pixels using TimeDistributed Wrapper.
encoded_rows = TimeDistributed(LSTM(row_hidden))(x)

# Encodes columns of encoded rows.
encoded_columns = LSTM(col_hidden)(encoded_rows)

# Final predictions and model.
prediction = Dense(num_classes, activation='softmax')(encoded_columns)
model = Model(x, prediction)

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.2, w.shape).astype(w.dtype) for w in model.get_weights()])

model.compile(loss='categorical_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])

# Training.
history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=1,
                    shuffle=False,  # harness: no shuffle randomness
                    validation_data=(x_test, y_test))

# Evaluation.
scores = model.evaluate(x_test, y_test, verbose=0)
print('Test loss:', scores[0])
print('Test accuracy:', scores[1])

RESULTS = {
    'params': model.count_params(),
    'weight_shapes': [str(w.shape) for w in model.get_weights()],
    'encoded_rows_shape': str(model.layers[1].output_shape),
    'encoded_columns_shape': str(model.layers[2].output_shape),
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'scores': scores,
    'predict': model.predict(x_test[:4]),
    'encoded_rows': Model(x, encoded_rows).predict(x_test[:2])[:, :3],
}
