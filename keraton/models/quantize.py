"""``Model.quantize``: quantize every supported layer of a built model (Keras 3.15's ``Model.quantize``)."""

from __future__ import annotations

import collections
import re
import warnings

from keraton.layers.core.quantization import QuantizableMixin
from keraton.quantizers.quantization_config import validate_and_resolve_config


def flatten_layers(layer, include_self=True) -> list:
    """``layer`` and all layers below it, in the order of Keras's ``_flatten_layers``."""
    out = [layer] if include_self else []
    seen = set()
    queue = collections.deque(layer._sublayers())
    while queue:
        current = queue.popleft()
        if id(current) in seen:
            continue
        seen.add(id(current))
        out.append(current)
        queue.extendleft(current._sublayers())
    return out


def should_quantize_layer(layer, filters) -> bool:
    """Whether ``filters`` (a regex, a list of regexes or a callable; ``None``: all) selects ``layer``."""
    if filters is None:
        return True
    if isinstance(filters, str):
        return bool(re.search(filters, layer.name))
    if isinstance(filters, (list, tuple)):
        return any(re.search(pattern, layer.name) for pattern in filters)
    if callable(filters):
        return filters(layer)
    return True


def _quantize_leaf(layer, mode, config, type_check):
    if isinstance(layer, QuantizableMixin):
        layer.quantize(mode, type_check=type_check, config=config)
        return
    # As Keras's base ``Layer.quantize``: the arguments are checked, then the layer is refused.
    config = validate_and_resolve_config(mode, config)
    QuantizableMixin._check_quantize_args(layer, config.mode, layer.compute_dtype)
    raise NotImplementedError(f"Layer {type(layer).__name__} does not have a `quantize` method implemented.")


def quantize_model(model, mode=None, config=None, filters=None, **kwargs) -> None:
    """Quantize the weights of a built ``model`` in place, as ``keras.Model.quantize``.

    Every leaf layer selected by ``filters`` is quantized with
    ``layer.quantize(mode, config=config)``; a layer that does not support
    quantization (or the mode) is skipped with a warning.  ``mode`` is
    ``"int8"``, ``"int4"``, ``"float8"``, ``"gptq"`` or ``"awq"`` (optional when
    ``config``, a ``keras.quantizers.QuantizationConfig``, is given).  An
    unbuilt or already quantized layer, or an invalid mode, raises
    ``ValueError`` as in Keras.  For ``"gptq"`` and ``"awq"`` the layers are
    then calibrated block by block (:mod:`keraton.quantizers.gptq_core`,
    :mod:`keraton.quantizers.awq_core`) along
    ``config.quantization_layer_structure`` or, when that is ``None``,
    ``model.get_quantization_layer_structure(mode)``.

    Example:
        >>> model = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(3)])
        >>> quantize_model(model, "int8")
        >>> model.layers[0].dtype_policy.name
        'int8_from_float32'
    """
    type_check = kwargs.pop("type_check", True)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments passed to {type(model).__name__}: {kwargs}")
    if filters is not None and not (isinstance(filters, (str, list, tuple)) or callable(filters)):
        raise ValueError(
            "The `filters` argument must be a regex string, a list of regex strings, or a callable. "
            f"Received: {type(filters)}")
    modified = False
    for layer in flatten_layers(model):
        if not should_quantize_layer(layer, filters) or len(flatten_layers(layer)) != 1:
            continue
        try:
            _quantize_leaf(layer, mode, config, type_check)
            modified = True
        except NotImplementedError as e:
            warnings.warn(str(e), stacklevel=2)
    # Keras tests only the ``mode`` argument here; a GPTQConfig/AWQConfig given alone is calibrated too.
    calibrated_mode = mode or getattr(config, "mode", None)
    if calibrated_mode in ("gptq", "awq"):
        _run_calibration(model, calibrated_mode, config, filters)
    if modified:
        for name in ("train_function", "test_function", "predict_function"):
            if getattr(model, name, None) is not None:
                setattr(model, name, None)


def _run_calibration(model, mode, config, filters) -> None:
    from keraton.quantizers.awq_core import awq_quantize
    from keraton.quantizers.gptq_core import gptq_quantize

    structure = config.quantization_layer_structure
    if structure is None and hasattr(model, "get_quantization_layer_structure"):
        structure = model.get_quantization_layer_structure(mode)
    if structure is None:
        raise ValueError(
            f"For mode='{mode}', a valid quantization structure must be provided either via "
            "`config.quantization_layer_structure` or by overriding `model.get_quantization_layer_structure(mode)`. "
            "The structure should be a dictionary with keys 'pre_block_layers' and 'sequential_blocks'.")
    (gptq_quantize if mode == "gptq" else awq_quantize)(config, structure, filters=filters)
    flag = f"is_{mode}_calibrated"
    left = [layer.name for layer in flatten_layers(model) if getattr(layer, flag, True) is False]
    if left:
        warnings.warn(
            f"{mode.upper()} calibrated no inputs for layers {left} (they are outside the structure's "
            "'sequential_blocks'): they keep computing with their float kernel, but, as in Keras, a saved "
            "model holds their empty quantized kernel. Quantize them with another mode or exclude them with "
            "`filters` before saving.", stacklevel=3)
