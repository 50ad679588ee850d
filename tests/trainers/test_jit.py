"""jit_compile=True: the compiled train step gives eager's History; failures fall back with a warning."""

import numpy as np
import pytest

import keraton
from keraton.trainers import jit


def _fit(jit_compile, epochs=2):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4)).astype("float32")
    y = rng.integers(0, 3, size=40)
    keraton.utils.set_random_seed(2)
    model = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(8, activation="relu"),
                                keraton.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=jit_compile)
    # 40 samples / 16: a partial last batch, so a shape change reaches the compiled step.
    history = model.fit(x, y, batch_size=16, epochs=epochs, shuffle=False, verbose=0).history
    return model, history


def test_compiled_step_matches_eager(monkeypatch):
    # aot_eager captures the same dynamo + AOTAutograd graphs as inductor, without the
    # seconds of C++ code generation per graph that inductor costs on CPU.
    monkeypatch.setattr(jit, "BACKEND", "aot_eager")
    model, compiled = _fit(True)
    _, eager = _fit("auto")
    assert model.jit_compile is True and model._compiled_forward_loss.is_compiled
    for key in eager:
        np.testing.assert_allclose(compiled[key], eager[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_compile_failure_falls_back_with_reason(monkeypatch):
    def broken_backend(graph, example_inputs):
        raise RuntimeError("no compiler here")

    monkeypatch.setattr(jit, "BACKEND", broken_backend)
    with pytest.warns(UserWarning, match="could not compile the train step.*no compiler here"):
        model, history = _fit(True, epochs=1)
    assert not model._compiled_forward_loss.is_compiled
    _, eager = _fit(False, epochs=1)
    np.testing.assert_allclose(history["loss"], eager["loss"], rtol=1e-6)


def test_auto_stays_eager_and_bad_value():
    model, _ = _fit("auto", epochs=1)
    assert model.jit_compile is False and model._compiled_forward_loss is None
    with pytest.raises(ValueError, match="jit_compile must be True, False or 'auto'"):
        model.compile("adam", "mse", jit_compile="yes")
