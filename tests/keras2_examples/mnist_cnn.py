"""Keras 2 examples/mnist_cnn.py: a simple convnet on MNIST (synthetic digits of MNIST's shape)."""
from __future__ import print_function

import numpy as np

import keras
from keras.models import Sequential
from keras.layers import Dense, Dropout, Flatten
from keras.layers import Conv2D, MaxPooling2D
from keras import backend as K

batch_size = 16
num_classes = 10
epochs = 2

# input image dimensions
img_rows, img_cols = 28, 28

# the data, split between train and test sets (MNIST's dtypes and ranges; no download)
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(48, img_rows, img_cols)).astype('uint8')
y_train = rng.randint(0, 10, size=(48,))
x_test = rng.randint(0, 256, size=(16, img_rows, img_cols)).astype('uint8')
y_test = rng.randint(0, 10, size=(16,))

if K.image_data_format() == 'channels_first':
    x_train = x_train.reshape(x_train.shape[0], 1, img_rows, img_cols)
    x_test = x_test.reshape(x_test.shape[0], 1, img_rows, img_cols)
    input_shape = (1, img_rows, img_cols)
else:
    x_train = x_train.reshape(x_train.shape[0], img_rows, img_cols, 1)
    x_test = x_test.reshape(x_test.shape[0], img_rows, img_cols, 1)
    input_shape = (img_rows, img_cols, 1)

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

model = Sequential()
model.add(Conv2D(8, kernel_size=(3, 3),
                 activation='relu',
                 input_shape=input_shape))
model.add(Conv2D(16, (3, 3), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.0))  # harness: 0.25 in the original; 0 keeps training deterministic
model.add(Flatten())
model.add(Dense(32, activation='relu'))
model.add(Dropout(0.0))  # harness: 0.5 in the original
model.add(Dense(num_classes, activation='softmax'))

model.summary()

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.05, w.shape).astype(w.dtype) for w in model.get_weights()])

model.compile(loss=keras.losses.categorical_crossentropy,
              optimizer=keras.optimizers.Adadelta(),
              metrics=['accuracy'])

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=1,
                    shuffle=False,  # harness: batch order equal in both libraries
                    validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)
print('Test loss:', score[0])
print('Test accuracy:', score[1])

RESULTS = {
    'image_data_format': K.image_data_format(),
    'input_shape': input_shape,
    'params': model.count_params(),
    'output_shapes': str([tuple(layer.output_shape[1:]) for layer in model.layers]),
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'val_accuracy': history.history['val_accuracy'],
    'score': score,
    'predict': model.predict(x_test[:4]),
}
