"""Keras 2 examples/imdb_bidirectional_lstm.py: a Bidirectional LSTM on IMDB (synthetic IMDB-shaped data)."""
from __future__ import print_function

import numpy as np

from keras.preprocessing import sequence
from keras.models import Sequential
from keras.layers import Dense, Dropout, Embedding, LSTM, Bidirectional

max_features = 200
# cut texts after this number of words
# (among top max_features most common words)
maxlen = 16
batch_size = 8

print('Loading data...')
rng = np.random.RandomState(0)


def synthetic_reviews(count):
    reviews = [list(rng.randint(1, max_features, size=rng.randint(4, 25))) for _ in range(count)]
    # labels follow the words (mostly high indices = positive); given as a plain list here,
    # which the example turns into arrays with np.array
    return np.array(reviews, dtype=object), [int(np.mean(r) > max_features / 2) for r in reviews]


(x_train, y_train), (x_test, y_test) = synthetic_reviews(24), synthetic_reviews(16)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')

print('Pad sequences (samples x time)')
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)
y_train = np.array(y_train)
y_test = np.array(y_test)

model = Sequential()
model.add(Embedding(max_features, 16, input_length=maxlen))
model.add(Bidirectional(LSTM(8)))
# harness: 0.5 in the original; 0.0 for equal numbers
model.add(Dropout(0.0))
model.add(Dense(1, activation='sigmoid'))

# harness: equal initial weights in both libraries (wide enough that predictions differ per review)
model.build((None, maxlen))
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()])

# try using different optimizers and different optimizer configs
model.compile('adam', 'binary_crossentropy', metrics=['accuracy'])

print('Train...')
history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=2,
                    verbose=2,
                    shuffle=False,
                    validation_data=[x_test, y_test])

RESULTS = {
    'params': model.count_params(),
    'weight_shapes': [str(w.shape) for w in model.get_weights()],
    'output_shapes': [str(layer.output_shape) for layer in model.layers],
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'val_accuracy': history.history['val_accuracy'],
    'score': model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0),
    'predict': model.predict(x_test[:4], verbose=0),
}
