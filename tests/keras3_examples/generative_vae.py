"""keras.io example "Variational AutoEncoder" (examples/generative/vae.py, Keras 3), torch train_step.

The convolutional encoder with a ``Sampling`` layer (``keras.random.normal``
with a ``SeedGenerator``), the Conv2DTranspose decoder, and the ``VAE`` model
with three ``Mean`` trackers behind a ``metrics`` property and a custom
``train_step`` (the example's ``tf.GradientTape`` written the torch way, as
keras.io's torch guides do: ``zero_grad``, ``backward``, ``optimizer.apply``).
The sampling noise comes from a harness-seeded numpy stream. Synthetic MNIST.
"""

import numpy as np
import torch
import keras
from keras import ops
from keras import layers

RESULTS = {}

_noise = np.random.RandomState(123)  # harness: deterministic stand-in for keras.random.normal


def _normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):  # harness:
    return torch.tensor(_noise.normal(mean, stddev, tuple(int(s) for s in shape)).astype("float32"))


keras.random.normal = _normal  # harness:


class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


latent_dim = 2

encoder_inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(8, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
x = layers.Conv2D(16, 3, activation="relu", strides=2, padding="same")(x)
x = layers.Flatten()(x)
x = layers.Dense(16, activation="relu")(x)
z_mean = layers.Dense(latent_dim, name="z_mean")(x)
z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
z = Sampling()([z_mean, z_log_var])
encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")
RESULTS["encoder_count_params"] = encoder.count_params()
RESULTS["encoder_output_shapes"] = [str(t.shape) for t in encoder.outputs]
RESULTS["encoder_layer_names"] = [layer.name for layer in encoder.layers]

latent_inputs = keras.Input(shape=(latent_dim,))
x = layers.Dense(7 * 7 * 16, activation="relu")(latent_inputs)
x = layers.Reshape((7, 7, 16))(x)
x = layers.Conv2DTranspose(16, 3, activation="relu", strides=2, padding="same")(x)
x = layers.Conv2DTranspose(8, 3, activation="relu", strides=2, padding="same")(x)
decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")
RESULTS["decoder_count_params"] = decoder.count_params()


def seed_weights(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])


seed_weights(encoder, 1)  # harness:
seed_weights(decoder, 2)  # harness:


class VAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(
            name="reconstruction_loss"
        )
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [
            self.total_loss_tracker,
            self.reconstruction_loss_tracker,
            self.kl_loss_tracker,
        ]

    def train_step(self, data):
        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        z_mean, z_log_var, z = self.encoder(data)
        reconstruction = self.decoder(z)
        reconstruction_loss = ops.mean(
            ops.sum(
                keras.losses.binary_crossentropy(data, reconstruction),
                axis=(1, 2),
            )
        )
        kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
        total_loss = reconstruction_loss + kl_loss
        total_loss.backward()  # torch: instead of `tape.gradient`
        trainable_weights = [v for v in self.trainable_weights]
        grads = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(grads, trainable_weights)
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {
            "loss": self.total_loss_tracker.result(),
            "reconstruction_loss": self.reconstruction_loss_tracker.result(),
            "kl_loss": self.kl_loss_tracker.result(),
        }


rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(40, 28, 28)).astype("uint8")  # synthetic MNIST
x_test = rng.randint(0, 256, size=(8, 28, 28)).astype("uint8")
mnist_digits = np.concatenate([x_train, x_test], axis=0)
mnist_digits = np.expand_dims(mnist_digits, -1).astype("float32") / 255

# harness: restart the noise stream: building the functional encoder traces Sampling.call
# (Keras 3 four times on meta tensors, keraton twice on zeros), drawing from the stream.
_noise.seed(123)  # harness:
vae = VAE(encoder, decoder)
vae.built = True  # harness: Keras 3.15 (torch) would otherwise call the call()-less model to build it
vae.compile(optimizer=keras.optimizers.Adam())
h = vae.fit(mnist_digits, epochs=2, batch_size=16, shuffle=False, verbose=0)  # harness: sizes, shuffle
RESULTS["hist_keys"] = sorted(h.history)
for k, v in h.history.items():
    RESULTS["hist_" + k] = v
RESULTS["n_trainable"] = len(vae.trainable_weights)
RESULTS["opt_iterations"] = int(vae.optimizer.iterations)
RESULTS["metric_names"] = [m.name for m in vae.metrics]

# Display a grid of sampled digits / the latent space (plots skipped)
z_sample = np.array([[0.5, -0.5], [1.0, 2.0]], "float32")
x_decoded = vae.decoder.predict(z_sample, verbose=0)
RESULTS["decoded"] = x_decoded[:, ::7, ::7, 0]
z_mean, _, _ = vae.encoder.predict(mnist_digits[:5], verbose=0)
RESULTS["z_mean"] = z_mean
RTOL = 5e-4
ATOL = 2e-5
