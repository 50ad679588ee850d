"""Standalone Keras 2.x community programs, written as their authors wrote them, run on keraton.

Each test is one program of a popular Keras 2.0-2.3 idiom (keras-contrib's
WGAN-GP, a keras-rl DQN step through ``K.function(updates=...)``, keras-metrics' stateful metric layers and the F1
callback reading ``self.validation_data``, gradient norms from
``model.total_loss``, a Theano-ordered Keras 1 MNIST script) on tiny data,
asserting its numbers against NumPy/torch hand computations.
"""

import functools
import warnings

import numpy as np
import pytest
import torch

import keraton as keras
from keraton import backend as K
from keraton.callbacks import Callback
from keraton.layers import Dense, Input, Layer, LeakyReLU
from keraton.models import Model, Sequential
from keraton.optimizers import SGD, Adam

# The programs use Keras 1/2 names on purpose; keraton's once-per-name deprecation warnings are
# expected here (LearningRateScheduler's float() of a K.variable learning rate warns in torch).
pytestmark = [pytest.mark.filterwarnings("ignore:.*Keras 2:UserWarning"),
              pytest.mark.filterwarnings("ignore:The `nb_epoch` argument:UserWarning"),
              pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad:UserWarning")]


# ----------------------------------------------------------------------------- 2. WGAN-GP
with warnings.catch_warnings():  # keras-contrib imported it from keras.layers.merge
    warnings.simplefilter("ignore")
    from keraton.layers.merge import _Merge

GP_BATCH = 4


def wasserstein_loss(y_true, y_pred):
    return K.mean(y_true * y_pred)


def gradient_penalty_loss(y_true, y_pred, averaged_samples, gradient_penalty_weight):
    gradients = K.gradients(y_pred, averaged_samples)[0]
    gradients_sqr = K.square(gradients)
    gradients_sqr_sum = K.sum(gradients_sqr, axis=np.arange(1, len(gradients_sqr.shape)))
    gradient_l2_norm = K.sqrt(gradients_sqr_sum)
    gradient_penalty = gradient_penalty_weight * K.square(1 - gradient_l2_norm)
    return K.mean(gradient_penalty)


class RandomWeightedAverage(_Merge):
    def _merge_function(self, inputs):
        weights = K.random_uniform((GP_BATCH, 1))
        return (weights * inputs[0]) + ((1 - weights) * inputs[1])


def test_improved_wgan_gradient_penalty_matches_torch():
    generator = Sequential([Dense(8, input_dim=5), LeakyReLU(), Dense(3)])
    discriminator = Sequential([Dense(8, input_shape=(3,)), LeakyReLU(),
                                Dense(1, kernel_initializer="he_normal")])
    for layer in discriminator.layers:
        layer.trainable = False
    discriminator.trainable = False
    generator_input = Input(shape=(5,))
    generator_model = Model(inputs=[generator_input], outputs=[discriminator(generator(generator_input))])
    generator_model.compile(optimizer=Adam(0.0001, beta_1=0.5, beta_2=0.9), loss=wasserstein_loss)
    for layer in discriminator.layers:
        layer.trainable = True
    for layer in generator.layers:
        layer.trainable = False
    discriminator.trainable = True
    generator.trainable = False
    real_samples = Input(shape=(3,))
    noise_input = Input(shape=(5,))
    fake_samples = generator(noise_input)
    averaged_samples = RandomWeightedAverage()([real_samples, fake_samples])
    partial_gp_loss = functools.partial(gradient_penalty_loss, averaged_samples=averaged_samples,
                                        gradient_penalty_weight=10)
    partial_gp_loss.__name__ = "gradient_penalty"
    discriminator_model = Model(inputs=[real_samples, noise_input],
                                outputs=[discriminator(real_samples), discriminator(fake_samples),
                                         discriminator(averaged_samples)])
    discriminator_model.compile(optimizer=Adam(0.0001, beta_1=0.5, beta_2=0.9),
                                loss=[wasserstein_loss, wasserstein_loss, partial_gp_loss])
    positive_y = np.ones((GP_BATCH, 1), dtype=np.float32)
    negative_y, dummy_y = -positive_y, np.zeros((GP_BATCH, 1), dtype=np.float32)
    rng = np.random.RandomState(0)
    x_train = rng.randn(8, 3).astype("float32")
    for _ in range(2):
        g_before = generator.get_weights()
        for i in range(2):
            noise = rng.rand(GP_BATCH, 5).astype(np.float32)
            d_loss = discriminator_model.train_on_batch(
                [x_train[i * GP_BATCH:(i + 1) * GP_BATCH], noise], [positive_y, negative_y, dummy_y])
            assert np.isfinite(d_loss).all() and d_loss[0] == pytest.approx(sum(d_loss[1:]), rel=1e-5)
        assert all(np.array_equal(a, b) for a, b in zip(g_before, generator.get_weights()))
        discriminator.trainable, generator.trainable = False, True  # as keraton's warning asks
        d_before = discriminator.get_weights()
        g_loss = generator_model.train_on_batch(rng.rand(GP_BATCH, 5), positive_y)
        discriminator.trainable, generator.trainable = True, False
        assert np.isfinite(g_loss)
        assert all(np.array_equal(a, b) for a, b in zip(d_before, discriminator.get_weights()))
        assert not np.array_equal(g_before[0], generator.get_weights()[0])
    critic_loss = f"{discriminator.name}_loss"
    assert discriminator_model.metrics_names == [
        "loss", critic_loss, f"{critic_loss}_1", f"{critic_loss}_2"]
    # one batch by hand: the same uniform weights (torch's generator), the critic in torch
    real, noise = x_train[:GP_BATCH], rng.rand(GP_BATCH, 5).astype(np.float32)
    torch.manual_seed(123)
    logs = discriminator_model.evaluate([real, noise], [positive_y, negative_y, dummy_y],
                                        batch_size=GP_BATCH, verbose=0)
    torch.manual_seed(123)
    w = torch.rand((GP_BATCH, 1))
    fake = torch.as_tensor(generator.predict(noise, verbose=0))
    k1, b1, k2, b2 = [torch.as_tensor(a) for a in discriminator.get_weights()]

    def critic(t):
        return torch.nn.functional.leaky_relu(t @ k1 + b1, 0.3) @ k2 + b2

    avg = (w * torch.as_tensor(real) + (1 - w) * fake).requires_grad_(True)
    grad = torch.autograd.grad(critic(avg).sum(), avg)[0]
    penalty = float((10 * (1 - grad.pow(2).sum(1).sqrt()) ** 2).mean())
    np.testing.assert_allclose(logs, [float(critic(torch.as_tensor(real)).mean())
                                      - float(critic(fake).mean()) + penalty,
                                      float(critic(torch.as_tensor(real)).mean()),
                                      -float(critic(fake).mean()), penalty], rtol=1e-5, atol=1e-6)

# ----------------------------------------------------------------------------- 3. keras-rl DQN
def huber_loss(y_true, y_pred, clip_value=1.0):
    x = y_true - y_pred
    condition = K.abs(x) < clip_value
    squared_loss = .5 * K.square(x)
    linear_loss = clip_value * (K.abs(x) - .5 * clip_value)
    return K.switch(condition, squared_loss, linear_loss)


def test_dqn_step_through_k_function_updates_and_soft_target_update():
    nb_actions, obs_dim = 3, 4
    model = Sequential([Dense(8, input_shape=(obs_dim,), activation="relu"),
                        Dense(nb_actions, activation="linear")])
    target_model = keras.models.clone_model(model)
    target_model.set_weights(model.get_weights())
    target_model.compile(optimizer="sgd", loss="mse")
    y_true = K.placeholder(shape=(None, nb_actions))
    mask = K.placeholder(shape=(None, nb_actions))
    q = model.output
    loss = K.mean(K.sum(huber_loss(y_true, q) * mask, axis=-1))
    opt = SGD(lr=0.1)
    updates = opt.get_updates(params=model.trainable_weights, loss=loss)
    train_fn = K.function([model.input, y_true, mask, K.learning_phase()], [loss, q], updates=updates)
    rng = np.random.RandomState(1)
    obs = rng.randn(5, obs_dim).astype("float32")
    actions, rewards = rng.randint(0, nb_actions, 5), rng.randn(5).astype("float32")
    next_q = target_model.predict_on_batch(obs)
    targets = np.zeros((5, nb_actions), "float32")
    masks = np.zeros((5, nb_actions), "float32")
    for i in range(5):
        targets[i, actions[i]] = rewards[i] + 0.99 * np.max(next_q[i])
        masks[i, actions[i]] = 1.0
    w1, b1, w2, b2 = [w.astype("float64") for w in model.get_weights()]
    h = np.maximum(obs @ w1 + b1, 0)
    d = targets - (h @ w2 + b2)
    ref_loss = np.mean(np.sum(np.where(np.abs(d) < 1, .5 * d * d, np.abs(d) - .5) * masks, -1))
    dq = np.where(np.abs(d) < 1, -d, -np.sign(d)) * masks / 5
    dh = dq @ w2.T * (h > 0)
    steps = [obs.T @ dh, dh.sum(0), h.T @ dq, dq.sum(0)]
    value, q_value = train_fn([obs, targets, masks, 1])
    assert value == pytest.approx(ref_loss, rel=1e-5)
    np.testing.assert_allclose(q_value, h @ w2 + b2, atol=1e-5)
    for got, w, g in zip(model.get_weights(), [w1, b1, w2, b2], steps):
        np.testing.assert_allclose(got, w - 0.1 * g, atol=1e-6)
    assert int(K.get_value(opt.iterations)) == 1
    tau, before = 0.1, target_model.get_weights()
    K.batch_set_value([(t, tau * w + (1 - tau) * tv) for t, w, tv in
                       zip(target_model.weights, model.get_weights(), before)])
    for t, w, tv in zip(target_model.get_weights(), model.get_weights(), before):
        np.testing.assert_allclose(t, tau * w + (1 - tau) * tv, atol=1e-6)

# ----------------------------------------------------------------------------- 4. stateful metrics
class BinaryTruePositives(Layer):
    """The Keras 2.1.3 documentation's stateful metric."""

    def __init__(self, name="true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.stateful = True
        self.true_positives = K.variable(value=0, dtype="int32")

    def reset_states(self):
        K.set_value(self.true_positives, 0)

    def __call__(self, y_true, y_pred):
        y_true = K.cast(y_true, "int32")
        y_pred = K.cast(K.round(y_pred), "int32")
        correct_preds = K.cast(K.equal(y_pred, y_true), "int32")
        true_pos = K.cast(K.sum(correct_preds * y_true), "int32")
        current_true_pos = self.true_positives * 1
        self.add_update(K.update_add(self.true_positives, true_pos), inputs=[y_true, y_pred])
        return current_true_pos + true_pos


class binary_metric(Layer):  # noqa: N801  (keras-metrics' lower-case names)
    """keras-metrics style precision/recall/F1 from running tp/fp/fn variables."""

    def __init__(self, kind, **kwargs):
        super().__init__(name=kind, **kwargs)
        self.stateful = True
        self.kind = kind
        self.tp, self.fp, self.fn = (K.variable(0, dtype="int32") for _ in range(3))

    def reset_states(self):
        for v in (self.tp, self.fp, self.fn):
            K.set_value(v, 0)

    def __call__(self, y_true, y_pred):
        y_true = K.cast(K.round(y_true), "int32")
        y_pred = K.cast(K.round(y_pred), "int32")
        tp, fp, fn = K.sum(y_true * y_pred), K.sum((1 - y_true) * y_pred), K.sum(y_true * (1 - y_pred))
        self.add_update(K.update_add(self.tp, tp))
        self.add_update(K.update_add(self.fp, fp))
        self.add_update(K.update_add(self.fn, fn))
        tp = K.cast(self.tp + tp, K.floatx())
        fp = K.cast(self.fp + fp, K.floatx())
        fn = K.cast(self.fn + fn, K.floatx())
        precision = tp / (tp + fp + K.epsilon())
        recall = tp / (tp + fn + K.epsilon())
        if self.kind == "precision":
            return precision
        if self.kind == "recall":
            return recall
        return 2 * precision * recall / (precision + recall + K.epsilon())


class F1Metrics(Callback):
    """The Medium "F1 score callback" of 2018."""

    def on_train_begin(self, logs={}):  # noqa: B006
        self.val_f1s, self.val_recalls, self.val_precisions = [], [], []

    def on_epoch_end(self, epoch, logs={}):  # noqa: B006
        val_predict = (np.asarray(self.model.predict(self.validation_data[0], verbose=0))).round()
        val_targ = self.validation_data[1]
        tp = np.sum(val_predict * val_targ)
        p = tp / max(np.sum(val_predict), 1)
        r = tp / max(np.sum(val_targ), 1)
        self.val_f1s.append(2 * p * r / max(p + r, 1e-12))
        self.val_recalls.append(r)
        self.val_precisions.append(p)


def test_stateful_metric_layers_and_f1_callback_match_numpy_counts():
    rng = np.random.RandomState(0)
    x = rng.randn(40, 4).astype("float32")
    y = (x[:, :1] + 0.3 * rng.randn(40, 1) > 0).astype("float32")
    xv = rng.randn(20, 4).astype("float32")
    yv = (xv[:, :1] > 0).astype("float32")
    model = Sequential([Dense(1, activation="sigmoid", input_dim=4)])
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=["accuracy", BinaryTruePositives(), binary_metric("precision"),
                           binary_metric("recall"), binary_metric("f1")])
    f1_callback = F1Metrics()
    history = model.fit(x, y, batch_size=8, epochs=2, validation_data=(xv, yv),
                        callbacks=[f1_callback], verbose=0).history
    pv = model.predict(xv, verbose=0).round()
    tp, fp, fn = np.sum(pv * yv), np.sum(pv * (1 - yv)), np.sum((1 - pv) * yv)
    precision, recall = tp / (tp + fp + 1e-7), tp / (tp + fn + 1e-7)
    assert history["val_true_positives"][-1] == tp
    assert history["val_precision"][-1] == pytest.approx(precision, rel=1e-5)
    assert history["val_recall"][-1] == pytest.approx(recall, rel=1e-5)
    assert history["val_f1"][-1] == pytest.approx(2 * precision * recall / (precision + recall), rel=1e-4)
    assert len(f1_callback.val_f1s) == 2
    assert f1_callback.val_f1s[-1] == pytest.approx(2 * precision * recall / (precision + recall), rel=1e-4)
    logs = dict(zip(model.metrics_names, model.evaluate(xv, yv, batch_size=7, verbose=0)))
    assert logs["true_positives"] == tp and logs["recall"] == pytest.approx(recall, rel=1e-5)

# ----------------------------------------------------------------------------- 5. gradients
def test_gradient_norms_saliency_and_session_run_match_torch():
    rng = np.random.RandomState(0)
    x = rng.randn(6, 3).astype("float32")
    y = np.eye(2)[rng.randint(0, 2, 6)].astype("float32")
    model = Sequential([Dense(4, activation="tanh", input_shape=(3,)), keras.layers.Dropout(0.5),
                        Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    weights = model.trainable_weights
    gradients = model.optimizer.get_gradients(model.total_loss, weights)
    input_tensors = model.inputs + model.sample_weights + model.targets + [K.learning_phase()]
    get_gradients = K.function(inputs=input_tensors, outputs=gradients)
    grads = get_gradients([x, np.ones(len(x)), y, 0])
    k1, b1, k2, b2 = [torch.tensor(w, requires_grad=True) for w in model.get_weights()]
    probs = torch.softmax(torch.tanh(torch.tensor(x) @ k1 + b1) @ k2 + b2, -1)
    loss = -(torch.tensor(y) * torch.log(probs)).sum(-1).mean()
    ref = torch.autograd.grad(loss, [k1, b1, k2, b2])
    for g, r in zip(grads, ref):
        np.testing.assert_allclose(g, r.numpy(), atol=1e-6)
    norm = K.sqrt(sum(K.sum(K.square(g)) for g in K.gradients(model.total_loss, weights)))
    norm_fn = K.function(model._feed_inputs + model._feed_targets + model._feed_sample_weights, [norm])
    assert norm_fn([x, y, np.ones(len(x))])[0] == pytest.approx(
        float(torch.sqrt(sum((r ** 2).sum() for r in ref))), rel=1e-5)
    saliency = K.gradients(model.output[:, 1], model.input)[0]
    s = K.function([model.input, K.learning_phase()], [saliency])([x, 0])[0]
    xt = torch.tensor(x, requires_grad=True)
    pc = torch.softmax(torch.tanh(xt @ k1 + b1) @ k2 + b2, -1)[:, 1].sum()
    np.testing.assert_allclose(s, torch.autograd.grad(pc, xt)[0].numpy(), atol=1e-6)
    sess = K.get_session()
    out = sess.run(model.output, feed_dict={model.input: x, K.learning_phase(): 0})
    np.testing.assert_allclose(out, probs.detach().numpy(), atol=1e-6)
    total = sess.run(model.total_loss, feed_dict={model.input: x, model.targets[0]: y,
                                                  model.sample_weights[0]: np.ones(6)})
    assert total == pytest.approx(loss.item(), rel=1e-5)
    hidden = K.function([model.layers[0].input, K.learning_phase()], [model.layers[1].output])
    a0, a1 = hidden([x, 0])[0], hidden([x, 1])[0]
    np.testing.assert_allclose(a0, np.tanh(x @ model.get_weights()[0] + model.get_weights()[1]), atol=1e-6)
    assert ((a1 == 0) | np.isclose(a1, 2 * a0, atol=1e-6)).all()

# ----------------------------------------------------------------------------- 6. Keras 1 MNIST
def test_theano_ordered_keras1_mnist_script():
    from keraton.layers import Activation, Convolution2D, Dropout, Flatten, MaxPooling2D
    from keraton.utils import multi_gpu_model, np_utils

    K.set_image_dim_ordering("th")
    try:
        from keraton.backend import tensorflow_backend as KTF

        KTF.set_session(K.get_session())
        rng = np.random.RandomState(0)
        x_train = rng.rand(16, 1, 8, 8).astype("float32")
        y_train = np_utils.to_categorical(rng.randint(0, 3, 16), 3)
        model = Sequential()
        model.add(Convolution2D(4, 3, 3, border_mode="valid", input_shape=(1, 8, 8), init="he_normal"))
        model.add(Activation("relu"))
        model.add(Convolution2D(4, 3, 3, subsample=(1, 1)))
        model.add(Activation("relu"))
        model.add(MaxPooling2D(pool_size=(2, 2)))
        model.add(Dropout(0.25))
        model.add(Flatten())
        model.add(Dense(8, W_regularizer=keras.regularizers.l2(0.01)))
        model.add(Activation("relu"))
        model.add(Dense(3))
        model.add(Activation("softmax"))
        try:
            parallel = multi_gpu_model(model, gpus=torch.cuda.device_count() + 2)
        except ValueError:
            parallel = model
        parallel.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adadelta(),
                         metrics=["accuracy"])
        history = parallel.fit(x_train, y_train, batch_size=8, nb_epoch=2, verbose=0,
                               validation_split=0.25)
        assert len(history.history["val_loss"]) == 2
        assert model.output_shape == (None, 3)
        kernel, bias = model.layers[0].get_weights()
        out = K.function([model.input], [model.layers[1].output])([x_train[:2]])[0]
        ref = np.zeros((2, 4, 6, 6))
        for i in range(6):
            for j in range(6):
                ref[:, :, i, j] = np.einsum("nchw,hwcf->nf", x_train[:2, :, i:i + 3, j:j + 3], kernel) + bias
        np.testing.assert_allclose(out, np.maximum(ref, 0), atol=1e-5)
        proba = model.predict(x_train[:4], verbose=0)
        np.testing.assert_array_equal(model.predict_classes(x_train[:4], verbose=0), proba.argmax(-1))
    finally:
        K.set_image_dim_ordering("tf")
