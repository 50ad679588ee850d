"""Keras 2 examples/reuters_mlp.py: an MLP on the Reuters newswire topics (synthetic newswires of its form)."""
from __future__ import print_function

import numpy as np

import keras
from keras.models import Sequential
from keras.layers import Dense, Dropout, Activation
from keras.preprocessing.text import Tokenizer

max_words = 200
batch_size = 16
epochs = 2

print('Loading data...')
# reuters.load_data(num_words=max_words, test_split=0.2) gives object arrays of word-index lists
# (index 1 starts a sequence, 2 is out-of-vocabulary); no download here
rng = np.random.RandomState(0)


def newswires(count):
    wires = [[1] + list(rng.randint(2, max_words, size=rng.randint(5, 40))) for _ in range(count)]
    out = np.empty(count, dtype=object)
    out[:] = wires
    return out


x_train = newswires(80)
y_train = rng.randint(0, 46, size=(80,))
x_test = newswires(20)
y_test = rng.randint(0, 46, size=(20,))
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')

num_classes = np.max(y_train) + 1
print(num_classes, 'classes')

print('Vectorizing sequence data...')
tokenizer = Tokenizer(num_words=max_words)
x_train = tokenizer.sequences_to_matrix(x_train, mode='binary')
x_test = tokenizer.sequences_to_matrix(x_test, mode='binary')
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)

print('Convert class vector to binary class matrix '
      '(for use with categorical_crossentropy)')
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)
print('y_train shape:', y_train.shape)
print('y_test shape:', y_test.shape)

print('Building model...')
model = Sequential()
model.add(Dense(64, input_shape=(max_words,)))
model.add(Activation('relu'))
model.add(Dropout(0.0))  # harness: 0.5 in the original; 0 keeps training deterministic
model.add(Dense(num_classes))
model.add(Activation('softmax'))

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.05, w.shape).astype(w.dtype) for w in model.get_weights()])

model.compile(loss='categorical_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=1,
                    shuffle=False,  # harness: batch order equal in both libraries
                    validation_split=0.1)
score = model.evaluate(x_test, y_test,
                       batch_size=batch_size, verbose=1)
print('Test score:', score[0])
print('Test accuracy:', score[1])

RESULTS = {
    'num_classes': num_classes,
    'x_train_shape': x_train.shape,
    'x_train_dtype': str(x_train.dtype),
    'x_train_rows': x_train[:3],
    'x_test_sum': x_test.sum(axis=1),
    'y_train_shape': y_train.shape,
    'params': model.count_params(),
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'val_accuracy': history.history['val_accuracy'],
    'score': score,
    'predict': model.predict(x_test[:3]),
}
