"""fit/evaluate/predict flush denormals to zero while they run (as TF and XLA kernels do), and only then."""

import numpy as np
import pytest
import torch

import keraton
from keraton.trainers import denormals

SUPPORTED = torch.set_flush_denormal(True)
torch.set_flush_denormal(False)
pytestmark = pytest.mark.skipif(not SUPPORTED, reason="this CPU has no flush-to-zero mode")


class Probe(keraton.callbacks.Callback):
    """Records whether denormals are flushed inside each loop."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(("fit", denormals.flushing()))

    def on_test_end(self, logs=None):
        self.seen.append(("evaluate", denormals.flushing()))

    def on_predict_end(self, logs=None):
        self.seen.append(("predict", denormals.flushing()))


def _model():
    model = keraton.Sequential([keraton.Input((1,)), keraton.layers.Dense(1, use_bias=False)])
    model.compile("sgd", "mse")
    model.set_weights([np.array([[1e-20]], "float32")])
    return model


def _run_all(model):
    probe = Probe()
    x = np.array([[1.0]], "float32")
    model.fit(x, x, epochs=1, verbose=0, callbacks=[probe])
    model.evaluate(x, x, verbose=0, callbacks=[probe])
    model.predict(x, verbose=0, callbacks=[probe])
    return probe.seen


def test_loops_flush_and_restore():
    assert not denormals.flushing()
    assert _run_all(_model()) == [("fit", True), ("evaluate", True), ("predict", True)]
    assert not denormals.flushing()


def test_mode_already_on_stays_on():
    torch.set_flush_denormal(True)
    try:
        _run_all(_model())
        assert denormals.flushing()
    finally:
        torch.set_flush_denormal(False)


def test_disabled_leaves_torch_default(monkeypatch):
    monkeypatch.setattr(denormals, "ENABLED", False)
    assert [flag for _, flag in _run_all(_model())] == [False, False, False]


@pytest.mark.parametrize("enabled,expected", [(True, 0.0), (False, 1e-40)])
def test_denormal_results_become_zero_as_in_tensorflow(monkeypatch, enabled, expected):
    monkeypatch.setattr(denormals, "ENABLED", enabled)
    model = _model()
    out = model.predict(np.array([[1e-20]], "float32"), verbose=0)  # 1e-20 * 1e-20: denormal
    np.testing.assert_allclose(out, [[expected]], rtol=1e-2, atol=0)
