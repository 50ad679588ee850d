"""``Discretization``: bucket continuous features by boundaries given or learned by ``adapt``."""

from __future__ import annotations

import numpy as np
import torch

from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer
from keraton.layers.preprocessing.encoding import OUTPUT_MODES, encode_categorical


def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """Keras's quantile summary of one batch: every ``step``-th sorted value, weighted ``step``."""
    values = np.sort(values.reshape(-1))
    step = max(values.size * epsilon, 1)
    kept = values[int(step - 1)::int(step)]
    return np.stack([kept, np.ones_like(kept) * step])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """Re-bin a summary at ``1/epsilon`` evenly spaced cumulative-weight percents (Keras's rule)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_percents = cum_weights / cum_weights[-1]
    bins = np.interp(percents, cum_percents, summary[0])
    cum_weights = np.interp(percents, cum_percents, cum_weights)
    weights = cum_weights - np.concatenate(([0.0], cum_weights[:-1]))
    return np.stack((bins, weights)).astype("float32")


class Discretization(Layer):
    """Map floats to the index of their bucket, as ``keras.layers.Discretization``.

    Bucket ``i`` holds ``bin_boundaries[i-1] <= x < bin_boundaries[i]``
    (``numpy.digitize``).  With ``num_bins``, ``adapt(data)`` learns
    ``num_bins - 1`` boundaries from approximate quantiles, with Keras's exact
    summary/merge arithmetic (``epsilon`` bounds the error), so adapted
    boundaries equal Keras's.

    Args:
        bin_boundaries: sorted list of boundaries (or ``None`` with ``num_bins``).
        num_bins: number of buckets to learn by ``adapt``.
        epsilon: error tolerance of the quantile summary.
        output_mode: ``'int'`` (int32 bucket indices), ``'one_hot'``, ``'multi_hot'`` or ``'count'``.
        sparse: only ``False`` is supported.

    Example:
        >>> keraton.layers.Discretization(bin_boundaries=[0.0, 1.0])(torch.tensor([-1.0, 0.5, 2.0]))
        tensor([0, 1, 2], dtype=torch.int32)
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        super().__init__(dtype=dtype, name=name, **kwargs)
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"Layer '{self.name}': `output_mode` must be one of {OUTPUT_MODES}. "
                             f"Received: output_mode={output_mode!r}")
        if sparse:
            raise ValueError(f"Layer '{self.name}': `sparse=True` is not supported by keraton (torch).")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"Layer '{self.name}': `num_bins` must be >= 0. Received: num_bins={num_bins}")
        if (num_bins is None) == (bin_boundaries is None):
            raise ValueError(
                f"Layer '{self.name}': set exactly one of `num_bins` and `bin_boundaries`. "
                f"Received: num_bins={num_bins}, bin_boundaries={bin_boundaries}"
            )
        self.bin_boundaries = list(bin_boundaries) if bin_boundaries is not None else None
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = np.array([[], []], dtype="float32")
        self.built = True

    def adapt(self, data, steps=None) -> None:
        """Learn ``num_bins - 1`` boundaries from an array, a tensor, or an iterable of batches."""
        if self.num_bins is None:
            raise ValueError(f"Layer '{self.name}': cannot adapt a Discretization layer built with "
                             "`bin_boundaries`; pass `num_bins` instead.")
        self.summary = np.array([[], []], dtype="float32")
        if isinstance(data, (np.ndarray, torch.Tensor)):
            batches = [data]
        else:
            batches = data
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            if isinstance(batch, torch.Tensor):
                batch = batch.detach().cpu().numpy()
            summary = _summarize(np.asarray(batch).astype("float32"), self.epsilon)
            merged = np.concatenate((summary, self.summary), axis=1)
            merged = np.take(merged, np.argsort(merged[0]), axis=1)
            self.summary = _compress(merged, self.epsilon)
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        """Bucket indices of ``inputs``, encoded per ``output_mode``."""
        if self.bin_boundaries is None:
            raise ValueError(f"Layer '{self.name}': pass `bin_boundaries` or call `adapt(data)` "
                             "before using the layer.")
        inputs = torch.as_tensor(inputs)
        if not inputs.is_floating_point():
            inputs = inputs.to(torch.float32)
        boundaries = torch.as_tensor(self.bin_boundaries, dtype=inputs.dtype, device=inputs.device)
        indices = torch.bucketize(inputs, boundaries, right=True)
        if self.output_mode == "int":
            return indices.to(torch.int32)
        return encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1, self._dtype)

    def compute_output_shape(self, input_shape):
        """Keras's output shape rule for ``output_mode``."""
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        if len(input_shape) >= 2:
            return (input_shape[0],) + input_shape[2:] + (depth,)
        return (depth,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        """The symbolic output: ``compute_output_shape`` with this layer's output dtype (int32 for 'int', else float32)."""
        return KerasTensor(tuple(self.compute_output_shape(inputs.shape)), dtype=torch.int32 if self.output_mode == "int" else self._dtype)

    def get_config(self) -> dict:
        """Keras's config keys (plus the base ``trainable``/``dtype`` policy entries)."""
        config = super().get_config()
        config.update({"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                       "epsilon": self.epsilon, "output_mode": self.output_mode, "sparse": self.sparse})
        return config

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild; adapted boundaries saved next to ``num_bins`` are restored as Keras does."""
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(**config)
