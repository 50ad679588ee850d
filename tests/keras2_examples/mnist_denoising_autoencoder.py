"""Keras 2 examples/mnist_denoising_autoencoder.py: a convolutional denoising autoencoder.

Encoder and decoder are functional Models; the autoencoder chains them.
Synthetic digits of MNIST's dtype, shrunk to 16x16 pixels.
"""
from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import numpy as np

from keras.layers import Activation, Dense, Input
from keras.layers import Conv2D, Flatten
from keras.layers import Reshape, Conv2DTranspose
from keras.models import Model
from keras import backend as K

# MNIST dataset's dtype and range, no labels needed (no download)
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(48, 16, 16)).astype('uint8')
x_test = rng.randint(0, 256, size=(16, 16, 16)).astype('uint8')

image_size = x_train.shape[1]
x_train = np.reshape(x_train, [-1, image_size, image_size, 1])
x_test = np.reshape(x_test, [-1, image_size, image_size, 1])
x_train = x_train.astype('float32') / 255
x_test = x_test.astype('float32') / 255

# Generate corrupted MNIST images by adding noise with normal dist
# centered at 0.5 and std=0.5
noise = rng.normal(loc=0.5, scale=0.5, size=x_train.shape)
x_train_noisy = x_train + noise
noise = rng.normal(loc=0.5, scale=0.5, size=x_test.shape)
x_test_noisy = x_test + noise

x_train_noisy = np.clip(x_train_noisy, 0., 1.)
x_test_noisy = np.clip(x_test_noisy, 0., 1.)

# Network parameters
input_shape = (image_size, image_size, 1)
batch_size = 16
kernel_size = 3
latent_dim = 8
# Encoder/Decoder number of CNN layers and filters per layer
layer_filters = [8, 16]

# Build the Autoencoder Model
# First build the Encoder Model
inputs = Input(shape=input_shape, name='encoder_input')
x = inputs
# Stack of Conv2D blocks
for filters in layer_filters:
    x = Conv2D(filters=filters,
               kernel_size=kernel_size,
               strides=2,
               activation='relu',
               padding='same')(x)

# Shape info needed to build Decoder Model
shape = K.int_shape(x)

# Generate the latent vector
x = Flatten()(x)
latent = Dense(latent_dim, name='latent_vector')(x)

# Instantiate Encoder Model
encoder = Model(inputs, latent, name='encoder')
encoder.summary()

# Build the Decoder Model
latent_inputs = Input(shape=(latent_dim,), name='decoder_input')
x = Dense(shape[1] * shape[2] * shape[3])(latent_inputs)
x = Reshape((shape[1], shape[2], shape[3]))(x)

# Stack of Transposed Conv2D blocks
for filters in layer_filters[::-1]:
    x = Conv2DTranspose(filters=filters,
                        kernel_size=kernel_size,
                        strides=2,
                        activation='relu',
                        padding='same')(x)

x = Conv2DTranspose(filters=1,
                    kernel_size=kernel_size,
                    padding='same')(x)

outputs = Activation('sigmoid', name='decoder_output')(x)

# Instantiate Decoder Model
decoder = Model(latent_inputs, outputs, name='decoder')
decoder.summary()

# Autoencoder = Encoder + Decoder
# Instantiate Autoencoder Model
autoencoder = Model(inputs, decoder(encoder(inputs)), name='autoencoder')
autoencoder.summary()

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
autoencoder.set_weights([seeded.normal(0, 0.1, w.shape).astype(w.dtype)
                         for w in autoencoder.get_weights()])

autoencoder.compile(loss='mse', optimizer='adam')

# Train the autoencoder
history = autoencoder.fit(x_train_noisy,
                          x_train,
                          validation_data=(x_test_noisy, x_test),
                          epochs=2,
                          shuffle=False,  # harness: batch order equal in both libraries
                          batch_size=batch_size)

# Predict the Autoencoder output from corrupted test images
x_decoded = autoencoder.predict(x_test_noisy)

# Display the 1st 8 corrupted and denoised images (the original saves them with PIL)
rows, cols = 2, 4
num = rows * cols
imgs = np.concatenate([x_test[:num], x_test_noisy[:num], x_decoded[:num]])
imgs = imgs.reshape((rows * 3, cols, image_size, image_size))
imgs = np.vstack(np.split(imgs, rows, axis=1))
imgs = imgs.reshape((rows * 3, -1, image_size, image_size))
imgs = np.vstack([np.hstack(i) for i in imgs])
imgs = (imgs * 255).astype(np.uint8)

RESULTS = {
    'shape': str(shape),
    'encoder_params': encoder.count_params(),
    'decoder_params': decoder.count_params(),
    'autoencoder_params': autoencoder.count_params(),
    'autoencoder_layers': [layer.name for layer in autoencoder.layers],
    'encoder_output_shape': str(K.int_shape(encoder.output)),
    'decoder_output_shape': K.int_shape(decoder.output)[1:],
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'latent': encoder.predict(x_test_noisy[:2]),
    'decoded': x_decoded[:2, 4:8, 4:8, 0],
    'decoded_mean': x_decoded.mean(),
    'imgs_shape': imgs.shape,
    'imgs_dtype': str(imgs.dtype),
}
