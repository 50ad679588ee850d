"""Keras 2 examples/imdb_cnn_lstm.py: Conv1D + MaxPooling1D + LSTM text classifier (synthetic IMDB-shaped data)."""
from __future__ import print_function

import numpy as np

from keras.preprocessing import sequence
from keras.models import Sequential
from keras.layers import Dense, Dropout, Activation
from keras.layers import Embedding
from keras.layers import LSTM
from keras.layers import Conv1D, MaxPooling1D

# Embedding
max_features = 300
maxlen = 30
embedding_size = 12

# Convolution
kernel_size = 5
filters = 8
pool_size = 4

# LSTM
lstm_output_size = 10

# Training
batch_size = 6
epochs = 2

print('Loading data...')
rng = np.random.RandomState(0)


def synthetic_reviews(count):
    reviews = [list(rng.randint(1, max_features, size=rng.randint(8, 50))) for _ in range(count)]
    # labels follow the words (mostly high indices = positive), so there is something to learn
    return np.array(reviews, dtype=object), np.array([int(np.mean(r) > max_features / 2) for r in reviews])


(x_train, y_train), (x_test, y_test) = synthetic_reviews(24), synthetic_reviews(12)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')

print('Pad sequences (samples x time)')
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)

print('Build model...')

model = Sequential()
model.add(Embedding(max_features, embedding_size, input_length=maxlen))
# harness: 0.25 in the original; 0.0 for equal numbers
model.add(Dropout(0.0))
model.add(Conv1D(filters,
                 kernel_size,
                 padding='valid',
                 activation='relu',
                 strides=1))
model.add(MaxPooling1D(pool_size=pool_size))
model.add(LSTM(lstm_output_size))
model.add(Dense(1))
model.add(Activation('sigmoid'))

# harness: equal initial weights in both libraries (wide enough that predictions differ per review)
model.build((None, maxlen))
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()])

model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])

print('Train...')
history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=2,
                    shuffle=False,
                    validation_data=(x_test, y_test))
score, acc = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
print('Test score:', score)
print('Test accuracy:', acc)

RESULTS = {
    'params': model.count_params(),
    'output_shapes': [str(layer.output_shape) for layer in model.layers],
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'score': score,
    'acc': acc,
    'predict': model.predict(x_test[:4], verbose=0),
}
