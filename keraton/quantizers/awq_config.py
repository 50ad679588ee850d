"""``keras.quantizers.AWQConfig`` (Keras 3.15): the settings of AWQ post-training quantization."""

from __future__ import annotations

from keraton.quantizers.quantization_config import QuantizationConfig


class AWQConfig(QuantizationConfig):
    """Settings of AWQ (activation-aware) weight quantization, as ``keras.quantizers.AWQConfig``.

    AWQ records the largest absolute input of every input channel of each
    ``Dense``/``EinsumDense`` on calibration data, grid-searches per-channel
    scales ``x_max ** ratio`` that make the salient (large-activation)
    channels' weights larger before 4-bit rounding, and divides them out at
    inference.

    Args:
        dataset: the calibration data: an iterable of strings (tokenized with
            ``tokenizer``) or of token-id arrays (e.g. a NumPy array).  It is
            used once and not saved in the config.
        tokenizer: an object with ``tokenize(str)`` for string datasets.
        weight_bits: bits per weight; AWQ supports only 4 (the default).
        num_samples: number of calibration windows (default 128).
        sequence_length: tokens per calibration window (default 512).
        group_size: input rows sharing one scale/zero; ``-1`` is one group
            per output channel (default 128).
        num_grid_points: the search tries the ratios ``i / num_grid_points``
            for ``i`` in ``0..num_grid_points`` (default 20).
        quantization_layer_structure: ``{"pre_block_layers": [...],
            "sequential_blocks": [...]}``; ``None`` asks the model's
            ``get_quantization_layer_structure("awq")``.

    Example:
        >>> config = AWQConfig(dataset=np.zeros((4, 8), "int32"), tokenizer=None, group_size=-1)
        >>> config.mode, config.dtype_policy_string()
        ('awq', 'awq/4/-1')
    """

    def __init__(self, dataset, tokenizer, *, weight_bits: int = 4, num_samples: int = 128,
                 sequence_length: int = 512, group_size: int = 128, num_grid_points: int = 20,
                 quantization_layer_structure: dict | None = None):
        super().__init__()
        if weight_bits != 4:
            raise ValueError(f"AWQ only supports 4-bit quantization. Received weight_bits={weight_bits}.")
        if num_samples <= 0:
            raise ValueError(f"num_samples must be a positive integer. Received: num_samples={num_samples}")
        if sequence_length <= 0:
            raise ValueError(
                f"sequence_length must be a positive integer. Received: sequence_length={sequence_length}")
        if group_size < -1 or group_size == 0:
            raise ValueError(
                "Invalid group_size. Supported values are -1 (per-channel) or a positive integer, "
                f"but got {group_size}.")
        if num_grid_points <= 0:
            raise ValueError(
                f"num_grid_points must be a positive integer. Received: num_grid_points={num_grid_points}")
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.weight_bits = weight_bits
        self.num_samples = num_samples
        self.sequence_length = sequence_length
        self.group_size = group_size
        self.num_grid_points = num_grid_points
        self.quantization_layer_structure = quantization_layer_structure

    @property
    def mode(self):
        """``"awq"``."""
        return "awq"

    def dtype_policy_string(self):
        """The quantized policy's mode, ``"awq/<weight_bits>/<group_size>"``."""
        return f"awq/{self.weight_bits}/{self.group_size}"

    def get_config(self):
        """Keras's config: every setting, with ``dataset`` and ``tokenizer`` left out (``None``)."""
        return {"dataset": None, "tokenizer": None, "weight_bits": self.weight_bits,
                "num_samples": self.num_samples, "sequence_length": self.sequence_length,
                "group_size": self.group_size, "num_grid_points": self.num_grid_points,
                "quantization_layer_structure": self.quantization_layer_structure}

    @classmethod
    def from_config(cls, config):
        """Create the config from :meth:`get_config`'s output."""
        return cls(**config)
