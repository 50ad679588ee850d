"""keras.io example "CycleGAN" (examples/generative/cyclegan.py, Keras 3).

The example's ``ReflectionPadding2D`` layer, ResNet generators and PatchGAN
discriminators built from ``residual_block``/``downsample``/``upsample`` with
``RandomNormal`` kernel and gamma initializers, instance normalisation as
``GroupNormalization(groups=-1)``, ``Conv2DTranspose``, ``LeakyReLU(0.2)``;
the ``CycleGan`` model with its own ``compile`` (four optimizers, loss
functions), a ``train_step`` computing generator (adversarial + cycle +
identity) and discriminator losses on a ``(real_x, real_y)`` batch and
returning them as logs, the ``GANMonitor`` callback saving images with
``keras.utils.array_to_img`` and ``ModelCheckpoint`` saving weights each
epoch, then ``load_weights``. The persistent ``tf.GradientTape`` is written
the torch way (``torch.autograd.grad`` per loss, ``# torch:``); ``tf.pad`` as
``ops.pad``. Harness changes: 8x8 synthetic images, tiny widths and block
counts, seeded weights, no plotting.
"""

import os

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Prepare the dataset (synthetic horse/zebra images scaled to [-1, 1])
"""

orig_img_size = (10, 10)  # harness: (286, 286)
input_img_size = (8, 8, 3)  # harness: (256, 256, 3)
# Weights initializer for the layers.
kernel_init = keras.initializers.RandomNormal(mean=0.0, stddev=0.02)
# Gamma initializer for instance normalization.
gamma_init = keras.initializers.RandomNormal(mean=0.0, stddev=0.02)

buffer_size = 256
batch_size = 1

rng = np.random.RandomState(0)
train_horses = rng.uniform(-1, 1, (4,) + input_img_size).astype("float32")  # harness: tf.data
train_zebras = rng.uniform(-1, 1, (4,) + input_img_size).astype("float32")  # harness:
test_horses = rng.uniform(-1, 1, (2,) + input_img_size).astype("float32")  # harness:

"""
## Building blocks used in the CycleGAN generators and discriminators
"""


class ReflectionPadding2D(layers.Layer):
    """Implements Reflection Padding as a layer.

    Args:
        padding(tuple): Amount of padding for the
        spatial dimensions.

    Returns:
        A padded tensor with the same type as the input tensor.
    """

    def __init__(self, padding=(1, 1), **kwargs):
        self.padding = tuple(padding)
        super().__init__(**kwargs)

    def call(self, input_tensor, mask=None):
        padding_width, padding_height = self.padding
        padding_tensor = [
            [0, 0],
            [padding_height, padding_height],
            [padding_width, padding_width],
            [0, 0],
        ]
        return ops.pad(input_tensor, padding_tensor, mode="reflect")  # torch: tf.pad(..., "REFLECT")


def residual_block(
    x,
    activation,
    kernel_initializer=kernel_init,
    kernel_size=(3, 3),
    strides=(1, 1),
    padding="valid",
    gamma_initializer=gamma_init,
    use_bias=False,
):
    dim = x.shape[-1]
    input_tensor = x

    x = ReflectionPadding2D()(input_tensor)
    x = layers.Conv2D(
        dim,
        kernel_size,
        strides=strides,
        kernel_initializer=kernel_initializer,
        padding=padding,
        use_bias=use_bias,
    )(x)
    x = keras.layers.GroupNormalization(groups=-1, gamma_initializer=gamma_initializer)(x)
    x = activation(x)

    x = ReflectionPadding2D()(x)
    x = layers.Conv2D(
        dim,
        kernel_size,
        strides=strides,
        kernel_initializer=kernel_initializer,
        padding=padding,
        use_bias=use_bias,
    )(x)
    x = keras.layers.GroupNormalization(groups=-1, gamma_initializer=gamma_initializer)(x)
    x = layers.add([input_tensor, x])
    return x


def downsample(
    x,
    filters,
    activation,
    kernel_initializer=kernel_init,
    kernel_size=(3, 3),
    strides=(2, 2),
    padding="same",
    gamma_initializer=gamma_init,
    use_bias=False,
):
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        kernel_initializer=kernel_initializer,
        padding=padding,
        use_bias=use_bias,
    )(x)
    x = keras.layers.GroupNormalization(groups=-1, gamma_initializer=gamma_initializer)(x)
    if activation:
        x = activation(x)
    return x


def upsample(
    x,
    filters,
    activation,
    kernel_size=(3, 3),
    strides=(2, 2),
    padding="same",
    kernel_initializer=kernel_init,
    gamma_initializer=gamma_init,
    use_bias=False,
):
    x = layers.Conv2DTranspose(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        kernel_initializer=kernel_initializer,
        use_bias=use_bias,
    )(x)
    x = keras.layers.GroupNormalization(groups=-1, gamma_initializer=gamma_initializer)(x)
    if activation:
        x = activation(x)
    return x


"""
## Build the generators
"""


def get_resnet_generator(
    filters=64,
    num_downsampling_blocks=2,
    num_residual_blocks=9,
    num_upsample_blocks=2,
    gamma_initializer=gamma_init,
    name=None,
):
    img_input = layers.Input(shape=input_img_size, name=name + "_img_input")
    x = ReflectionPadding2D(padding=(3, 3))(img_input)
    x = layers.Conv2D(filters, (7, 7), kernel_initializer=kernel_init, use_bias=False)(
        x
    )
    x = keras.layers.GroupNormalization(groups=-1, gamma_initializer=gamma_initializer)(x)
    x = layers.Activation("relu")(x)

    # Downsampling
    for _ in range(num_downsampling_blocks):
        filters *= 2
        x = downsample(x, filters=filters, activation=layers.Activation("relu"))

    # Residual blocks
    for _ in range(num_residual_blocks):
        x = residual_block(x, activation=layers.Activation("relu"))

    # Upsampling
    for _ in range(num_upsample_blocks):
        filters //= 2
        x = upsample(x, filters, activation=layers.Activation("relu"))

    # Final block
    x = ReflectionPadding2D(padding=(3, 3))(x)
    x = layers.Conv2D(3, (7, 7), padding="valid")(x)
    x = layers.Activation("tanh")(x)

    model = keras.models.Model(img_input, x, name=name)
    return model


"""
## Build the discriminators
"""


def get_discriminator(
    filters=64, kernel_initializer=kernel_init, num_downsampling=3, name=None
):
    img_input = layers.Input(shape=input_img_size, name=name + "_img_input")
    x = layers.Conv2D(
        filters,
        (4, 4),
        strides=(2, 2),
        padding="same",
        kernel_initializer=kernel_initializer,
    )(img_input)
    x = layers.LeakyReLU(0.2)(x)

    num_filters = filters
    for num_downsample_block in range(3):
        num_filters *= 2
        if num_downsample_block < 2:
            x = downsample(
                x,
                filters=num_filters,
                activation=layers.LeakyReLU(0.2),
                kernel_size=(4, 4),
                strides=(2, 2),
            )
        else:
            x = downsample(
                x,
                filters=num_filters,
                activation=layers.LeakyReLU(0.2),
                kernel_size=(4, 4),
                strides=(1, 1),
            )

    x = layers.Conv2D(
        1, (4, 4), strides=(1, 1), padding="same", kernel_initializer=kernel_initializer
    )(x)

    model = keras.models.Model(inputs=img_input, outputs=x, name=name)
    return model


# Get the generators
# harness: filters 64, 2 down/upsampling and 9 residual blocks in the example
gen_G = get_resnet_generator(filters=4, num_downsampling_blocks=1, num_residual_blocks=1,
                             num_upsample_blocks=1, name="generator_G")
gen_F = get_resnet_generator(filters=4, num_downsampling_blocks=1, num_residual_blocks=1,
                             num_upsample_blocks=1, name="generator_F")

# Get the discriminators
disc_X = get_discriminator(filters=4, name="discriminator_X")  # harness: filters 64
disc_Y = get_discriminator(filters=4, name="discriminator_Y")  # harness:

for _i, _m in enumerate([gen_G, gen_F, disc_X, disc_Y]):  # harness: equal initial weights
    _rs = np.random.RandomState(10 + _i)  # harness:
    _m.set_weights([_rs.normal(0, 0.3, w.shape).astype("float32") for w in _m.get_weights()])  # harness:
    RESULTS[f"params_{_m.name}"] = _m.count_params()
    RESULTS[f"shapes_{_m.name}"] = [str(layer.output.shape) for layer in _m.layers]

"""
## Build the CycleGAN model
"""


class CycleGan(keras.Model):
    def __init__(
        self,
        generator_G,
        generator_F,
        discriminator_X,
        discriminator_Y,
        lambda_cycle=10.0,
        lambda_identity=0.5,
    ):
        super().__init__()
        self.gen_G = generator_G
        self.gen_F = generator_F
        self.disc_X = discriminator_X
        self.disc_Y = discriminator_Y
        self.lambda_cycle = lambda_cycle
        self.lambda_identity = lambda_identity

    def compile(
        self,
        gen_G_optimizer,
        gen_F_optimizer,
        disc_X_optimizer,
        disc_Y_optimizer,
        gen_loss_fn,
        disc_loss_fn,
    ):
        super().compile()
        self.gen_G_optimizer = gen_G_optimizer
        self.gen_F_optimizer = gen_F_optimizer
        self.disc_X_optimizer = disc_X_optimizer
        self.disc_Y_optimizer = disc_Y_optimizer
        self.generator_loss_fn = gen_loss_fn
        self.discriminator_loss_fn = disc_loss_fn
        self.cycle_loss_fn = keras.losses.MeanAbsoluteError()
        self.identity_loss_fn = keras.losses.MeanAbsoluteError()

    def train_step(self, batch_data):
        # x is Horse and y is zebra
        real_x, real_y = batch_data

        # torch: the forward pass of `with tf.GradientTape(persistent=True) as tape:`
        # Horse to fake zebra
        fake_y = self.gen_G(real_x, training=True)
        # Zebra to fake horse -> y2x
        fake_x = self.gen_F(real_y, training=True)

        # Cycle (Horse to fake zebra to fake horse): x -> y -> x
        cycled_x = self.gen_F(fake_y, training=True)
        # Cycle (Zebra to fake horse to fake zebra) y -> x -> y
        cycled_y = self.gen_G(fake_x, training=True)

        # Identity mapping
        same_x = self.gen_F(real_x, training=True)
        same_y = self.gen_G(real_y, training=True)

        # Discriminator output
        disc_real_x = self.disc_X(real_x, training=True)
        disc_fake_x = self.disc_X(fake_x, training=True)

        disc_real_y = self.disc_Y(real_y, training=True)
        disc_fake_y = self.disc_Y(fake_y, training=True)

        # Generator adverserial loss
        gen_G_loss = self.generator_loss_fn(disc_fake_y)
        gen_F_loss = self.generator_loss_fn(disc_fake_x)

        # Generator cycle loss
        cycle_loss_G = self.cycle_loss_fn(real_y, cycled_y) * self.lambda_cycle
        cycle_loss_F = self.cycle_loss_fn(real_x, cycled_x) * self.lambda_cycle

        # Generator identity loss
        id_loss_G = (
            self.identity_loss_fn(real_y, same_y)
            * self.lambda_cycle
            * self.lambda_identity
        )
        id_loss_F = (
            self.identity_loss_fn(real_x, same_x)
            * self.lambda_cycle
            * self.lambda_identity
        )

        # Total generator loss
        total_loss_G = gen_G_loss + cycle_loss_G + id_loss_G
        total_loss_F = gen_F_loss + cycle_loss_F + id_loss_F

        # Discriminator loss
        disc_X_loss = self.discriminator_loss_fn(disc_real_x, disc_fake_x)
        disc_Y_loss = self.discriminator_loss_fn(disc_real_y, disc_fake_y)

        # torch: tape.gradient on a persistent tape -> torch.autograd.grad, graph retained
        def gradient(loss, variables):
            return torch.autograd.grad(loss, [v.value for v in variables], retain_graph=True)

        # Get the gradients for the generators
        grads_G = gradient(total_loss_G, self.gen_G.trainable_variables)
        grads_F = gradient(total_loss_F, self.gen_F.trainable_variables)

        # Get the gradients for the discriminators
        disc_X_grads = gradient(disc_X_loss, self.disc_X.trainable_variables)
        disc_Y_grads = gradient(disc_Y_loss, self.disc_Y.trainable_variables)

        with torch.no_grad():
            # Update the weights of the generators
            self.gen_G_optimizer.apply_gradients(
                zip(grads_G, self.gen_G.trainable_variables)
            )
            self.gen_F_optimizer.apply_gradients(
                zip(grads_F, self.gen_F.trainable_variables)
            )

            # Update the weights of the discriminators
            self.disc_X_optimizer.apply_gradients(
                zip(disc_X_grads, self.disc_X.trainable_variables)
            )
            self.disc_Y_optimizer.apply_gradients(
                zip(disc_Y_grads, self.disc_Y.trainable_variables)
            )

        return {
            "G_loss": total_loss_G,
            "F_loss": total_loss_F,
            "D_X_loss": disc_X_loss,
            "D_Y_loss": disc_Y_loss,
        }


"""
## Create a callback that periodically saves generated images
"""


class GANMonitor(keras.callbacks.Callback):
    """A callback to generate and save images after each epoch"""

    def __init__(self, num_img=4):
        self.num_img = num_img

    def on_epoch_end(self, epoch, logs=None):
        for i in range(self.num_img):  # harness: test_horses.take(4), no matplotlib
            img = test_horses[i : i + 1]
            prediction = ops.convert_to_numpy(self.model.gen_G(img)[0])  # torch: .numpy()
            prediction = (prediction * 127.5 + 127.5).astype(np.uint8)
            prediction = keras.utils.array_to_img(prediction)
            prediction.save(
                "generated_img_{i}_{epoch}.png".format(i=i, epoch=epoch + 1)
            )


"""
## Train the end-to-end model
"""


# Loss function for evaluating adversarial loss
adv_loss_fn = keras.losses.MeanSquaredError()

# Define the loss function for the generators
def generator_loss_fn(fake):
    fake_loss = adv_loss_fn(ops.ones_like(fake), fake)
    return fake_loss


# Define the loss function for the discriminators
def discriminator_loss_fn(real, fake):
    real_loss = adv_loss_fn(ops.ones_like(real), real)
    fake_loss = adv_loss_fn(ops.zeros_like(fake), fake)
    return (real_loss + fake_loss) * 0.5


# Create cycle gan model
cycle_gan_model = CycleGan(
    generator_G=gen_G, generator_F=gen_F, discriminator_X=disc_X, discriminator_Y=disc_Y
)

# Compile the model
cycle_gan_model.compile(
    gen_G_optimizer=keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5),
    gen_F_optimizer=keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5),
    disc_X_optimizer=keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5),
    disc_Y_optimizer=keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5),
    gen_loss_fn=generator_loss_fn,
    disc_loss_fn=discriminator_loss_fn,
)
# Callbacks
plotter = GANMonitor(num_img=2)  # harness: 4
checkpoint_filepath = "./model_checkpoints/cyclegan_checkpoints.{epoch:03d}.weights.h5"
model_checkpoint_callback = keras.callbacks.ModelCheckpoint(
    filepath=checkpoint_filepath, save_weights_only=True
)

cycle_gan_model.built = True  # harness: as the DCGAN program, no symbolic build of the pair
history = cycle_gan_model.fit(
    train_horses,  # harness: numpy in place of tf.data.Dataset.zip((train_horses, train_zebras))
    train_zebras,
    batch_size=batch_size,
    epochs=2,  # harness: 1
    shuffle=False,  # harness:
    verbose=0,  # harness:
    callbacks=[plotter, model_checkpoint_callback],
)
RESULTS["history_keys"] = sorted(history.history)
for key, values in history.history.items():
    RESULTS["history_" + key] = values
RESULTS["saved"] = sorted(os.listdir("model_checkpoints")) + sorted(
    f for f in os.listdir(".") if f.startswith("generated_img_"))
RESULTS["saved_image"] = keras.utils.img_to_array(
    keras.utils.load_img("generated_img_1_2.png"))[::3, ::3, 0]
RESULTS["iterations"] = [int(o.iterations) for o in (
    cycle_gan_model.gen_G_optimizer, cycle_gan_model.disc_Y_optimizer)]
RESULTS["gen_G_kernel"] = gen_G.layers[2].get_weights()[0][3, 3, :, 0]
RESULTS["disc_Y_last_kernel"] = disc_Y.layers[-1].get_weights()[0][1, 1, :4, 0]
after = ops.convert_to_numpy(cycle_gan_model.gen_G(test_horses, training=False))

"""
Test the performance of the model: load the epoch-1 checkpoint back.
"""

cycle_gan_model.load_weights("./model_checkpoints/cyclegan_checkpoints.001.weights.h5")
for i, img in enumerate(test_horses[:1]):  # harness: test_horses.take(4)
    prediction = cycle_gan_model.gen_G(img[None], training=False)[0]
    prediction = ops.convert_to_numpy(prediction)  # torch: .numpy()
    prediction = (prediction * 127.5 + 127.5).astype(np.uint8)
    RESULTS[f"prediction_{i}"] = prediction[:, :, 0]
RESULTS["after_training"] = after[:, ::2, ::2, 0]
RTOL, ATOL = 1e-4, 1e-4
