"""keras.io examples/keras_recipes/approximating_non_function_mappings.py: Mixture Density Networks.

A plain MLP regression (``Sequential`` without ``Input``, built by ``fit``) with
``EarlyStopping``; then a ``MixtureDensityOutput`` layer that owns three Dense
layers, builds them in ``build``, overrides the ``trainable_weights`` /
``non_trainable_weights`` properties and joins them with the functional
``layers.concatenate`` inside ``call``; a custom activation using
``keras.activations.elu`` and ``keras.backend.epsilon``; a closure loss; the
callbacks ``EarlyStopping(restore_best_weights=True)`` and
``ReduceLROnPlateau``; NumPy sampling from the predicted mixtures. The
original's loss uses TensorFlow Probability (``tfd.Mixture``), TensorFlow-only:
the same negative mixture log-likelihood is written with ``keras.ops`` here
(``# harness:``). Small noisy spirals.
"""

import numpy as np
import math
import random
import keras
from keras import callbacks
from keras import layers
from keras import ops

random.seed(0)  # harness: the original draws unseeded spirals
np.random.seed(0)  # harness:
RESULTS = {}


def normalize(x):
    return (x - np.min(x)) / (np.max(x) - np.min(x))


def create_noisy_spiral(n, max_jitter=0.2, size_range=[5, 10]):
    R_X = random.choice(range(size_range[0], size_range[1], 10))
    R_Y = random.choice(range(size_range[0], size_range[1], 10))
    X_0 = random.random() * 100 - 50
    Y_0 = random.random() * 100 - 50

    randomized_jitter = lambda: random.uniform(-max_jitter / 2, max_jitter / 2)  # noqa: E731
    x = lambda _t: _t / 360.0 * math.cos(_t / 90.0 * math.pi) * R_X + X_0  # noqa: E731
    y = lambda _t: _t / 360.0 * math.sin(_t / 90.0 * math.pi) * R_Y + Y_0  # noqa: E731

    out = np.zeros([n, 2])

    for i in range(n):
        t = 360.0 / n * i
        out[i, 0] = x(t) + randomized_jitter()
        out[i, 1] = y(t) + randomized_jitter()
    out = out.astype("float32")
    return (normalize(out[:, 0]) * 10) - 5, (normalize(out[:, 1]) * 10) - 5


xs = []
ys = []

for _ in range(3):  # harness: 10 spirals in the original
    x, y = create_noisy_spiral(40)  # harness: 1000 points each
    xs.append(x)
    ys.append(y)

x = np.concatenate(xs, axis=0)
y = np.concatenate(ys, axis=0)
x = np.expand_dims(x, axis=1)


def seed_weights(model, seed):  # harness: equal initial weights in both libraries
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])


N_HIDDEN = 16  # harness: 128

model = keras.Sequential(
    [
        layers.Dense(N_HIDDEN, activation="relu"),
        layers.Dense(N_HIDDEN, activation="relu"),
        layers.Dense(1),
    ]
)

model.compile(optimizer="adam", loss="mse")
model.build((None, 1))  # harness: built before fit so that weights can be seeded
seed_weights(model, 1)  # harness:

history = model.fit(
    x,
    y,
    epochs=3,  # harness: 300
    batch_size=32,  # harness: 128
    validation_split=0.15,
    callbacks=[callbacks.EarlyStopping(monitor="val_loss", patience=5)],
    shuffle=False,  # harness:
    verbose=0,  # harness:
)
RESULTS["mlp_history"] = [history.history[k] for k in sorted(history.history)]
RESULTS["mlp_history_keys"] = sorted(history.history)

y_pred = model.predict(x)
RESULTS["mlp_pred"] = y_pred[::10]


def elu_plus_one_plus_epsilon(x):
    return keras.activations.elu(x) + 1 + keras.backend.epsilon()


class MixtureDensityOutput(layers.Layer):
    def __init__(self, output_dimension, num_mixtures, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dimension
        self.num_mix = num_mixtures
        self.mdn_mus = layers.Dense(
            self.num_mix * self.output_dim, name="mdn_mus"
        )  # mix*output vals, no activation
        self.mdn_sigmas = layers.Dense(
            self.num_mix * self.output_dim,
            activation=elu_plus_one_plus_epsilon,
            name="mdn_sigmas",
        )  # mix*output vals exp activation
        self.mdn_pi = layers.Dense(self.num_mix, name="mdn_pi")  # mix vals, logits

    def build(self, input_shape):
        self.mdn_mus.build(input_shape)
        self.mdn_sigmas.build(input_shape)
        self.mdn_pi.build(input_shape)
        super().build(input_shape)

    @property
    def trainable_weights(self):
        return (
            self.mdn_mus.trainable_weights
            + self.mdn_sigmas.trainable_weights
            + self.mdn_pi.trainable_weights
        )

    @property
    def non_trainable_weights(self):
        return (
            self.mdn_mus.non_trainable_weights
            + self.mdn_sigmas.non_trainable_weights
            + self.mdn_pi.non_trainable_weights
        )

    def call(self, x, mask=None):
        return layers.concatenate(
            [self.mdn_mus(x), self.mdn_sigmas(x), self.mdn_pi(x)], name="mdn_outputs"
        )


OUTPUT_DIMS = 1
N_MIXES = 5  # harness: 20

mdn_network = keras.Sequential(
    [
        layers.Dense(N_HIDDEN, activation="relu"),
        layers.Dense(N_HIDDEN, activation="relu"),
        MixtureDensityOutput(OUTPUT_DIMS, N_MIXES),
    ]
)


def get_mixture_loss_func(output_dim, num_mixes):
    def mdn_loss_func(y_true, y_pred):
        # Reshape inputs in case this is used in a TimeDistribued layer
        y_pred = ops.reshape(y_pred, [-1, (2 * num_mixes * output_dim) + num_mixes])
        y_true = ops.reshape(y_true, [-1, output_dim])
        # Split the inputs into paramaters
        out_mu, out_sigma, out_pi = ops.split(
            y_pred, [num_mixes * output_dim, 2 * num_mixes * output_dim], axis=-1
        )
        # harness: tfd.Mixture(tfd.Categorical, [tfd.MultivariateNormalDiag]).log_prob
        # written with keras.ops (TensorFlow Probability runs on TensorFlow only)
        mus = ops.reshape(out_mu, [-1, num_mixes, output_dim])
        sigs = ops.reshape(out_sigma, [-1, num_mixes, output_dim])
        z = (ops.expand_dims(y_true, 1) - mus) / sigs
        component_log_prob = ops.sum(
            -0.5 * ops.square(z) - ops.log(sigs) - 0.5 * math.log(2 * math.pi), axis=-1
        )
        log_mix = ops.log_softmax(out_pi, axis=-1)
        loss = ops.logsumexp(log_mix + component_log_prob, axis=-1)
        loss = ops.negative(loss)
        loss = ops.mean(loss)
        return loss

    return mdn_loss_func


mdn_network.compile(loss=get_mixture_loss_func(OUTPUT_DIMS, N_MIXES), optimizer="adam")
mdn_network.build((None, 1))  # harness: built before fit so that weights can be seeded
seed_weights(mdn_network, 2)  # harness:
mdn_layer = mdn_network.layers[-1]
RESULTS["mdn_params"] = mdn_network.count_params()
RESULTS["mdn_layer_trainable"] = [w.path for w in mdn_layer.trainable_weights]
RESULTS["mdn_model_trainable_count"] = len(mdn_network.trainable_weights)
RESULTS["mdn_output_shape"] = str(tuple(mdn_network.output_shape))

history = mdn_network.fit(
    x,
    y,
    epochs=4,  # harness: 300
    batch_size=32,  # harness: 128
    validation_split=0.15,
    callbacks=[
        callbacks.EarlyStopping(monitor="loss", patience=10, restore_best_weights=True),
        callbacks.ReduceLROnPlateau(monitor="loss", patience=5),
    ],
    shuffle=False,  # harness:
    verbose=0,  # harness:
)
RESULTS["mdn_history_keys"] = sorted(history.history)
RESULTS["mdn_loss"] = history.history["loss"]
RESULTS["mdn_val_loss"] = history.history["val_loss"]
RESULTS["mdn_lr"] = history.history["learning_rate"]

y_pred_mixture = mdn_network.predict(x)
print(y_pred_mixture.shape)
RESULTS["mdn_pred"] = y_pred_mixture[::10]


def split_mixture_params(params, output_dim, num_mixes):
    mus = params[: num_mixes * output_dim]
    sigs = params[num_mixes * output_dim : 2 * num_mixes * output_dim]
    pi_logits = params[-num_mixes:]
    return mus, sigs, pi_logits


def softmax(w, t=1.0):
    e = np.array(w) / t  # adjust temperature
    e -= e.max()  # subtract max to protect from exploding exp values.
    e = np.exp(e)
    dist = e / np.sum(e)
    return dist


def sample_from_categorical(dist):
    r = np.random.rand(1)  # uniform random number in [0,1]
    accumulate = 0
    for i in range(0, dist.size):
        accumulate += dist[i]
        if accumulate >= r:
            return i
    print("Error sampling categorical model.")  # harness: tf.logging.info
    return -1


def sample_from_output(params, output_dim, num_mixes, temp=1.0, sigma_temp=1.0):
    mus, sigs, pi_logits = split_mixture_params(params, output_dim, num_mixes)
    pis = softmax(pi_logits, t=temp)
    m = sample_from_categorical(pis)
    # Alternative way to sample from categorical:
    # m = np.random.choice(range(len(pis)), p=pis)
    mus_vector = mus[m * output_dim : (m + 1) * output_dim]
    sig_vector = sigs[m * output_dim : (m + 1) * output_dim]
    scale_matrix = np.identity(output_dim) * sig_vector  # scale matrix from diag
    cov_matrix = np.matmul(scale_matrix, scale_matrix.T)  # cov is scale squared.
    cov_matrix = cov_matrix * sigma_temp  # adjust for sigma temperature
    sample = np.random.multivariate_normal(mus_vector, cov_matrix, 1)
    return sample


np.random.seed(1)  # harness: equal sampling stream
# Sample from the predicted distributions
y_samples = np.apply_along_axis(
    sample_from_output, 1, y_pred_mixture, 1, N_MIXES, temp=1.0
)
RESULTS["y_samples_shape"] = str(y_samples.shape)
RESULTS["y_samples"] = y_samples[:8, :, 0]
RTOL = 1e-3
ATOL = 1e-4
