"""Keras 2 examples/mnist_transfer_cnn.py: transfer learning on MNIST (synthetic digits of MNIST's shape).

Train a convnet on the digits 0-4, then freeze its feature layers and train
only the dense classifier on the digits 5-9.
"""
from __future__ import print_function

import numpy as np

import keras
from keras.models import Sequential
from keras.layers import Dense, Dropout, Activation, Flatten
from keras.layers import Conv2D, MaxPooling2D
from keras import backend as K

batch_size = 16
num_classes = 5
epochs = 2

# input image dimensions
img_rows, img_cols = 28, 28
# number of convolutional filters to use
filters = 8
# size of pooling area for max pooling
pool_size = 2
# convolution kernel size
kernel_size = 3

if K.image_data_format() == 'channels_first':
    input_shape = (1, img_rows, img_cols)
else:
    input_shape = (img_rows, img_cols, 1)

history_records = []


def train_model(model, train, test, num_classes):
    x_train = train[0].reshape((train[0].shape[0],) + input_shape)
    x_test = test[0].reshape((test[0].shape[0],) + input_shape)
    x_train = x_train.astype('float32')
    x_test = x_test.astype('float32')
    x_train /= 255
    x_test /= 255
    print('x_train shape:', x_train.shape)
    print(x_train.shape[0], 'train samples')
    print(x_test.shape[0], 'test samples')

    # convert class vectors to binary class matrices
    y_train = keras.utils.to_categorical(train[1], num_classes)
    y_test = keras.utils.to_categorical(test[1], num_classes)

    model.compile(loss='categorical_crossentropy',
                  optimizer='adadelta',
                  metrics=['accuracy'])

    history = model.fit(x_train, y_train,
                        batch_size=batch_size,
                        epochs=epochs,
                        verbose=1,
                        shuffle=False,  # harness: batch order equal in both libraries
                        validation_data=(x_test, y_test))
    score = model.evaluate(x_test, y_test, verbose=0)
    print('Test score:', score[0])
    print('Test accuracy:', score[1])
    history_records.append((history.history, score, model.predict(x_test[:3])))


# the data, split between train and test sets (MNIST's dtypes and ranges; no download)
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(64, img_rows, img_cols)).astype('uint8')
y_train = rng.randint(0, 10, size=(64,))
x_test = rng.randint(0, 256, size=(32, img_rows, img_cols)).astype('uint8')
y_test = rng.randint(0, 10, size=(32,))

# create two datasets one with digits below 5 and one with 5 and above
x_train_lt5 = x_train[y_train < 5]
y_train_lt5 = y_train[y_train < 5]
x_test_lt5 = x_test[y_test < 5]
y_test_lt5 = y_test[y_test < 5]

x_train_gte5 = x_train[y_train >= 5]
y_train_gte5 = y_train[y_train >= 5] - 5
x_test_gte5 = x_test[y_test >= 5]
y_test_gte5 = y_test[y_test >= 5] - 5

# define two groups of layers: feature (convolutions) and classification (dense)
feature_layers = [
    Conv2D(filters, kernel_size,
           padding='valid',
           input_shape=input_shape),
    Activation('relu'),
    Conv2D(filters, kernel_size),
    Activation('relu'),
    MaxPooling2D(pool_size=pool_size),
    Dropout(0.0),  # harness: 0.25 in the original; 0 keeps training deterministic
    Flatten(),
]

classification_layers = [
    Dense(32),
    Activation('relu'),
    Dropout(0.0),  # harness: 0.5 in the original
    Dense(num_classes),
    Activation('softmax')
]

# create complete model
model = Sequential(feature_layers + classification_layers)

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.05, w.shape).astype(w.dtype) for w in model.get_weights()])

counts_before = (len(model.trainable_weights), len(model.non_trainable_weights))

# train model for 5-digit classification [0..4]
train_model(model,
            (x_train_lt5, y_train_lt5),
            (x_test_lt5, y_test_lt5), num_classes)

# freeze feature layers and rebuild model
for l in feature_layers:
    l.trainable = False

counts_frozen = (len(model.trainable_weights), len(model.non_trainable_weights))
frozen_before = [w.copy() for layer in feature_layers for w in layer.get_weights()]
dense_before = [w.copy() for layer in classification_layers for w in layer.get_weights()]

model.summary()

# transfer: train dense layers for new classification task [5..9]
train_model(model,
            (x_train_gte5, y_train_gte5),
            (x_test_gte5, y_test_gte5), num_classes)

frozen_after = [layer_w for layer in feature_layers for layer_w in layer.get_weights()]
dense_after = [layer_w for layer in classification_layers for layer_w in layer.get_weights()]

RESULTS = {
    'params': model.count_params(),
    'weight_counts_before': counts_before,
    'weight_counts_frozen': counts_frozen,
    'trainable_params': int(sum(np.prod(K.int_shape(w)) for w in model.trainable_weights)),
    'non_trainable_params': int(sum(np.prod(K.int_shape(w)) for w in model.non_trainable_weights)),
    'frozen_unchanged': all(np.array_equal(a, b) for a, b in zip(frozen_before, frozen_after)),
    'dense_changed': any(not np.array_equal(a, b) for a, b in zip(dense_before, dense_after)),
    'history_keys': sorted(history_records[1][0]),
    'loss_lt5': history_records[0][0]['loss'],
    'val_loss_lt5': history_records[0][0]['val_loss'],
    'score_lt5': history_records[0][1],
    'predict_lt5': history_records[0][2],
    'loss_gte5': history_records[1][0]['loss'],
    'val_loss_gte5': history_records[1][0]['val_loss'],
    'accuracy_gte5': history_records[1][0]['accuracy'],
    'score_gte5': history_records[1][1],
    'predict_gte5': history_records[1][2],
    'first_kernel_after': frozen_after[0][:, :, 0, :2],
}
