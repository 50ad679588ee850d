"""Keras 2 examples/cifar10_cnn.py: a small convnet on CIFAR10, with and without real-time augmentation.

Synthetic images of CIFAR10's shape and dtype.  Both branches of the
original run: ``model.fit`` without augmentation (deterministic, compared by
numbers) and ``fit_generator`` on ``ImageDataGenerator.flow`` (random, so
only its shapes, history keys and the saved/reloaded model are compared).
"""
from __future__ import print_function

import os

import numpy as np

import keras
from keras.preprocessing.image import ImageDataGenerator
from keras.models import Sequential
from keras.layers import Dense, Dropout, Activation, Flatten
from keras.layers import Conv2D, MaxPooling2D

batch_size = 16
num_classes = 10
epochs = 2
num_predictions = 4
save_dir = os.path.join(os.getcwd(), 'saved_models')
model_name = 'keras_cifar10_trained_model.h5'

# The data, split between train and test sets (CIFAR10's dtypes and ranges; no download):
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(48, 32, 32, 3)).astype('uint8')
y_train = rng.randint(0, 10, size=(48, 1)).astype('uint8')
x_test = rng.randint(0, 256, size=(16, 32, 32, 3)).astype('uint8')
y_test = rng.randint(0, 10, size=(16, 1)).astype('uint8')
print('x_train shape:', x_train.shape)
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# Convert class vectors to binary class matrices.
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255


def build_model():
    model = Sequential()
    model.add(Conv2D(8, (3, 3), padding='same',
                     input_shape=x_train.shape[1:]))
    model.add(Activation('relu'))
    model.add(Conv2D(8, (3, 3)))
    model.add(Activation('relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.0))  # harness: 0.25 in the original; 0 keeps training deterministic

    model.add(Conv2D(16, (3, 3), padding='same'))
    model.add(Activation('relu'))
    model.add(Conv2D(16, (3, 3)))
    model.add(Activation('relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.0))  # harness: 0.25 in the original

    model.add(Flatten())
    model.add(Dense(32))
    model.add(Activation('relu'))
    model.add(Dropout(0.0))  # harness: 0.5 in the original
    model.add(Dense(num_classes))
    model.add(Activation('softmax'))

    # harness: equal initial weights in both libraries
    seeded = np.random.RandomState(1)
    model.set_weights([seeded.normal(0, 0.05, w.shape).astype(w.dtype) for w in model.get_weights()])

    # initiate RMSprop optimizer (Keras 2.11+: `lr`/`decay` need the legacy optimizers)
    opt = keras.optimizers.legacy.RMSprop(lr=0.0001, decay=1e-6)

    # Let's train the model using RMSprop
    model.compile(loss='categorical_crossentropy',
                  optimizer=opt,
                  metrics=['accuracy'])
    return model


RESULTS = {}
for data_augmentation in (False, True):
    model = build_model()
    if not data_augmentation:
        print('Not using data augmentation.')
        history = model.fit(x_train, y_train,
                            batch_size=batch_size,
                            epochs=epochs,
                            validation_data=(x_test, y_test),
                            shuffle=False)  # harness: True in the original
        RESULTS.update({
            'params': model.count_params(),
            'output_shape': model.output_shape[1:],
            'history_keys': sorted(history.history),
            'loss': history.history['loss'],
            'val_loss': history.history['val_loss'],
            'accuracy': history.history['accuracy'],
            'lr_after': float(keras.backend.get_value(model.optimizer.lr)),
            'iterations_after': int(keras.backend.get_value(model.optimizer.iterations)),
        })
    else:
        print('Using real-time data augmentation.')
        # This will do preprocessing and realtime data augmentation:
        datagen = ImageDataGenerator(
            featurewise_center=False,  # set input mean to 0 over the dataset
            samplewise_center=False,  # set each sample mean to 0
            featurewise_std_normalization=False,  # divide inputs by std of the dataset
            samplewise_std_normalization=False,  # divide each input by its std
            zca_whitening=False,  # apply ZCA whitening
            zca_epsilon=1e-06,  # epsilon for ZCA whitening
            rotation_range=0,  # randomly rotate images in the range (degrees, 0 to 180)
            # randomly shift images horizontally (fraction of total width)
            width_shift_range=0.1,
            # randomly shift images vertically (fraction of total height)
            height_shift_range=0.1,
            shear_range=0.,  # set range for random shear
            zoom_range=0.,  # set range for random zoom
            channel_shift_range=0.,  # set range for random channel shifts
            # set mode for filling points outside the input boundaries
            fill_mode='nearest',
            cval=0.,  # value used for fill_mode = "constant"
            horizontal_flip=True,  # randomly flip images
            vertical_flip=False,  # randomly flip images
            # set rescaling factor (applied before any other transformation)
            rescale=None,
            # set function that will be applied on each input
            preprocessing_function=None,
            # image data format, either "channels_first" or "channels_last"
            data_format=None,
            # fraction of images reserved for validation (strictly between 0 and 1)
            validation_split=0.0)

        # Compute quantities required for feature-wise normalization
        # (std, mean, and principal components if ZCA whitening is applied).
        datagen.fit(x_train)

        flow = datagen.flow(x_train, y_train, batch_size=batch_size)
        x_batch, y_batch = flow[0]

        # Fit the model on the batches generated by datagen.flow().
        history = model.fit_generator(datagen.flow(x_train, y_train,
                                                   batch_size=batch_size),
                                      steps_per_epoch=len(x_train) // batch_size,
                                      epochs=epochs,
                                      validation_data=(x_test, y_test),
                                      workers=2)
        RESULTS.update({
            'aug_flow_len': len(flow),
            'aug_x_batch_shape': x_batch.shape,
            'aug_y_batch_shape': y_batch.shape,
            'aug_batch_in_range': bool(x_batch.min() >= 0.0 and x_batch.max() <= 1.0),
            'aug_history_keys': sorted(history.history),
            'aug_epochs_run': len(history.history['loss']),
            'aug_iterations_after': int(keras.backend.get_value(model.optimizer.iterations)),
        })

# Save model and weights
if not os.path.isdir(save_dir):
    os.makedirs(save_dir)
model_path = os.path.join(save_dir, model_name)
model.save(model_path)
print('Saved trained model at %s ' % model_path)

# Score trained model.
scores = model.evaluate(x_test, y_test, verbose=1)
print('Test loss:', scores[0])
print('Test accuracy:', scores[1])

reloaded = keras.models.load_model(model_path)
RESULTS.update({
    'saved_file_exists': os.path.isfile(model_path),
    'reloaded_scores_equal': bool(np.allclose(reloaded.evaluate(x_test, y_test, verbose=0), scores,
                                              rtol=1e-5, atol=1e-6)),
    'reloaded_predict_equal': bool(np.allclose(reloaded.predict(x_test[:num_predictions]),
                                               model.predict(x_test[:num_predictions]), atol=1e-6)),
    'reloaded_optimizer': type(reloaded.optimizer).__name__,
    'reloaded_lr': float(keras.backend.get_value(reloaded.optimizer.lr)),
    'reloaded_is_legacy': isinstance(reloaded.optimizer, keras.optimizers.legacy.RMSprop),
    'reloaded_decay': reloaded.optimizer.get_config()['decay'],
})
