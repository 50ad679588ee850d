"""jit_compile=True: the compiled train step gives eager's History; failures fall back with a warning."""

import numpy as np
import pytest

import keraton
from keraton.trainers import jit


def _fit(jit_compile, epochs=2, units=8):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4)).astype("float32")
    y = rng.integers(0, 3, size=40)
    keraton.utils.set_random_seed(2)
    model = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(units, activation="relu"),
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


def _counting_backend(monkeypatch):
    from torch._dynamo.testing import CompileCounter

    counter = CompileCounter()  # counts graphs; runs them as captured (no code generation)
    monkeypatch.setattr(jit, "BACKEND", counter)
    return counter


def test_partial_batch_runs_eagerly_and_refit_reuses_graph(monkeypatch):
    counter = _counting_backend(monkeypatch)
    model, _ = _fit(True, epochs=2)  # batches of 16, 16, 8 per epoch
    assert counter.frame_count == 1
    (signature,) = model._compiled_forward_loss.compiled_signatures
    assert signature[0][0][0] == (16, 4)  # x of the full batch; the 8-row batch ran eagerly
    rng = np.random.default_rng(1)
    model.fit(rng.standard_normal((32, 4)).astype("float32"), rng.integers(0, 3, 32),
              batch_size=16, epochs=2, verbose=0)
    assert counter.frame_count == 1


def test_new_batch_size_compiled_once_it_repeats(monkeypatch):
    counter = _counting_backend(monkeypatch)
    model, _ = _fit(True, epochs=1)
    rng = np.random.default_rng(1)
    model.fit(rng.standard_normal((40, 4)).astype("float32"), rng.integers(0, 3, 40),
              batch_size=10, epochs=1, verbose=0)
    assert counter.frame_count == 2
    assert sorted(s[0][0][0][0] for s in model._compiled_forward_loss.compiled_signatures) == [10, 16]


def test_each_model_has_its_own_compile_cache(monkeypatch):
    # Models share Trainer._eager_forward_loss; with one dynamo cache for all of them the
    # ninth model would exceed torch's recompile limit (8) and silently run eagerly.
    import torch._dynamo.config

    counter = _counting_backend(monkeypatch)
    n_models = torch._dynamo.config.recompile_limit + 2
    for i in range(n_models):
        model, _ = _fit(True, epochs=1, units=4 + i)  # different weight shapes: no shared graph
    assert counter.frame_count == n_models
    own = model._compiled_forward_loss
    assert own.is_compiled
    assert jit.own_code(model._eager_forward_loss).__func__.__code__ is not \
        type(model)._eager_forward_loss.__code__


def test_own_code_keeps_behaviour():
    def scaled(t, factor=2, *, shift=1):
        return t * factor + shift

    copy = jit.own_code(scaled)
    assert copy.__code__ is not scaled.__code__
    assert copy(3) == 7 and copy(3, 3, shift=0) == 9


def test_signature_describes_without_copying_values():
    import torch

    batch = (torch.zeros(2, 3), np.array(["a", "bb"]), None, 0.5, {"w": torch.ones(2, dtype=torch.int64)})
    sig = jit.signature(batch)
    assert sig == (((2, 3), torch.float32, torch.device("cpu")), ((2,), "<U2"), None, 0.5,
                   (("w", ((2,), torch.int64, torch.device("cpu"))),))
    hash(sig)
    assert jit.signature(object()) is object
