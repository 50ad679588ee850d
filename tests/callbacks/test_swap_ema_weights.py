"""`SwapEMAWeights`: validation, evaluate and predict use the optimizer's moving averages (Keras 3)."""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")


def _model(lib):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2, kernel_initializer="ones"),
                            lib.layers.Dense(1, kernel_initializer="ones")])
    model.compile(lib.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.8), "mse")
    return model


@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_fit_history_and_final_weights_match_keras(swap_on_epoch):
    def run(lib):
        model = _model(lib)
        history = model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                            validation_data=(X[:8], Y[:8]),
                            callbacks=[lib.callbacks.SwapEMAWeights(swap_on_epoch=swap_on_epoch)])
        return history.history, [np.asarray(w) for w in model.get_weights()], model

    ours, ours_w, model = run(keraton)
    theirs, theirs_w, _ = run(keras)
    assert ours.keys() == theirs.keys()
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=2e-5)
    for a, b in zip(ours_w, theirs_w):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)


def test_evaluate_and_predict_use_the_averages_then_swap_back():
    model = _model(keraton)
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    model.optimizer.use_ema = True
    averages = [a.detach().clone() for a in model.optimizer._model_variables_moving_average]
    # move the weights away from the averages so that the two differ
    for w in model.trainable_weights:
        w.data.add_(0.5)
    trained = [w.detach().clone() for w in model.trainable_weights]
    swap = keraton.callbacks.SwapEMAWeights()
    with_ema = model.predict(X, verbose=0, callbacks=[swap])
    plain = model.predict(X, verbose=0)
    assert not np.allclose(with_ema, plain)
    for w, t in zip(model.trainable_weights, trained):
        np.testing.assert_array_equal(w.detach().numpy(), t.numpy())
    reference = keraton.models.clone_model(model)
    reference.set_weights([a.numpy() for a in averages])
    np.testing.assert_allclose(with_ema, reference.predict(X, verbose=0), rtol=1e-6)


def test_needs_an_ema_optimizer():
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="use_ema=True"):
        model.evaluate(X, Y, verbose=0, callbacks=[keraton.callbacks.SwapEMAWeights()])
