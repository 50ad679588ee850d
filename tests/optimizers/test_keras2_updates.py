"""Keras 1/2 custom optimizers (``get_updates``) train keraton models as Keras 2 trained them.

The optimizers below are written the way Keras 1/2 code wrote them (variables
in ``__init__``, slots with ``K.zeros`` and ``K.update`` assignments in
``get_updates``); their updates equal keraton's built-in optimizers (checked
against Keras 3 elsewhere) or hand computations.
"""

import numpy as np
import pytest
import torch

import keraton as keras
from keraton import backend as K
from keraton.legacy import interfaces
from keraton.optimizers import Optimizer


class MomentumSGD(Optimizer):
    """Keras 2.2 style SGD: momentum, Nesterov, inverse-time decay."""

    def __init__(self, lr=0.01, momentum=0.0, decay=0.0, nesterov=False, **kwargs):
        super().__init__(**kwargs)
        with K.name_scope(type(self).__name__):
            self.iterations = K.variable(0, dtype="int64", name="iterations")
            self.lr = K.variable(lr, name="lr")
            self.momentum = K.variable(momentum, name="momentum")
            self.decay = K.variable(decay, name="decay")
        self.initial_decay = decay
        self.nesterov = nesterov

    @interfaces.legacy_get_updates_support
    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self.lr
        if self.initial_decay > 0:
            lr = lr / (1.0 + self.decay * K.cast(self.iterations, K.dtype(self.decay)))
        velocities = [K.zeros(K.int_shape(p)) for p in params]
        self.weights = [self.iterations] + velocities
        for p, g, v in zip(params, grads, velocities):
            v_t = self.momentum * v - lr * g
            self.updates.append(K.update(v, v_t))
            p_t = p + self.momentum * v_t - lr * g if self.nesterov else p + v_t
            if getattr(p, "constraint", None) is not None:
                p_t = p.constraint(p_t)
            self.updates.append(K.update(p, p_t))
        return self.updates

    def get_config(self):
        config = {"lr": float(K.get_value(self.lr)), "momentum": float(K.get_value(self.momentum)),
                  "decay": float(K.get_value(self.decay)), "nesterov": self.nesterov}
        return {**super().get_config(), **config}


class AdamK2(Optimizer):
    """Keras 2.2 style Adam with AMSGrad; bias correction folded into the step size."""

    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        self.iterations = K.variable(0, dtype="int64")
        self.lr = K.variable(lr)
        self.beta_1, self.beta_2 = K.variable(beta_1), K.variable(beta_2)
        self.epsilon, self.amsgrad = epsilon, amsgrad
        super().__init__(**kwargs)

    @K.symbolic
    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        t = K.cast(self.iterations, K.floatx()) + 1
        lr_t = self.lr * K.sqrt(1.0 - K.pow(self.beta_2, t)) / (1.0 - K.pow(self.beta_1, t))
        ms = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        vs = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        vhats = [K.zeros(K.int_shape(p)) if self.amsgrad else K.zeros(1) for p in params]
        self.weights = [self.iterations] + ms + vs + vhats
        for p, g, m, v, vhat in zip(params, grads, ms, vs, vhats):
            m_t = self.beta_1 * m + (1.0 - self.beta_1) * g
            v_t = self.beta_2 * v + (1.0 - self.beta_2) * K.square(g)
            self.updates += [K.update(m, m_t), K.update(v, v_t)]
            if self.amsgrad:
                v_t = K.maximum(vhat, v_t)
                self.updates.append(K.update(vhat, v_t))
            self.updates.append(K.update(p, p - lr_t * m_t / (K.sqrt(v_t) + self.epsilon)))
        return self.updates

    def get_config(self):
        return {**super().get_config(), "lr": float(K.get_value(self.lr)), "amsgrad": self.amsgrad,
                "beta_1": float(K.get_value(self.beta_1)), "beta_2": float(K.get_value(self.beta_2)),
                "epsilon": self.epsilon}


class RMSpropK1(Optimizer):
    """Keras 1 style RMSprop: ``(params, constraints, loss)``, float step count, tuple updates."""

    def __init__(self, lr=0.001, rho=0.9, epsilon=1e-7, **kwargs):
        super().__init__(**kwargs)
        self.__dict__.update(locals())
        self.iterations = K.variable(0.0)
        self.lr = K.variable(lr)
        self.rho = K.variable(rho)

    def get_updates(self, params, constraints, loss):
        grads = self.get_gradients(loss, params)
        accumulators = [K.zeros(K.get_variable_shape(p)) for p in params]
        self.weights = accumulators
        self.updates = [(self.iterations, self.iterations + 1.0)]
        for p, g, a in zip(params, grads, accumulators):
            new_a = self.rho * a + (1.0 - self.rho) * K.square(g)
            self.updates.append((a, new_a))
            new_p = p - self.lr * g / (K.sqrt(new_a) + self.epsilon)
            if p in constraints:
                new_p = constraints[p](new_p)
            self.updates.append((p, new_p))
        return self.updates


class StepScaledSignSGD(Optimizer):
    """``w -= lr * t * sign(g)``, ``t`` the 1-based step: checks which value of a variable reads see."""

    def __init__(self, lr=0.1, control_dependencies=False, **kwargs):
        super().__init__(**kwargs)
        self.iterations = K.variable(0, dtype="int64")
        self.lr = K.variable(lr)
        self.control_dependencies = control_dependencies

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        if self.control_dependencies:  # Keras 2.3's way: read after the increment
            with K.control_dependencies([K.update_add(self.iterations, 1)]):
                t = K.cast(self.iterations, "float32")
        else:  # Keras 2.2's way: the read sees the value from before the step
            self.updates = [K.update_add(self.iterations, 1)]
            t = K.cast(self.iterations, "float32") + 1
        self.weights = [self.iterations]
        return [K.update_sub(p, self.lr * t * K.sign(g)) for p, g in zip(params, grads)]


def _data(n=48):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 5)).astype("float32"), rng.standard_normal((n, 2)).astype("float32")


def _model(**dense_kwargs):
    keras.utils.set_random_seed(1)
    return keras.Sequential([keras.Input((5,)), keras.layers.Dense(6, activation="tanh", **dense_kwargs),
                             keras.layers.Dense(2)])


def _train(optimizer, epochs=3, **dense_kwargs):
    model = _model(**dense_kwargs)
    model.compile(optimizer=optimizer, loss="mse")
    x, y = _data()
    history = model.fit(x, y, batch_size=16, epochs=epochs, shuffle=False, verbose=0)
    return model, history.history["loss"]


def _assert_same_training(custom, builtin, **dense_kwargs):
    model_a, loss_a = _train(custom, **dense_kwargs)
    model_b, loss_b = _train(builtin, **dense_kwargs)
    np.testing.assert_allclose(loss_a, loss_b, rtol=1e-5)
    for a, b in zip(model_a.get_weights(), model_b.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    return model_a


@pytest.mark.parametrize("momentum, nesterov, decay", [(0.0, False, 0.0), (0.9, False, 0.0),
                                                        (0.9, True, 0.05)])
def test_keras2_sgd_trains_as_builtin_sgd(momentum, nesterov, decay):
    model = _assert_same_training(
        MomentumSGD(lr=0.05, momentum=momentum, nesterov=nesterov, decay=decay),
        keras.optimizers.SGD(learning_rate=0.05, momentum=momentum, nesterov=nesterov, decay=decay))
    assert int(model.optimizer.iterations) == 9  # its own K.variable, 3 batches x 3 epochs
    assert len(model.optimizer.weights) == 1 + 4 and len(model.optimizer.get_weights()) == 5


@pytest.mark.parametrize("amsgrad", [False, True])
def test_keras2_adam_trains_as_builtin_adam(amsgrad):
    _assert_same_training(AdamK2(lr=0.02, amsgrad=amsgrad),
                          keras.optimizers.Adam(learning_rate=0.02, amsgrad=amsgrad))


def test_keras1_rmsprop_with_tuples_and_constraints_trains_as_legacy_rmsprop():
    model = _assert_same_training(RMSpropK1(lr=0.01), keras.optimizers.legacy.RMSprop(lr=0.01),
                                  kernel_constraint=keras.constraints.NonNeg())
    assert float(model.optimizer.iterations) == 9.0
    assert (model.layers[0].kernel.detach().numpy() >= 0).all()  # the Keras 1 constraints dict


@pytest.mark.parametrize("control_dependencies", [False, True])
def test_reads_see_the_values_from_before_the_step_unless_ordered(control_dependencies):
    w = torch.nn.Parameter(torch.tensor([1.0, -1.0]))
    optimizer = StepScaledSignSGD(lr=0.1, control_dependencies=control_dependencies)
    optimizer.build([w])
    for grad in ([2.0, -3.0], [-1.0, 0.5]):
        optimizer.apply([torch.tensor(grad)])
    # Step 1 moves by 0.1 * 1 * sign(g1), step 2 by 0.1 * 2 * sign(g2).
    np.testing.assert_allclose(w.detach().numpy(), [1.0 - 0.1 + 0.2, -1.0 + 0.1 - 0.2], rtol=1e-6)
    assert int(optimizer.iterations) == 2


def test_attributes_set_before_the_base_init_stay():
    class DecoupledDecaySGD(Optimizer):
        def __init__(self, lr=0.1, weight_decay=0.5, **kwargs):
            self.lr, self.weight_decay = K.variable(lr), K.variable(weight_decay)
            self.name = "mine"
            super().__init__(**kwargs)

        def get_updates(self, loss, params):
            grads = self.get_gradients(loss, params)
            return [K.update(p, p - self.lr * g - self.weight_decay * self.lr * p)
                    for p, g in zip(params, grads)]

    optimizer = DecoupledDecaySGD()
    assert optimizer.name == "mine" and float(optimizer.weight_decay) == 0.5
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    optimizer.apply([torch.ones(2)], [w])
    np.testing.assert_allclose(w.detach().numpy(), [0.85, 1.8], rtol=1e-6)
    assert int(optimizer.iterations) == 1  # no K.variable of its own: keraton's count


def test_slots_are_created_once_and_saved_in_the_weights_order():
    optimizer = MomentumSGD(lr=0.1, momentum=0.5)
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    optimizer.build([w])
    assert [tuple(np.shape(v)) for v in optimizer.get_weights()] == [(), (2,)]
    optimizer.apply([torch.tensor([1.0, 1.0])])
    optimizer.apply([torch.tensor([1.0, -1.0])])
    # v1 = -0.1 * g1; v2 = 0.5 * v1 - 0.1 * g2; w = w0 + v1 + v2
    v2 = np.array([0.5 * -0.1 - 0.1, 0.5 * -0.1 + 0.1])
    iterations, velocity = optimizer.get_weights()
    assert int(iterations) == 2
    np.testing.assert_allclose(velocity, v2, rtol=1e-6)
    np.testing.assert_allclose(w.detach().numpy(), [1.0 - 0.1 + v2[0], 2.0 - 0.1 + v2[1]], rtol=1e-6)
    optimizer.set_weights([np.array(7), np.array([3.0, 4.0], "float32")])
    assert int(optimizer.iterations) == 7
    np.testing.assert_allclose(optimizer.weights[1].numpy(), [3.0, 4.0])


def test_saved_model_resumes_with_the_optimizer_state(tmp_path):
    x, y = _data()
    model, _ = _train(AdamK2(lr=0.02, amsgrad=True), epochs=1)
    path = str(tmp_path / "model.keras")
    model.save(path)
    model.save(str(tmp_path / "model.h5"))  # HDF5: the config only, as Keras 3 writes it
    h5 = keras.models.load_model(str(tmp_path / "model.h5"), custom_objects={"AdamK2": AdamK2})
    assert h5.optimizer.amsgrad is True and float(h5.optimizer.lr) == pytest.approx(0.02)
    loaded = keras.models.load_model(path, custom_objects={"AdamK2": AdamK2})
    assert isinstance(loaded.optimizer, AdamK2) and loaded.optimizer.amsgrad is True
    assert int(loaded.optimizer.iterations) == 3
    for a, b in zip(model.optimizer.get_weights(), loaded.optimizer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_config_round_trip_keeps_clipnorm_as_keras2():
    optimizer = MomentumSGD(lr=0.2, momentum=0.9, nesterov=True, clipnorm=1.5)
    config = optimizer.get_config()
    assert config == {"clipnorm": 1.5, "lr": pytest.approx(0.2), "momentum": pytest.approx(0.9),
                      "decay": 0.0, "nesterov": True}
    assert MomentumSGD.from_config(config).get_config() == config
    assert "clipvalue" not in config and not hasattr(optimizer, "clipvalue")  # as Keras 2


def test_clipnorm_clips_the_global_norm_and_clipvalue_each_entry():
    grads = [torch.tensor([3.0, 0.0]), torch.tensor([0.0, 4.0])]  # global norm 5
    for kwargs, expected in [({"clipnorm": 1.0}, [[0.6, 0.0], [0.0, 0.8]]),
                             ({"clipnorm": 10.0}, [[3.0, 0.0], [0.0, 4.0]]),
                             ({"clipvalue": 2.0}, [[2.0, 0.0], [0.0, 2.0]])]:
        weights = [torch.nn.Parameter(torch.zeros(2)) for _ in range(2)]
        optimizer = MomentumSGD(lr=1.0, **kwargs)
        optimizer.build(weights)
        optimizer.apply(grads)
        np.testing.assert_allclose([-w.detach().numpy() for w in weights], expected, rtol=1e-6)


def test_learning_rate_is_the_optimizers_variable_for_callbacks():
    x, y = _data()
    model = _model()
    model.compile(optimizer=MomentumSGD(lr=0.1), loss="mse")
    assert float(model.optimizer.learning_rate) == pytest.approx(0.1)
    frozen = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.0 if epoch >= 1 else lr)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    after_first = model.get_weights()
    model.fit(x, y, batch_size=16, epochs=3, initial_epoch=1, verbose=0, callbacks=[frozen])
    for a, b in zip(after_first, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert float(K.get_value(model.optimizer.lr)) == 0.0
    K.set_value(model.optimizer.lr, 0.25)
    assert float(model.optimizer.learning_rate) == 0.25


def test_callbacks_read_the_rate_variable_without_autograd(monkeypatch):
    from keraton.callbacks.callback_utils import learning_rate_value

    plain_float = torch.Tensor.__float__

    def strict_float(tensor):  # torch warns on float() of a tensor that requires gradients
        assert not tensor.requires_grad, "float() of a tensor that requires gradients"
        return plain_float(tensor)

    monkeypatch.setattr(torch.Tensor, "__float__", strict_float)
    assert learning_rate_value(MomentumSGD(lr=0.25)) == 0.25


def test_custom_train_step_with_apply_gradients():
    class Custom(keras.Model):
        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = keras.ops.mean(keras.ops.square(y - y_pred))
            grads = torch.autograd.grad(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            return {"loss": loss}

    inputs = keras.Input((5,))
    model = Custom(inputs, keras.layers.Dense(2)(inputs))
    model.compile(optimizer=MomentumSGD(lr=0.05, momentum=0.9))
    reference = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    reference.set_weights(model.get_weights())
    reference.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), loss="mse")
    x, y = _data()
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    reference.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_errors_say_what_keras2_expected():
    with pytest.raises(TypeError, match=r"\['foo'\].*only clipnorm and clipvalue"):
        MomentumSGD(foo=1)

    class Unused(keras.layers.Layer):
        def build(self, input_shape):
            self.used = self.add_weight(shape=(), initializer="ones")
            self.unused = self.add_weight(shape=(), initializer="ones", name="unused")

        def call(self, x):
            return x * self.used

    model = keras.Sequential([keras.Input((2,)), Unused()])
    model.compile(optimizer=MomentumSGD(), loss="mse")
    with pytest.raises(ValueError, match="`None` for gradient.*unused"):
        model.fit(np.ones((4, 2)), np.ones((4, 2)), verbose=0)

    class Changing(MomentumSGD):
        def get_updates(self, loss, params):
            K.zeros((int(K.get_value(self.iterations)) + 1,))
            return super().get_updates(loss, params)

    w = torch.nn.Parameter(torch.zeros(2))
    optimizer = Changing()
    optimizer.build([w])
    optimizer.iterations.data.fill_(1)
    with pytest.raises(ValueError, match=r"variable #0 with shape \(2,\).*first run created it with shape \(1,\)"):
        optimizer.apply([torch.ones(2)])


def test_k_updates_outside_a_step_still_assign_at_once():
    v = K.variable([1.0, 2.0])
    K.update_add(v, 1.0)
    np.testing.assert_array_equal(K.get_value(v), [2.0, 3.0])
    with K.control_dependencies([v]):
        assert K.zeros(1) is not K.zeros(1)  # no step: every call is a new variable


def _graph_mode_loop(optimizer, batches):
    """Keras 2's training outside fit: get_updates on a symbolic loss, run by K.function."""
    model = _model()
    target = K.placeholder(shape=(None, 2))
    loss = K.mean(K.square(model.output - target))
    updates = optimizer.get_updates(params=model.trainable_weights, loss=loss)
    train = K.function([model.input, target], [loss], updates=updates)
    return model, [float(train([xb, yb])[0]) for xb, yb in batches]


@pytest.mark.parametrize("make", [lambda: keras.optimizers.SGD(lr=0.05, momentum=0.9),
                                  lambda: MomentumSGD(lr=0.05, momentum=0.9)],
                         ids=["builtin", "keras2_get_updates"])
def test_k_function_updates_step_the_optimizer_as_train_on_batch(make):
    x, y = _data()
    batches = [(x[i:i + 16], y[i:i + 16]) for i in range(0, 48, 16)] * 2
    model, losses = _graph_mode_loop(make(), batches)
    reference = _model()
    reference.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), loss="mse")
    expected = [float(reference.train_on_batch(xb, yb)) for xb, yb in batches]
    np.testing.assert_allclose(losses, expected, rtol=1e-5)  # each the loss before its step
    for a, b in zip(model.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_k_function_assigns_symbolic_values_and_refuses_eager_updates():
    inputs = keras.Input((3,))
    running = K.variable(0.0)
    mean = K.mean(inputs)
    fn = K.function([inputs], [mean], updates=[(running, mean * 2.0)])
    assert fn([np.array([[1.0, 2.0, 6.0]])])[0] == pytest.approx(3.0)
    assert float(running) == pytest.approx(6.0)
    with pytest.raises(ValueError, match="has already happened"):
        K.function([inputs], [mean], updates=[K.update_add(running, 1.0)])


def test_get_updates_on_a_torch_loss_steps_at_once():
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    for optimizer in (keras.optimizers.SGD(learning_rate=0.5), MomentumSGD(lr=0.5)):
        before = w.detach().clone()
        assert optimizer.get_updates(loss=(w ** 2).sum(), params=[w]) == []
        np.testing.assert_allclose(w.detach().numpy(), (before - 0.5 * 2 * before).numpy())


def test_keras_rl_style_actor_update_climbs_the_critic_and_leaves_it_alone():
    observation = keras.Input((4,))
    actor = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2, activation="tanh")])
    action = keras.Input((2,))
    hidden = keras.layers.Dense(8, activation="relu")(keras.layers.Concatenate()([observation, action]))
    critic = keras.Model([observation, action], keras.layers.Dense(1)(hidden))
    q_value = critic([observation, actor(observation)])
    updates = keras.optimizers.Adam(lr=1e-2).get_updates(params=actor.trainable_weights,
                                                          loss=-K.mean(q_value))
    train_actor = K.function([observation, K.learning_phase()], [actor(observation)],
                             updates=updates + critic.updates)
    x = np.random.default_rng(0).standard_normal((32, 4)).astype("float32")
    critic_weights = critic.get_weights()
    mean_q = K.function([observation], [K.mean(q_value)])
    before = float(mean_q([x])[0])
    for _ in range(20):
        train_actor([x, 1])
    assert float(mean_q([x])[0]) > before + 0.1
    for a, b in zip(critic_weights, critic.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


class Lookahead(Optimizer):
    """A Keras 2 wrapper (keras-lookahead's shape): an inner optimizer's updates plus slow weights."""

    def __init__(self, optimizer, sync_period=2, slow_step=0.5, **kwargs):
        super().__init__(**kwargs)
        self.optimizer = keras.optimizers.get(optimizer)
        self.iterations = K.variable(0, dtype="int64")
        self.sync_period, self.slow_step = sync_period, slow_step

    @property
    def lr(self):
        return self.optimizer.lr

    def get_updates(self, loss, params):
        sync = K.equal((self.iterations + 1) % self.sync_period, 0)
        slow = [K.variable(K.get_value(p)) for p in params]
        self.updates = [K.update_add(self.iterations, 1)] + self.optimizer.get_updates(loss, params)
        for p, sp in zip(params, slow):
            sp_t = sp + self.slow_step * (p - sp)
            self.updates.append(K.update(sp, K.switch(sync, sp_t, sp)))
            self.updates.append(K.update_add(p, K.switch(sync, sp_t - p, K.zeros_like(p))))
        self.weights = [self.iterations] + slow
        return self.updates


def test_a_wrapper_runs_a_builtin_inner_step_with_the_other_updates():
    w = torch.nn.Parameter(torch.tensor([1.0]))
    inner = keras.optimizers.SGD(learning_rate=0.1)
    optimizer = Lookahead(inner)
    optimizer.build([w])
    assert float(optimizer.lr) == pytest.approx(0.1)
    assert optimizer.learning_rate is inner.learning_rate  # callbacks' name reads the wrapper's `lr`
    optimizer.apply([torch.tensor([1.0])])
    # Step 1 (no sync): the inner SGD step; the increment of 0 lands on the updated weight.
    np.testing.assert_allclose(w.detach().numpy(), [0.9], rtol=1e-6)
    optimizer.apply([torch.tensor([1.0])])
    # Step 2 (sync): reads saw w = 0.9 and slow = 1.0, so slow = 0.95; the inner step gives 0.8,
    # then w += 0.95 - 0.9 (assign_add applies to the value when it runs, as in TensorFlow).
    np.testing.assert_allclose(w.detach().numpy(), [0.85], rtol=1e-6)
    np.testing.assert_allclose(optimizer.weights[1].detach().numpy(), [0.95], rtol=1e-6)
    assert int(optimizer.iterations) == 2 and int(inner.iterations) == 2


def test_overriding_get_updates_on_a_builtin_warns_that_fit_keeps_its_rule():
    with pytest.warns(UserWarning, match="subclasses keraton's Adam, whose update rule fit uses"):
        class WarmAdam(keras.optimizers.Adam):
            def get_updates(self, loss, params):
                return super().get_updates(loss, params)
    assert not WarmAdam._keras2_get_updates
