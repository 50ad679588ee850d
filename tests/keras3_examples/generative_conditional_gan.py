"""keras.io example "Conditional GAN" (examples/generative/conditional_gan.py, Keras 3), torch train_step.

The discriminator (``InputLayer``, strided Conv2D, LeakyReLU,
GlobalMaxPooling2D) and generator (Dense, Reshape, Conv2DTranspose) as
Sequential models; ``ConditionalGAN`` with its trackers created in
``__init__``, ``metrics`` property, custom ``compile``; one-hot labels broadcast
to image channels with ``ops.repeat(..., repeats=[n])`` and ``ops.reshape``;
the class interpolation with ``ops.linspace``, ``keras.utils.to_categorical``
and ``ops.image.resize`` on the uint8 result. The ``tf.GradientTape`` steps are
written the torch way. Random numbers come from a harness-seeded numpy stream.
Synthetic MNIST at 8x8, small widths.
"""

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

_noise = np.random.RandomState(3)  # harness: deterministic stand-in for keras.random.normal


def _normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):  # harness:
    return torch.tensor(_noise.normal(mean, stddev, tuple(int(s) for s in shape)).astype("float32"))


keras.random.normal = _normal  # harness:

"""
## Constants and hyperparameters
"""

batch_size = 8  # harness: 64
num_channels = 1
num_classes = 10
image_size = 8  # harness: 28
latent_dim = 6  # harness: 128

"""
## Loading the MNIST dataset and preprocessing it (synthetic)
"""

rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(16, image_size, image_size)).astype("uint8")
y_train = rng.randint(0, 10, size=(16,)).astype("uint8")
x_test = rng.randint(0, 256, size=(8, image_size, image_size)).astype("uint8")
y_test = rng.randint(0, 10, size=(8,)).astype("uint8")
all_digits = np.concatenate([x_train, x_test])
all_labels = np.concatenate([y_train, y_test])

# Scale the pixel values to [0, 1] range, add a channel dimension to
# the images, and one-hot encode the labels.
all_digits = all_digits.astype("float32") / 255.0
all_digits = np.reshape(all_digits, (-1, image_size, image_size, 1))
all_labels = keras.utils.to_categorical(all_labels, 10)
# harness: dtype not compared: Keras 3 gives float64, keraton float32 (tf.keras 2's default)
RESULTS["labels_head"] = all_labels[:3]

"""
## Calculating the number of input channel for the generator and discriminator
"""

generator_in_channels = latent_dim + num_classes
discriminator_in_channels = num_channels + num_classes
print(generator_in_channels, discriminator_in_channels)

"""
## Creating the discriminator and generator
"""

# Create the discriminator.
discriminator = keras.Sequential(
    [
        keras.layers.InputLayer((image_size, image_size, discriminator_in_channels)),
        layers.Conv2D(8, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(16, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.GlobalMaxPooling2D(),
        layers.Dense(1),
    ],
    name="discriminator",
)

# Create the generator.
generator = keras.Sequential(
    [
        keras.layers.InputLayer((generator_in_channels,)),
        # We want to generate 128 + num_classes coefficients to reshape into a
        # 7x7x(128 + num_classes) map.
        layers.Dense(2 * 2 * generator_in_channels),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Reshape((2, 2, generator_in_channels)),
        layers.Conv2DTranspose(16, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2DTranspose(16, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
    ],
    name="generator",
)
RESULTS["d_count_params"] = discriminator.count_params()
RESULTS["g_count_params"] = generator.count_params()
RESULTS["d_layer_names"] = [layer.name for layer in discriminator.layers]
RESULTS["g_output_shape"] = str(generator.output_shape)


def seed_weights(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])


seed_weights(discriminator, 1)  # harness:
seed_weights(generator, 2)  # harness:

"""
## Creating a `ConditionalGAN` model
"""


class ConditionalGAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.gen_loss_tracker = keras.metrics.Mean(name="generator_loss")
        self.disc_loss_tracker = keras.metrics.Mean(name="discriminator_loss")

    @property
    def metrics(self):
        return [self.gen_loss_tracker, self.disc_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, data):
        # Unpack the data.
        real_images, one_hot_labels = data

        # Add dummy dimensions to the labels so that they can be concatenated with
        # the images. This is for the discriminator.
        image_one_hot_labels = one_hot_labels[:, :, None, None]
        image_one_hot_labels = ops.repeat(
            image_one_hot_labels, repeats=image_size * image_size
        )  # harness: repeats=[image_size * image_size]; Keras 3.15 (torch) fails on a list
        # ("Invalid dtype: object": its repeat() calls keras' own all() on a generator)
        image_one_hot_labels = ops.reshape(
            image_one_hot_labels, (-1, image_size, image_size, num_classes)
        )

        # Sample random points in the latent space and concatenate the labels.
        # This is for the generator.
        batch_size = ops.shape(real_images)[0]
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )
        random_vector_labels = ops.concatenate(
            [random_latent_vectors, one_hot_labels], axis=1
        )

        # Decode the noise (guided by labels) to fake images.
        generated_images = self.generator(random_vector_labels)

        # Combine them with real images. Note that we are concatenating the labels
        # with these images here.
        fake_image_and_labels = ops.concatenate(
            [generated_images, image_one_hot_labels], -1
        )
        real_image_and_labels = ops.concatenate([real_images, image_one_hot_labels], -1)
        combined_images = ops.concatenate(
            [fake_image_and_labels, real_image_and_labels], axis=0
        )

        # Assemble labels discriminating real from fake images.
        labels = ops.concatenate(
            [ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0
        )

        # Train the discriminator.
        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        predictions = self.discriminator(combined_images)
        d_loss = self.loss_fn(labels, predictions)
        d_loss.backward()
        grads = [v.value.grad for v in self.discriminator.trainable_weights]
        with torch.no_grad():
            self.d_optimizer.apply(grads, self.discriminator.trainable_weights)

        # Sample random points in the latent space.
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )
        random_vector_labels = ops.concatenate(
            [random_latent_vectors, one_hot_labels], axis=1
        )

        # Assemble labels that say "all real images".
        misleading_labels = ops.zeros((batch_size, 1))

        # Train the generator (note that we should *not* update the weights
        # of the discriminator)!
        self.zero_grad()
        fake_images = self.generator(random_vector_labels)
        fake_image_and_labels = ops.concatenate(
            [fake_images, image_one_hot_labels], -1
        )
        predictions = self.discriminator(fake_image_and_labels)
        g_loss = self.loss_fn(misleading_labels, predictions)
        g_loss.backward()
        grads = [v.value.grad for v in self.generator.trainable_weights]
        with torch.no_grad():
            self.g_optimizer.apply(grads, self.generator.trainable_weights)

        # Monitor loss.
        self.gen_loss_tracker.update_state(g_loss)
        self.disc_loss_tracker.update_state(d_loss)
        return {
            "g_loss": self.gen_loss_tracker.result(),
            "d_loss": self.disc_loss_tracker.result(),
        }


"""
## Training the Conditional GAN
"""

cond_gan = ConditionalGAN(
    discriminator=discriminator, generator=generator, latent_dim=latent_dim
)
cond_gan.built = True  # harness: Keras 3.15 (torch) would otherwise call the call()-less model to build it
cond_gan.compile(
    d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
    g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
    loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
)

h = cond_gan.fit(all_digits, all_labels, batch_size=batch_size, epochs=2,
                 shuffle=False, verbose=0)  # harness: numpy in place of tf.data, 20 epochs
RESULTS["hist_keys"] = sorted(h.history)
for k, v in h.history.items():
    RESULTS["hist_" + k] = v

"""
## Interpolating between classes with the trained generator
"""

# We first extract the trained generator from our Conditional GAN.
trained_gen = cond_gan.generator

# Choose the number of intermediate images that would be generated in
# between the interpolation + 2 (start and last images).
num_interpolation = 5  # @param {type:"integer"}  (harness: 9)

# Sample noise for the interpolation.
interpolation_noise = keras.random.normal(shape=(1, latent_dim))
interpolation_noise = ops.repeat(interpolation_noise, repeats=num_interpolation)
interpolation_noise = ops.reshape(interpolation_noise, (num_interpolation, latent_dim))


def interpolate_class(first_number, second_number):
    # Convert the start and end labels to one-hot encoded vectors.
    first_label = keras.utils.to_categorical([first_number], num_classes)
    second_label = keras.utils.to_categorical([second_number], num_classes)
    first_label = ops.cast(first_label, "float32")
    second_label = ops.cast(second_label, "float32")

    # Calculate the interpolation vector between the two labels.
    percent_second_label = ops.linspace(0, 1, num_interpolation)[:, None]
    percent_second_label = ops.cast(percent_second_label, "float32")
    interpolation_labels = (
        first_label * (1 - percent_second_label) + second_label * percent_second_label
    )

    # Combine the noise and the labels and run inference with the generator.
    noise_and_labels = ops.concatenate([interpolation_noise, interpolation_labels], 1)
    fake = trained_gen.predict(noise_and_labels, verbose=0)
    return fake


start_class = 2  # @param {type:"slider", min:0, max:9, step:1}
end_class = 6  # @param {type:"slider", min:0, max:9, step:1}

fake_images = interpolate_class(start_class, end_class)
RESULTS["fake_images"] = fake_images[:, ::2, ::2, 0]

fake_images *= 255.0
converted_images = fake_images.astype(np.uint8)
converted_images = ops.image.resize(converted_images, (12, 12)).numpy().astype(np.uint8)  # harness: 96
RESULTS["converted_shape"] = list(converted_images.shape)
RESULTS["converted_dtype"] = str(converted_images.dtype)
RESULTS["converted_mean"] = float(converted_images.astype("float64").mean())
# imageio.mimsave("animation.gif", converted_images[:, :, :, 0], fps=1)  (harness: skipped)
RTOL, ATOL = 1e-4, 1e-4
