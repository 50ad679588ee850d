"""TerminateOnNaN in a real fit: training stops at the first non-finite loss."""

import io
from contextlib import redirect_stdout

import numpy as np
import pytest
from callback_fit_utils import build_model, make_data

from keraton.callbacks import LambdaCallback, TerminateOnNaN


def _diverging_fit(callback, epochs=3):
    x, y = make_data()
    y = y * 1e18  # SGD at lr 1.0 on this target overflows float32 within a few batches
    model = build_model(lr=1.0)
    batches = []
    record = LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(logs["loss"]))
    history = model.fit(x, y, epochs=epochs, batch_size=4, shuffle=False, verbose=0,
                        callbacks=[record, callback])
    return history, batches


def test_stops_at_first_non_finite_batch():
    out = io.StringIO()
    with redirect_stdout(out):
        history, batches = _diverging_fit(TerminateOnNaN())
    assert not np.isfinite(batches[-1]) and np.isfinite(batches[:-1]).all()
    assert len(batches) < 8  # stopped inside the first epoch (8 batches per epoch)
    assert len(history.history["loss"]) == 1
    assert out.getvalue() == f"Batch {len(batches) - 1}: Invalid loss, terminating training\n"


def test_raise_error():
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch"):
        _diverging_fit(TerminateOnNaN(raise_error=True))


def test_finite_training_is_untouched():
    x, y = make_data()
    history = build_model().fit(x, y, epochs=3, verbose=0, callbacks=[TerminateOnNaN()])
    assert len(history.history["loss"]) == 3
