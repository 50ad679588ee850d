"""Shared helpers for the metric tests: run a keraton metric and its Keras 3 twin side by side."""

import numpy as np
import pytest
import torch


def _as_numpy(x):
    return np.asarray(x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x)


def check_against_keras(ours, theirs, batches, rtol=1e-5, atol=1e-6):
    """Feed ``batches`` of ``(y_true, y_pred, sample_weight)`` numpy arrays to both metrics.

    Compares ``result()`` after every batch, then resets both and compares
    again, then compares ``__call__`` on the first batch.  Our metric gets
    torch tensors (the sample weight stays numpy on odd batches, to cover both).
    """
    def feed(metric, batch, torch_inputs, i=0):
        args = [torch.as_tensor(a) if torch_inputs else a for a in batch[:-1]]
        sw = batch[-1]
        if torch_inputs and sw is not None and i % 2 == 0:
            sw = torch.as_tensor(sw)
        return args, sw

    for i, batch in enumerate(batches):
        args, sw = feed(ours, batch, True, i)
        ours.update_state(*args, sample_weight=sw)
        targs, tsw = feed(theirs, batch, False)
        theirs.update_state(*targs, sample_weight=tsw)
        got, want = ours.result(), theirs.result()
        assert isinstance(got, torch.Tensor)
        np.testing.assert_allclose(_as_numpy(got), _as_numpy(want), rtol=rtol, atol=atol,
                                   err_msg=f"after batch {i}")
    ours.reset_state()
    theirs.reset_state()
    np.testing.assert_allclose(_as_numpy(ours.result()), _as_numpy(theirs.result()), atol=atol)
    for v in ours.variables:
        assert not v.any()
    args, sw = feed(ours, batches[0], True)
    targs, tsw = feed(theirs, batches[0], False)
    got = ours(*args, sample_weight=sw)
    want = theirs(*targs, sample_weight=tsw)
    np.testing.assert_allclose(_as_numpy(got), _as_numpy(want), rtol=rtol, atol=atol)


def check_config_round_trip(ours, theirs=None, extra_keys=()):
    """``from_config(get_config())`` rebuilds an equal metric; keys match Keras's config."""
    config = ours.get_config()
    rebuilt = type(ours).from_config(config)
    assert rebuilt.get_config() == config
    assert rebuilt.name == ours.name
    if theirs is not None:
        assert set(config) - set(extra_keys) == set(theirs.get_config())
        for key, value in theirs.get_config().items():
            if key in config and not hasattr(value, "shape"):
                assert config[key] == value, key
    return rebuilt


@pytest.fixture
def metric_check():
    """The :func:`check_against_keras` helper."""
    return check_against_keras


@pytest.fixture
def config_check():
    """The :func:`check_config_round_trip` helper."""
    return check_config_round_trip


@pytest.fixture(autouse=True)
def _fresh_keras_names():
    """Reset Keras's name counters too, so default names can be compared (``auc`` vs ``auc``)."""
    try:
        import keras
    except ImportError:
        yield
        return
    keras.backend.clear_session()
    yield
