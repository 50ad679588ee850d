"""Quantization configs of ``keras.quantizers`` (Keras 3.15): which quantizers a mode uses."""

from __future__ import annotations

from keraton.mixed_precision.quantized_policy import QUANTIZATION_MODES


def _serialize(obj):
    from keraton.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(obj)


def _deserialize(config):
    if config is None:
        return None
    from keraton.quantizers import deserialize

    return deserialize(config)


class QuantizationConfig:
    """Base class of quantization configs (``keras.quantizers.QuantizationConfig``).

    Args:
        weight_quantizer: quantizer of the weights (``None``: the layer's default).
        activation_quantizer: quantizer of the inputs (``None``: weight-only).
    """

    _keras_module = "keras.quantizers"

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self):
        """The quantization mode; subclasses define it."""
        raise NotImplementedError(
            "Subclasses must implement this property. Do not instantiate QuantizationConfig directly.")

    def get_config(self):
        """Keras's config: the two quantizers, serialized."""
        return {"weight_quantizer": _serialize(self.weight_quantizer),
                "activation_quantizer": _serialize(self.activation_quantizer)}

    @classmethod
    def from_config(cls, config):
        """Create the config from :meth:`get_config`'s output."""
        return cls(weight_quantizer=_deserialize(config.get("weight_quantizer")),
                   activation_quantizer=_deserialize(config.get("activation_quantizer")))

    @staticmethod
    def weight_quantizer_or_default(config, default):
        """``config.weight_quantizer`` if given, else ``default``."""
        if config is not None and config.weight_quantizer is not None:
            return config.weight_quantizer
        return default

    @staticmethod
    def activation_quantizer_or_default(config, default):
        """``config.activation_quantizer`` when a config is given (even ``None``), else ``default``."""
        if config is not None:
            return config.activation_quantizer
        return default


class Int8QuantizationConfig(QuantizationConfig):
    """Int8 config (``keras.quantizers.Int8QuantizationConfig``).

    Args:
        weight_quantizer: a quantizer with ``output_dtype="int8"``, or ``None``.
        activation_quantizer: ``"default"`` is ``AbsMaxQuantizer()`` (per-token
            int8 inputs); ``None`` makes the layer weight-only.
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        from keraton.quantizers.quantizers import AbsMaxQuantizer

        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        if self.weight_quantizer is not None and self.weight_quantizer.output_dtype != "int8":
            raise ValueError(
                "Int8QuantizationConfig requires a weight_quantizer with output_dtype='int8'. "
                f"Received: output_dtype={self.weight_quantizer.output_dtype}")

    @property
    def mode(self):
        """``"int8"``."""
        return "int8"


class Int4QuantizationConfig(QuantizationConfig):
    """Int4 config (``keras.quantizers.Int4QuantizationConfig``), weight-only by default.

    Args:
        weight_quantizer: a quantizer with ``value_range=(-8, 7)`` and int8 output, or ``None``.
        activation_quantizer: ``"default"`` means ``None`` (weight-only).
        block_size: rows per group for sub-channel quantization (asymmetric,
            with a zero point); ``None`` or ``-1`` is per-channel.  Default 128.
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default", block_size=128):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and block_size != -1 and block_size <= 0:
            raise ValueError(
                f"block_size must be None, -1, or a positive integer. Received: block_size={block_size}")
        self.block_size = block_size
        if (block_size is not None and block_size > 0) and (
                self.weight_quantizer is not None or self.activation_quantizer is not None):
            raise ValueError(
                "Int4 sub-channel quantization (block_size > 0) does not support custom quantizers. "
                "Either set block_size to None or -1 for per-channel quantization, or remove the "
                f"custom quantizer arguments. Received: block_size={block_size}")
        if self.weight_quantizer is not None:
            if tuple(self.weight_quantizer.value_range) != (-8, 7):
                raise ValueError(
                    "Int4QuantizationConfig requires a weight_quantizer with value_range=(-8, 7). "
                    f"Received: value_range={self.weight_quantizer.value_range}")
            if self.weight_quantizer.output_dtype != "int8":
                raise ValueError(
                    "Int4QuantizationConfig requires a weight_quantizer with output_dtype='int8'. "
                    f"Received: output_dtype={self.weight_quantizer.output_dtype}")

    @property
    def mode(self):
        """``"int4"``."""
        return "int4"

    def get_config(self):
        """The base config plus ``block_size``."""
        config = super().get_config()
        config["block_size"] = self.block_size
        return config

    @classmethod
    def from_config(cls, config):
        """Create the config; a missing ``block_size`` (older files) means per-channel."""
        return cls(weight_quantizer=_deserialize(config.get("weight_quantizer")),
                   activation_quantizer=_deserialize(config.get("activation_quantizer")),
                   block_size=config.get("block_size", None))


class Float8QuantizationConfig(QuantizationConfig):
    """Float8 training config (``keras.quantizers.Float8QuantizationConfig``); takes no quantizers."""

    def __init__(self):
        super().__init__(None, None)

    @property
    def mode(self):
        """``"float8"``."""
        return "float8"

    def get_config(self):
        """``{}``, as Keras."""
        return {}

    @classmethod
    def from_config(cls, config):
        """A new config (it has no arguments)."""
        return cls()


def _validate_mode(mode):
    if mode is not None and mode not in QUANTIZATION_MODES:
        raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. Received: mode={mode}")


def validate_and_resolve_config(mode, config):
    """The config ``quantize(mode, config)`` uses, with Keras's checks and error messages.

    A string ``config`` is taken as the mode; no config gives the mode's
    default config; a config contradicting ``mode`` is refused.
    """
    if isinstance(config, str):
        mode, config = config, None
    _validate_mode(mode)
    if config is None:
        defaults = {"int8": Int8QuantizationConfig, "int4": Int4QuantizationConfig,
                    "float8": Float8QuantizationConfig}
        if mode in defaults:
            config = defaults[mode]()
        elif mode == "gptq":
            raise ValueError("For GPTQ, you must pass a `GPTQConfig` object in the `config` argument.")
        elif mode == "awq":
            raise ValueError("For AWQ, you must pass an `AWQConfig` object in the `config` argument.")
        elif mode is not None:
            raise ValueError(f"Invalid quantization mode. Received: mode={mode}")
        else:
            raise ValueError("You must provide either `mode` or `config` to `quantize`.")
    elif not isinstance(config, QuantizationConfig):
        raise ValueError(
            "Argument `config` must be an instance of `QuantizationConfig`. "
            f"Received: config={config} (of type {type(config)})")
    if mode is not None and config.mode != mode:
        raise ValueError(f"Contradictory arguments: mode='{mode}' but config.mode='{config.mode}'")
    _validate_mode(config.mode)
    if config.mode == "awq":
        from keraton.quantizers.awq_config import AWQConfig

        if not isinstance(config, AWQConfig):
            raise ValueError(
                f"Mode 'awq' requires a valid `config` argument of type `AWQConfig`. Received: {type(config)}")
    return config


def get_block_size_for_layer(layer, config):
    """The int4 block size of ``layer``: from an ``Int4QuantizationConfig``, else its policy; ``None`` per-channel."""
    from keraton.mixed_precision.quantized_policy import DTypePolicyMap, Int4DTypePolicy

    if config and isinstance(config, Int4QuantizationConfig):
        return config.block_size
    policy = layer.dtype_policy
    if isinstance(policy, DTypePolicyMap):
        policy = policy[layer.path]
    if isinstance(policy, Int4DTypePolicy):
        return None if policy.block_size == -1 else policy.block_size
    return None
