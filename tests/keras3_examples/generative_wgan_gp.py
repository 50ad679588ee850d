"""keras.io example "WGAN-GP overriding Model.train_step" (examples/generative/wgan_gp.py), torch.

The example's conv_block / upsample_block discriminator and generator
(ZeroPadding2D, LeakyReLU, BatchNormalization, UpSampling2D, Cropping2D), and
the ``WGAN`` model with its own ``compile(d_optimizer, g_optimizer, d_loss_fn,
g_loss_fn)``, ``d_steps`` discriminator steps per generator step and the
gradient penalty, written the torch way (``torch.autograd.grad`` with
``create_graph=True`` in place of the nested ``tf.GradientTape``,
``backward`` and ``optimizer.apply``); ``train_step`` returns raw loss
tensors. Random numbers come from a harness-seeded numpy stream, dropout
rates are 0 (``# harness:``). Synthetic Fashion-MNIST, small sizes.
"""

import numpy as np
import torch
import keras
from keras import layers, ops

RESULTS = {}

_noise = np.random.RandomState(7)  # harness: deterministic stand-ins for the random draws


def random_normal(shape):  # harness: tf.random.normal
    return torch.tensor(_noise.normal(0.0, 1.0, tuple(int(s) for s in shape)).astype("float32"))


def random_uniform(shape, minval=0.0, maxval=1.0):  # harness: tf.random.uniform
    return torch.tensor(_noise.uniform(minval, maxval, tuple(int(s) for s in shape)).astype("float32"))


IMG_SHAPE = (28, 28, 1)
BATCH_SIZE = 8

# Size of the noise vector
noise_dim = 16

rng = np.random.RandomState(0)
train_images = rng.randint(0, 256, size=(16, 28, 28)).astype("uint8")  # synthetic Fashion-MNIST
train_images = train_images.reshape(train_images.shape[0], *IMG_SHAPE).astype("float32")
train_images = (train_images - 127.5) / 127.5


def conv_block(
    x,
    filters,
    activation,
    kernel_size=(3, 3),
    strides=(1, 1),
    padding="same",
    use_bias=True,
    use_bn=False,
    use_dropout=False,
    drop_value=0.5,
):
    x = layers.Conv2D(
        filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias
    )(x)
    if use_bn:
        x = layers.BatchNormalization()(x)
    x = activation(x)
    if use_dropout:
        x = layers.Dropout(drop_value)(x)
    return x


def get_discriminator_model():
    img_input = layers.Input(shape=IMG_SHAPE)
    # Zero pad the input to make the input images size to (32, 32, 1).
    x = layers.ZeroPadding2D((2, 2))(img_input)
    x = conv_block(
        x,
        8,
        kernel_size=(5, 5),
        strides=(2, 2),
        use_bn=False,
        use_bias=True,
        activation=layers.LeakyReLU(0.2),
        use_dropout=False,
        drop_value=0.3,
    )
    x = conv_block(
        x,
        16,
        kernel_size=(5, 5),
        strides=(2, 2),
        use_bn=False,
        activation=layers.LeakyReLU(0.2),
        use_bias=True,
        use_dropout=True,
        drop_value=0.0,  # harness: 0.3 -> 0
    )
    x = conv_block(
        x,
        16,
        kernel_size=(5, 5),
        strides=(2, 2),
        use_bn=False,
        activation=layers.LeakyReLU(0.2),
        use_bias=True,
        use_dropout=True,
        drop_value=0.0,  # harness: 0.3 -> 0
    )
    x = conv_block(
        x,
        32,
        kernel_size=(5, 5),
        strides=(2, 2),
        use_bn=False,
        activation=layers.LeakyReLU(0.2),
        use_bias=True,
        use_dropout=False,
        drop_value=0.3,
    )

    x = layers.Flatten()(x)
    x = layers.Dropout(0.0)(x)  # harness: 0.2 -> 0
    x = layers.Dense(1)(x)

    d_model = keras.models.Model(img_input, x, name="discriminator")
    return d_model


d_model = get_discriminator_model()
RESULTS["d_count_params"] = d_model.count_params()
RESULTS["d_output_shapes"] = [str(layer.output.shape) for layer in d_model.layers]


def upsample_block(
    x,
    filters,
    activation,
    kernel_size=(3, 3),
    strides=(1, 1),
    up_size=(2, 2),
    padding="same",
    use_bn=False,
    use_bias=True,
    use_dropout=False,
    drop_value=0.3,
):
    x = layers.UpSampling2D(up_size)(x)
    x = layers.Conv2D(
        filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias
    )(x)

    if use_bn:
        x = layers.BatchNormalization()(x)

    if activation:
        x = activation(x)
    if use_dropout:
        x = layers.Dropout(drop_value)(x)
    return x


def get_generator_model():
    noise = layers.Input(shape=(noise_dim,))
    x = layers.Dense(4 * 4 * 32, use_bias=False)(noise)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)

    x = layers.Reshape((4, 4, 32))(x)
    x = upsample_block(
        x,
        16,
        layers.LeakyReLU(0.2),
        strides=(1, 1),
        use_bias=False,
        use_bn=True,
        padding="same",
        use_dropout=False,
    )
    x = upsample_block(
        x,
        8,
        layers.LeakyReLU(0.2),
        strides=(1, 1),
        use_bias=False,
        use_bn=True,
        padding="same",
        use_dropout=False,
    )
    x = upsample_block(
        x, 1, layers.Activation("tanh"), strides=(1, 1), use_bias=False, use_bn=True
    )

    # At this point, we have an output which has the same shape as the input, (32, 32, 1).
    # We will use a Cropping2D layer to make it (28, 28, 1).
    x = layers.Cropping2D((2, 2))(x)

    g_model = keras.models.Model(noise, x, name="generator")
    return g_model


g_model = get_generator_model()
RESULTS["g_count_params"] = g_model.count_params()
RESULTS["g_output_shapes"] = [str(layer.output.shape) for layer in g_model.layers]


def seed_weights(model, seed):  # harness: equal initial weights (BN variances positive)
    rs = np.random.RandomState(seed)
    model.set_weights([
        (rs.uniform(0.5, 1.5, a.shape) if "variance" in w.path or "gamma" in w.path
         else rs.normal(0, 0.1, a.shape)).astype("float32")
        for w, a in zip(model.weights, model.get_weights())])


seed_weights(d_model, 1)  # harness:
seed_weights(g_model, 2)  # harness:


class WGAN(keras.Model):
    def __init__(
        self,
        discriminator,
        generator,
        latent_dim,
        discriminator_extra_steps=3,
        gp_weight=10.0,
    ):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_steps = discriminator_extra_steps
        self.gp_weight = gp_weight

    def compile(self, d_optimizer, g_optimizer, d_loss_fn, g_loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.d_loss_fn = d_loss_fn
        self.g_loss_fn = g_loss_fn

    def gradient_penalty(self, batch_size, real_images, fake_images):
        """Calculates the gradient penalty.

        This loss is calculated on an interpolated image
        and added to the discriminator loss.
        """
        # Get the interpolated image
        alpha = random_uniform([batch_size, 1, 1, 1], 0.0, 1.0)
        diff = fake_images - real_images
        interpolated = real_images + alpha * diff

        # 1. Get the discriminator output for this interpolated image.
        pred = self.discriminator(interpolated, training=True)

        # 2. Calculate the gradients w.r.t to this interpolated image.
        grads = torch.autograd.grad(pred.sum(), interpolated, create_graph=True)[0]
        # 3. Calculate the norm of the gradients.
        norm = ops.sqrt(ops.sum(ops.square(grads), axis=[1, 2, 3]))
        gp = ops.mean((norm - 1.0) ** 2)
        return gp

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]

        # Get the batch size
        batch_size = ops.shape(real_images)[0]

        # For each batch, we are going to perform the
        # following steps as laid out in the original paper:
        # 1. Train the generator and get the generator loss
        # 2. Train the discriminator and get the discriminator loss
        # 3. Calculate the gradient penalty
        # 4. Multiply this gradient penalty with a constant weight factor
        # 5. Add the gradient penalty to the discriminator loss
        # 6. Return the generator and discriminator losses as a loss dictionary

        # Train the discriminator first. The original paper recommends training
        # the discriminator for `x` more steps (typically 5) as compared to
        # one step of the generator. Here we will train it for 3 extra steps
        # as compared to 5 to reduce the training time.
        for i in range(self.d_steps):
            # Get the latent vector
            random_latent_vectors = random_normal(shape=(batch_size, self.latent_dim))
            self.zero_grad()
            # Generate fake images from the latent vector
            fake_images = self.generator(random_latent_vectors, training=True)
            # Get the logits for the fake images
            fake_logits = self.discriminator(fake_images, training=True)
            # Get the logits for the real images
            real_logits = self.discriminator(real_images, training=True)

            # Calculate the discriminator loss using the fake and real image logits
            d_cost = self.d_loss_fn(real_img=real_logits, fake_img=fake_logits)
            # Calculate the gradient penalty
            gp = self.gradient_penalty(batch_size, real_images, fake_images)
            # Add the gradient penalty to the original discriminator loss
            d_loss = d_cost + gp * self.gp_weight

            # Get the gradients w.r.t the discriminator loss
            d_loss.backward()
            d_gradient = [v.value.grad for v in self.discriminator.trainable_weights]
            # Update the weights of the discriminator using the discriminator optimizer
            with torch.no_grad():
                self.d_optimizer.apply(d_gradient, self.discriminator.trainable_weights)

        # Train the generator
        # Get the latent vector
        random_latent_vectors = random_normal(shape=(batch_size, self.latent_dim))
        self.zero_grad()
        # Generate fake images using the generator
        generated_images = self.generator(random_latent_vectors, training=True)
        # Get the discriminator logits for fake images
        gen_img_logits = self.discriminator(generated_images, training=True)
        # Calculate the generator loss
        g_loss = self.g_loss_fn(gen_img_logits)

        # Get the gradients w.r.t the generator loss
        g_loss.backward()
        gen_gradient = [v.value.grad for v in self.generator.trainable_weights]
        # Update the weights of the generator using the generator optimizer
        with torch.no_grad():
            self.g_optimizer.apply(gen_gradient, self.generator.trainable_weights)
        return {"d_loss": d_loss, "g_loss": g_loss}


# Instantiate the optimizer for both networks
# (learning_rate=0.0002, beta_1=0.5 are recommended)
generator_optimizer = keras.optimizers.Adam(
    learning_rate=0.0002, beta_1=0.5, beta_2=0.9
)
discriminator_optimizer = keras.optimizers.Adam(
    learning_rate=0.0002, beta_1=0.5, beta_2=0.9
)


# Define the loss functions for the discriminator,
# which should be (fake_loss - real_loss).
# We will add the gradient penalty later to this loss function.
def discriminator_loss(real_img, fake_img):
    real_loss = ops.mean(real_img)
    fake_loss = ops.mean(fake_img)
    return fake_loss - real_loss


# Define the loss functions for the generator.
def generator_loss(fake_img):
    return -ops.mean(fake_img)


# Set the number of epochs for training.
epochs = 2

# Get the wgan model
wgan = WGAN(
    discriminator=d_model,
    generator=g_model,
    latent_dim=noise_dim,
    discriminator_extra_steps=3,
)
wgan.built = True  # harness: Keras 3.15 (torch) would otherwise call the call()-less model to build it

# Compile the wgan model
wgan.compile(
    d_optimizer=discriminator_optimizer,
    g_optimizer=generator_optimizer,
    g_loss_fn=generator_loss,
    d_loss_fn=discriminator_loss,
)

# Start training the model.
h = wgan.fit(train_images, batch_size=BATCH_SIZE, epochs=epochs, shuffle=False, verbose=0)  # harness:
RESULTS["hist_keys"] = sorted(h.history)
for k, v in h.history.items():
    RESULTS["hist_" + k] = v
RESULTS["d_iterations"] = int(discriminator_optimizer.iterations)
RESULTS["g_iterations"] = int(generator_optimizer.iterations)
RESULTS["d_dense_kernel"] = d_model.layers[-1].get_weights()[0][:5, 0]
RESULTS["g_bn_moving_mean"] = [w.numpy() for w in g_model.weights if "moving_mean" in w.path][0][:5]
RESULTS["generated"] = g_model.predict(random_normal((2, noise_dim)), verbose=0)[:, ::7, ::7, 0]
RTOL = 2e-3
ATOL = 1e-4
