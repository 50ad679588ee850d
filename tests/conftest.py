"""Shared test set-up: real Keras 3, when installed, runs on torch so it can serve as an oracle."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import pytest  # noqa: E402
import torch  # noqa: E402

# One intra-op thread per test process: the suite's tensors are tiny, and on a
# 2-core machine two threads per op mostly add contention.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _fresh_session():
    """Each test starts with fresh layer-name counters and a fixed seed."""
    import keraton.backend

    keraton.backend.clear_session()
    import torch

    torch.manual_seed(0)
    yield
