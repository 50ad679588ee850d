"""keraton: the Keras API, native on PyTorch.

``import keraton as keras`` runs Keras code: layers and models are
``torch.nn.Module``s, tensors are torch tensors.
"""

from keraton import (
    activations,
    applications,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distillation,
    distribution,
    dtype_policies,
    experimental,
    export,
    initializers,
    layers,
    legacy,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    preprocessing,
    quantizers,
    random,
    regularizers,
    saving,
    tree,
    utils,
    visualization,
    wrappers,
)
from keraton.backend import device_scope as device
from keraton.initializers import Initializer
from keraton.layers import Input, InputSpec, KerasTensor, Layer
from keraton.losses import Loss
from keraton.metrics import Metric
from keraton.mixed_precision import DTypePolicy, FloatDTypePolicy
from keraton.models import Model, Sequential
from keraton.models.function import Function
from keraton.name_scopes import name_scope
from keraton.operation import Operation
from keraton.optimizers import Optimizer
from keraton.quantizers import Quantizer
from keraton.regularizers import Regularizer
from keraton.rematerialization import RematScope, remat
from keraton.stateless_scope import StatelessScope
from keraton.symbolic_scope import SymbolicScope
from keraton.variables import Variable

__version__ = "0.1.0"



def version() -> str:
    """keraton's version string (``keras.version()``)."""
    return __version__


__all__ = [
    "DTypePolicy",
    "FloatDTypePolicy",
    "Function",
    "Initializer",
    "Input",
    "InputSpec",
    "KerasTensor",
    "Layer",
    "Loss",
    "Metric",
    "Model",
    "Operation",
    "Optimizer",
    "Quantizer",
    "Regularizer",
    "RematScope",
    "Sequential",
    "StatelessScope",
    "SymbolicScope",
    "Variable",
    "name_scope",
    "remat",
    "activations",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "distillation",
    "device",
    "distribution",
    "dtype_policies",
    "experimental",
    "export",
    "initializers",
    "layers",
    "legacy",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "quantizers",
    "random",
    "regularizers",
    "saving",
    "tree",
    "utils",
    "applications",
    "version",
    "visualization",
    "wrappers",
]


def _register_keras2_backend_modules() -> None:
    """``keras.backend.tensorflow_backend``/``common`` (standalone Keras 2's paths) as keraton.backend's."""
    from keraton.backend_functions import legacy_backend_modules

    legacy_backend_modules.register(backend)


_register_keras2_backend_modules()
