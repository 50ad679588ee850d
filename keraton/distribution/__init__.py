"""Multi-process data-parallel training on torch.distributed, with Keras 3's distribution names."""

from keraton.distribution.distribution_lib import (
    DataParallel,
    MirroredStrategy,
    distribution,
    initialize,
    is_distributed,
    is_primary,
    list_devices,
    num_processes,
    process_index,
    set_distribution,
)

__all__ = [
    "DataParallel",
    "MirroredStrategy",
    "distribution",
    "initialize",
    "is_distributed",
    "is_primary",
    "list_devices",
    "num_processes",
    "process_index",
    "set_distribution",
]
