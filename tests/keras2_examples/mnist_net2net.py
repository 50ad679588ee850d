"""Keras 2 examples/mnist_net2net.py: Net2Net knowledge transfer (net2wider, net2deeper) on MNIST.

A teacher is trained, then wider and deeper students start from its weights
(``get_weights``/``set_weights`` surgery, a layer built with ``weights=``, the
``'identity'`` initializer); a function-preserving student predicts as its teacher.
"""
from __future__ import print_function

import numpy as np

import keras
from keras import backend as K
from keras.models import Sequential
from keras.layers import Conv2D, MaxPooling2D, Dense, Flatten
from keras.optimizers import SGD

np.random.seed(0)  # harness: the same np.random draws (net2wider, random-pad) in both libraries

input_shape = (28, 28, 1)  # image shape
num_classes = 10  # number of classes
epochs = 1

teacher_conv_width = 8
teacher_fc_width = 16
new_conv1_width = 12
new_fc1_width = 24

# load and pre-process data (MNIST's dtypes and ranges; no download)
rng = np.random.RandomState(0)
train_x = rng.randint(0, 256, size=(32, 28, 28)).astype('uint8')
train_y = rng.randint(0, 10, size=(32,))
test_x = rng.randint(0, 256, size=(16, 28, 28)).astype('uint8')
test_y = rng.randint(0, 10, size=(16,))


def preprocess_input(x):
    return x.astype('float32').reshape((-1,) + input_shape) / 255


def preprocess_output(y):
    return keras.utils.to_categorical(y)


train_x, test_x = map(preprocess_input, [train_x, test_x])
train_y, test_y = map(preprocess_output, [train_y, test_y])
print('Loading MNIST data...')
print('train_x shape:', train_x.shape, 'train_y shape:', train_y.shape)
print('test_x shape:', test_x.shape, 'test_y shape', test_y.shape)


# knowledge transfer algorithms
def wider2net_conv2d(teacher_w1, teacher_b1, teacher_w2, new_width, init):
    """Get initial weights for a wider conv2d layer with a bigger filters, by 'random-padding'
    or 'net2wider'."""
    assert teacher_w1.shape[3] == teacher_w2.shape[2], (
        'successive layers from teacher model should have compatible shapes')
    assert teacher_w1.shape[3] == teacher_b1.shape[0], (
        'weight and bias from same layer should have compatible shapes')
    assert new_width > teacher_w1.shape[3], (
        'new width (filters) should be bigger than the existing one')

    n = new_width - teacher_w1.shape[3]
    if init == 'random-pad':
        new_w1 = np.random.normal(0, 0.1, size=teacher_w1.shape[:3] + (n,))
        new_b1 = np.ones(n) * 0.1
        new_w2 = np.random.normal(
            0, 0.1, size=teacher_w2.shape[:2] + (n, teacher_w2.shape[3]))
    elif init == 'net2wider':
        index = np.random.randint(teacher_w1.shape[3], size=n)
        factors = np.bincount(index)[index] + 1.
        new_w1 = teacher_w1[:, :, :, index]
        new_b1 = teacher_b1[index]
        new_w2 = teacher_w2[:, :, index, :] / factors.reshape((1, 1, -1, 1))
    else:
        raise ValueError('Unsupported weight initializer: %s' % init)

    student_w1 = np.concatenate((teacher_w1, new_w1), axis=3)
    if init == 'random-pad':
        student_w2 = np.concatenate((teacher_w2, new_w2), axis=2)
    elif init == 'net2wider':
        # add small noise to break symmetry, so that student model will have
        # different weights from teacher model
        noise = np.random.normal(0, 5e-2 * new_w2.std(), size=new_w2.shape)
        student_w2 = np.concatenate((teacher_w2, new_w2 + noise), axis=2)
        student_w2[:, :, index, :] = new_w2
    student_b1 = np.concatenate((teacher_b1, new_b1), axis=0)

    return student_w1, student_b1, student_w2


def wider2net_fc(teacher_w1, teacher_b1, teacher_w2, new_width, init):
    """Get initial weights for a wider fully connected (dense) layer with a bigger nout,
    by 'random-padding' or 'net2wider'."""
    assert teacher_w1.shape[1] == teacher_w2.shape[0], (
        'successive layers from teacher model should have compatible shapes')
    assert teacher_w1.shape[1] == teacher_b1.shape[0], (
        'weight and bias from same layer should have compatible shapes')
    assert new_width > teacher_w1.shape[1], (
        'new width (nout) should be bigger than the existing one')

    n = new_width - teacher_w1.shape[1]
    if init == 'random-pad':
        new_w1 = np.random.normal(0, 0.1, size=(teacher_w1.shape[0], n))
        new_b1 = np.ones(n) * 0.1
        new_w2 = np.random.normal(0, 0.1, size=(n, teacher_w2.shape[1]))
    elif init == 'net2wider':
        index = np.random.randint(teacher_w1.shape[1], size=n)
        factors = np.bincount(index)[index] + 1.
        new_w1 = teacher_w1[:, index]
        new_b1 = teacher_b1[index]
        new_w2 = teacher_w2[index, :] / factors[:, np.newaxis]
    else:
        raise ValueError('Unsupported weight initializer: %s' % init)

    student_w1 = np.concatenate((teacher_w1, new_w1), axis=1)
    if init == 'random-pad':
        student_w2 = np.concatenate((teacher_w2, new_w2), axis=0)
    elif init == 'net2wider':
        # add small noise to break symmetry, so that student model will have
        # different weights from teacher model
        noise = np.random.normal(0, 5e-2 * new_w2.std(), size=new_w2.shape)
        student_w2 = np.concatenate((teacher_w2, new_w2 + noise), axis=0)
        student_w2[index, :] = new_w2
    student_b1 = np.concatenate((teacher_b1, new_b1), axis=0)

    return student_w1, student_b1, student_w2


def deeper2net_conv2d(teacher_w):
    """Get initial weights for a deeper conv2d layer by net2deeper'."""
    kh, kw, num_channel, filters = teacher_w.shape
    student_w = np.zeros_like(teacher_w)
    for i in range(filters):
        student_w[(kh - 1) // 2, (kw - 1) // 2, i, i] = 1.
    student_b = np.zeros(filters)
    return student_w, student_b


def copy_weights(teacher_model, student_model, layer_names):
    """Copy weights from teacher_model to student_model, for layers with names listed in
    layer_names."""
    for name in layer_names:
        weights = teacher_model.get_layer(name=name).get_weights()
        student_model.get_layer(name=name).set_weights(weights)


# methods to construct teacher_model and student_models
def make_teacher_model(x_train, y_train, x_test, y_test, epochs):
    """Train and benchmark performance of a simple CNN (the teacher model)."""
    model = Sequential()
    model.add(Conv2D(teacher_conv_width, 3, input_shape=input_shape,
                     padding='same', name='conv1'))
    model.add(MaxPooling2D(2, name='pool1'))
    model.add(Conv2D(teacher_conv_width, 3, padding='same', name='conv2'))
    model.add(MaxPooling2D(2, name='pool2'))
    model.add(Flatten(name='flatten'))
    model.add(Dense(teacher_fc_width, activation='relu', name='fc1'))
    model.add(Dense(num_classes, activation='softmax', name='fc2'))

    # harness: equal initial weights in both libraries
    seeded = np.random.RandomState(1)
    model.set_weights([seeded.normal(0, 0.1, w.shape).astype(w.dtype)
                       for w in model.get_weights()])

    model.compile(loss='categorical_crossentropy',
                  optimizer=SGD(lr=0.01, momentum=0.9),
                  metrics=['accuracy'])

    history = model.fit(x_train, y_train,
                        epochs=epochs,
                        shuffle=False,  # harness: no shuffle randomness
                        validation_data=(x_test, y_test))
    return model, history


def make_wider_student_model(teacher_model, x_train, y_train, x_test, y_test, init, epochs):
    """Train a wider student model based on teacher_model, with either 'random-pad' (baseline)
    or 'net2wider'."""
    model = Sequential()
    model.add(Conv2D(new_conv1_width, 3, input_shape=input_shape,
                     padding='same', name='conv1'))
    model.add(MaxPooling2D(2, name='pool1'))
    model.add(Conv2D(teacher_conv_width, 3, padding='same', name='conv2'))
    model.add(MaxPooling2D(2, name='pool2'))
    model.add(Flatten(name='flatten'))
    model.add(Dense(new_fc1_width, activation='relu', name='fc1'))
    model.add(Dense(num_classes, activation='softmax', name='fc2'))

    # The weights for other layers need to be copied from teacher_model
    # to student_model, except for widened layers
    # and their immediate downstreams, which will be initialized separately.
    # For this example there are no other layers that need to be copied.

    w_conv1, b_conv1 = teacher_model.get_layer('conv1').get_weights()
    w_conv2, b_conv2 = teacher_model.get_layer('conv2').get_weights()
    new_w_conv1, new_b_conv1, new_w_conv2 = wider2net_conv2d(
        w_conv1, b_conv1, w_conv2, new_conv1_width, init)
    model.get_layer('conv1').set_weights([new_w_conv1, new_b_conv1])
    model.get_layer('conv2').set_weights([new_w_conv2, b_conv2])

    w_fc1, b_fc1 = teacher_model.get_layer('fc1').get_weights()
    w_fc2, b_fc2 = teacher_model.get_layer('fc2').get_weights()
    new_w_fc1, new_b_fc1, new_w_fc2 = wider2net_fc(
        w_fc1, b_fc1, w_fc2, new_fc1_width, init)
    model.get_layer('fc1').set_weights([new_w_fc1, new_b_fc1])
    model.get_layer('fc2').set_weights([new_w_fc2, b_fc2])

    model.compile(loss='categorical_crossentropy',
                  # harness: learning_rate=, as Keras 2.15 drops `lr=` with a warning (it
                  # would train with the default 0.01); keraton honours `lr=` as Keras <= 2.10
                  optimizer=SGD(learning_rate=0.001, momentum=0.9),
                  metrics=['accuracy'])

    start = model.predict(x_test)  # the student before training
    history = model.fit(x_train, y_train,
                        epochs=epochs,
                        shuffle=False,  # harness: no shuffle randomness
                        validation_data=(x_test, y_test))
    return model, history, start


def make_deeper_student_model(teacher_model, x_train, y_train, x_test, y_test, init, epochs):
    """Train a deeper student model based on teacher_model, with either 'random-init' (baseline)
    or 'net2deeper'."""
    model = Sequential()
    model.add(Conv2D(teacher_conv_width, 3, input_shape=input_shape,
                     padding='same', name='conv1'))
    model.add(MaxPooling2D(2, name='pool1'))
    model.add(Conv2D(teacher_conv_width, 3, padding='same', name='conv2'))
    # add another conv2d layer to make original conv2 deeper
    if init == 'net2deeper':
        prev_w, _ = model.get_layer('conv2').get_weights()
        new_weights = deeper2net_conv2d(prev_w)
        model.add(Conv2D(teacher_conv_width, 3, padding='same', name='conv2-deeper',
                         weights=new_weights))
    elif init == 'random-init':
        model.add(Conv2D(teacher_conv_width, 3, padding='same', name='conv2-deeper'))
    else:
        raise ValueError('Unsupported weight initializer: %s' % init)
    model.add(MaxPooling2D(2, name='pool2'))
    model.add(Flatten(name='flatten'))
    model.add(Dense(teacher_fc_width, activation='relu', name='fc1'))
    # add another fc layer to make original fc1 deeper
    if init == 'net2deeper':
        # net2deeper for fc layer with relu, is just an identity initializer
        model.add(Dense(teacher_fc_width, kernel_initializer='identity',
                        activation='relu', name='fc1-deeper'))
    elif init == 'random-init':
        model.add(Dense(teacher_fc_width, activation='relu', name='fc1-deeper'))
    else:
        raise ValueError('Unsupported weight initializer: %s' % init)
    model.add(Dense(num_classes, activation='softmax', name='fc2'))

    if init == 'random-init':
        # harness: equal random initial weights of the new layers in both libraries
        seeded = np.random.RandomState(2)
        for name in ('conv2-deeper', 'fc1-deeper'):
            layer = model.get_layer(name)
            layer.set_weights([seeded.normal(0, 0.1, w.shape).astype(w.dtype)
                               for w in layer.get_weights()])

    # copy weights for other layers
    copy_weights(teacher_model, model, layer_names=['conv1', 'conv2', 'fc1', 'fc2'])

    model.compile(loss='categorical_crossentropy',
                  # harness: learning_rate=, as Keras 2.15 drops `lr=` with a warning (it
                  # would train with the default 0.01); keraton honours `lr=` as Keras <= 2.10
                  optimizer=SGD(learning_rate=0.001, momentum=0.9),
                  metrics=['accuracy'])

    start = model.predict(x_test)  # the student before training
    history = model.fit(x_train, y_train,
                        epochs=epochs,
                        shuffle=False,  # harness: no shuffle randomness
                        validation_data=(x_test, y_test))
    return model, history, start


# experiments setup
print('\nExperiment of Net2WiderNet ...')
teacher_model, teacher_history = make_teacher_model(train_x, train_y, test_x, test_y, epochs=epochs)
teacher_pred = teacher_model.predict(test_x)

RESULTS = {
    'teacher_params': teacher_model.count_params(),
    'teacher_loss': teacher_history.history['loss'],
    'teacher_val_loss': teacher_history.history['val_loss'],
    'teacher_val_accuracy': teacher_history.history['val_accuracy'],
    'teacher_pred': teacher_pred,
}
for init in ('random-pad', 'net2wider'):
    student, history, start = make_wider_student_model(
        teacher_model, train_x, train_y, test_x, test_y, init, epochs=epochs)
    RESULTS['wider_%s_params' % init] = student.count_params()
    RESULTS['wider_%s_start' % init] = start
    RESULTS['wider_%s_loss' % init] = history.history['loss']
    RESULTS['wider_%s_val_loss' % init] = history.history['val_loss']
    RESULTS['wider_%s_weights_shapes' % init] = [str(w.shape) for w in student.get_weights()]
# net2wider keeps the teacher's function up to the small symmetry-breaking noise
RESULTS['net2wider_close_to_teacher'] = bool(
    np.abs(RESULTS['wider_net2wider_start'] - teacher_pred).max() < 1e-2)

print('\nExperiment of Net2DeeperNet ...')
for init in ('random-init', 'net2deeper'):
    student, history, start = make_deeper_student_model(
        teacher_model, train_x, train_y, test_x, test_y, init, epochs=epochs)
    RESULTS['deeper_%s_params' % init] = student.count_params()
    RESULTS['deeper_%s_start' % init] = start
    RESULTS['deeper_%s_loss' % init] = history.history['loss']
    RESULTS['deeper_%s_val_loss' % init] = history.history['val_loss']
    RESULTS['deeper_%s_layers' % init] = [layer.name for layer in student.layers]
# net2deeper is function preserving: the deeper student predicts as the teacher
RESULTS['net2deeper_same_as_teacher'] = bool(
    np.allclose(RESULTS['deeper_net2deeper_start'], teacher_pred, rtol=1e-5, atol=1e-6))
RESULTS['floatx'] = K.floatx()
