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
    distribution,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    preprocessing,
    random,
    regularizers,
    saving,
    tree,
    utils,
    wrappers,
)
from keraton.layers import Input, InputSpec, KerasTensor, Layer
from keraton.models import Model, Sequential
from keraton.variables import Variable

__version__ = "0.1.0"

__all__ = [
    "Input",
    "InputSpec",
    "KerasTensor",
    "Layer",
    "Model",
    "Sequential",
    "Variable",
    "activations",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "distribution",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "random",
    "regularizers",
    "saving",
    "tree",
    "utils",
    "applications",
    "wrappers",
]
