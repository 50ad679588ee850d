"""Keras 2 examples/antirectifier.py: a custom layer (Antirectifier) written with the backend `K`."""
from __future__ import print_function

import numpy as np

import keras
from keras.models import Sequential
from keras import layers
from keras import backend as K


class Antirectifier(layers.Layer):
    """Antirectifier: sample-wise centering, L2 normalisation, then the concatenation of the
    positive part and the negative part of the input (twice as many features)."""

    def __init__(self, **kwargs):
        super(Antirectifier, self).__init__(**kwargs)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        assert len(shape) == 2  # only valid for 2D tensors
        shape[-1] *= 2
        return tuple(shape)

    def call(self, inputs):
        inputs -= K.mean(inputs, axis=1, keepdims=True)
        inputs = K.l2_normalize(inputs, axis=1)
        pos = K.relu(inputs)
        neg = K.relu(-inputs)
        return K.concatenate([pos, neg], axis=1)


batch_size = 32
num_classes = 10
epochs = 2

# the data, split between train and test sets (MNIST's dtypes and ranges; no download)
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(64, 28, 28)).astype('uint8')
y_train = rng.randint(0, 10, size=(64,))
x_test = rng.randint(0, 256, size=(32, 28, 28)).astype('uint8')
y_test = rng.randint(0, 10, size=(32,))

x_train = x_train.reshape(-1, 784)
x_test = x_test.reshape(-1, 784)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = Sequential()
model.add(layers.Dense(32, input_shape=(784,)))
model.add(Antirectifier())
model.add(layers.Dropout(0.0))  # harness: rate 0.1 -> 0.0 (no training randomness)
model.add(layers.Dense(32))
model.add(Antirectifier())
model.add(layers.Dropout(0.0))  # harness: rate 0.1 -> 0.0
model.add(layers.Dense(num_classes))
model.add(layers.Activation('softmax'))

model.summary()

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.05, w.shape).astype(w.dtype) for w in model.get_weights()])

model.compile(loss='categorical_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=2,
                    shuffle=False,
                    validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)

antirectifier = Antirectifier()
probe = np.array([[1., -2., 3.], [0.5, 0.5, -1.]], dtype='float32')

RESULTS = {
    'params': model.count_params(),
    'output_shapes': [str(layer.output_shape) for layer in model.layers[:3]],
    'layer_output': np.asarray(antirectifier(probe)),
    'compute_output_shape': str(antirectifier.compute_output_shape((None, 3))),
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'score': score,
    'predict': model.predict(x_test[:4]),
}
