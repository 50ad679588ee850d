"""Keras 2 examples/mnist_siamese.py: a Siamese MLP on pairs of digits with a contrastive loss."""
from __future__ import absolute_import
from __future__ import print_function

import random

import numpy as np

from keras.layers import Input, Flatten, Dense, Dropout, Lambda
from keras.models import Model
from keras.optimizers import RMSprop
from keras import backend as K

num_classes = 10
epochs = 2


def euclidean_distance(vects):
    x, y = vects
    sum_square = K.sum(K.square(x - y), axis=1, keepdims=True)
    return K.sqrt(K.maximum(sum_square, K.epsilon()))


def eucl_dist_output_shape(shapes):
    shape1, shape2 = shapes
    return (shape1[0], 1)


def contrastive_loss(y_true, y_pred):
    """Contrastive loss from Hadsell-et-al.'06."""
    margin = 1
    square_pred = K.square(y_pred)
    margin_square = K.square(K.maximum(margin - y_pred, 0))
    return K.mean(y_true * square_pred + (1 - y_true) * margin_square)


def create_pairs(x, digit_indices):
    """Alternate positive (same digit) and negative (different digit) pairs."""
    pairs = []
    labels = []
    n = min([len(digit_indices[d]) for d in range(num_classes)]) - 1
    for d in range(num_classes):
        for i in range(n):
            z1, z2 = digit_indices[d][i], digit_indices[d][i + 1]
            pairs += [[x[z1], x[z2]]]
            inc = random.randrange(1, num_classes)
            dn = (d + inc) % num_classes
            z1, z2 = digit_indices[d][i], digit_indices[dn][i]
            pairs += [[x[z1], x[z2]]]
            labels += [1, 0]
    # harness: float labels, as later versions of the example (Keras 2.15 cannot multiply
    # int64 labels by the float32 distances in contrastive_loss)
    return np.array(pairs), np.array(labels).astype('float32')


def create_base_network(input_shape):
    """Base network to be shared (eq. to feature extraction)."""
    input = Input(shape=input_shape)
    x = Flatten()(input)
    x = Dense(32, activation='relu')(x)
    x = Dropout(0.0)(x)  # harness: rate 0.1 -> 0.0 (no training randomness)
    x = Dense(32, activation='relu')(x)
    x = Dropout(0.0)(x)  # harness: rate 0.1 -> 0.0
    x = Dense(32, activation='relu')(x)
    return Model(input, x)


def compute_accuracy(y_true, y_pred):
    """Classification accuracy with a fixed threshold on distances."""
    pred = y_pred.ravel() < 0.5
    return np.mean(pred == y_true)


def accuracy(y_true, y_pred):
    """Classification accuracy with a fixed threshold on distances."""
    return K.mean(K.equal(y_true, K.cast(y_pred < 0.5, y_true.dtype)))


# the data, split between train and test sets (MNIST's dtypes and ranges; no download)
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(60, 28, 28)).astype('uint8')
y_train = np.arange(60) % 10
x_test = rng.randint(0, 256, size=(30, 28, 28)).astype('uint8')
y_test = np.arange(30) % 10
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
input_shape = x_train.shape[1:]

# create training+test positive and negative pairs
random.seed(0)  # harness: the same pairs in both libraries
digit_indices = [np.where(y_train == i)[0] for i in range(num_classes)]
tr_pairs, tr_y = create_pairs(x_train, digit_indices)

digit_indices = [np.where(y_test == i)[0] for i in range(num_classes)]
te_pairs, te_y = create_pairs(x_test, digit_indices)

# network definition
base_network = create_base_network(input_shape)

input_a = Input(shape=input_shape)
input_b = Input(shape=input_shape)

# because we re-use the same instance `base_network`,
# the weights of the network will be shared across the two branches
processed_a = base_network(input_a)
processed_b = base_network(input_b)

distance = Lambda(euclidean_distance,
                  output_shape=eucl_dist_output_shape)([processed_a, processed_b])

model = Model([input_a, input_b], distance)

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.1, w.shape).astype(w.dtype) for w in model.get_weights()])

# train
rms = RMSprop()
model.compile(loss=contrastive_loss, optimizer=rms, metrics=[accuracy])
history = model.fit([tr_pairs[:, 0], tr_pairs[:, 1]], tr_y,
                    batch_size=32,
                    epochs=epochs,
                    shuffle=False,  # harness: no shuffle randomness
                    validation_data=([te_pairs[:, 0], te_pairs[:, 1]], te_y))

# compute final accuracy on training and test sets
y_pred = model.predict([tr_pairs[:, 0], tr_pairs[:, 1]])
tr_acc = compute_accuracy(tr_y, y_pred)
y_pred_te = model.predict([te_pairs[:, 0], te_pairs[:, 1]])
te_acc = compute_accuracy(te_y, y_pred_te)

print('* Accuracy on training set: %0.2f%%' % (100 * tr_acc))
print('* Accuracy on test set: %0.2f%%' % (100 * te_acc))

RESULTS = {
    'params': model.count_params(),
    'pairs_shape': list(tr_pairs.shape),
    'distance_shape': str(model.output_shape),
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'val_accuracy': history.history['val_accuracy'],
    'evaluate': model.evaluate([te_pairs[:, 0], te_pairs[:, 1]], te_y, verbose=0),
    'y_pred': y_pred_te,
    'tr_acc': tr_acc,
    'te_acc': te_acc,
}
