"""keras.io example "Denoising Diffusion Probabilistic Model" (examples/generative/ddpm.py).

The ``GaussianDiffusion`` utility (linear beta schedule, ``q_sample``,
posterior mean/variance, ``p_sample`` with ``gather``-based coefficient
extraction), the functional U-Net with an ``int64`` scalar time input, a
``TimeEmbedding`` layer holding a constant tensor, ``TimeMLP``,
``GroupNormalization``, ``AttentionBlock`` (``einsum`` self-attention over
pixels), ``keras.activations.swish`` applied to symbolic tensors, a
``KerasTensor[:, None, None, :]`` slice, ``VarianceScaling(fan_avg, uniform)``
initializers, ``UpSampling2D``/strided ``Conv2D``; the ``DiffusionModel`` with a
custom ``train_step`` (``self.loss`` from ``compile``, EMA update of a second
network with ``assign``) and ``generate_images`` calling ``ema_network.predict``
from a ``LambdaCallback``. The example is written with ``tf.*`` ops; here each is
the ``keras.ops`` equivalent and the ``tf.GradientTape`` step is written the
torch way. Harness changes (``# harness:``): tiny sizes, synthetic 8x8 flowers,
seeded weights, numpy-seeded stand-ins for ``tf.random``, no plotting.
"""

import math

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

_noise = np.random.RandomState(42)  # harness: deterministic stand-ins for tf.random


def _normal(shape):  # harness:
    return ops.convert_to_tensor(_noise.normal(0, 1, tuple(int(s) for s in shape)).astype("float32"))


def _randint(maxval, shape):  # harness:
    return ops.convert_to_tensor(_noise.randint(0, maxval, shape).astype("int64"))


"""
## Hyperparameters
"""

batch_size = 4  # harness: 32
num_epochs = 2  # Just for the sake of demonstration
total_timesteps = 6  # harness: 1000
norm_groups = 2  # harness: 8
learning_rate = 2e-4

img_size = 8  # harness: 64
img_channels = 3
clip_min = -1.0
clip_max = 1.0

first_conv_channels = 4  # harness: 64
channel_multiplier = [1, 2]  # harness: [1, 2, 4, 8]
widths = [first_conv_channels * mult for mult in channel_multiplier]
has_attention = [False, True]  # harness: [False, False, True, True]
num_res_blocks = 1  # harness: 2

"""
## Dataset (synthetic flowers in [-1, 1]; numpy in place of tfds + tf.data, no random flip)
"""

rng = np.random.RandomState(0)
train_ds = rng.uniform(-1, 1, (8, img_size, img_size, img_channels)).astype("float32")


"""
## Gaussian diffusion utilities
"""


class GaussianDiffusion:
    """Gaussian diffusion utility.

    Args:
        beta_start: Start value of the scheduled variance
        beta_end: End value of the scheduled variance
        timesteps: Number of time steps in the forward process
    """

    def __init__(
        self,
        beta_start=1e-4,
        beta_end=0.02,
        timesteps=1000,
        clip_min=-1.0,
        clip_max=1.0,
    ):
        self.beta_start = beta_start
        self.beta_end = beta_end
        self.timesteps = timesteps
        self.clip_min = clip_min
        self.clip_max = clip_max

        # Define the linear variance schedule
        self.betas = betas = np.linspace(
            beta_start,
            beta_end,
            timesteps,
            dtype=np.float64,  # Using float64 for better precision
        )
        self.num_timesteps = int(timesteps)

        alphas = 1.0 - betas
        alphas_cumprod = np.cumprod(alphas, axis=0)
        alphas_cumprod_prev = np.append(1.0, alphas_cumprod[:-1])

        self.betas = ops.convert_to_tensor(betas, dtype="float32")
        self.alphas_cumprod = ops.convert_to_tensor(alphas_cumprod, dtype="float32")
        self.alphas_cumprod_prev = ops.convert_to_tensor(alphas_cumprod_prev, dtype="float32")

        # Calculations for diffusion q(x_t | x_{t-1}) and others
        self.sqrt_alphas_cumprod = ops.convert_to_tensor(
            np.sqrt(alphas_cumprod), dtype="float32"
        )

        self.sqrt_one_minus_alphas_cumprod = ops.convert_to_tensor(
            np.sqrt(1.0 - alphas_cumprod), dtype="float32"
        )

        self.log_one_minus_alphas_cumprod = ops.convert_to_tensor(
            np.log(1.0 - alphas_cumprod), dtype="float32"
        )

        self.sqrt_recip_alphas_cumprod = ops.convert_to_tensor(
            np.sqrt(1.0 / alphas_cumprod), dtype="float32"
        )
        self.sqrt_recipm1_alphas_cumprod = ops.convert_to_tensor(
            np.sqrt(1.0 / alphas_cumprod - 1), dtype="float32"
        )

        # Calculations for posterior q(x_{t-1} | x_t, x_0)
        posterior_variance = (
            betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
        )
        self.posterior_variance = ops.convert_to_tensor(posterior_variance, dtype="float32")

        # Log calculation clipped because the posterior variance is 0 at the beginning
        # of the diffusion chain
        self.posterior_log_variance_clipped = ops.convert_to_tensor(
            np.log(np.maximum(posterior_variance, 1e-20)), dtype="float32"
        )

        self.posterior_mean_coef1 = ops.convert_to_tensor(
            betas * np.sqrt(alphas_cumprod_prev) / (1.0 - alphas_cumprod),
            dtype="float32",
        )

        self.posterior_mean_coef2 = ops.convert_to_tensor(
            (1.0 - alphas_cumprod_prev) * np.sqrt(alphas) / (1.0 - alphas_cumprod),
            dtype="float32",
        )

    def _extract(self, a, t, x_shape):
        """Extract some coefficients at specified timesteps,
        then reshape to [batch_size, 1, 1, 1, 1, ...] for broadcasting purposes.
        """
        batch_size = x_shape[0]
        out = ops.take(a, t)
        return ops.reshape(out, [batch_size, 1, 1, 1])

    def q_mean_variance(self, x_start, t):
        """Extracts the mean, and the variance at current timestep."""
        x_start_shape = ops.shape(x_start)
        mean = self._extract(self.sqrt_alphas_cumprod, t, x_start_shape) * x_start
        variance = self._extract(1.0 - self.alphas_cumprod, t, x_start_shape)
        log_variance = self._extract(
            self.log_one_minus_alphas_cumprod, t, x_start_shape
        )
        return mean, variance, log_variance

    def q_sample(self, x_start, t, noise):
        """Diffuse the data."""
        x_start_shape = ops.shape(x_start)
        return (
            self._extract(self.sqrt_alphas_cumprod, t, ops.shape(x_start)) * x_start
            + self._extract(self.sqrt_one_minus_alphas_cumprod, t, x_start_shape)
            * noise
        )

    def predict_start_from_noise(self, x_t, t, noise):
        x_t_shape = ops.shape(x_t)
        return (
            self._extract(self.sqrt_recip_alphas_cumprod, t, x_t_shape) * x_t
            - self._extract(self.sqrt_recipm1_alphas_cumprod, t, x_t_shape) * noise
        )

    def q_posterior(self, x_start, x_t, t):
        """Compute the mean and variance of the diffusion
        posterior q(x_{t-1} | x_t, x_0).
        """
        x_t_shape = ops.shape(x_t)
        posterior_mean = (
            self._extract(self.posterior_mean_coef1, t, x_t_shape) * x_start
            + self._extract(self.posterior_mean_coef2, t, x_t_shape) * x_t
        )
        posterior_variance = self._extract(self.posterior_variance, t, x_t_shape)
        posterior_log_variance_clipped = self._extract(
            self.posterior_log_variance_clipped, t, x_t_shape
        )
        return posterior_mean, posterior_variance, posterior_log_variance_clipped

    def p_mean_variance(self, pred_noise, x, t, clip_denoised=True):
        x_recon = self.predict_start_from_noise(x, t=t, noise=pred_noise)
        if clip_denoised:
            x_recon = ops.clip(x_recon, self.clip_min, self.clip_max)

        model_mean, posterior_variance, posterior_log_variance = self.q_posterior(
            x_start=x_recon, x_t=x, t=t
        )
        return model_mean, posterior_variance, posterior_log_variance

    def p_sample(self, pred_noise, x, t, clip_denoised=True):
        """Sample from the diffusion model."""
        model_mean, _, model_log_variance = self.p_mean_variance(
            pred_noise, x=x, t=t, clip_denoised=clip_denoised
        )
        noise = _normal(x.shape)  # harness: tf.random.normal(shape=x.shape, dtype=x.dtype)
        # No noise when t == 0
        nonzero_mask = ops.reshape(
            1 - ops.cast(ops.equal(t, 0), "float32"), [ops.shape(x)[0], 1, 1, 1]
        )
        return model_mean + nonzero_mask * ops.exp(0.5 * model_log_variance) * noise


"""
## Network architecture
"""


# Kernel initializer to use
def kernel_init(scale):
    scale = max(scale, 1e-10)
    return keras.initializers.VarianceScaling(
        scale, mode="fan_avg", distribution="uniform"
    )


class AttentionBlock(layers.Layer):
    """Applies self-attention.

    Args:
        units: Number of units in the dense layers
        groups: Number of groups to be used for GroupNormalization layer
    """

    def __init__(self, units, groups=8, **kwargs):
        self.units = units
        self.groups = groups
        super().__init__(**kwargs)

        self.norm = layers.GroupNormalization(groups=groups)
        self.query = layers.Dense(units, kernel_initializer=kernel_init(1.0))
        self.key = layers.Dense(units, kernel_initializer=kernel_init(1.0))
        self.value = layers.Dense(units, kernel_initializer=kernel_init(1.0))
        self.proj = layers.Dense(units, kernel_initializer=kernel_init(0.0))

    def call(self, inputs):
        batch_size = ops.shape(inputs)[0]
        height = ops.shape(inputs)[1]
        width = ops.shape(inputs)[2]
        scale = ops.cast(self.units, "float32") ** (-0.5)

        inputs = self.norm(inputs)
        q = self.query(inputs)
        k = self.key(inputs)
        v = self.value(inputs)

        attn_score = ops.einsum("bhwc, bHWc->bhwHW", q, k) * scale
        attn_score = ops.reshape(attn_score, [batch_size, height, width, height * width])

        attn_score = ops.softmax(attn_score, -1)
        attn_score = ops.reshape(attn_score, [batch_size, height, width, height, width])

        proj = ops.einsum("bhwHW,bHWc->bhwc", attn_score, v)
        proj = self.proj(proj)
        return inputs + proj


class TimeEmbedding(layers.Layer):
    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim
        self.half_dim = dim // 2
        self.emb = math.log(10000) / (self.half_dim - 1)
        self.emb = ops.exp(ops.arange(self.half_dim, dtype="float32") * -self.emb)

    def call(self, inputs):
        inputs = ops.cast(inputs, dtype="float32")
        emb = inputs[:, None] * self.emb[None, :]
        emb = ops.concatenate([ops.sin(emb), ops.cos(emb)], axis=-1)
        return emb


def ResidualBlock(width, groups=8, activation_fn=keras.activations.swish):
    def apply(inputs):
        x, t = inputs
        input_width = x.shape[3]

        if input_width == width:
            residual = x
        else:
            residual = layers.Conv2D(
                width, kernel_size=1, kernel_initializer=kernel_init(1.0)
            )(x)

        temb = activation_fn(t)
        temb = layers.Dense(width, kernel_initializer=kernel_init(1.0))(temb)[
            :, None, None, :
        ]

        x = layers.GroupNormalization(groups=groups)(x)
        x = activation_fn(x)
        x = layers.Conv2D(
            width, kernel_size=3, padding="same", kernel_initializer=kernel_init(1.0)
        )(x)

        x = layers.Add()([x, temb])
        x = layers.GroupNormalization(groups=groups)(x)
        x = activation_fn(x)

        x = layers.Conv2D(
            width, kernel_size=3, padding="same", kernel_initializer=kernel_init(0.0)
        )(x)
        x = layers.Add()([x, residual])
        return x

    return apply


def DownSample(width):
    def apply(x):
        x = layers.Conv2D(
            width,
            kernel_size=3,
            strides=2,
            padding="same",
            kernel_initializer=kernel_init(1.0),
        )(x)
        return x

    return apply


def UpSample(width, interpolation="nearest"):
    def apply(x):
        x = layers.UpSampling2D(size=2, interpolation=interpolation)(x)
        x = layers.Conv2D(
            width, kernel_size=3, padding="same", kernel_initializer=kernel_init(1.0)
        )(x)
        return x

    return apply


def TimeMLP(units, activation_fn=keras.activations.swish):
    def apply(inputs):
        temb = layers.Dense(
            units, activation=activation_fn, kernel_initializer=kernel_init(1.0)
        )(inputs)
        temb = layers.Dense(units, kernel_initializer=kernel_init(1.0))(temb)
        return temb

    return apply


def build_model(
    img_size,
    img_channels,
    widths,
    has_attention,
    num_res_blocks=2,
    norm_groups=8,
    interpolation="nearest",
    activation_fn=keras.activations.swish,
):
    image_input = layers.Input(
        shape=(img_size, img_size, img_channels), name="image_input"
    )
    time_input = keras.Input(shape=(), dtype="int64", name="time_input")

    x = layers.Conv2D(
        first_conv_channels,
        kernel_size=(3, 3),
        padding="same",
        kernel_initializer=kernel_init(1.0),
    )(image_input)

    temb = TimeEmbedding(dim=first_conv_channels * 4)(time_input)
    temb = TimeMLP(units=first_conv_channels * 4, activation_fn=activation_fn)(temb)

    skips = [x]

    # DownBlock
    for i in range(len(widths)):
        for _ in range(num_res_blocks):
            x = ResidualBlock(
                widths[i], groups=norm_groups, activation_fn=activation_fn
            )([x, temb])
            if has_attention[i]:
                x = AttentionBlock(widths[i], groups=norm_groups)(x)
            skips.append(x)

        if widths[i] != widths[-1]:
            x = DownSample(widths[i])(x)
            skips.append(x)

    # MiddleBlock
    x = ResidualBlock(widths[-1], groups=norm_groups, activation_fn=activation_fn)(
        [x, temb]
    )
    x = AttentionBlock(widths[-1], groups=norm_groups)(x)
    x = ResidualBlock(widths[-1], groups=norm_groups, activation_fn=activation_fn)(
        [x, temb]
    )

    # UpBlock
    for i in reversed(range(len(widths))):
        for _ in range(num_res_blocks + 1):
            x = layers.Concatenate(axis=-1)([x, skips.pop()])
            x = ResidualBlock(
                widths[i], groups=norm_groups, activation_fn=activation_fn
            )([x, temb])
            if has_attention[i]:
                x = AttentionBlock(widths[i], groups=norm_groups)(x)

        if i != 0:
            x = UpSample(widths[i], interpolation=interpolation)(x)

    # End block
    x = layers.GroupNormalization(groups=norm_groups)(x)
    x = activation_fn(x)
    x = layers.Conv2D(3, (3, 3), padding="same", kernel_initializer=kernel_init(0.0))(x)
    return keras.Model([image_input, time_input], x, name="unet")


"""
## Training
"""


class DiffusionModel(keras.Model):
    def __init__(self, network, ema_network, timesteps, gdf_util, ema=0.999):
        super().__init__()
        self.network = network
        self.ema_network = ema_network
        self.timesteps = timesteps
        self.gdf_util = gdf_util
        self.ema = ema

    def train_step(self, images):
        # 1. Get the batch size
        batch_size = ops.shape(images)[0]

        # 2. Sample timesteps uniformly
        t = _randint(self.timesteps, (batch_size,))  # harness: tf.random.uniform(..., dtype=tf.int64)

        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        # 3. Sample random noise to be added to the images in the batch
        noise = _normal(ops.shape(images))  # harness: tf.random.normal

        # 4. Diffuse the images with noise
        images_t = self.gdf_util.q_sample(images, t, noise)

        # 5. Pass the diffused images and time steps to the network
        pred_noise = self.network([images_t, t], training=True)

        # 6. Calculate the loss
        loss = self.loss(noise, pred_noise)

        # 7. Get the gradients
        loss.backward()
        gradients = [v.value.grad for v in self.network.trainable_weights]

        # 8. Update the weights of the network
        with torch.no_grad():
            self.optimizer.apply_gradients(zip(gradients, self.network.trainable_weights))

        # 9. Updates the weight values for the network with EMA weights
        with torch.no_grad():  # torch: the EMA update is outside the tape
            for weight, ema_weight in zip(self.network.weights, self.ema_network.weights):
                ema_weight.assign(self.ema * ema_weight + (1 - self.ema) * weight)

        # 10. Return loss values
        return {"loss": loss}

    def generate_images(self, num_images=16):
        # 1. Randomly sample noise (starting point for reverse process)
        samples = _normal((num_images, img_size, img_size, img_channels))  # harness: tf.random.normal
        # 2. Sample from the model iteratively
        for t in reversed(range(0, self.timesteps)):
            tt = ops.cast(ops.full((num_images,), t), dtype="int64")  # harness: tf.fill(num_images, t); Keras 3 (torch) ops.full needs a tuple
            pred_noise = self.ema_network.predict(
                [samples, tt], verbose=0, batch_size=num_images
            )
            samples = self.gdf_util.p_sample(
                pred_noise, samples, tt, clip_denoised=True
            )
        # 3. Return generated samples
        return samples

    def plot_images(
        self, epoch=None, logs=None, num_rows=1, num_cols=2, figsize=(12, 5)  # harness: 2, 8
    ):
        """Utility to plot images using the diffusion model during training."""
        generated_samples = self.generate_images(num_images=num_rows * num_cols)
        generated_samples = ops.convert_to_numpy(
            ops.clip(generated_samples * 127.5 + 127.5, 0.0, 255.0)
        )
        # harness: recorded instead of plotted (float, before the uint8 cast)
        RESULTS["plot_images_%d" % (epoch if epoch is not None else -1)] = (
            generated_samples[:, ::3, ::3, 0])


# Build the unet model
network = build_model(
    img_size=img_size,
    img_channels=img_channels,
    widths=widths,
    has_attention=has_attention,
    num_res_blocks=num_res_blocks,
    norm_groups=norm_groups,
    activation_fn=keras.activations.swish,
)
ema_network = build_model(
    img_size=img_size,
    img_channels=img_channels,
    widths=widths,
    has_attention=has_attention,
    num_res_blocks=num_res_blocks,
    norm_groups=norm_groups,
    activation_fn=keras.activations.swish,
)
RESULTS["network_params"] = network.count_params()
RESULTS["network_n_layers"] = len(network.layers)
RESULTS["network_output_shape"] = list(network.output.shape[1:])
RESULTS["weight_shapes"] = str([tuple(w.shape) for w in network.weights])
_rs = np.random.RandomState(1)  # harness: equal initial weights on both sides
network.set_weights([_rs.normal(0, 0.2, w.shape).astype("float32")  # harness:
                     for w in network.get_weights()])  # harness:
ema_network.set_weights(network.get_weights())  # Initially the weights are the same

# Get an instance of the Gaussian Diffusion utilities
gdf_util = GaussianDiffusion(timesteps=total_timesteps)
RESULTS["posterior_mean_coef1"] = ops.convert_to_numpy(gdf_util.posterior_mean_coef1)
_x0 = ops.convert_to_tensor(train_ds[:2])  # harness: the forward process on its own
_t = ops.convert_to_tensor(np.array([0, 5], dtype="int64"))  # harness:
RESULTS["q_mean_variance"] = [ops.convert_to_numpy(a).ravel()[:2]  # harness:
                              for a in gdf_util.q_mean_variance(_x0, _t)]  # harness:

# Get the model
model = DiffusionModel(
    network=network,
    ema_network=ema_network,
    gdf_util=gdf_util,
    timesteps=total_timesteps,
)

# Compile the model
model.compile(
    # harness: loss=keras.losses.MeanSquaredError(), set below: with a compiled loss,
    # Keras 3.15 (torch) fit() tries to build the call()-less model symbolically and fails
    optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
)
model.loss = keras.losses.MeanSquaredError()  # harness:

_batch_losses = []  # harness:
model.built = True  # harness: Keras 3.15 (torch) would otherwise call the call()-less model to build it
# Train the model
history = model.fit(
    train_ds,
    epochs=num_epochs,
    batch_size=batch_size,
    shuffle=False,  # harness:
    verbose=0,  # harness:
    callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=model.plot_images),
               keras.callbacks.LambdaCallback(  # harness: the per-batch losses, see below
                   on_train_batch_end=lambda batch, logs: _batch_losses.append(float(logs["loss"])))],
)
RESULTS["history_keys"] = sorted(history.history)
# harness: history.history["loss"] is not compared: train_step returns {"loss": ...}, whose
# keys equal model.metrics' names, so Keras 3 replaces the epoch logs by model.metrics'
# results, and its compiled loss tracker, never updated by this train_step, gives 0.0;
# keraton keeps the loss the step returned. The per-batch logs agree:
RESULTS["batch_losses"] = _batch_losses
RESULTS["iterations"] = int(model.optimizer.iterations)
RESULTS["network_last_kernel"] = network.layers[-1].get_weights()[0].ravel()[:6]
RESULTS["ema_last_kernel"] = ema_network.layers[-1].get_weights()[0].ravel()[:6]

"""
## Results (the EMA weights saved and loaded back instead of downloaded)
"""

model.ema_network.save_weights("diffusion_model_checkpoint.weights.h5")  # harness:
model.ema_network.load_weights("diffusion_model_checkpoint.weights.h5")  # harness: downloaded checkpoints

# Generate and plot some samples
model.plot_images(num_rows=1, num_cols=2)  # harness: 4, 8
RTOL, ATOL = 1e-4, 1e-5
