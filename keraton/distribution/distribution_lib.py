"""Keras 3's distribution API (``keras.distribution``) on ``torch.distributed``.

Keras 3 implements ``DataParallel`` for JAX only; keraton runs it on the
engine PyTorch users already launch with ``torchrun``: one process per device,
a ``torch.distributed`` process group (gloo on CPU, nccl on GPU, chosen
automatically), gradients averaged across processes in every step.

Launch the same script on every process::

    torchrun --nproc-per-node 2 train.py

and opt in with one line before ``fit``::

    keraton.distribution.set_distribution(keraton.distribution.DataParallel())

``fit``/``evaluate``/``predict`` also pick up a process group the user
initialised himself (``torch.distributed.init_process_group``).
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import os

import torch
import torch.distributed as dist

DEFAULT_TIMEOUT_S = 60.0

_DISTRIBUTION = None


def list_devices(device_type=None) -> list:
    """Return the devices this process can use, as ``keras.distribution.list_devices``.

    Args:
        device_type: ``'cpu'``, ``'gpu'`` (or ``'cuda'``) or ``None`` (GPUs if any, else the CPU).

    Example:
        >>> keraton.distribution.list_devices("cpu")
        ['cpu:0']
    """
    if device_type is not None and str(device_type).lower() not in ("cpu", "gpu", "cuda"):
        raise ValueError(f"list_devices: device_type must be 'cpu', 'gpu' or None, got {device_type!r}.")
    kind = None if device_type is None else str(device_type).lower()
    if kind in (None, "gpu", "cuda") and torch.cuda.is_available():
        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if kind in ("gpu", "cuda"):
        return []
    return ["cpu:0"]


def initialize(job_addresses=None, num_processes=None, process_id=None, timeout=DEFAULT_TIMEOUT_S):
    """Join (or create) the process group, as ``keras.distribution.initialize``.

    Without arguments it reads torchrun's environment (``MASTER_ADDR``,
    ``MASTER_PORT``, ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``).  Keras's
    arguments override it: ``job_addresses`` is ``"host:port"`` of the
    coordinator (process 0; a comma-separated list is accepted, its first
    entry is used), ``num_processes`` the world size, ``process_id`` this
    process's rank.  The backend is nccl when CUDA is available, gloo
    otherwise.  ``timeout`` (seconds, keraton's addition) bounds every
    collective: a process whose peer died fails within it instead of hanging.
    Calling it again once initialised does nothing.

    Example:
        >>> keraton.distribution.initialize("127.0.0.1:29500", num_processes=2, process_id=0)
    """
    if dist.is_initialized():
        return
    if job_addresses:
        host, _, port = str(job_addresses).split(",")[0].strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"initialize: job_addresses must be 'host:port', got {job_addresses!r}.")
        os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = host, port
    if num_processes is not None:
        os.environ["WORLD_SIZE"] = str(int(num_processes))
    if process_id is not None:
        os.environ["RANK"] = str(int(process_id))
    missing = [k for k in ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE") if k not in os.environ]
    if missing:
        raise ValueError(
            f"initialize: no process group to join, {missing} not set. Launch the script with "
            "`torchrun --nproc-per-node N script.py`, or pass job_addresses='host:port', "
            "num_processes and process_id.")
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    dist.init_process_group(backend, timeout=datetime.timedelta(seconds=float(timeout)))
    # A group still alive at interpreter exit can abort the process ("terminate called
    # without an active exception") when its threads are torn down: close it first.
    atexit.register(_destroy_process_group)


def _destroy_process_group() -> None:
    if dist.is_available() and dist.is_initialized():
        with contextlib.suppress(Exception):
            dist.destroy_process_group()


def is_distributed() -> bool:
    """True when this process is one of several in an initialised process group."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def process_index() -> int:
    """This process's rank (0 when not distributed)."""
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def num_processes() -> int:
    """The number of processes training together (1 when not distributed)."""
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def is_primary() -> bool:
    """True on the process that prints progress and writes files (rank 0, or when not distributed).

    Callbacks that write files (``ModelCheckpoint``, ``CSVLogger``,
    ``TensorBoard``, ``BackupAndRestore``), ``ProgbarLogger`` and
    ``model.save`` consult it, so a distributed run writes each file once.
    """
    return process_index() == 0


class DataParallel:
    """Data parallelism over processes, as ``keras.distribution.DataParallel``.

    Every process holds the whole model; each batch of ``batch_size`` samples
    (the GLOBAL batch, as in Keras's distribution API) is split across the
    processes, each computes gradients on its part, and the gradients are
    averaged (weighted by the parts' sizes, so the update equals one process
    training on the whole batch) before every optimizer update, the
    all-reduce overlapping ``backward``.

    Args:
        device_mesh, devices: accepted for Keras compatibility; with
            torch.distributed the devices are the processes.
        auto_shard_dataset: accepted for Keras compatibility (sharding is always on).
        bucket_cap_mb: size of the gradient buckets all-reduced together
            (torch DDP's default, 25 MB): larger buckets mean fewer, longer messages.
        overlap_backward: launch each bucket's all-reduce from ``backward`` as
            soon as its gradients are ready (DDP's overlap).  ``False`` reduces
            everything when the optimizer applies the gradients: safe for
            models whose graph (the set of parameters getting gradients)
            differs between processes.  ``"auto"`` (default): overlap with
            nccl (GPUs), not with gloo, where the transfer competes with
            ``backward`` for the same CPU cores (measured 10-25% slower).
        timeout: seconds after which a collective fails (see :func:`initialize`).

    Example:
        >>> keraton.distribution.set_distribution(keraton.distribution.DataParallel())
        >>> model.fit(x, y, batch_size=256)  # 128 samples per process on 2 processes
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True, bucket_cap_mb=25,
                 timeout=DEFAULT_TIMEOUT_S, overlap_backward="auto", **kwargs):
        if kwargs:
            raise TypeError(f"DataParallel() got unexpected keyword argument(s) {sorted(kwargs)}.")
        if not bucket_cap_mb or float(bucket_cap_mb) <= 0:
            raise ValueError(f"DataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb!r}.")
        self.device_mesh = device_mesh
        self.devices = devices
        self.auto_shard_dataset = auto_shard_dataset
        self.bucket_cap_mb = float(bucket_cap_mb)
        self.timeout = float(timeout)
        if overlap_backward not in (True, False, "auto"):
            raise ValueError("DataParallel: overlap_backward must be True, False or 'auto', "
                             f"got {overlap_backward!r}.")
        self.overlap_backward = overlap_backward

    def initialize(self):
        """Join the process group from torchrun's environment, if there is one to join."""
        if not dist.is_initialized() and "WORLD_SIZE" in os.environ and "RANK" in os.environ:
            initialize(timeout=self.timeout)

    @contextlib.contextmanager
    def scope(self):
        """Make this the current distribution inside the ``with`` block (Keras's ``scope``)."""
        previous = distribution()
        set_distribution(self)
        try:
            yield
        finally:
            set_distribution(previous)


def set_distribution(value) -> None:
    """Set the global distribution used by ``fit``/``evaluate``/``predict`` (``None`` to clear)."""
    global _DISTRIBUTION
    if value is not None and not isinstance(value, DataParallel):
        raise TypeError(f"set_distribution expects a DataParallel or None, got {type(value).__name__}.")
    _DISTRIBUTION = value


def distribution():
    """Return the current distribution (``None`` if unset), as ``keras.distribution.distribution``."""
    return _DISTRIBUTION


class MirroredStrategy:
    """The tf.keras 2 habit ``with strategy.scope(): build; compile`` on torch.distributed.

    Entering ``scope()`` initialises the process group (from torchrun's
    environment) and sets a :class:`DataParallel` distribution that stays set
    after the block, so the ``fit`` that usually follows it, outside the
    block, trains distributed.  ``devices`` and ``cross_device_ops`` are accepted and ignored.

    Example:
        >>> strategy = keraton.distribution.MirroredStrategy()
        >>> with strategy.scope():
        ...     model = make_model(); model.compile("adam", "mse")
        >>> model.fit(x, y, batch_size=64 * strategy.num_replicas_in_sync)
    """

    def __init__(self, devices=None, cross_device_ops=None, **kwargs):
        self.extended = None
        self._distribution = DataParallel(**kwargs)

    @property
    def num_replicas_in_sync(self) -> int:
        """The number of processes (after ``scope()`` has initialised the group)."""
        return num_processes()

    @contextlib.contextmanager
    def scope(self):
        """Initialise the group and set the distribution; both stay after the block."""
        self._distribution.initialize()
        set_distribution(self._distribution)
        yield self
