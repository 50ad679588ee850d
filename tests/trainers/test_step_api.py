"""The step API: custom train_step (a GAN with two optimizers), metrics, on_batch, steps_per_execution."""

import numpy as np
import pytest
import torch

import keraton
from keraton.trainers.data_adapters import unpack_x_y_sample_weight


class GAN(keraton.Model):
    """Keras's GAN example, torch flavour: two optimizers, two user-tracked losses."""

    def __init__(self, latent_dim=3, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim
        self.generator = keraton.Sequential([keraton.Input((latent_dim,)),
                                             keraton.layers.Dense(8, activation="relu"),
                                             keraton.layers.Dense(2)])
        self.discriminator = keraton.Sequential([keraton.Input((2,)),
                                                 keraton.layers.Dense(8, activation="relu"),
                                                 keraton.layers.Dense(1)])
        self.d_loss_tracker = keraton.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keraton.metrics.Mean(name="g_loss")

    def call(self, z):
        return self.generator(z)

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        d_optimizer.build(self.discriminator.trainable_weights)
        g_optimizer.build(self.generator.trainable_weights)

    def train_step(self, data):
        real, _, _ = unpack_x_y_sample_weight(data)
        n = real.shape[0]
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        fake = self.generator(torch.randn(n, self.latent_dim), training=True).detach()
        logits = self.discriminator(torch.cat([fake, real]), training=True)
        labels = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)])
        d_loss = bce(logits, labels)
        self.d_optimizer.zero_grad()
        d_loss.backward()
        self.d_optimizer.step()

        self.g_optimizer.zero_grad()
        fake = self.generator(torch.randn(n, self.latent_dim), training=True)
        g_loss = bce(self.discriminator(fake, training=True), torch.zeros(n, 1))
        g_loss.backward()
        grads = [p.grad for p in self.generator.trainable_weights]
        self.discriminator.zero_grad()
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        self.d_loss_tracker.update_state(d_loss.detach())
        self.g_loss_tracker.update_state(g_loss.detach())
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def test_gan_two_optimizers_trained_by_fit():
    keraton.utils.set_random_seed(0)
    real = (np.random.default_rng(0).standard_normal((64, 2)) * 0.1 + 3.0).astype("float32")
    gan = GAN()
    gan.compile(keraton.optimizers.Adam(1e-2), keraton.optimizers.Adam(1e-2))
    d0 = [w.detach().clone() for w in gan.discriminator.trainable_weights]

    def distance_to_real():
        with torch.no_grad():
            return float(gan.generator(torch.randn(512, 3)).mean(0).sub(3.0).norm())

    start = distance_to_real()
    history = gan.fit(real, batch_size=16, epochs=8, shuffle=False, verbose=0).history
    assert set(history) == {"d_loss", "g_loss"} and len(history["d_loss"]) == 8
    # 4 steps per epoch: both optimizers advance once per step.
    assert int(gan.d_optimizer.iterations) == int(gan.g_optimizer.iterations) == 32
    assert all(not torch.equal(a, b) for a, b in zip(d0, gan.discriminator.trainable_weights))
    # The discriminator learns to separate (d_loss falls), so the generator's loss rises,
    # and the generator moves its samples towards the real data near (3, 3).
    assert min(history["d_loss"]) < history["d_loss"][0]
    assert max(history["g_loss"]) > history["g_loss"][0]
    assert distance_to_real() < start - 0.5
    # The trackers are the model's metrics, and fit resets them each epoch.
    assert gan.metrics[-2:] == [gan.d_loss_tracker, gan.g_loss_tracker]
    assert gan.metrics_names[-2:] == ["d_loss", "g_loss"]
    assert float(gan.d_loss_tracker.result()) == pytest.approx(history["d_loss"][-1])
    gan.reset_metrics()
    assert float(gan.d_loss_tracker.result()) == 0.0


class Regressor(keraton.Model):
    """A subclass using compute_loss / compute_metrics plus its own tracker."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keraton.layers.Dense(1)
        self.abs_error = keraton.metrics.Mean(name="abs_error")

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        x, y = data
        self.optimizer.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred)
        loss.backward()
        self.optimizer.step()
        self.abs_error.update_state((y_pred - y).abs().mean().detach())
        self._loss_tracker.update_state(loss.detach(), x.shape[0])
        return self.compute_metrics(x, y, y_pred.detach())


def _linear(n=32):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.3)


def test_custom_step_with_compute_loss_and_metrics_equals_builtin():
    x, y = _linear()
    keraton.utils.set_random_seed(4)
    custom = Regressor()
    custom.compile(keraton.optimizers.SGD(0.05), "mse", metrics=["mae"])
    custom(torch.as_tensor(x[:1]))
    keraton.utils.set_random_seed(4)
    builtin = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(1)])
    builtin.compile(keraton.optimizers.SGD(0.05), "mse", metrics=["mae"])
    builtin.set_weights(custom.get_weights())
    got = custom.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history
    want = builtin.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history
    np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-5)
    np.testing.assert_allclose(got["mae"], want["mae"], rtol=1e-5)
    # The user tracker is listed, logged and reset per epoch (its value is the epoch mean).
    assert custom.metrics_names == ["loss", "mae", "abs_error"]
    np.testing.assert_allclose(got["abs_error"], got["mae"], rtol=1e-5)


def test_on_batch_api_reset_and_return_dict():
    x, y = _linear(16)
    keraton.utils.set_random_seed(0)
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(1)])
    model.compile(keraton.optimizers.SGD(0.0), "mse", metrics=["mae"])
    first = model.test_on_batch(x[:8], y[:8], return_dict=True)
    second = model.test_on_batch(x[8:], y[8:], reset_metrics=False, return_dict=True)
    both = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert second["loss"] == pytest.approx(both["loss"], rel=1e-6)
    assert first["loss"] != pytest.approx(both["loss"])
    loss, mae = model.train_on_batch(x, y)
    assert loss == pytest.approx(both["loss"], rel=1e-6) and mae == pytest.approx(both["mae"], rel=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x, verbose=0), rtol=1e-6)


class _Record(keraton.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.begins, self.ends = [], []

    def on_train_batch_begin(self, batch, logs=None):
        self.begins.append(batch)

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(batch)


@pytest.mark.parametrize("per_execution, begins, ends", [
    (1, [0, 1, 2, 3, 4], [0, 1, 2, 3, 4]),
    (2, [0, 2, 4], [1, 3, 4]),
    (3, [0, 3], [2, 4]),
])
def test_steps_per_execution_groups_batch_hooks(per_execution, begins, ends):
    x, y = _linear(40)
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(1)])
    model.compile("sgd", "mse", steps_per_execution=per_execution)
    record = _Record()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[record])
    assert record.begins == begins and record.ends == ends
    assert int(model.optimizer.iterations) == 5


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_steps_per_execution(bad):
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(1)])
    with pytest.raises(ValueError, match="steps_per_execution"):
        model.compile("sgd", "mse", steps_per_execution=bad)


def test_metrics_follow_attribute_assignment_and_deletion():
    model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1)])
    model.compile("sgd", "mse")
    base = [m.name for m in model.metrics]
    model.extra_tracker = keraton.metrics.Mean(name="extra")
    assert [m.name for m in model.metrics] == base + ["extra"]
    model.extra_tracker = keraton.metrics.Mean(name="renamed")
    assert [m.name for m in model.metrics] == base + ["renamed"]
    model.extra_tracker = 3
    assert [m.name for m in model.metrics] == base
    model.other = keraton.metrics.Sum(name="other")
    del model.other
    assert [m.name for m in model.metrics] == base
