"""keras.io example "DCGAN to generate face images" (examples/generative/dcgan_overriding_train_step.py).

The example's Sequential convolutional discriminator and Conv2DTranspose
generator, the ``GAN`` model with its own ``compile(d_optimizer, g_optimizer,
loss_fn)`` that creates two ``Mean`` trackers behind a ``metrics`` property,
``keras.random.normal``/``uniform`` with a ``SeedGenerator``, and the
``GANMonitor`` callback that saves images with ``keras.utils.array_to_img``.
The ``tf.GradientTape`` steps are written the torch way (``zero_grad``,
``backward``, ``optimizer.apply`` under ``torch.no_grad``). Random numbers come
from a harness-seeded numpy stream; dropout rate 0 (``# harness:``).
Synthetic CelebA-shaped images, 16x16, small widths.
"""

import os

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

_noise = np.random.RandomState(42)  # harness: deterministic stand-ins for keras.random


def _normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):  # harness:
    return torch.tensor(_noise.normal(mean, stddev, tuple(int(s) for s in shape)).astype("float32"))


def _uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):  # harness:
    return torch.tensor(_noise.uniform(minval, maxval, tuple(int(s) for s in shape)).astype("float32"))


keras.random.normal = _normal  # harness:
keras.random.uniform = _uniform  # harness:

"""
## Prepare CelebA data (synthetic; the example reads a folder with image_dataset_from_directory)
"""

rng = np.random.RandomState(0)
dataset = rng.randint(0, 256, size=(24, 16, 16, 3)).astype("float32")  # harness: 64x64 images
dataset = dataset / 255.0

"""
## Create the discriminator
"""

discriminator = keras.Sequential(
    [
        keras.Input(shape=(16, 16, 3)),
        layers.Conv2D(8, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(16, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(16, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Flatten(),
        layers.Dropout(0.0),  # harness: 0.2
        layers.Dense(1, activation="sigmoid"),
    ],
    name="discriminator",
)
RESULTS["d_count_params"] = discriminator.count_params()
RESULTS["d_output_shapes"] = [str(layer.output.shape) for layer in discriminator.layers]

"""
## Create the generator
"""

latent_dim = 8  # harness: 128

generator = keras.Sequential(
    [
        keras.Input(shape=(latent_dim,)),
        layers.Dense(2 * 2 * 16),
        layers.Reshape((2, 2, 16)),
        layers.Conv2DTranspose(16, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2DTranspose(16, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2DTranspose(8, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(3, kernel_size=5, padding="same", activation="sigmoid"),
    ],
    name="generator",
)
RESULTS["g_count_params"] = generator.count_params()
RESULTS["g_output_shapes"] = [str(layer.output.shape) for layer in generator.layers]


def seed_weights(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])


seed_weights(discriminator, 1)  # harness:
seed_weights(generator, 2)  # harness:

"""
## Override `train_step`
"""


class GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def train_step(self, real_images):
        # Sample random points in the latent space
        batch_size = ops.shape(real_images)[0]
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )

        # Decode them to fake images
        generated_images = self.generator(random_latent_vectors)

        # Combine them with real images
        combined_images = ops.concatenate([generated_images, real_images], axis=0)

        # Assemble labels discriminating real from fake images
        labels = ops.concatenate(
            [ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0
        )
        # Add random noise to the labels - important trick!
        labels += 0.05 * keras.random.uniform(ops.shape(labels), seed=self.seed_generator)
        labels = ops.clip(labels, 0.0, 1.0)  # harness: Keras 3 (torch) BCE rejects targets above 1

        # Train the discriminator
        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        predictions = self.discriminator(combined_images)
        d_loss = self.loss_fn(labels, predictions)
        d_loss.backward()
        grads = [v.value.grad for v in self.discriminator.trainable_weights]
        with torch.no_grad():
            self.d_optimizer.apply(grads, self.discriminator.trainable_weights)

        # Sample random points in the latent space
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )

        # Assemble labels that say "all real images"
        misleading_labels = ops.zeros((batch_size, 1))

        # Train the generator (note that we should *not* update the weights
        # of the discriminator)!
        self.zero_grad()
        predictions = self.discriminator(self.generator(random_latent_vectors))
        g_loss = self.loss_fn(misleading_labels, predictions)
        g_loss.backward()
        grads = [v.value.grad for v in self.generator.trainable_weights]
        with torch.no_grad():
            self.g_optimizer.apply(grads, self.generator.trainable_weights)

        # Update metrics
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {
            "d_loss": self.d_loss_metric.result(),
            "g_loss": self.g_loss_metric.result(),
        }


"""
## Create a callback that periodically saves generated images
"""


class GANMonitor(keras.callbacks.Callback):
    def __init__(self, num_img=3, latent_dim=128):
        self.num_img = num_img
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(42)

    def on_epoch_end(self, epoch, logs=None):
        random_latent_vectors = keras.random.normal(
            shape=(self.num_img, self.latent_dim), seed=self.seed_generator
        )
        generated_images = self.model.generator(random_latent_vectors)
        generated_images *= 255
        generated_images = ops.convert_to_numpy(generated_images)  # torch: instead of .numpy()
        for i in range(self.num_img):
            img = keras.utils.array_to_img(generated_images[i])
            img.save("generated_img_%03d_%d.png" % (epoch, i))


"""
## Train the end-to-end model
"""

epochs = 2  # In practice, use ~100 epochs

gan = GAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
gan.built = True  # harness: Keras 3.15 (torch) would otherwise call the call()-less model to build it
gan.compile(
    d_optimizer=keras.optimizers.Adam(learning_rate=0.0001),
    g_optimizer=keras.optimizers.Adam(learning_rate=0.0001),
    loss_fn=keras.losses.BinaryCrossentropy(),
)

h = gan.fit(
    dataset, batch_size=8, epochs=epochs, shuffle=False, verbose=0,  # harness: numpy in place of tf.data
    callbacks=[GANMonitor(num_img=2, latent_dim=latent_dim)]
)
RESULTS["hist_keys"] = sorted(h.history)
for k, v in h.history.items():
    RESULTS["hist_" + k] = v
RESULTS["metric_names"] = [m.name for m in gan.metrics]
RESULTS["d_iterations"] = int(gan.d_optimizer.iterations)
RESULTS["g_iterations"] = int(gan.g_optimizer.iterations)
RESULTS["saved_images"] = sorted(f for f in os.listdir(".") if f.startswith("generated_img_"))
RESULTS["saved_image_pixels"] = keras.utils.img_to_array(
    keras.utils.load_img("generated_img_001_1.png"))[::5, ::5, 0]
RESULTS["d_dense_kernel"] = discriminator.layers[-1].get_weights()[0][:6, 0]
RESULTS["generated"] = generator.predict(_normal((2, latent_dim)), verbose=0)[:, ::5, ::5, 0]
RTOL, ATOL = 1e-4, 1e-4
