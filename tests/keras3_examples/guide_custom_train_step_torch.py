"""keras.io guide "Customizing what happens in fit() with PyTorch" (Keras 3, torch).

``train_step`` with ``self.zero_grad()``, ``compute_loss``, ``loss.backward()``,
``v.value.grad`` and ``optimizer.apply`` under ``torch.no_grad()``; compiled
metrics walked through ``self.metrics``; the lower-level version with its own
``Mean``/``MeanAbsoluteError`` trackers and a ``metrics`` property;
sample_weight in ``train_step``; a custom ``test_step``; the GAN with two
optimizers trained from a torch ``DataLoader``. Random numbers of the GAN come
from a harness-seeded numpy stream (``# harness:``). Synthetic data.
"""

import numpy as np
import torch
import keras
from keras import layers

RESULTS = {}


def seed_weights(model, seed, scale=0.1):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, scale, w.shape).astype("float32") for w in model.get_weights()])


def record(prefix, history):
    RESULTS[prefix + "_keys"] = sorted(history.history)
    for k, v in history.history.items():
        RESULTS[prefix + "_" + k] = v


class CustomModel(keras.Model):
    def train_step(self, data):
        # Unpack the data. Its structure depends on your model and
        # on what you pass to `fit()`.
        x, y = data

        # Call torch.nn.Module.zero_grad() to clear the leftover gradients
        # for the weights from the previous train step.
        self.zero_grad()

        # Compute loss
        y_pred = self(x, training=True)  # Forward pass
        loss = self.compute_loss(y=y, y_pred=y_pred)

        # Call torch.Tensor.backward() on the loss to compute gradients
        # for the weights.
        loss.backward()

        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]

        # Update weights
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)

        # Update metrics (includes the metric that tracks the loss)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)

        # Return a dict mapping metric names to current value
        # Note that it will include the loss (tracked in self.metrics).
        return {m.name: m.result() for m in self.metrics}


# Construct and compile an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
seed_weights(model, 1)  # harness:

# Just use `fit` as usual
rng = np.random.RandomState(0)
x = rng.random_sample((64, 32))
y = rng.random_sample((64, 1))
h = model.fit(x, y, epochs=3, shuffle=False, verbose=0)  # harness: shuffle, verbose
record("basic", h)
# harness: not compared: Keras 3 lists ["loss", "compile_metrics"] (a container), keraton
# (as tf.keras 2) ["loss", "mae"]; the logs are the same.
# RESULTS["basic_metric_names"] = [m.name for m in model.metrics]
RESULTS["basic_weights"] = model.get_weights()[0][:4, 0]


class CustomModel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data

        # Call torch.nn.Module.zero_grad() to clear the leftover gradients
        # for the weights from the previous train step.
        self.zero_grad()

        # Compute loss
        y_pred = self(x, training=True)  # Forward pass
        loss = self.loss_fn(y, y_pred)

        # Call torch.Tensor.backward() on the loss to compute gradients
        # for the weights.
        loss.backward()

        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]

        # Update weights
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)

        # Compute our own metrics
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {
            "loss": self.loss_tracker.result(),
            "mae": self.mae_metric.result(),
        }

    @property
    def metrics(self):
        # We list our `Metric` objects here so that `reset_states()` can be
        # called automatically at the start of each epoch
        # or at the start of `evaluate()`.
        return [self.loss_tracker, self.mae_metric]


# Construct an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)

# We don't pass a loss or metrics here.
model.compile(optimizer="adam")
seed_weights(model, 2)  # harness:

# Just use `fit` as usual -- you can use callbacks, etc.
h = model.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0)  # harness: shuffle, verbose
record("lowlevel", h)
RESULTS["lowlevel_tracker_count"] = float(model.loss_tracker.count) if hasattr(model.loss_tracker, "count") else -1.0
RESULTS["lowlevel_weights"] = model.get_weights()[0][:4, 0]


class CustomModel(keras.Model):
    def train_step(self, data):
        # Unpack the data. Its structure depends on your model and
        # on what you pass to `fit()`.
        if len(data) == 3:
            x, y, sample_weight = data
        else:
            sample_weight = None
            x, y = data

        # Call torch.nn.Module.zero_grad() to clear the leftover gradients
        # for the weights from the previous train step.
        self.zero_grad()

        # Compute loss
        y_pred = self(x, training=True)  # Forward pass
        loss = self.compute_loss(
            y=y,
            y_pred=y_pred,
            sample_weight=sample_weight,
        )

        # Call torch.Tensor.backward() on the loss to compute gradients
        # for the weights.
        loss.backward()

        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]

        # Update weights
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)

        # Update metrics (includes the metric that tracks the loss)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)

        # Return a dict mapping metric names to current value
        # Note that it will include the loss (tracked in self.metrics).
        return {m.name: m.result() for m in self.metrics}


# Construct and compile an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
seed_weights(model, 3)  # harness:

# You can now use sample_weight argument
sw = rng.random_sample((64, 1))
h = model.fit(x, y, sample_weight=sw, epochs=3, batch_size=16, shuffle=False, verbose=0)  # harness:
# harness: "mae" not compared: Keras 3's `compile_metrics` container ignores the
# sample_weight for `metrics=` (only `weighted_metrics` use it); keraton's model.metrics
# holds the MeanAbsoluteError itself, which applies it.
RESULTS["sw_keys"] = sorted(h.history)
RESULTS["sw_loss"] = h.history["loss"]


class CustomModel(keras.Model):
    def test_step(self, data):
        # Unpack the data
        x, y = data
        # Compute predictions
        y_pred = self(x, training=False)
        # Updates the stateful loss metrics.
        loss = self.compute_loss(y=y, y_pred=y_pred)
        # Update the metrics.
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        # Return a dict mapping metric names to current value.
        # Note that it will include the loss (tracked in self.metrics).
        return {m.name: m.result() for m in self.metrics}


# Construct an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(loss="mse", metrics=["mae"])
seed_weights(model, 4)  # harness:

# Evaluate with our custom test_step
RESULTS["test_step_eval"] = model.evaluate(x, y, verbose=0)
RESULTS["test_step_eval_dict"] = sorted(model.evaluate(x, y, verbose=0, return_dict=True))

# Create the discriminator
discriminator = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(8, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(16, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.GlobalMaxPooling2D(),
        layers.Dense(1),
    ],
    name="discriminator",
)

# Create the generator
latent_dim = 16
generator = keras.Sequential(
    [
        keras.Input(shape=(latent_dim,)),
        # We want to generate 128 coefficients to reshape into a 7x7x128 map
        layers.Dense(7 * 7 * 16),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Reshape((7, 7, 16)),
        layers.Conv2DTranspose(16, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2DTranspose(16, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
    ],
    name="generator",
)
seed_weights(discriminator, 5)  # harness:
seed_weights(generator, 6)  # harness:
RESULTS["gan_d_params"] = discriminator.count_params()
RESULTS["gan_g_params"] = generator.count_params()

_noise = np.random.RandomState(42)  # harness: deterministic stand-ins for keras.random


def _normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):  # harness:
    return torch.tensor(_noise.normal(mean, stddev, tuple(shape)).astype("float32"))


def _uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):  # harness:
    return torch.tensor(_noise.uniform(minval, maxval, tuple(shape)).astype("float32"))


keras.random.normal = _normal  # harness:
keras.random.uniform = _uniform  # harness:


class GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.built = True

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        device = "cuda" if torch.cuda.is_available() else "cpu"
        if isinstance(real_images, tuple) or isinstance(real_images, list):
            real_images = real_images[0]
        # Sample random points in the latent space
        batch_size = real_images.shape[0]
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )

        # Decode them to fake images
        generated_images = self.generator(random_latent_vectors)

        # Combine them with real images
        real_images = torch.tensor(real_images, device=device)
        combined_images = torch.concat([generated_images, real_images], axis=0)

        # Assemble labels discriminating real from fake images
        labels = torch.concat(
            [
                torch.ones((batch_size, 1), device=device),
                torch.zeros((batch_size, 1), device=device),
            ],
            axis=0,
        )
        # Add random noise to the labels - important trick!
        labels += 0.05 * keras.random.uniform(labels.shape, seed=self.seed_generator)

        # Train the discriminator
        self.zero_grad()
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
        misleading_labels = torch.zeros((batch_size, 1), device=device)

        # Train the generator (note that we should *not* update the weights
        # of the discriminator)!
        self.zero_grad()
        predictions = self.discriminator(self.generator(random_latent_vectors))
        g_loss = self.loss_fn(misleading_labels, predictions)
        grads = g_loss.backward()
        grads = [v.value.grad for v in self.generator.trainable_weights]
        with torch.no_grad():
            self.g_optimizer.apply(grads, self.generator.trainable_weights)

        # Update metrics
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {
            "d_loss": self.d_loss_tracker.result(),
            "g_loss": self.g_loss_tracker.result(),
        }


# Prepare the dataset. We use both the training & test MNIST digits.
batch_size = 8
all_digits = rng.randint(0, 256, size=(32, 28, 28)).astype("uint8")  # synthetic MNIST
all_digits = all_digits.astype("float32") / 255.0
all_digits = np.reshape(all_digits, (-1, 28, 28, 1))

# Create a TensorDataset
dataset = torch.utils.data.TensorDataset(
    torch.from_numpy(all_digits), torch.from_numpy(all_digits)
)
# Create a DataLoader
dataloader = torch.utils.data.DataLoader(
    dataset, batch_size=batch_size, shuffle=False  # harness: shuffle=False
)

gan = GAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
gan.compile(
    d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
    g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
    loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
)

h = gan.fit(dataloader, epochs=2, verbose=0)  # harness: epochs, verbose
record("gan", h)
RESULTS["gan_d_weights"] = discriminator.get_weights()[-2][:4, 0]
RESULTS["gan_g_weights"] = generator.get_weights()[-2][3, 3, :4, 0]
RESULTS["gan_d_opt_iterations"] = int(gan.d_optimizer.iterations)
RESULTS["gan_g_opt_iterations"] = int(gan.g_optimizer.iterations)
RESULTS["gan_n_weights"] = len(gan.weights)
RESULTS["gan_sample"] = generator.predict(_normal((2, latent_dim)), verbose=0)[:, ::7, ::7, 0]
RTOL = 1e-3
ATOL = 1e-5
