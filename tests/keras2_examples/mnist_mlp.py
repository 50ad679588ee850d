"""Keras 2 examples/mnist_mlp.py: a simple deep MLP on MNIST (synthetic digits of MNIST's shape)."""
from __future__ import print_function

import numpy as np

import keras
from keras.models import Sequential
from keras.layers import Dense, Dropout
from keras.optimizers import RMSprop

batch_size = 32
num_classes = 10
epochs = 2

# the data, split between train and test sets (MNIST's dtypes and ranges; no download)
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(96, 28, 28)).astype('uint8')
y_train = rng.randint(0, 10, size=(96,))
x_test = rng.randint(0, 256, size=(32, 28, 28)).astype('uint8')
y_test = rng.randint(0, 10, size=(32,))

x_train = x_train.reshape(96, 784)
x_test = x_test.reshape(32, 784)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = Sequential()
model.add(Dense(64, activation='relu', input_shape=(784,)))
model.add(Dropout(0.0))
model.add(Dense(64, activation='relu'))
model.add(Dropout(0.0))
model.add(Dense(num_classes, activation='softmax'))

model.summary()

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.05, w.shape).astype(w.dtype) for w in model.get_weights()])

model.compile(loss='categorical_crossentropy',
              optimizer=RMSprop(),
              metrics=['accuracy'])

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=2,
                    shuffle=False,
                    validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)
print('Test loss:', score[0])
print('Test accuracy:', score[1])

RESULTS = {
    'params': model.count_params(),
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'score': score,
    'predict': model.predict(x_test[:4]),
}
