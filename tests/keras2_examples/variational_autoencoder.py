"""Keras 2 examples/variational_autoencoder.py: a VAE (MLP encoder/decoder) on MNIST with add_loss."""
from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import numpy as np

from keras.layers import Lambda, Input, Dense
from keras.models import Model
from keras.losses import mse, binary_crossentropy
from keras import backend as K


# reparameterization trick
# instead of sampling from Q(z|X), sample epsilon = N(0,I)
# z = z_mean + sqrt(var) * epsilon
def sampling(args):
    """Reparameterization trick by sampling from an isotropic unit Gaussian."""
    z_mean, z_log_var = args
    batch = K.shape(z_mean)[0]
    dim = K.int_shape(z_mean)[1]
    # by default, random_normal has mean = 0 and std = 1.0
    # harness: stddev 0.0 makes epsilon zeros (no sampling randomness in the recorded numbers)
    epsilon = K.random_normal(shape=(batch, dim), stddev=0.0)
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


# MNIST dataset (MNIST's dtypes and ranges; no download)
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(64, 28, 28)).astype('uint8')
y_train = rng.randint(0, 10, size=(64,))
x_test = rng.randint(0, 256, size=(32, 28, 28)).astype('uint8')
y_test = rng.randint(0, 10, size=(32,))

image_size = x_train.shape[1]
original_dim = image_size * image_size
x_train = np.reshape(x_train, [-1, original_dim])
x_test = np.reshape(x_test, [-1, original_dim])
x_train = x_train.astype('float32') / 255
x_test = x_test.astype('float32') / 255

# network parameters
input_shape = (original_dim, )
intermediate_dim = 32
batch_size = 16
latent_dim = 2
epochs = 2

# VAE model = encoder + decoder
# build encoder model
inputs = Input(shape=input_shape, name='encoder_input')
x = Dense(intermediate_dim, activation='relu')(inputs)
z_mean = Dense(latent_dim, name='z_mean')(x)
z_log_var = Dense(latent_dim, name='z_log_var')(x)

# use reparameterization trick to push the sampling out as input
z = Lambda(sampling, output_shape=(latent_dim,), name='z')([z_mean, z_log_var])

# instantiate encoder model
encoder = Model(inputs, [z_mean, z_log_var, z], name='encoder')
encoder.summary()

# build decoder model
latent_inputs = Input(shape=(latent_dim,), name='z_sampling')
x = Dense(intermediate_dim, activation='relu')(latent_inputs)
outputs = Dense(original_dim, activation='sigmoid')(x)

# instantiate decoder model
decoder = Model(latent_inputs, outputs, name='decoder')
decoder.summary()

# instantiate VAE model
outputs = decoder(encoder(inputs)[2])
vae = Model(inputs, outputs, name='vae_mlp')

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
vae.set_weights([seeded.normal(0, 0.05, w.shape).astype(w.dtype) for w in vae.get_weights()])

results = {}
for use_mse in (False, True):  # the example's --mse flag, both ways
    vae.set_weights([np.random.RandomState(1).normal(0, 0.05, w.shape).astype(w.dtype)
                     for w in vae.get_weights()])  # harness: the same start for both runs
    vae_ = Model(inputs, outputs, name='vae_mlp')
    # VAE loss = mse_loss or xent_loss + kl_loss
    if use_mse:
        reconstruction_loss = mse(inputs, outputs)
    else:
        reconstruction_loss = binary_crossentropy(inputs, outputs)

    reconstruction_loss *= original_dim
    kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl_loss = K.sum(kl_loss, axis=-1)
    kl_loss *= -0.5
    vae_loss = K.mean(reconstruction_loss + kl_loss)
    vae_.add_loss(vae_loss)
    vae_.compile(optimizer='adam')
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

# the latent codes and the decoded digits (as plot_results draws them; plotting left out)
z_mean_, z_log_var_, z_ = encoder.predict(x_test, batch_size=batch_size)
grid_x = np.linspace(-4, 4, 3)
z_sample = np.array([[xi, yi] for yi in grid_x[::-1] for xi in grid_x])
x_decoded = decoder.predict(z_sample)
digits = x_decoded.reshape(-1, image_size, image_size)

# sampling itself with the unit Gaussian: only its shape and finiteness are deterministic
def unit_sampling(args):
    z_mean, z_log_var = args
    epsilon = K.random_normal(shape=(K.shape(z_mean)[0], K.int_shape(z_mean)[1]))
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


sampled = Lambda(unit_sampling, output_shape=(latent_dim,))([z_mean, z_log_var])
sampled_z = Model(inputs, sampled).predict(x_test)

RESULTS = dict(results)
RESULTS.update({
    'encoder_params': encoder.count_params(),
    'decoder_params': decoder.count_params(),
    'vae_params': vae.count_params(),
    'model_names': [encoder.name, decoder.name, vae.name],
    'encoder_output_shapes': str(encoder.output_shape),
    'layer_names': [layer.name for layer in encoder.layers],
    'z_mean': z_mean_,
    'z_log_var': z_log_var_,
    'z': z_,
    'digits': digits[:, 10:14, 10:14],
    'sampled_shape': list(sampled_z.shape),
    'sampled_finite': bool(np.isfinite(sampled_z).all()),
})
