"""``TorchModuleWrapper``: use any ``torch.nn.Module`` as a keraton layer (Keras 3 name)."""

from __future__ import annotations

from torch import nn

from keraton.layers.layer import Layer


class TorchModuleWrapper(Layer):
    """Wrap a ``torch.nn.Module`` so it works as a Keras layer; its parameters are trained by ``fit``.

    Its weights are the module's parameters in ``named_parameters()`` order
    (torch layout: no conversion).  ``Sequential.add`` wraps plain modules
    automatically.

    Example:
        >>> model = keraton.Sequential([keraton.Input((4,)), torch.nn.Linear(4, 2)])
    """

    def __init__(self, module: nn.Module, name=None, **kwargs):
        if not isinstance(module, nn.Module):
            raise TypeError(f"TorchModuleWrapper expects a torch.nn.Module, got {type(module).__name__}.")
        super().__init__(name=name, **kwargs)
        self.module = module
        self.module.train(False)
        self.built = True

    def call(self, *args, **kwargs):
        """Run the wrapped module."""
        kwargs.pop("training", None)
        return self.module(*args, **kwargs)

    def get_config(self) -> dict:
        """Only the base config: a torch module has no Keras config to rebuild it from."""
        config = super().get_config()
        config["module"] = repr(self.module)
        return config

    @classmethod
    def from_config(cls, config):
        """Refused: a torch module cannot be rebuilt from text without running code."""
        raise ValueError(
            "A TorchModuleWrapper cannot be rebuilt from its config: the wrapped torch module "
            "is Python code. Re-create the module and wrap it again, then load the weights."
        )
