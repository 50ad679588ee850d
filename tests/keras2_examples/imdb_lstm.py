"""Keras 2 examples/imdb_lstm.py: an LSTM sentiment classifier on IMDB (synthetic reviews of IMDB's form)."""
from __future__ import print_function

import numpy as np

from keras.preprocessing import sequence
from keras.models import Sequential
from keras.layers import Dense, Embedding
from keras.layers import LSTM

max_features = 200
# cut texts after this number of words (among top max_features most common words)
maxlen = 20
batch_size = 8

print('Loading data...')
# IMDB's form without the download: object arrays of word-index lists of varying length, 0/1 labels
rng = np.random.RandomState(0)


def synthetic_reviews(count):
    reviews = [list(rng.randint(1, max_features, size=rng.randint(5, 30))) for _ in range(count)]
    # labels follow the words (mostly high indices = positive), so there is something to learn
    return np.array(reviews, dtype=object), np.array([int(np.mean(r) > max_features / 2) for r in reviews])


(x_train, y_train), (x_test, y_test) = synthetic_reviews(24), synthetic_reviews(16)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')

print('Pad sequences (samples x time)')
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)

print('Build model...')
model = Sequential()
model.add(Embedding(max_features, 16))
# harness: dropout=0.2, recurrent_dropout=0.2 in the original; 0.0 for equal numbers
model.add(LSTM(16, dropout=0.0, recurrent_dropout=0.0))
model.add(Dense(1, activation='sigmoid'))

# harness: equal initial weights in both libraries (wide enough that predictions differ per review) (the model builds on its first batch here)
model.build((None, maxlen))
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()])

# try using different optimizers and different optimizer configs
model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])

print('Train...')
history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=2,
                    verbose=2,
                    shuffle=False,
                    validation_data=(x_test, y_test))
score, acc = model.evaluate(x_test, y_test,
                            batch_size=batch_size, verbose=0)
print('Test score:', score)
print('Test accuracy:', acc)

RESULTS = {
    'x_train_padded': x_train,
    'x_train_dtype': str(x_train.dtype),
    'params': model.count_params(),
    'output_shape': str(model.output_shape),
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'score': score,
    'acc': acc,
    'predict': model.predict(x_test[:4], verbose=0),
}
