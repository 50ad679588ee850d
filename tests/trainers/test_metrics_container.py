"""``model.metrics`` as Keras 3's container, ``evaluate``'s order and the logs' key order, vs real Keras 3."""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")

RS = np.random.RandomState(0)
X = RS.rand(10, 3).astype("float32")
Y = RS.rand(10, 1).astype("float32")
Y2 = RS.randint(0, 2, (10, 1)).astype("float32")

# name -> (compile kwargs, targets, output form)
SETUPS = {
    "single": (dict(loss="mse", metrics=["mae", "mse"]), Y, "single"),
    "single_weighted": (dict(loss="mse", metrics=["mae"], weighted_metrics=["mse"]), Y, "single"),
    "no_metrics": (dict(loss="mse"), Y, "single"),
    "repeated_names": (dict(loss="mse", metrics=["mae", "mae"], weighted_metrics=["mae"]), Y,
                       "single"),
    "list": (dict(loss=["mse", "binary_crossentropy"], metrics=[["mae"], ["accuracy", "mse"]]),
             [Y, Y2], "list"),
    "dict": (dict(loss={"zeta": "mse", "alpha": "binary_crossentropy"},
                  metrics={"zeta": "mae", "alpha": ["accuracy"]}), {"zeta": Y, "alpha": Y2}, "dict"),
    "dict_loss_reversed": (dict(loss={"alpha": "binary_crossentropy", "zeta": "mse"},
                                metrics={"zeta": "mae"}), {"zeta": Y, "alpha": Y2}, "dict"),
    "one_loss_of_two": (dict(loss=["mse", None], metrics=[["mae"], None]), [Y, Y2], "list"),
}


def build(lib, form):
    inp = lib.Input((3,), name="in")
    if form == "single":
        return lib.Model(inp, lib.layers.Dense(1, kernel_initializer="ones")(inp))
    zeta = lib.layers.Dense(1, name="zeta", kernel_initializer="ones")(inp)
    alpha = lib.layers.Dense(1, name="alpha", activation="sigmoid", kernel_initializer="ones")(inp)
    return lib.Model(inp, [zeta, alpha] if form == "list" else {"zeta": zeta, "alpha": alpha})


def run(lib, setup):
    kwargs, y, form = SETUPS[setup]
    model = build(lib, form)
    model.compile("sgd", **kwargs)
    history = model.fit(X, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    scores = model.evaluate(X, y, batch_size=4, verbose=0)
    return model, history.history, np.atleast_1d(scores)


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_metrics_history_and_evaluate_order_match_keras(setup):
    ours, our_history, our_scores = run(keraton, setup)
    theirs, their_history, their_scores = run(keras, setup)
    assert [m.name for m in ours.metrics] == [m.name for m in theirs.metrics]
    assert list(our_history) == list(their_history)
    for key in their_history:
        np.testing.assert_allclose(our_history[key], their_history[key], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(our_scores, their_scores, rtol=1e-5, atol=1e-6)
    assert ours.get_metrics_result().keys() == theirs.get_metrics_result().keys()
    # metrics_names keeps Keras 2's meaning: the names of evaluate()'s values, in its order.
    ordered = ours.evaluate(X, SETUPS[setup][1], batch_size=4, verbose=0, return_dict=True)
    assert [ordered[n] for n in ours.metrics_names] == pytest.approx(list(our_scores))


def test_compile_metrics_is_one_container_metric():
    model = build(keraton, "single")
    model.compile("sgd", "mse", metrics=["mae"], weighted_metrics=["mse"])
    model.evaluate(X, Y, verbose=0)
    loss, container = model.metrics
    assert isinstance(container, keraton.metrics.Metric) and container.name == "compile_metrics"
    assert [m.name for m in container.metrics] == ["mae", "mse"]
    assert len(container.variables) == 4  # each metric's total and count
    container.reset_state()
    assert {k: float(v) for k, v in container.result().items()} == {"mae": 0.0, "mse": 0.0}


class _CustomStep:
    """The keras.io "customizing fit" (torch) loop: every entry of ``self.metrics`` updated by hand."""

    def train_step(self, data):
        x, y, sample_weight = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        loss.backward()
        grads = [v.value.grad if hasattr(v, "value") else v.grad for v in self.trainable_weights]
        self.optimizer.apply(grads, self.trainable_weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}


def test_custom_train_step_over_model_metrics_matches_keras():
    """``sample_weight`` passed to the container reaches only the weighted metrics, as Keras 3."""
    weights = np.arange(10.0).astype("float32")
    histories = []
    for lib in (keraton, keras):
        cls = type("Custom", (_CustomStep, lib.Model), {})
        inp = lib.Input((3,))
        model = cls(inp, lib.layers.Dense(1, kernel_initializer="ones")(inp))
        model.compile("sgd", "mse", metrics=["mae"], weighted_metrics=["mse"])
        history = model.fit(X, Y, sample_weight=weights, epochs=2, batch_size=5, shuffle=False,
                            verbose=0)
        histories.append(history.history)
    ours, theirs = histories
    assert list(ours) == list(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5)


def _endpoint_class(lib):
    class Endpoint(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hits = lib.metrics.BinaryAccuracy(name="hits")

        def call(self, logits, targets):
            self.hits.update_state(targets, lib.ops.sigmoid(logits))
            return logits

    return Endpoint


def test_metrics_of_layers_are_listed_and_logged_as_keras():
    """A layer's own ``Metric`` attribute (keras.io's endpoint-layer pattern) is in ``model.metrics``."""
    results = []
    for lib in (keraton, keras):
        endpoint = _endpoint_class(lib)
        inp, target = lib.Input((3,)), lib.Input((1,))
        logits = lib.layers.Dense(1, kernel_initializer="ones")(inp)
        model = lib.Model([inp, target], endpoint()(logits, target))
        model.compile("sgd", "mse")
        history = model.fit([X, Y2], Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        results.append(([m.name for m in model.metrics], history.history))
    (our_names, ours), (their_names, theirs) = results
    assert our_names == their_names == ["loss", "hits"]
    assert list(ours) == list(theirs)
    np.testing.assert_allclose(ours["hits"], theirs["hits"], rtol=1e-6)


@pytest.mark.parametrize("target_shape", ["flat", "column"])
@pytest.mark.parametrize("weighted", [False, True])
def test_rank_one_targets_average_samples_over_a_partial_batch(target_shape, weighted):
    """Targets ``(n,)`` against outputs ``(n, 1)``: per-sample metric values, as Keras 3."""
    y = Y[:, 0] if target_shape == "flat" else Y
    weights = np.arange(10.0) if weighted else None
    scores = []
    for lib in (keraton, keras):
        model = build(lib, "single")
        model.compile("sgd", "mse", metrics=["mae", "mse"])
        scores.append(model.evaluate(X, y, batch_size=4, sample_weight=weights, verbose=0))
    np.testing.assert_allclose(scores[0], scores[1], rtol=1e-6)
