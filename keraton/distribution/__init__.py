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
from keraton.distribution.layouts import (
    DeviceMesh,
    LayoutMap,
    ModelParallel,
    TensorLayout,
    distribute_tensor,
    get_device_count,
)

__all__ = [
    "DataParallel",
    "DeviceMesh",
    "LayoutMap",
    "ModelParallel",
    "TensorLayout",
    "distribute_tensor",
    "get_device_count",
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
