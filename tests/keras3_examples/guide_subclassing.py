"""keras.io guide "Making new layers and models via subclassing" (Keras 3).

The ``Linear`` layer (``add_weight``, then with ``build``), non-trainable
weights (``ComputeSum``), layers tracking sub-layers (``MLPBlock``), backend-
agnostic layers (``ops``), ``add_loss`` (``ActivityRegularizationLayer``,
``model.losses`` reset per call, weight regularizers), ``get_config`` /
``from_config``, the ``training`` argument (``CustomDropout``), the
end-to-end VAE built from layers and a ``keras.Model`` subclass with
``add_loss``, trained with ``fit``. Synthetic data, small sizes.
"""

import numpy as np
import keras
from keras import layers, ops

RESULTS = {}


def np_(x):
    return ops.convert_to_numpy(x)


class Linear(keras.layers.Layer):
    def __init__(self, units=32, input_dim=32):
        super().__init__()
        self.w = self.add_weight(
            shape=(input_dim, units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


x = ops.ones((2, 2))
linear_layer = Linear(4, 2)
linear_layer.set_weights([np.arange(8, dtype="float32").reshape(2, 4) / 10, np.ones(4, "float32")])  # harness:
y = linear_layer(x)
RESULTS["linear_y"] = np_(y)
assert linear_layer.weights == [linear_layer.w, linear_layer.b]
RESULTS["linear_n_weights"] = len(linear_layer.weights)
RESULTS["linear_weight_paths"] = [w.path for w in linear_layer.weights]


class ComputeSum(keras.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(
            initializer="zeros", shape=(input_dim,), trainable=False
        )

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


x = ops.ones((2, 2))
my_sum = ComputeSum(2)
y = my_sum(x)
RESULTS["sum_1"] = np_(y)
y = my_sum(x)
RESULTS["sum_2"] = np_(y)
RESULTS["sum_counts"] = [len(my_sum.weights), len(my_sum.non_trainable_weights),
                         len(my_sum.trainable_weights)]


class Linear(keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(
            shape=(self.units,), initializer="random_normal", trainable=True
        )

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


# At instantiation, we don't know on what inputs this is going to get called
linear_layer = Linear(32)
RESULTS["lazy_built_before"] = int(linear_layer.built)
# The layer's weights are created dynamically the first time the layer is called
y = linear_layer(x)
RESULTS["lazy_built_after"] = int(linear_layer.built)
RESULTS["lazy_shapes"] = [str(tuple(w.shape)) for w in linear_layer.weights]
RESULTS["lazy_y_shape"] = str(tuple(y.shape))


class MLPBlock(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = keras.activations.relu(x)
        x = self.linear_2(x)
        x = keras.activations.relu(x)
        return self.linear_3(x)


mlp = MLPBlock()
y = mlp(ops.ones(shape=(3, 64)))  # The first call to the `mlp` will create the weights
RESULTS["mlp_n_weights"] = len(mlp.weights)
RESULTS["mlp_n_trainable"] = len(mlp.trainable_weights)
rs = np.random.RandomState(0)  # harness:
mlp.set_weights([rs.normal(0, 0.2, w.shape).astype("float32") for w in mlp.get_weights()])  # harness:
RESULTS["mlp_y"] = np_(mlp(ops.ones(shape=(3, 64))))


class Sampling(layers.Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


sampling = Sampling(seed=1)
RESULTS["sampling_n_weights"] = len(sampling.weights)
RESULTS["sampling_n_nontrainable"] = len(sampling.non_trainable_weights)
z0 = np_(sampling([ops.zeros((2, 3)), ops.full((2, 3), -100.0)]))
RESULTS["sampling_zero_var"] = z0


# A layer that creates an activity regularization loss
class ActivityRegularizationLayer(keras.layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(inputs))
        return inputs


class OuterLayer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.activity_reg = ActivityRegularizationLayer(1e-2)

    def call(self, inputs):
        return self.activity_reg(inputs)


layer = OuterLayer()
RESULTS["outer_losses_before"] = len(layer.losses)  # No losses yet since the layer has never been called

_ = layer(ops.zeros((1, 1)))
RESULTS["outer_losses_once"] = len(layer.losses)  # We created one loss value

# `layer.losses` gets reset at the start of each __call__
_ = layer(ops.full((1, 1), 5.0))
RESULTS["outer_losses_again"] = len(layer.losses)  # This is the loss created during the call above
RESULTS["outer_loss_value"] = float(np_(layer.losses[0]))


class OuterLayerWithKernelRegularizer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(
            32, kernel_regularizer=keras.regularizers.l2(1e-3)
        )

    def call(self, inputs):
        return self.dense(inputs)


layer = OuterLayerWithKernelRegularizer()
_ = layer(ops.zeros((1, 1)))
layer.dense.kernel.assign(np.linspace(-1, 1, 32, dtype="float32").reshape(1, 32))  # harness:
# This is `1e-3 * sum(layer.dense.kernel ** 2)`,
# created by the `kernel_regularizer` above.
RESULTS["kreg_n_losses"] = len(layer.losses)
RESULTS["kreg_loss"] = float(np_(layer.losses[0]))

inputs = keras.Input(shape=(3,))
outputs = ActivityRegularizationLayer()(inputs)
model = keras.Model(inputs, outputs)

# If there is a loss passed in `compile`, the regularization
# losses get added to it
model.compile(optimizer="adam", loss="mse")
h1 = model.fit(np.random.RandomState(1).random_sample((2, 3)), np.random.RandomState(2).random_sample((2, 3)),
               verbose=0)

# It's also possible not to pass any loss in `compile`,
# since the model already has a loss to minimize, via the `add_loss`
# call during the forward pass!
# harness: a fresh model: Keras 3.15's compile(loss=None) keeps the loss of an earlier
# compile (trainer.py: `if loss is not None: self._compile_loss = ...`), keraton drops it.
model = keras.Model(inputs, outputs)  # harness:
model.compile(optimizer="adam")
h2 = model.fit(np.random.RandomState(1).random_sample((2, 3)), np.random.RandomState(2).random_sample((2, 3)),
               verbose=0)
RESULTS["actreg_fit_loss_mse"] = h1.history["loss"]
RESULTS["actreg_fit_loss_only_add_loss"] = h2.history["loss"]
RESULTS["actreg_model_losses"] = len(model.losses)


class Linear(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(
            shape=(self.units,), initializer="random_normal", trainable=True
        )

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


layer = Linear(64)
config = layer.get_config()
RESULTS["linear_config_keys"] = sorted(config)
RESULTS["linear_config_units"] = config["units"]
RESULTS["linear_config_trainable"] = int(config["trainable"])
RESULTS["linear_config_dtype"] = str(config["dtype"]) if not isinstance(config["dtype"], dict) else config["dtype"]["class_name"]
new_layer = Linear.from_config(config)
RESULTS["linear_from_config_units"] = new_layer.units
RESULTS["linear_from_config_name_same"] = int(new_layer.name == layer.name)


class CustomDropout(keras.layers.Layer):
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs, training=None):
        if training:
            return keras.random.dropout(
                inputs, rate=self.rate, seed=self.seed_generator
            )
        return inputs


cd = CustomDropout(0.5)
xx = np.ones((4, 6), "float32")
RESULTS["dropout_infer"] = np_(cd(xx))
RESULTS["dropout_infer_training_false"] = np_(cd(xx, training=False))
out = np_(cd(xx, training=True))
RESULTS["dropout_train_values"] = sorted(set(np.round(out.ravel(), 4).tolist()))
# Functional model with the layer: fit passes training=True, predict False.
inp = keras.Input((6,))
dmodel = keras.Model(inp, CustomDropout(0.5)(inp))
RESULTS["dropout_predict"] = dmodel.predict(xx, verbose=0)


class Encoder(layers.Layer):
    """Maps MNIST digits to a triplet (z_mean, z_log_var, z)."""

    def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_mean = layers.Dense(latent_dim)
        self.dense_log_var = layers.Dense(latent_dim)
        self.sampling = Sampling()

    def call(self, inputs):
        x = self.dense_proj(inputs)
        z_mean = self.dense_mean(x)
        z_log_var = self.dense_log_var(x)
        z = self.sampling((z_mean, z_log_var))
        return z_mean, z_log_var, z


class Decoder(layers.Layer):
    """Converts z, the encoded digit vector, back into a readable digit."""

    def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_output = layers.Dense(original_dim, activation="sigmoid")

    def call(self, inputs):
        x = self.dense_proj(inputs)
        return self.dense_output(x)


class VariationalAutoEncoder(keras.Model):
    """Combines the encoder and decoder into an end-to-end model for training."""

    def __init__(
        self,
        original_dim,
        intermediate_dim=64,
        latent_dim=32,
        name="autoencoder",
        **kwargs
    ):
        super().__init__(name=name, **kwargs)
        self.original_dim = original_dim
        self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
        self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

    def call(self, inputs):
        z_mean, z_log_var, z = self.encoder(inputs)
        reconstructed = self.decoder(z)
        # Add KL divergence regularization loss.
        kl_loss = -0.5 * ops.mean(
            z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1
        )
        self.add_loss(kl_loss)
        return reconstructed


x_train = np.random.RandomState(3).randint(0, 256, size=(48, 28, 28)).astype("uint8")
x_train = x_train.reshape(48, 784).astype("float32") / 255

original_dim = 784
vae = VariationalAutoEncoder(784, 16, 8)

optimizer = keras.optimizers.Adam(learning_rate=1e-3)
vae.compile(optimizer, loss=keras.losses.MeanSquaredError())

vae(x_train[:1])  # harness: create weights before seeding
rs = np.random.RandomState(4)  # harness:
vae.set_weights([rs.normal(0, 0.05, w.shape).astype("float32") for w in vae.get_weights()])  # harness:
RESULTS["vae_weight_shapes"] = [str(tuple(w.shape)) for w in vae.weights]
RESULTS["vae_n_trainable"] = len(vae.trainable_weights)
RESULTS["vae_count_params"] = vae.count_params()


def zero_noise(shape, seed=None, **kw):  # harness: deterministic sampling (epsilon = 0.1)
    return ops.full(shape, 0.1)


_orig_normal = keras.random.normal  # harness:
keras.random.normal = zero_noise  # harness:
h = vae.fit(x_train, x_train, epochs=2, batch_size=16, shuffle=False, verbose=0)  # harness: shuffle
RESULTS["vae_hist_keys"] = sorted(h.history)
RESULTS["vae_hist_loss"] = h.history["loss"]
RESULTS["vae_n_losses"] = len(vae.losses)
RESULTS["vae_pred"] = vae.predict(x_train[:2], verbose=0)[:, :20]
RESULTS["vae_eval"] = vae.evaluate(x_train, x_train, verbose=0)
keras.random.normal = _orig_normal  # harness:
RTOL = 2e-4
