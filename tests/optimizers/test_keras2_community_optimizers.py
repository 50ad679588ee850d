"""Keras 2.x community optimizers (AdaBound, RAdam, AdamW written with ``get_updates``) on keraton.

Each is written as its popular Keras 2 package wrote it, trained by ``fit``,
saved and reloaded with ``custom_objects``, and checked against a NumPy
re-implementation of the same rule.
"""

import functools

import numpy as np
import pytest

from keraton import backend as K
from keraton.callbacks import Callback, LearningRateScheduler
from keraton.layers import Dense
from keraton.models import Sequential, load_model
from keraton.optimizers import Optimizer

# The programs use Keras 1/2 names on purpose; keraton's once-per-name deprecation warnings are
# expected here (LearningRateScheduler's float() of a K.variable learning rate warns in torch).
pytestmark = [pytest.mark.filterwarnings("ignore:.*Keras 2:UserWarning"),
              pytest.mark.filterwarnings("ignore:The `nb_epoch` argument:UserWarning"),
              pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad:UserWarning")]


# ----------------------------------------------------------------------------- 1. optimizers
class AdaBound(Optimizer):
    def __init__(self, lr=0.001, final_lr=0.1, beta_1=0.9, beta_2=0.999, gamma=1e-3,
                 epsilon=None, decay=0., amsbound=False, weight_decay=0.0, **kwargs):
        super().__init__(**kwargs)
        if not 0. <= gamma <= 1.:
            raise ValueError("Invalid `gamma` parameter. Must lie in [0, 1] range.")
        with K.name_scope(self.__class__.__name__):
            self.iterations = K.variable(0, dtype='int64', name='iterations')
            self.lr = K.variable(lr, name='lr')
            self.beta_1 = K.variable(beta_1, name='beta_1')
            self.beta_2 = K.variable(beta_2, name='beta_2')
            self.decay = K.variable(decay, name='decay')
        self.final_lr = final_lr
        self.gamma = gamma
        if epsilon is None:
            epsilon = K.epsilon()
        self.epsilon = epsilon
        self.initial_decay = decay
        self.amsbound = amsbound
        self.weight_decay = float(weight_decay)
        self.base_lr = float(lr)

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self.lr
        if self.initial_decay > 0:
            lr = lr * (1. / (1. + self.decay * K.cast(self.iterations, K.dtype(self.decay))))
        t = K.cast(self.iterations, K.floatx()) + 1
        step_size = lr * (K.sqrt(1. - K.pow(self.beta_2, t)) / (1. - K.pow(self.beta_1, t)))
        final_lr = self.final_lr * lr / self.base_lr
        lower_bound = final_lr * (1. - 1. / (self.gamma * t + 1.))
        upper_bound = final_lr * (1. + 1. / (self.gamma * t))
        ms = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        vs = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        if self.amsbound:
            vhats = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        else:
            vhats = [K.zeros(1) for _ in params]
        self.weights = [self.iterations] + ms + vs + vhats
        for p, g, m, v, vhat in zip(params, grads, ms, vs, vhats):
            if self.weight_decay != 0.:
                g += self.weight_decay * K.stop_gradient(p)
            m_t = (self.beta_1 * m) + (1. - self.beta_1) * g
            v_t = (self.beta_2 * v) + (1. - self.beta_2) * K.square(g)
            if self.amsbound:
                vhat_t = K.maximum(vhat, v_t)
                denom = (K.sqrt(vhat_t) + self.epsilon)
                self.updates.append(K.update(vhat, vhat_t))
            else:
                denom = (K.sqrt(v_t) + self.epsilon)
            step_size_p = step_size * K.ones_like(denom)
            step_size_p_bound = step_size_p / denom
            bounded_lr_t = m_t * K.minimum(K.maximum(step_size_p_bound, lower_bound), upper_bound)
            p_t = p - bounded_lr_t
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            new_p = p_t
            if getattr(p, 'constraint', None) is not None:
                new_p = p.constraint(new_p)
            self.updates.append(K.update(p, new_p))
        return self.updates

    def get_config(self):
        config = {'lr': float(K.get_value(self.lr)), 'final_lr': float(self.final_lr),
                  'beta_1': float(K.get_value(self.beta_1)), 'beta_2': float(K.get_value(self.beta_2)),
                  'gamma': float(self.gamma), 'decay': float(K.get_value(self.decay)),
                  'epsilon': self.epsilon, 'weight_decay': self.weight_decay,
                  'amsbound': self.amsbound}
        base_config = super().get_config()
        return dict(list(base_config.items()) + list(config.items()))


class RAdam(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.,
                 weight_decay=0., amsgrad=False, total_steps=0, warmup_proportion=0.1,
                 min_lr=0., **kwargs):
        learning_rate = kwargs.pop('lr', learning_rate)
        super().__init__(**kwargs)
        with K.name_scope(self.__class__.__name__):
            self.iterations = K.variable(0, dtype='int64', name='iterations')
            self.learning_rate = K.variable(learning_rate, name='learning_rate')
            self.beta_1 = K.variable(beta_1, name='beta_1')
            self.beta_2 = K.variable(beta_2, name='beta_2')
            self.decay = K.variable(decay, name='decay')
            self.weight_decay = K.variable(weight_decay, name='weight_decay')
            self.total_steps = K.variable(total_steps, name='total_steps')
            self.warmup_proportion = K.variable(warmup_proportion, name='warmup_proportion')
            self.min_lr = K.variable(min_lr, name='min_lr')
        if epsilon is None:
            epsilon = K.epsilon()
        self.epsilon = epsilon
        self.initial_decay = decay
        self.initial_weight_decay = weight_decay
        self.initial_total_steps = total_steps
        self.amsgrad = amsgrad

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self.learning_rate
        if self.initial_decay > 0:
            lr = lr * (1. / (1. + self.decay * K.cast(self.iterations, K.dtype(self.decay))))
        t = K.cast(self.iterations, K.floatx()) + 1
        if self.initial_total_steps > 0:
            warmup_steps = self.total_steps * self.warmup_proportion
            decay_steps = K.maximum(self.total_steps - warmup_steps, 1)
            decay_rate = (self.min_lr - lr) / decay_steps
            lr = K.switch(t <= warmup_steps, lr * (t / warmup_steps),
                          lr + decay_rate * K.minimum(t - warmup_steps, decay_steps))
        ms = [K.zeros(K.int_shape(p), dtype=K.dtype(p), name='m_' + str(i)) for (i, p) in enumerate(params)]
        vs = [K.zeros(K.int_shape(p), dtype=K.dtype(p), name='v_' + str(i)) for (i, p) in enumerate(params)]
        if self.amsgrad:
            vhats = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        else:
            vhats = [K.zeros(1) for _ in params]
        self.weights = [self.iterations] + ms + vs + vhats
        beta_1_t = K.pow(self.beta_1, t)
        beta_2_t = K.pow(self.beta_2, t)
        sma_inf = 2.0 / (1.0 - self.beta_2) - 1.0
        sma_t = sma_inf - 2.0 * t * beta_2_t / (1.0 - beta_2_t)
        for p, g, m, v, vhat in zip(params, grads, ms, vs, vhats):
            m_t = (self.beta_1 * m) + (1. - self.beta_1) * g
            v_t = (self.beta_2 * v) + (1. - self.beta_2) * K.square(g)
            m_corr_t = m_t / (1.0 - beta_1_t)
            if self.amsgrad:
                vhat_t = K.maximum(vhat, v_t)
                v_corr_t = K.sqrt(vhat_t / (1.0 - beta_2_t))
                self.updates.append(K.update(vhat, vhat_t))
            else:
                v_corr_t = K.sqrt(v_t / (1.0 - beta_2_t))
            r_t = K.sqrt((sma_t - 4.0) / (sma_inf - 4.0) *
                         (sma_t - 2.0) / (sma_inf - 2.0) *
                         sma_inf / sma_t)
            p_t = K.switch(sma_t >= 5, r_t * m_corr_t / (v_corr_t + self.epsilon), m_corr_t)
            if self.initial_weight_decay > 0:
                p_t += self.weight_decay * p
            p_t = p - lr * p_t
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            new_p = p_t
            if getattr(p, 'constraint', None) is not None:
                new_p = p.constraint(new_p)
            self.updates.append(K.update(p, new_p))
        return self.updates

    def get_config(self):
        config = {
            'learning_rate': float(K.get_value(self.learning_rate)),
            'beta_1': float(K.get_value(self.beta_1)),
            'beta_2': float(K.get_value(self.beta_2)),
            'decay': float(K.get_value(self.decay)),
            'weight_decay': float(K.get_value(self.weight_decay)),
            'epsilon': self.epsilon,
            'amsgrad': self.amsgrad,
            'total_steps': float(K.get_value(self.total_steps)),
            'warmup_proportion': float(K.get_value(self.warmup_proportion)),
            'min_lr': float(K.get_value(self.min_lr)),
        }
        base_config = super().get_config()
        return dict(list(base_config.items()) + list(config.items()))


class AdamW(Optimizer):
    """AdamW for Keras (decoupled weight decay, normalized)."""
    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, weight_decay=0.025, batch_size=1,
                 samples_per_epoch=1, epochs=1, epsilon=1e-8, decay=0., **kwargs):
        super().__init__(**kwargs)
        with K.name_scope(self.__class__.__name__):
            self.iterations = K.variable(0, dtype='int64', name='iterations')
            self.lr = K.variable(lr, name='lr')
            self.beta_1 = K.variable(beta_1, name='beta_1')
            self.beta_2 = K.variable(beta_2, name='beta_2')
            self.decay = K.variable(decay, name='decay')
            self.wd = K.variable(weight_decay, name='weight_decay')
            self.batch_size = K.variable(batch_size, name='batch_size')
            self.samples_per_epoch = K.variable(samples_per_epoch, name='samples_per_epoch')
            self.epochs = K.variable(epochs, name='epochs')
        self.epsilon = epsilon
        self.initial_decay = decay

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        wd = self.wd * K.sqrt(self.batch_size / (self.samples_per_epoch * self.epochs))
        lr = self.lr
        t = K.cast(self.iterations, K.floatx()) + 1
        lr_t = lr * (K.sqrt(1. - K.pow(self.beta_2, t)) / (1. - K.pow(self.beta_1, t)))
        shapes = [K.int_shape(p) for p in params]
        ms = [K.zeros(shape) for shape in shapes]
        vs = [K.zeros(shape) for shape in shapes]
        self.weights = [self.iterations] + ms + vs
        for p, g, m, v in zip(params, grads, ms, vs):
            m_t = (self.beta_1 * m) + (1. - self.beta_1) * g
            v_t = (self.beta_2 * v) + (1. - self.beta_2) * K.square(g)
            p_t = p - lr_t * m_t / (K.sqrt(v_t) + self.epsilon) - lr * wd * p
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            new_p = p_t
            if getattr(p, 'constraint', None) is not None:
                new_p = p.constraint(new_p)
            self.updates.append(K.update(p, new_p))
        return self.updates

    def get_config(self):
        config = {'lr': float(K.get_value(self.lr)), 'beta_1': float(K.get_value(self.beta_1)),
                  'beta_2': float(K.get_value(self.beta_2)), 'decay': float(K.get_value(self.decay)),
                  'weight_decay': float(K.get_value(self.wd)),
                  'batch_size': int(K.get_value(self.batch_size)),
                  'samples_per_epoch': int(K.get_value(self.samples_per_epoch)),
                  'epochs': int(K.get_value(self.epochs)), 'epsilon': self.epsilon}
        base_config = super().get_config()
        return dict(list(base_config.items()) + list(config.items()))


# NumPy re-implementations of the three rules.
def np_adabound(w, grads_fn, steps, lr=0.001, final_lr=0.1, b1=0.9, b2=0.999, gamma=1e-3,
                eps=1e-7, amsbound=False):
    m, v, vhat = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        g = grads_fn(w)
        step = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        lower, upper = final_lr * (1 - 1 / (gamma * t + 1)), final_lr * (1 + 1 / (gamma * t))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vhat = np.maximum(vhat, v)
        denom = np.sqrt(vhat if amsbound else v) + eps
        w = w - m * np.clip(step / denom, lower, upper)
    return w


def np_radam(w, grads_fn, steps, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    m, v = np.zeros_like(w), np.zeros_like(w)
    sma_inf = 2 / (1 - b2) - 1
    for t in range(1, steps + 1):
        g = grads_fn(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), np.sqrt(v / (1 - b2 ** t))
        sma = sma_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if sma >= 5:
            r = np.sqrt((sma - 4) / (sma_inf - 4) * (sma - 2) / (sma_inf - 2) * sma_inf / sma)
            w = w - lr * r * m_hat / (v_hat + eps)
        else:
            w = w - lr * m_hat
    return w


def np_adamw(w, grads_fn, steps, lr=0.001, b1=0.9, b2=0.999, wd=0.025, eps=1e-8):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):  # batch_size = samples_per_epoch = epochs = 1: wd unscaled
        g = grads_fn(w)
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr_t * m / (np.sqrt(v) + eps) - lr * wd * w
    return w


def _ls_grad(x, y):
    x64, y64 = x.astype("float64"), y.astype("float64")
    return lambda w: (2 / len(x)) * x64.T @ (x64 @ w - y64)


@pytest.mark.parametrize("make, reference", [
    (lambda: AdaBound(lr=0.01), functools.partial(np_adabound, lr=0.01)),
    (lambda: AdaBound(lr=0.01, amsbound=True), functools.partial(np_adabound, lr=0.01, amsbound=True)),
    (lambda: RAdam(learning_rate=0.01), functools.partial(np_radam, lr=0.01)),
    (lambda: AdamW(lr=0.01), functools.partial(np_adamw, lr=0.01)),
])
def test_get_updates_optimizers_match_numpy_and_reload(make, reference, tmp_path):
    rng = np.random.RandomState(0)
    x, y = rng.randn(8, 3).astype("float32"), rng.randn(8, 1).astype("float32")
    opt = make()
    model = Sequential([Dense(1, input_shape=(3,), use_bias=False)])
    model.compile(optimizer=opt, loss="mse")
    w0 = model.get_weights()[0].astype("float64")
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False)
    np.testing.assert_allclose(model.get_weights()[0], reference(w0, _ls_grad(x, y), 3), atol=1e-6)
    assert int(K.get_value(opt.iterations)) == 3
    path = str(tmp_path / "model.h5")
    model.save(path)
    loaded = load_model(path, custom_objects={type(opt).__name__: type(opt)})
    assert type(loaded.optimizer) is type(opt)
    assert loaded.optimizer.get_config() == pytest.approx(opt.get_config())
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_lr_scheduler_sets_a_get_updates_optimizers_variable():
    rng = np.random.RandomState(0)
    x, y = rng.randn(8, 3).astype("float32"), rng.randn(8, 1).astype("float32")
    seen = []

    class Spy(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(float(K.get_value(self.model.optimizer.lr)))

    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer=RAdam(learning_rate=0.01), loss="mse")
    model.fit(x, y, epochs=3, batch_size=4, verbose=0,
              callbacks=[LearningRateScheduler(lambda e: 0.1 / (e + 1)), Spy()])
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.1 / 3], rtol=1e-6)

