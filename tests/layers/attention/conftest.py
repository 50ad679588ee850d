"""Attention tests run torch on one thread: tiny tensors on a busy 2-core machine are many times
slower with two threads contending (measured ~500x for BatchNorm, ~5x here)."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
