"""keras.io example "Denoising Diffusion Implicit Models" (examples/generative/ddim.py, Keras 3).

The functional residual U-Net with a registered ``sinusoidal_embedding``
``Lambda`` (``output_shape`` given), ``UpSampling2D`` nearest/bilinear,
``AveragePooling2D`` and ``BatchNormalization(center=False, scale=False)``;
the ``DiffusionModel`` with a ``Normalization`` layer adapted on the data, an
EMA network made by ``keras.models.clone_model`` and updated with
``assign``, ``self.loss`` from ``compile(loss=keras.losses.mean_absolute_error)``,
three ``metrics`` (two ``Mean`` trackers and the ``KID`` metric that owns a
Sequential encoder), DDIM sampling in ``generate``, a custom ``test_step``,
``ModelCheckpoint(save_weights_only=True, monitor="val_kid", save_best_only=True)``
and a ``LambdaCallback``. The ``tf.GradientTape`` step is written the torch
way. Harness changes (``# harness:``): tiny sizes, 8x8 synthetic images, the
pretrained InceptionV3 of KID replaced by a small convolution, seeded weights
and numpy-seeded stand-ins for ``keras.random``, no plotting.
"""

import math
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
## Hyperparameters
"""

# data
dataset_repetitions = 1  # harness: 5
num_epochs = 2  # train for at least 50 epochs for good results
image_size = 8  # harness: 64
# KID = Kernel Inception Distance, see related section
kid_image_size = 10  # harness: 75
kid_diffusion_steps = 2  # harness: 5
plot_diffusion_steps = 3  # harness: 20

# sampling
min_signal_rate = 0.02
max_signal_rate = 0.95

# architecture
embedding_dims = 8  # harness: 32
embedding_max_frequency = 1000.0
widths = [4, 8]  # harness: [32, 64, 96, 128]
block_depth = 1  # harness: 2

# optimization
batch_size = 4  # harness: 64
ema = 0.999
learning_rate = 1e-3
weight_decay = 1e-4

"""
## Data pipeline (synthetic Oxford Flowers crops in [0, 1]; numpy in place of tf.data)
"""

rng = np.random.RandomState(0)
train_dataset = rng.uniform(0, 1, (8, image_size, image_size, 3)).astype("float32")
val_dataset = rng.uniform(0, 1, (4, image_size, image_size, 3)).astype("float32")

"""
## Kernel inception distance
"""


class KID(keras.metrics.Metric):
    def __init__(self, name, **kwargs):
        super().__init__(name=name, **kwargs)

        # KID is estimated per batch and is averaged across batches
        self.kid_tracker = keras.metrics.Mean(name="kid_tracker")

        # a pretrained InceptionV3 is used without its classification layer
        # transform the pixel values to the 0-255 range, then use the same
        # preprocessing as during pretraining
        self.encoder = keras.Sequential(
            [
                keras.Input(shape=(image_size, image_size, 3)),
                layers.Rescaling(255.0),
                layers.Resizing(height=kid_image_size, width=kid_image_size),
                layers.Lambda(keras.applications.inception_v3.preprocess_input),
                layers.Conv2D(6, 3, strides=2, activation="relu"),  # harness: InceptionV3(weights="imagenet")
                layers.GlobalAveragePooling2D(),
            ],
            name="inception_encoder",
        )

    def polynomial_kernel(self, features_1, features_2):
        feature_dimensions = ops.cast(ops.shape(features_1)[1], dtype="float32")
        return (
            features_1 @ ops.transpose(features_2) / feature_dimensions + 1.0
        ) ** 3.0

    def update_state(self, real_images, generated_images, sample_weight=None):
        real_features = self.encoder(real_images, training=False)
        generated_features = self.encoder(generated_images, training=False)

        # compute polynomial kernels using the two sets of features
        kernel_real = self.polynomial_kernel(real_features, real_features)
        kernel_generated = self.polynomial_kernel(
            generated_features, generated_features
        )
        kernel_cross = self.polynomial_kernel(real_features, generated_features)

        # estimate the squared maximum mean discrepancy using the average kernel values
        batch_size = real_features.shape[0]
        batch_size_f = ops.cast(batch_size, dtype="float32")
        mean_kernel_real = ops.sum(kernel_real * (1.0 - ops.eye(batch_size))) / (
            batch_size_f * (batch_size_f - 1.0)
        )
        mean_kernel_generated = ops.sum(
            kernel_generated * (1.0 - ops.eye(batch_size))
        ) / (batch_size_f * (batch_size_f - 1.0))
        mean_kernel_cross = ops.mean(kernel_cross)
        kid = mean_kernel_real + mean_kernel_generated - 2.0 * mean_kernel_cross

        # update the average KID estimate
        self.kid_tracker.update_state(kid)

    def result(self):
        return self.kid_tracker.result()

    def reset_state(self):
        self.kid_tracker.reset_state()


"""
## Network architecture
"""


@keras.saving.register_keras_serializable()
def sinusoidal_embedding(x):
    embedding_min_frequency = 1.0
    frequencies = ops.exp(
        ops.linspace(
            ops.log(embedding_min_frequency),
            ops.log(embedding_max_frequency),
            embedding_dims // 2,
        )
    )
    angular_speeds = ops.cast(2.0 * math.pi * frequencies, "float32")
    embeddings = ops.concatenate(
        [ops.sin(angular_speeds * x), ops.cos(angular_speeds * x)], axis=3
    )
    return embeddings


def ResidualBlock(width):
    def apply(x):
        input_width = x.shape[3]
        if input_width == width:
            residual = x
        else:
            residual = layers.Conv2D(width, kernel_size=1)(x)
        x = layers.BatchNormalization(center=False, scale=False)(x)
        x = layers.Conv2D(width, kernel_size=3, padding="same", activation="swish")(x)
        x = layers.Conv2D(width, kernel_size=3, padding="same")(x)
        x = layers.Add()([x, residual])
        return x

    return apply


def DownBlock(width, block_depth):
    def apply(x):
        x, skips = x
        for _ in range(block_depth):
            x = ResidualBlock(width)(x)
            skips.append(x)
        x = layers.AveragePooling2D(pool_size=2)(x)
        return x

    return apply


def UpBlock(width, block_depth):
    def apply(x):
        x, skips = x
        x = layers.UpSampling2D(size=2, interpolation="bilinear")(x)
        for _ in range(block_depth):
            x = layers.Concatenate()([x, skips.pop()])
            x = ResidualBlock(width)(x)
        return x

    return apply


def get_network(image_size, widths, block_depth):
    noisy_images = keras.Input(shape=(image_size, image_size, 3))
    noise_variances = keras.Input(shape=(1, 1, 1))

    e = layers.Lambda(sinusoidal_embedding, output_shape=(1, 1, embedding_dims))(noise_variances)  # harness: 32
    e = layers.UpSampling2D(size=image_size, interpolation="nearest")(e)

    x = layers.Conv2D(widths[0], kernel_size=1)(noisy_images)
    x = layers.Concatenate()([x, e])

    skips = []
    for width in widths[:-1]:
        x = DownBlock(width, block_depth)([x, skips])

    for _ in range(block_depth):
        x = ResidualBlock(widths[-1])(x)

    for width in reversed(widths[:-1]):
        x = UpBlock(width, block_depth)([x, skips])

    x = layers.Conv2D(3, kernel_size=1, kernel_initializer="zeros")(x)

    return keras.Model([noisy_images, noise_variances], x, name="residual_unet")


"""
## Diffusion model
"""


@keras.saving.register_keras_serializable()
class DiffusionModel(keras.Model):
    def __init__(self, image_size, widths, block_depth):
        super().__init__()

        self.normalizer = layers.Normalization()
        self.network = get_network(image_size, widths, block_depth)
        self.ema_network = keras.models.clone_model(self.network)

    def compile(self, **kwargs):
        super().compile(**kwargs)

        self.noise_loss_tracker = keras.metrics.Mean(name="n_loss")
        self.image_loss_tracker = keras.metrics.Mean(name="i_loss")
        self.kid = KID(name="kid")

    @property
    def metrics(self):
        return [self.noise_loss_tracker, self.image_loss_tracker, self.kid]

    def denormalize(self, images):
        # convert the pixel values back to 0-1 range
        images = self.normalizer.mean + images * self.normalizer.variance**0.5
        return ops.clip(images, 0.0, 1.0)

    def diffusion_schedule(self, diffusion_times):
        # diffusion times -> angles
        start_angle = ops.cast(ops.arccos(max_signal_rate), "float32")
        end_angle = ops.cast(ops.arccos(min_signal_rate), "float32")

        diffusion_angles = start_angle + diffusion_times * (end_angle - start_angle)

        # angles -> signal and noise rates
        signal_rates = ops.cos(diffusion_angles)
        noise_rates = ops.sin(diffusion_angles)
        # note that their squared sum is always: sin^2(x) + cos^2(x) = 1

        return noise_rates, signal_rates

    def denoise(self, noisy_images, noise_rates, signal_rates, training):
        # the exponential moving average weights are used at evaluation
        if training:
            network = self.network
        else:
            network = self.ema_network

        # predict noise component and calculate the image component using it
        pred_noises = network([noisy_images, noise_rates**2], training=training)
        pred_images = (noisy_images - noise_rates * pred_noises) / signal_rates

        return pred_noises, pred_images

    def reverse_diffusion(self, initial_noise, diffusion_steps):
        # reverse diffusion = sampling
        num_images = initial_noise.shape[0]
        step_size = 1.0 / diffusion_steps

        # important line:
        # at the first sampling step, the "noisy image" is pure noise
        # but its signal rate is assumed to be nonzero (min_signal_rate)
        next_noisy_images = initial_noise
        for step in range(diffusion_steps):
            noisy_images = next_noisy_images

            # separate the current noisy image to its components
            diffusion_times = ops.ones((num_images, 1, 1, 1)) - step * step_size
            noise_rates, signal_rates = self.diffusion_schedule(diffusion_times)
            pred_noises, pred_images = self.denoise(
                noisy_images, noise_rates, signal_rates, training=False
            )
            # network used in eval mode

            # remix the predicted components using the next signal and noise rates
            next_diffusion_times = diffusion_times - step_size
            next_noise_rates, next_signal_rates = self.diffusion_schedule(
                next_diffusion_times
            )
            next_noisy_images = (
                next_signal_rates * pred_images + next_noise_rates * pred_noises
            )
            # this new noisy image will be used in the next step

        return pred_images

    def generate(self, num_images, diffusion_steps):
        # noise -> images -> denormalized images
        initial_noise = keras.random.normal(
            shape=(num_images, image_size, image_size, 3)
        )
        generated_images = self.reverse_diffusion(initial_noise, diffusion_steps)
        generated_images = self.denormalize(generated_images)
        return generated_images

    def train_step(self, images):
        # normalize images to have standard deviation of 1, like the noises
        images = self.normalizer(images, training=True)
        noises = keras.random.normal(shape=(batch_size, image_size, image_size, 3))

        # sample uniform random diffusion times
        diffusion_times = keras.random.uniform(
            shape=(batch_size, 1, 1, 1), minval=0.0, maxval=1.0
        )
        noise_rates, signal_rates = self.diffusion_schedule(diffusion_times)
        # mix the images with noises accordingly
        noisy_images = signal_rates * images + noise_rates * noises

        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        # train the network to separate noisy images to their components
        pred_noises, pred_images = self.denoise(
            noisy_images, noise_rates, signal_rates, training=True
        )

        noise_loss = self.loss(noises, pred_noises)  # used for training
        image_loss = self.loss(images, pred_images)  # only used as metric

        # torch: tape.gradient of a non-scalar target differentiates its sum
        ops.sum(noise_loss).backward()
        gradients = [v.value.grad for v in self.network.trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, self.network.trainable_weights)

        self.noise_loss_tracker.update_state(noise_loss)
        self.image_loss_tracker.update_state(image_loss)

        # track the exponential moving averages of weights
        with torch.no_grad():  # torch: the EMA update is outside the tape
            for weight, ema_weight in zip(self.network.weights, self.ema_network.weights):
                ema_weight.assign(ema * ema_weight + (1 - ema) * weight)

        # KID is not measured during the training phase for computational efficiency
        return {m.name: m.result() for m in self.metrics[:-1]}

    def test_step(self, images):
        # normalize images to have standard deviation of 1, like the noises
        images = self.normalizer(images, training=False)
        noises = keras.random.normal(shape=(batch_size, image_size, image_size, 3))

        # sample uniform random diffusion times
        diffusion_times = keras.random.uniform(
            shape=(batch_size, 1, 1, 1), minval=0.0, maxval=1.0
        )
        noise_rates, signal_rates = self.diffusion_schedule(diffusion_times)
        # mix the images with noises accordingly
        noisy_images = signal_rates * images + noise_rates * noises

        # use the network to separate noisy images to their components
        pred_noises, pred_images = self.denoise(
            noisy_images, noise_rates, signal_rates, training=False
        )

        noise_loss = self.loss(noises, pred_noises)
        image_loss = self.loss(images, pred_images)

        self.image_loss_tracker.update_state(image_loss)
        self.noise_loss_tracker.update_state(noise_loss)

        # measure KID between real and generated images
        # this is computationally demanding, kid_diffusion_steps has to be small
        images = self.denormalize(images)
        generated_images = self.generate(
            num_images=batch_size, diffusion_steps=kid_diffusion_steps
        )
        self.kid.update_state(images, generated_images)

        return {m.name: m.result() for m in self.metrics}

    def plot_images(self, epoch=None, logs=None, num_rows=1, num_cols=2):  # harness: 3, 6
        # plot random generated images for visual evaluation of generation quality
        generated_images = self.generate(
            num_images=num_rows * num_cols,
            diffusion_steps=plot_diffusion_steps,
        )
        # harness: recorded instead of plotted with matplotlib
        RESULTS["plot_images_%d" % epoch] = ops.convert_to_numpy(generated_images)[:, ::3, ::3, 0]


"""
## Training
"""

# create and compile the model
model = DiffusionModel(image_size, widths, block_depth)
model.compile(
    optimizer=keras.optimizers.AdamW(
        learning_rate=learning_rate, weight_decay=weight_decay
    ),
    # harness: loss=keras.losses.mean_absolute_error, set below: with a compiled loss,
    # Keras 3.15 (torch) fit() tries to build the call()-less model symbolically and fails
)
model.loss = keras.losses.mean_absolute_error  # harness:
# pixelwise mean absolute error is used as loss

RESULTS["network_params"] = model.network.count_params()
RESULTS["ema_network_params"] = model.ema_network.count_params()
RESULTS["network_n_layers"] = len(model.network.layers)
RESULTS["network_output_shape"] = list(model.network.output.shape[1:])
RESULTS["embedding_output_shape"] = list(model.network.layers[2].output.shape[1:])
RESULTS["clone_layer_classes"] = [type(layer).__name__ for layer in model.ema_network.layers]

_rs = np.random.RandomState(1)  # harness: equal initial weights on both sides
for _w in model.network.trainable_weights:  # harness:
    _w.assign(_rs.normal(0, 0.2, _w.shape).astype("float32"))  # harness:
model.ema_network.set_weights(model.network.get_weights())  # harness:
for _w in model.kid.encoder.weights:  # harness:
    _w.assign(_rs.normal(0, 0.01, _w.shape).astype("float32"))  # harness:

# save the best model based on the validation KID metric
checkpoint_path = "checkpoints/diffusion_model.weights.h5"
checkpoint_callback = keras.callbacks.ModelCheckpoint(
    filepath=checkpoint_path,
    save_weights_only=True,
    monitor="val_kid",
    mode="min",
    save_best_only=True,
)

# calculate mean and variance of training dataset for normalization
model.normalizer.adapt(train_dataset)
RESULTS["normalizer_mean"] = ops.convert_to_numpy(model.normalizer.mean).ravel()

model.built = True  # harness: Keras 3.15 (torch) would otherwise call the call()-less model to build it
# run training and plot generated random images periodically
history = model.fit(
    train_dataset,
    epochs=num_epochs,
    batch_size=batch_size,  # harness: numpy in place of the batched tf.data pipeline
    shuffle=False,  # harness:
    verbose=0,  # harness:
    validation_data=val_dataset,
    callbacks=[
        keras.callbacks.LambdaCallback(on_epoch_end=model.plot_images),
        checkpoint_callback,
    ],
)
RESULTS["history_keys"] = sorted(history.history)
for key, values in history.history.items():
    RESULTS["history_" + key] = values
RESULTS["iterations"] = int(model.optimizer.iterations)
RESULTS["checkpoint_exists"] = os.path.exists(checkpoint_path)
RESULTS["network_weights"] = model.network.layers[-1].get_weights()[0].ravel()[:6]
RESULTS["ema_weights"] = model.ema_network.layers[-1].get_weights()[0].ravel()[:6]

"""
## Inference
"""

# load the best model and generate images
model.load_weights(checkpoint_path)
RESULTS["generated"] = ops.convert_to_numpy(
    model.generate(num_images=2, diffusion_steps=plot_diffusion_steps))[:, ::3, ::3, 0]
RTOL, ATOL = 1e-4, 1e-5
