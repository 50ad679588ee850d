"""Keras 2 examples/mnist_irnn.py: an IRNN (ReLU SimpleRNN with identity recurrent init) on pixel sequences.

Le, Jaitly and Hinton, "A Simple Way to Initialize Recurrent Networks of
Rectified Linear Units" (2015).  Synthetic digits of MNIST's dtype, shrunk to
10x10 pixels so that a sequence has 100 steps.
"""
from __future__ import print_function

import numpy as np

import keras
from keras.models import Sequential
from keras.layers import Dense, Activation
from keras.layers import SimpleRNN
from keras import initializers
# Keras 2.11+ : the new `keras.optimizers.RMSprop` ignores `lr=`; the legacy one honours it.
from keras.optimizers.legacy import RMSprop

batch_size = 16
num_classes = 10
epochs = 2
hidden_units = 24

learning_rate = 1e-4  # harness: 1e-6 in the original (200 epochs); larger so 2 epochs show training
clip_norm = 1.0

# the data, split between train and test sets (MNIST's dtypes and ranges; no download)
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(48, 10, 10)).astype('uint8')
y_train = rng.randint(0, 10, size=(48,))
x_test = rng.randint(0, 256, size=(16, 10, 10)).astype('uint8')
y_test = rng.randint(0, 10, size=(16,))

x_train = x_train.reshape(x_train.shape[0], -1, 1)
x_test = x_test.reshape(x_test.shape[0], -1, 1)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
print('x_train shape:', x_train.shape)
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

print('Evaluate IRNN...')
model = Sequential()
model.add(SimpleRNN(hidden_units,
                    kernel_initializer=initializers.RandomNormal(stddev=0.001),
                    recurrent_initializer=initializers.Identity(gain=1.0),
                    activation='relu',
                    input_shape=x_train.shape[1:]))
model.add(Dense(num_classes))
model.add(Activation('softmax'))

# what the initializers gave (random kernel: only its scale is library independent)
kernel0, recurrent0, bias0 = model.layers[0].get_weights()
init_facts = {
    'recurrent_is_identity': bool(np.array_equal(recurrent0, np.eye(hidden_units, dtype='float32'))),
    'kernel_small': bool(np.abs(kernel0).max() < 0.01 and kernel0.std() > 1e-4),
    'bias_zero': bool(not bias0.any()),
}

# harness: equal initial weights in both libraries (the identity recurrent kernel is kept)
seeded = np.random.RandomState(1)
model.layers[0].set_weights([seeded.normal(0, 0.001, kernel0.shape).astype('float32'), recurrent0, bias0])
model.layers[1].set_weights([seeded.normal(0, 0.05, w.shape).astype(w.dtype)
                             for w in model.layers[1].get_weights()])

rmsprop = RMSprop(lr=learning_rate)
model.compile(loss='categorical_crossentropy',
              optimizer=rmsprop,
              metrics=['accuracy'])

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=1,
                    shuffle=False,  # harness: batch order equal in both libraries
                    validation_data=(x_test, y_test))

scores = model.evaluate(x_test, y_test, verbose=0)
print('IRNN test score:', scores[0])
print('IRNN test accuracy:', scores[1])

RESULTS = dict(init_facts, **{
    'params': model.count_params(),
    'rnn_output_shape': str(model.layers[0].output_shape),
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'scores': scores,
    'recurrent_diag_after': np.diag(model.layers[0].get_weights()[1])[:6],
    'predict': model.predict(x_test[:3]),
})
