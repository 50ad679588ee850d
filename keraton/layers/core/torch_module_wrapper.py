"""``TorchModuleWrapper``: use any ``torch.nn.Module`` as a keraton layer (Keras 3 name)."""

from __future__ import annotations

import base64
import io

import numpy as np
import torch
from torch import nn

from keraton.layers.layer import Layer, _unique


class TorchModuleWrapper(Layer):
    """Wrap a ``torch.nn.Module`` so it works as a Keras layer, as ``keras.layers.TorchModuleWrapper``.

    * Its trainable weights are the module's parameters in
      ``named_parameters()`` order (torch layout, no conversion); ``fit``
      trains them and ``trainable = False`` freezes them.
    * Its buffers (e.g. ``nn.BatchNorm1d``'s running statistics) are listed
      after them as non-trainable weights, so ``get_weights``/``set_weights``
      and weight files carry the module's whole state.
    * The module's train/eval mode follows keraton's training flag: eval
      outside ``fit`` (layers start in inference mode), train during ``fit`` or
      for a ``layer(x, training=True)`` call.  A BatchNorm inside updates its
      statistics only then.
    * In the functional API, the output shape is found by running the module
      on small zero tensors (in eval mode, so no statistics move), unless
      ``output_shape`` is given.

    ``Sequential`` wraps plain modules automatically.

    Args:
        module: the ``torch.nn.Module`` to wrap (initialised; lazy modules
            must have seen an input).
        output_shape: optional output shape without the batch axis.
        name: layer name.

    Example:
        >>> inputs = keraton.Input((4, 10))  # (steps, channels) -> Conv1d wants channels first
        >>> x = keraton.layers.TorchModuleWrapper(torch.nn.Conv1d(4, 8, 3))(inputs)
        >>> x.shape
        (None, 8, 8)
    """

    def __init__(self, module: nn.Module, name=None, output_shape=None, **kwargs):
        if not isinstance(module, nn.Module):
            raise TypeError(
                f"TorchModuleWrapper expects a torch.nn.Module, got {type(module).__name__}. "
                "Wrap a module instance such as torch.nn.Linear(4, 2)."
            )
        if isinstance(module, Layer):
            raise TypeError(
                f"TorchModuleWrapper expects a plain torch.nn.Module, got the keraton layer "
                f"'{module.name}'; use the layer directly."
            )
        if any(isinstance(p, nn.parameter.UninitializedParameter) for p in module.parameters()):
            raise ValueError(
                f"TorchModuleWrapper cannot wrap the uninitialized lazy module {module!r}: call it "
                "on an input first so its parameters have shapes."
            )
        super().__init__(name=name, **kwargs)
        self.module = module
        self.output_shape_arg = tuple(output_shape) if output_shape is not None else None
        self.module.train(False)
        self.built = True

    def call(self, *args, **kwargs):
        """Run the wrapped module (its mode already follows the training flag)."""
        kwargs.pop("training", None)
        return self.module(*args, **kwargs)

    # ------------------------------------------------------------------ weights
    def _buffers_as_weights(self) -> list:
        return [b for b in self.module.buffers() if b is not None]

    @property
    def weights(self) -> list:
        """The module's parameters, then its buffers (non-trainable)."""
        return _unique(list(self.module.parameters()) + self._buffers_as_weights())

    @property
    def trainable_weights(self) -> list:
        """Parameters that require gradients; none when ``trainable`` is False."""
        if not self.trainable:
            return []
        return [p for p in self.module.parameters() if p.requires_grad]

    @property
    def non_trainable_weights(self) -> list:
        """Frozen parameters, then the module's buffers (running statistics and counters)."""
        if not self.trainable:
            return self.weights
        frozen = [p for p in self.module.parameters() if not p.requires_grad]
        return _unique(frozen + self._buffers_as_weights())

    def save_own_variables(self, store) -> None:
        """Write the module's ``state_dict`` (parameters and buffers) under its keys, as Keras does."""
        for key, value in self.module.state_dict().items():
            store[key] = value.detach().cpu().numpy()

    def load_own_variables(self, store) -> None:
        """Load a ``state_dict`` written by :meth:`save_own_variables` (or by Keras 3)."""
        state = {}
        for key in store.keys():
            name = key.decode() if isinstance(key, bytes) else key
            state[name] = torch.as_tensor(np.asarray(store[key]))
        try:
            self.module.load_state_dict(state)
        except RuntimeError as e:
            raise ValueError(
                f"Layer '{self.name}' (TorchModuleWrapper) cannot load the saved state into "
                f"{type(self.module).__name__}: {e}"
            ) from None

    # ------------------------------------------------------------------ shapes and config
    def compute_output_shape(self, input_shape):
        """``(batch,) + output_shape`` when given, else found by running the module on zeros."""
        if self.output_shape_arg is not None:
            return (input_shape[0],) + self.output_shape_arg
        return super().compute_output_shape(input_shape)

    def compute_output_spec(self, *args, **kwargs):
        """Symbolic output: from ``output_shape`` when given, else from a trial run on zeros."""
        if self.output_shape_arg is not None:
            return super().compute_output_spec(*args, **kwargs)
        return self._run_on_zeros(args, kwargs)

    def get_config(self) -> dict:
        """Keras 3's config: the module pickled by ``torch.save``, base64-encoded, and ``output_shape``."""
        config = super().get_config()
        buffer = io.BytesIO()
        torch.save(self.module, buffer)
        config["module"] = base64.b64encode(buffer.getvalue()).decode("ascii")
        config["output_shape"] = list(self.output_shape_arg) if self.output_shape_arg else None
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuild the wrapper by unpickling its module; refused in safe mode, as in Keras.

        Unpickling can run arbitrary code, so it needs ``safe_mode=False`` (or
        ``keraton.saving.safe_mode_state.enable_unsafe_deserialization()``) and a trusted file.
        """
        from keraton.saving import safe_mode_state

        if safe_mode is None:
            safe_mode = safe_mode_state.in_safe_mode()
        if safe_mode:
            raise ValueError(
                "A TorchModuleWrapper cannot be rebuilt from its config in safe mode: its torch "
                "module is a pickle that torch.load would execute. If you trust the file, pass "
                "safe_mode=False to the loading function or call "
                "keraton.saving.safe_mode_state.enable_unsafe_deserialization(); otherwise re-create the module, "
                "wrap it again and load the weights."
            )
        config = dict(config)
        module = config.pop("module")
        if isinstance(module, str):
            module = torch.load(io.BytesIO(base64.b64decode(module.encode("ascii"))),
                                weights_only=False)
        return cls(module, **config)
