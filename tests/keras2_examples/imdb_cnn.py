"""Keras 2 examples/imdb_cnn.py: Conv1D + global max pooling text classifier (synthetic IMDB-shaped data)."""
from __future__ import print_function

import numpy as np

from keras.preprocessing import sequence
from keras.models import Sequential
from keras.layers import Dense, Dropout, Activation
from keras.layers import Embedding
from keras.layers import Conv1D, GlobalMaxPooling1D

# set parameters:
max_features = 300
maxlen = 40
batch_size = 8
embedding_dims = 12
filters = 10
kernel_size = 3
hidden_dims = 16
epochs = 2

print('Loading data...')
rng = np.random.RandomState(0)


def synthetic_reviews(count):
    reviews = [list(rng.randint(1, max_features, size=rng.randint(10, 60))) for _ in range(count)]
    # labels follow the words (mostly high indices = positive), so there is something to learn
    return np.array(reviews, dtype=object), np.array([int(np.mean(r) > max_features / 2) for r in reviews])


(x_train, y_train), (x_test, y_test) = synthetic_reviews(32), synthetic_reviews(16)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')

print('Pad sequences (samples x time)')
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)

print('Build model...')
model = Sequential()

# we start off with an efficient embedding layer which maps
# our vocab indices into embedding_dims dimensions
model.add(Embedding(max_features,
                    embedding_dims,
                    input_length=maxlen))
# harness: 0.2 in the original; 0.0 for equal numbers
model.add(Dropout(0.0))

# we add a Convolution1D, which will learn filters
# word group filters of size filter_length:
model.add(Conv1D(filters,
                 kernel_size,
                 padding='valid',
                 activation='relu',
                 strides=1))
# we use max pooling:
model.add(GlobalMaxPooling1D())

# We add a vanilla hidden layer:
model.add(Dense(hidden_dims))
# harness: 0.2 in the original; 0.0 for equal numbers
model.add(Dropout(0.0))
model.add(Activation('relu'))

# We project onto a single unit output layer, and squash it with a sigmoid:
model.add(Dense(1))
model.add(Activation('sigmoid'))

# harness: equal initial weights in both libraries (wide enough that predictions differ per review)
model.build((None, maxlen))
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()])

model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])
model.summary()
history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=2,
                    shuffle=False,
                    validation_data=(x_test, y_test))

RESULTS = {
    'params': model.count_params(),
    'output_shapes': [str(layer.output_shape) for layer in model.layers],
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'val_accuracy': history.history['val_accuracy'],
    'score': model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0),
    'predict': model.predict(x_test[:4], verbose=0),
}
