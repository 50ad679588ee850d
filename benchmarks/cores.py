"""Cross-core probe: are this VM's two vCPUs near each other on the host right now?

On the project's 2-core KVM machines the host sometimes runs the two vCPUs far
apart (a core-to-core cache-line round trip, ``tools/core_pingpong.c``, goes
from ~80 ns to ~370 ns), for seconds to minutes at a time; the far spell ends
within ~1-4 s once the vCPUs idle.  Then every multi-threaded torch op pays for moving its
data between the cores: a plain PyTorch MLP loop drops from ~84k to ~45k
samples/s (slower than on one thread) while the same work on one thread does
not change.  The benchmark workers call :func:`cross_core_ratio` right after
each timed workload, so every number in ``run_all.py``'s output says which
state it was measured in.

The probe times ``torch.add`` on 65,536 floats (large enough for torch to
split it over two threads, small enough to be all fork/join and cache
traffic) on two threads and on one, in five alternating pairs.  The median
ratio two/one is ~0.6-0.68 when the cores are near and ~0.8-0.96 when they
are far (checked against the C ping-pong run just before and after the probe,
60 readings; 2 of the 60 read ~1.07 with the ping-pong saying near on both
sides, so a short far spell or a host preemption inside the probe cannot be
told apart); :data:`FAR_RATIO` splits the two.
"""

from __future__ import annotations

import math
import time

FAR_RATIO = 0.74


def _median_add_seconds(torch, a, b, out, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.add(a, b, out=out)
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def cross_core_ratio(repeats: int = 400, pairs: int = 5, settle: float = 0.05) -> float:
    """Two-thread over one-thread time of a small parallel add; NaN without torch or 2 threads.

    The median over ``pairs`` alternating one-thread/two-thread measurements,
    so one host preemption during the probe does not flip the answer.

    ``settle`` seconds of sleep first let the threads of whatever ran before
    (XLA's, TensorFlow's) stop spinning, so they do not slow the probe; the
    far state itself outlasts a short idle (it ends after ~1-4 s).
    """
    try:
        import torch
    except ImportError:
        return math.nan
    threads = torch.get_num_threads()
    if threads < 2:
        return math.nan
    time.sleep(settle)
    a, b = torch.randn(65536), torch.randn(65536)
    out = torch.empty(65536)
    ratios = []
    try:
        for _ in range(pairs):
            torch.set_num_threads(1)
            one = _median_add_seconds(torch, a, b, out, repeats)
            torch.set_num_threads(2)
            ratios.append(_median_add_seconds(torch, a, b, out, repeats) / one)
    finally:
        torch.set_num_threads(threads)
    ratios.sort()
    return ratios[len(ratios) // 2]


def is_far(ratio: float) -> bool:
    """Whether a :func:`cross_core_ratio` reading says the cores were far apart."""
    return not math.isnan(ratio) and ratio > FAR_RATIO


def run_probed(runs: dict, out: dict) -> dict:
    """Run each timed workload of ``runs`` (name -> callable), probing the cores after each.

    Returns ``out`` with ``out[name]`` the workload's number and
    ``out["cross_core"][name]`` the probe ratio right after it (NaN becomes
    ``None`` so the dict stays JSON).
    """
    probes = out.setdefault("cross_core", {})
    for name, run in runs.items():
        out[name] = run()
        ratio = cross_core_ratio()
        probes[name] = None if math.isnan(ratio) else round(ratio, 3)
    return out
