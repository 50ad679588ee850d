"""``keras.quantizers.GPTQConfig`` (Keras 3.15): the settings of GPTQ post-training quantization."""

from __future__ import annotations

from keraton.quantizers.quantization_config import QuantizationConfig


class GPTQConfig(QuantizationConfig):
    """Settings of GPTQ weight quantization, as ``keras.quantizers.GPTQConfig``.

    GPTQ quantizes the kernels of ``Dense``/``EinsumDense`` layers block by
    block, using the Hessian of each layer's inputs on calibration data to
    correct the rounding error of every quantized column on the columns not
    yet quantized.

    Args:
        dataset: the calibration data: an iterable of strings (tokenized with
            ``tokenizer``) or of token-id arrays (e.g. a NumPy array).  It is
            used once and not saved in the config.
        tokenizer: an object with ``tokenize(str)`` for string datasets.
        weight_bits: bits per weight, one of 2, 3, 4, 8 (default 4).
        num_samples: number of calibration windows (default 128).
        per_channel: compute scales per output channel (default ``True``).
        sequence_length: tokens per calibration window (default 512).
        hessian_damping: fraction of the mean Hessian diagonal added to the
            diagonal before inversion, in ``[0, 1]`` (default 0.01).
        group_size: input rows sharing one scale/zero; ``-1`` is one group
            per output channel (default 128).
        symmetric: symmetric (``True``) or asymmetric quantization.
        activation_order: quantize columns in decreasing Hessian-diagonal order.
        quantization_layer_structure: ``{"pre_block_layers": [...],
            "sequential_blocks": [...]}``; ``None`` asks the model's
            ``get_quantization_layer_structure("gptq")``.

    Example:
        >>> config = GPTQConfig(dataset=np.zeros((4, 8), "int32"), tokenizer=None, group_size=-1)
        >>> config.mode, config.dtype_policy_string()
        ('gptq', 'gptq/4/-1')
    """

    def __init__(self, dataset, tokenizer, *, weight_bits: int = 4, num_samples: int = 128,
                 per_channel: bool = True, sequence_length: int = 512, hessian_damping: float = 0.01,
                 group_size: int = 128, symmetric: bool = False, activation_order: bool = False,
                 quantization_layer_structure: dict | None = None):
        super().__init__()
        if weight_bits not in (2, 3, 4, 8):
            raise ValueError(f"Unsupported weight_bits {weight_bits}. Supported values are 2, 3, 4, and 8.")
        if num_samples <= 0:
            raise ValueError(f"num_samples must be a positive integer. Received: num_samples={num_samples}")
        if sequence_length <= 0:
            raise ValueError(
                f"sequence_length must be a positive integer. Received: sequence_length={sequence_length}")
        if hessian_damping < 0 or hessian_damping > 1:
            raise ValueError(f"hessian_damping must be between 0 and 1. Received: hessian_damping={hessian_damping}")
        if group_size < -1 or group_size == 0:
            raise ValueError(
                "Invalid group_size. Supported values are -1 (whole-tensor) or a positive integer, "
                f"but got {group_size}.")
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.weight_bits = weight_bits
        self.num_samples = num_samples
        self.per_channel = per_channel
        self.sequence_length = sequence_length
        self.hessian_damping = hessian_damping
        self.group_size = group_size
        self.symmetric = symmetric
        self.activation_order = activation_order
        self.quantization_layer_structure = quantization_layer_structure

    @property
    def mode(self):
        """``"gptq"``."""
        return "gptq"

    def dtype_policy_string(self):
        """The quantized policy's mode, ``"gptq/<weight_bits>/<group_size>"``."""
        return f"gptq/{self.weight_bits}/{self.group_size}"

    def get_config(self):
        """Keras's config: every setting, with ``dataset`` and ``tokenizer`` left out (``None``)."""
        return {"dataset": None, "tokenizer": None, "weight_bits": self.weight_bits,
                "num_samples": self.num_samples, "per_channel": self.per_channel,
                "sequence_length": self.sequence_length, "hessian_damping": self.hessian_damping,
                "group_size": self.group_size, "symmetric": self.symmetric,
                "activation_order": self.activation_order,
                "quantization_layer_structure": self.quantization_layer_structure}

    @classmethod
    def from_config(cls, config):
        """Create the config from :meth:`get_config`'s output."""
        return cls(**config)
