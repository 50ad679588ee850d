"""keraton: the Keras API, native on PyTorch.

``import keraton as keras`` runs Keras code: layers and models are
``torch.nn.Module``s, tensors are torch tensors.
"""

from keraton import (
    activations,
    applications,
    backend,
    callbacks,
    constraints,
    datasets,
    distribution,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    optimizers,
    preprocessing,
    regularizers,
    saving,
    utils,
    wrappers,
)
from keraton.layers import Input, InputSpec, KerasTensor, Layer
from keraton.models import Model, Sequential

__version__ = "0.1.0"

__all__ = [
    "Input",
    "InputSpec",
    "KerasTensor",
    "Layer",
    "Model",
    "Sequential",
    "activations",
    "backend",
    "callbacks",
    "constraints",
    "datasets",
    "distribution",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "optimizers",
    "preprocessing",
    "regularizers",
    "saving",
    "utils",
    "applications",
    "wrappers",
]
