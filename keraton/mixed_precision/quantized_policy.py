"""Quantized dtype policies and ``DTypePolicyMap`` (``keras.dtype_policies``, Keras 3.15).

A quantized policy is named ``"<mode>_from_<source>"`` (``"int8_from_float32"``,
``"int4/128_from_mixed_bfloat16"``, ``"float8_from_float32"``): the layer
computes as the source policy says and holds quantized weights.  A layer
created with such a policy builds its quantized variables directly, which is
how a quantized model is restored from its config.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping

from keraton.mixed_precision.policy import DTypePolicy

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")


def _global_name():
    from keraton.mixed_precision.policy import global_policy

    return global_policy().name


class QuantizedDTypePolicy(DTypePolicy):
    """A policy for quantized layers (``keras.dtype_policies.QuantizedDTypePolicy``).

    Args:
        mode: ``"int8"``, ``"int4"`` or ``"float8"``.
        source_name: the policy the layer computes with (``None``: the global one).

    Example:
        >>> p = QuantizedDTypePolicy("int8", "mixed_bfloat16")
        >>> p.name, p.compute_dtype, p.variable_dtype, p.quantization_mode
        ('int8_from_mixed_bfloat16', 'bfloat16', 'float32', 'int8')
    """

    _keras_module = "keras.dtype_policies"

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = _global_name()
        source = DTypePolicy(source_name)
        self._compute_dtype, self._variable_dtype = source.compute_dtype, source.variable_dtype
        self._check_quantization_mode(mode, self._compute_dtype)
        self._name = f"{mode}_from_{source_name}"
        self._source_name = source_name
        self._quantization_mode = mode

    @property
    def quantization_mode(self):
        """The quantization mode (``"int8"``, ``"int4"``, ``"float8"``)."""
        return self._quantization_mode

    def _check_quantization_mode(self, mode, compute_dtype):
        if mode not in QUANTIZATION_MODES:
            raise ValueError(
                f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. Received: mode={mode}")
        if compute_dtype == "float16" and mode == "int8":
            raise ValueError(f"Quantization mode='{mode}' doesn't work well with compute_dtype='float16'.")

    def get_config(self):
        """``{"mode": ..., "source_name": ...}``, as Keras."""
        return {"mode": self._quantization_mode, "source_name": self._source_name}

    def __eq__(self, other):
        return (type(other) is type(self) and other.name == self.name
                and other._quantization_mode == self._quantization_mode
                and other._source_name == self._source_name)

    def __hash__(self):
        return hash((type(self).__name__, self._name))

    def __repr__(self):
        return f'<{type(self).__name__} "{self._name}">'


class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """The float8 training policy (``keras.dtype_policies.QuantizedFloat8DTypePolicy``).

    Args:
        mode: ``"float8"``.
        source_name: the compute policy.
        amax_history_length: length of the amax histories the scales are computed from.
    """

    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode=mode, source_name=source_name)
        if not isinstance(amax_history_length, int):
            raise TypeError(
                f"`amax_history_length` must be an integer. Received: amax_history_length={amax_history_length}")
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self):
        """The length of the amax history window."""
        return self._amax_history_length

    def __eq__(self, other):
        return super().__eq__(other) and self._amax_history_length == other._amax_history_length

    __hash__ = QuantizedDTypePolicy.__hash__

    def get_config(self):
        """The base config plus ``amax_history_length``."""
        config = super().get_config()
        config["amax_history_length"] = self._amax_history_length
        return config


class Int4DTypePolicy(QuantizedDTypePolicy):
    """The int4 policy with a block size (``keras.dtype_policies.Int4DTypePolicy``).

    Args:
        mode: ``"int4/<block_size>"``; ``-1`` is per-channel, a positive size
            is sub-channel (grouped, asymmetric).
        source_name: the compute policy.
    """

    def __init__(self, mode, source_name=None):
        parts = mode.split("/")
        expected = "'int4/<block_size>'"
        if len(parts) != 2 or parts[0] != "int4":
            raise ValueError(f"Invalid mode for Int4DTypePolicy. Expected format {expected}, but got '{mode}'.")
        try:
            block_size = int(parts[1])
        except ValueError:
            raise ValueError(
                "Invalid mode for Int4DTypePolicy. <block_size> must be an integer. Expected format "
                f"{expected}, but got '{mode}'.") from None
        if block_size < -1 or block_size == 0:
            raise ValueError(
                "Invalid block_size in mode. Supported values are -1 (per-channel) or a positive integer "
                f"(sub-channel), but got {block_size} from '{mode}'.")
        super().__init__(mode="int4", source_name=source_name)
        # As Keras: the name keeps the source given (``None`` stays "None").
        self._name = f"{mode}_from_{source_name}"
        self.mode = "int4"
        self.block_size = block_size

    def __eq__(self, other):
        return super().__eq__(other) and self.block_size == other.block_size

    __hash__ = QuantizedDTypePolicy.__hash__

    def get_config(self):
        """``{"mode": "int4/<block_size>", "source_name": ...}``."""
        config = super().get_config()
        config["mode"] = f"{self.mode}/{self.block_size}"
        return config


class _BitsGroupDTypePolicy(QuantizedDTypePolicy):
    """A policy named ``"<mode>/<weight_bits>/<group_size>_from_<source>"`` (GPTQ and AWQ)."""

    _mode = ""
    _allowed_bits: tuple = ()
    _bits_message = ""
    _per_group_word = ""

    def __init__(self, mode, source_name=None):
        cls_name = type(self).__name__
        parts = mode.split("/")
        expected = f"'{self._mode}/<weight_bits>/<group_size>'"
        if len(parts) != 3 or parts[0] != self._mode:
            raise ValueError(f"Invalid mode for {cls_name}. Expected format {expected}, but got '{mode}'.")
        try:
            weight_bits, group_size = int(parts[1]), int(parts[2])
        except ValueError:
            raise ValueError(
                f"Invalid mode for {cls_name}. <weight_bits> and <group_size> must be integers. "
                f"Expected format {expected}, but got '{mode}'.") from None
        if weight_bits not in self._allowed_bits:
            raise ValueError(f"Invalid weight_bits in mode. {self._bits_message}, but got {weight_bits} "
                             f"from '{mode}'.")
        if group_size < -1 or group_size == 0:
            raise ValueError(
                f"Invalid group_size in mode. Supported values are -1 ({self._per_group_word}) or a positive "
                f"integer, but got {group_size} from '{mode}'.")
        super().__init__(mode=self._mode, source_name=source_name)
        # As Keras: the name keeps the source given (``None`` stays "None").
        self._name = f"{mode}_from_{source_name}"
        self.mode = self._mode
        self.weight_bits = weight_bits
        self.group_size = group_size

    def __eq__(self, other):
        return (super().__eq__(other) and self.weight_bits == other.weight_bits
                and self.group_size == other.group_size)

    __hash__ = QuantizedDTypePolicy.__hash__

    def get_config(self):
        """``{"mode": "<mode>/<weight_bits>/<group_size>", "source_name": ...}``."""
        config = super().get_config()
        config["mode"] = f"{self.mode}/{self.weight_bits}/{self.group_size}"
        return config


class GPTQDTypePolicy(_BitsGroupDTypePolicy):
    """The GPTQ policy (``keras.dtype_policies.GPTQDTypePolicy``): bits and group size in its name.

    A layer built with it (how ``load_model`` restores a GPTQ model) creates
    the packed kernel, scales, zeros and ``g_idx`` of that setting.

    Args:
        mode: ``"gptq/<weight_bits>/<group_size>"``, bits in 2, 3, 4, 8 and a
            group size of ``-1`` (one group) or a positive integer.
        source_name: the compute policy.

    Example:
        >>> p = GPTQDTypePolicy("gptq/4/128", "float32")
        >>> p.name, p.weight_bits, p.group_size
        ('gptq/4/128_from_float32', 4, 128)
    """

    _mode = "gptq"
    _allowed_bits = (2, 3, 4, 8)
    _bits_message = "Supported values are 2, 3, 4, and 8"
    _per_group_word = "whole-tensor"


class AWQDTypePolicy(_BitsGroupDTypePolicy):
    """The AWQ policy (``keras.dtype_policies.AWQDTypePolicy``): 4 bits and the group size in its name.

    A layer built with it (how ``load_model`` restores an AWQ model) creates
    the packed kernel, scales, zeros, ``awq_scales`` and ``g_idx``.

    Args:
        mode: ``"awq/4/<group_size>"``, a group size of ``-1`` (per channel)
            or a positive integer; AWQ only supports 4 bits.
        source_name: the compute policy.

    Example:
        >>> p = AWQDTypePolicy("awq/4/-1", "float32")
        >>> p.name, p.weight_bits, p.group_size
        ('awq/4/-1_from_float32', 4, -1)
    """

    _mode = "awq"
    _allowed_bits = (4,)
    _bits_message = "AWQ only supports 4-bit quantization"
    _per_group_word = "per-channel"


def quantized_policy_from_name(name):
    """The quantized policy a ``"<mode>_from_<source>"`` name describes, as Keras's lookup."""
    if not isinstance(name, str):
        raise TypeError(f"`policy` must be a string. Received: policy={name}")
    if not name.startswith(QUANTIZATION_MODES):
        raise ValueError("`policy` is incompatible with the current supported quantization.")
    parts = name.split("_from_")
    if len(parts) != 2:
        raise ValueError(
            "Cannot convert `policy` into a valid pair (`mode`, `source_name`) to instantiate "
            f"`QuantizedDTypePolicy`. Received: policy={name}")
    mode, source_name = parts
    if name.startswith("int8"):
        return QuantizedDTypePolicy(mode, source_name)
    if name.startswith("int4"):
        return Int4DTypePolicy(mode, source_name) if "/" in mode else QuantizedDTypePolicy(mode, source_name)
    if name.startswith("gptq"):
        return GPTQDTypePolicy(mode, source_name)
    if name.startswith("awq"):
        return AWQDTypePolicy(mode, source_name)
    if name.startswith("float8"):
        return QuantizedFloat8DTypePolicy(mode, source_name)
    raise ValueError(f"Unknown quantized policy '{name}'.")


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """Layer paths (exact or regex) mapped to dtype policies (``keras.dtype_policies.DTypePolicyMap``).

    Lookup tries the exact key, then every key as a ``re.fullmatch``
    pattern; several matching patterns raise ``ValueError``; no match gives
    ``default_policy``.  As a policy it behaves as its default policy.

    Args:
        default_policy: the policy for unmatched paths (``None``: the global one).
        policy_map: optional initial ``{path: policy}`` dict.

    Example:
        >>> m = DTypePolicyMap(default_policy="float32")
        >>> m["encoder/.*"] = "int8_from_float32"
        >>> m["encoder/dense"].name, m["decoder"].name
        ('int8_from_float32', 'float32')
    """

    _keras_module = "keras.dtype_policies"

    def __init__(self, default_policy=None, policy_map=None):
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError(
                "If specified, `policy_map` must be a dict. "
                f"Received: policy_map={policy_map} of type {type(policy_map)}")
        from keraton.mixed_precision.policy import get

        self._default_policy_arg = default_policy
        self._default_policy = get(default_policy)
        self._policy_map = policy_map or {}

    @property
    def name(self):
        """``"map_<default policy name>"``."""
        return f"map_{self.default_policy.name}"

    @property
    def default_policy(self):
        """The policy of paths no key matches."""
        return self._default_policy

    @property
    def variable_dtype(self):
        """The default policy's variable dtype."""
        return self._default_policy.variable_dtype

    @property
    def compute_dtype(self):
        """The default policy's compute dtype."""
        return self._default_policy.compute_dtype

    @property
    def autocast_dtype(self):
        """The default policy's autocast dtype."""
        return self._default_policy.autocast_dtype

    @property
    def quantization_mode(self):
        """The default policy's quantization mode."""
        return getattr(self._default_policy, "quantization_mode", None)

    def __getitem__(self, key):
        if key in self._policy_map:
            return self._policy_map[key]
        matches = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(
                f"Path '{key}' matches multiple dtype policy specification keys: {matches}. Please make "
                "sure each path only matches at most one dtype policy specification key in the "
                "DTypePolicyMap.")
        if matches:
            return self._policy_map[matches[0]]
        return self.default_policy

    def __setitem__(self, key, policy):
        from keraton.mixed_precision.policy import get

        if key in self._policy_map:
            raise ValueError(
                f"{key} already exist in the DTypePolicyMap with value {self._policy_map[key]}. Please make "
                "sure to not use duplicated keys.")
        try:
            policy = get(policy)
        except Exception:
            raise ValueError(
                "Cannot interpret the assigned value by `keras.dtype_policies.get`. "
                f"Received: {policy} of type {type(policy)}") from None
        self._policy_map[key] = policy

    def __delitem__(self, key):
        return self._policy_map.pop(key)

    def __contains__(self, key):
        return key in self._policy_map

    def __len__(self):
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)

    def get_config(self):
        """Keras's config; with no ``default_policy`` the entries lose their source names, as in Keras."""
        from keraton.saving.serialization_lib import serialize_keras_object

        policy_map = {}
        for key, policy in self._policy_map.items():
            entry = serialize_keras_object(policy)
            if self._default_policy_arg is None:
                # Keras defers to the global policy at load time by dropping the names.
                if "source_name" in entry["config"]:
                    entry["config"]["source_name"] = None
                elif "name" in entry["config"]:
                    entry["config"]["name"] = None
            policy_map[key] = entry
        default = self._default_policy_arg
        if isinstance(default, DTypePolicy):
            default = serialize_keras_object(default)
        return {"default_policy": default, "policy_map": policy_map}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Create the map from :meth:`get_config`'s output."""
        from keraton.mixed_precision.policy import get

        config = dict(config)
        config["policy_map"] = {key: get(value) for key, value in (config.get("policy_map") or {}).items()}
        return cls(**config)

    def __repr__(self):
        mapping = [(k, v.name) for k, v in self._policy_map.items()]
        return (f"<DTypePolicyMap at {hex(id(self))} default_policy={self._default_policy.name}, "
                f"mapping={mapping}>")


POLICY_CLASSES = {cls.__name__: cls for cls in (QuantizedDTypePolicy, QuantizedFloat8DTypePolicy,
                                                 Int4DTypePolicy, GPTQDTypePolicy, AWQDTypePolicy,
                                                 DTypePolicyMap)}
