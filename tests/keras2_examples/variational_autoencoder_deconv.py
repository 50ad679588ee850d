"""Keras 2 examples/variational_autoencoder_deconv.py: a VAE with Conv2D/Conv2DTranspose on MNIST."""
from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import numpy as np

from keras.layers import Dense, Input
from keras.layers import Conv2D, Flatten, Lambda
from keras.layers import Reshape, Conv2DTranspose
from keras.models import Model
from keras.losses import mse, binary_crossentropy
from keras import backend as K


# reparameterization trick
# instead of sampling from Q(z|X), sample eps = N(0,I)
# then z = z_mean + sqrt(var)*eps
def sampling(args):
    """Reparameterization trick by sampling from an isotropic unit Gaussian."""
    z_mean, z_log_var = args
    batch = K.shape(z_mean)[0]
    dim = K.int_shape(z_mean)[1]
    # harness: stddev 0.0 makes epsilon zeros (no sampling randomness in the recorded numbers)
    epsilon = K.random_normal(shape=(batch, dim), stddev=0.0)
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


# MNIST dataset (MNIST's dtypes and ranges; no download)
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(32, 28, 28)).astype('uint8')
x_test = rng.randint(0, 256, size=(16, 28, 28)).astype('uint8')

image_size = x_train.shape[1]
x_train = np.reshape(x_train, [-1, image_size, image_size, 1])
x_test = np.reshape(x_test, [-1, image_size, image_size, 1])
x_train = x_train.astype('float32') / 255
x_test = x_test.astype('float32') / 255

# network parameters
input_shape = (image_size, image_size, 1)
batch_size = 16
kernel_size = 3
filters = 4
latent_dim = 2
epochs = 2

# VAE model = encoder + decoder
# build encoder model
inputs = Input(shape=input_shape, name='encoder_input')
x = inputs
for i in range(2):
    filters *= 2
    x = Conv2D(filters=filters,
               kernel_size=kernel_size,
               activation='relu',
               strides=2,
               padding='same')(x)

# shape info needed to build decoder model
shape = K.int_shape(x)

# generate latent vector Q(z|X)
x = Flatten()(x)
x = Dense(16, activation='relu')(x)
z_mean = Dense(latent_dim, name='z_mean')(x)
z_log_var = Dense(latent_dim, name='z_log_var')(x)

# use reparameterization trick to push the sampling out as input
z = Lambda(sampling, output_shape=(latent_dim,), name='z')([z_mean, z_log_var])

# instantiate encoder model
encoder = Model(inputs, [z_mean, z_log_var, z], name='encoder')
encoder.summary()

# build decoder model
latent_inputs = Input(shape=(latent_dim,), name='z_sampling')
x = Dense(shape[1] * shape[2] * shape[3], activation='relu')(latent_inputs)
x = Reshape((shape[1], shape[2], shape[3]))(x)

# use Conv2DTranspose to reverse the conv layers from the encoder
for i in range(2):
    x = Conv2DTranspose(filters=filters,
                        kernel_size=kernel_size,
                        activation='relu',
                        strides=2,
                        padding='same')(x)
    filters //= 2

outputs = Conv2DTranspose(filters=1,
                          kernel_size=kernel_size,
                          activation='sigmoid',
                          padding='same',
                          name='decoder_output')(x)

# instantiate decoder model
decoder = Model(latent_inputs, outputs, name='decoder')
decoder.summary()

# instantiate VAE model
outputs = decoder(encoder(inputs)[2])
vae = Model(inputs, outputs, name='vae')

results = {}
for use_mse in (False, True):  # the example's --mse flag, both ways
    # harness: equal initial weights in both libraries, the same start for both runs
    seeded = np.random.RandomState(1)
    vae.set_weights([seeded.normal(0, 0.1, w.shape).astype(w.dtype) for w in vae.get_weights()])
    vae_ = Model(inputs, outputs, name='vae')
    # VAE loss = mse_loss or xent_loss + kl_loss
    if use_mse:
        reconstruction_loss = mse(K.flatten(inputs), K.flatten(outputs))
    else:
        reconstruction_loss = binary_crossentropy(K.flatten(inputs),
                                                  K.flatten(outputs))

    reconstruction_loss *= image_size * image_size
    kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl_loss = K.sum(kl_loss, axis=-1)
    kl_loss *= -0.5
    vae_loss = K.mean(reconstruction_loss + kl_loss)
    vae_.add_loss(vae_loss)
    vae_.compile(optimizer='rmsprop')
    vae_.summary()

    # train the autoencoder
    history = vae_.fit(x_train,
                       epochs=epochs,
                       batch_size=batch_size,
                       shuffle=False,  # harness: no shuffle randomness
                       validation_data=(x_test, None))
    tag = 'mse' if use_mse else 'xent'
    results[tag + '_history_keys'] = sorted(history.history)
    results[tag + '_loss'] = history.history['loss']
    results[tag + '_val_loss'] = history.history['val_loss']
    results[tag + '_evaluate'] = vae_.evaluate(x_test, verbose=0)
    results[tag + '_reconstruction_shape'] = str(K.int_shape(reconstruction_loss))

# the latent codes and the decoded digits (as plot_results draws them; plotting left out)
z_mean_, z_log_var_, z_ = encoder.predict(x_test, batch_size=batch_size)
grid_x = np.linspace(-4, 4, 3)
z_sample = np.array([[xi, yi] for yi in grid_x[::-1] for xi in grid_x])
x_decoded = decoder.predict(z_sample)

RESULTS = dict(results)
RESULTS.update({
    'shape': list(shape[1:]),
    'encoder_params': encoder.count_params(),
    'decoder_params': decoder.count_params(),
    'vae_params': vae.count_params(),
    'decoder_output_shape': str(decoder.output_shape),
    'decoder_layers': [type(layer).__name__ for layer in decoder.layers],
    'z_mean': z_mean_,
    'z_log_var': z_log_var_,
    'z': z_,
    'digits': x_decoded[:, 12:16, 12:16, 0],
})
