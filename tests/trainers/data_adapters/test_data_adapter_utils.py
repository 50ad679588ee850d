"""``check_finite``: the NaN/inf scan of in-memory data, its errors and its memory bound."""

import threading
import time

import pytest
import torch

from keraton.trainers.data_adapters import data_adapter_utils as utils


def _rss_anon() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0


@pytest.mark.parametrize("position", [0, (1 << 20) + 5, 3 * (1 << 20) - 1])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_found_in_any_chunk(position, bad):
    t = torch.zeros(3 * (1 << 20) // 4, 4)
    t.view(-1)[position] = bad
    with pytest.raises(ValueError, match=f"first at sample {position // 4}"):
        utils.check_finite(t, "The training data (x)")


@pytest.mark.parametrize("dtype,value", [(torch.float32, 3e38), (torch.float16, 6e4)])
def test_large_finite_values_pass(dtype, value):
    # float32: the sum overflows to inf and the element-wise search finds nothing wrong;
    # float16: summed in float32, so its 65504 limit is no false alarm.
    t = torch.full((3 << 20,), value, dtype=dtype)
    assert torch.isinf(t.sum())
    utils.check_finite(t, "x")


@pytest.mark.skipif(not hasattr(__import__("os"), "sched_getaffinity"), reason="needs /proc (Linux)")
def test_no_copy_of_the_data():
    t = torch.randn(40_000_000)  # 160 MB; a float64 copy would be 320 MB
    peak, stop = [_rss_anon()], threading.Event()
    before = peak[0]

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_anon())
            time.sleep(0.0005)

    thread = threading.Thread(target=sample)
    thread.start()
    utils.check_finite(t, "x")
    stop.set()
    thread.join()
    assert peak[0] - before < 100 * (1 << 20)
