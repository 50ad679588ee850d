"""Standardising in-memory data once per ``fit``/``evaluate``/``predict`` call.

Turns what Keras users pass (NumPy arrays, Python lists such as the seed's
``[1, 2, 3, 4]``, torch tensors, lists/dicts of those) into torch tensors with
the model's input dtypes, expands 1-D inputs to ``(n, 1)`` as tf.keras 2 did,
checks shapes, sample counts and finiteness, splits off ``validation_split``
and then folds ``class_weight`` into the training part's sample weights.  Each
check raises a ``ValueError`` that says what was expected, what was given and
what to do.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

from keraton import backend
from keraton.trainers.data_adapters import array_like_data_adapter as lazy_data
from keraton.trainers.data_adapters import data_adapter_utils as utils
from keraton.trainers.data_adapters import is_data_source
from keraton.utils import tree


def _is_scalar_list(x) -> bool:
    return isinstance(x, (list, tuple)) and all(
        isinstance(v, numbers.Number) or (isinstance(v, (list, tuple)) and _is_scalar_list(v)) for v in x
    )


def _strings_as_arrays(value):
    """Lists of Python strings become NumPy arrays, so that nests of them are not walked as nests."""
    if utils.is_string_array(value):
        return np.asarray(value)
    if isinstance(value, dict):
        return {k: _strings_as_arrays(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not _is_scalar_list(value):
        return type(value)(_strings_as_arrays(v) for v in value)
    return value


def _split_structure(value, count):
    """Decide whether ``value`` is one array or one array per model input/output."""
    if value is None:
        return None
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, (list, tuple)):
        if _is_scalar_list(value):
            return value  # a single array written as a Python list (Keras 2 style)
        if count is not None and count > 1:
            return list(value)
        if count is None and value and all(utils.is_array_like(v) and not isinstance(v, numbers.Number) for v in value):
            return list(value)
    return value


def _convert(value, name: str, strings: bool = False):
    """Tensors from array-likes; with ``strings``, string arrays stay NumPy (torch has no strings)."""
    if value is None:
        return None
    convert = utils.to_array_or_tensor if strings else utils.to_tensor
    if isinstance(value, dict):
        return {k: convert(v, f"{name}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list) and value and not _is_scalar_list(value):
        return [convert(v, f"{name}[{i}]") for i, v in enumerate(value)]
    return convert(value, name)


def _conform_strings(model, t, spec, name):
    """Expand 1-D string data to ``(n, 1)`` where the input wants rank 2; refuse a numeric input."""
    # A Sequential built by an eager call records a float input even when its first layer takes strings.
    stack = getattr(model, "_stack", None)
    takes_strings = bool(stack) and getattr(stack[0], "_accepts_strings", False)
    if spec is not None and spec.dtype != "string" and not takes_strings:
        raise TypeError(
            f"Input '{name}' of model '{model.name}' has dtype {spec.dtype}, "
            "but the data are "
            f"strings (NumPy dtype {t.dtype}). Declare it as keraton.Input(..., dtype='string') "
            "and feed it to a TextVectorization/StringLookup/Hashing layer, or tokenize first."
        )
    if t.ndim == 1 and (spec is None or len(spec.shape) == 2):
        t = t[:, None]
    return t


def _checks_input_shapes(model) -> bool:
    """Whether data for ``model`` must match its inputs' non-batch dimensions.

    Not for a model with its own step (see ``_has_custom_step``), nor for a
    ``Sequential``: Keras 3's ``Sequential`` checks no input spec and runs its
    layers on whatever shape they accept (keras.io's semantic image clustering
    predicts 32x32 images with an encoder first built on 16x16 ones).
    """
    from keraton.models.sequential import Sequential

    return not (isinstance(model, Sequential) or _has_custom_step(model))


def _has_custom_step(model) -> bool:
    """Whether ``model`` overrides ``train_step``/``test_step``/``predict_step``.

    Such a step receives the data as given and may reshape or split them
    (keras.io's metric-learning example feeds ``(2, n, h, w, c)`` anchor/positive
    stacks to a model taking ``(h, w, c)``), so their shape is not checked
    against the model's inputs here; as in Keras 3, a mismatch only surfaces
    when the model is called.
    """
    from keraton.trainers.trainer import Trainer

    cls = type(model)
    return any(getattr(cls, step, None) is not getattr(Trainer, step)
               for step in ("train_step", "test_step", "predict_step"))


def _conform_inputs(model, x):
    """Cast to the input layers' dtypes, adjust a rank off by a trailing 1, check non-batch dimensions.

    Rank-1 data for a 2-D input gains an axis (tf.keras 2); otherwise a rank
    one short gains a trailing axis of 1 when the input ends in 1, and a rank
    one too many loses a trailing axis of 1 (Keras 3's ``_adjust_input_rank``).
    """
    inputs = getattr(model, "_input_list", None) or model.inputs
    if not inputs:
        return tree.map_structure(
            lambda t: _conform_strings(model, t, None, "input") if isinstance(t, np.ndarray)
            else t.unsqueeze(-1) if t.dim() == 1 else t, x)
    names = model.input_names
    if isinstance(x, dict):
        keys = list(model._inputs_struct) if isinstance(getattr(model, "_inputs_struct", None), dict) else names
        flat_pairs = [(x.get(k), inputs[i], k) for i, k in enumerate(keys)]
    else:
        flat = tree.flatten(x)
        if len(flat) != len(inputs):
            raise ValueError(
                f"Model '{model.name}' expects {len(inputs)} input(s) ({names}), but x holds "
                f"{len(flat)} array(s). Pass one array per input, as a list or a dict keyed by "
                "input name."
            )
        flat_pairs = [(t, inputs[i], names[i]) for i, t in enumerate(flat)]
    converted = []
    for t, spec, name in flat_pairs:
        if t is None:
            raise ValueError(f"No data was given for input '{name}' of model '{model.name}'.")
        if isinstance(t, np.ndarray):
            t = _conform_strings(model, t, spec, name)
        elif spec.dtype == "string":
            raise TypeError(
                f"Input '{name}' of model '{model.name}' takes strings (dtype='string'), but got "
                f"a {backend.dtype_name(t.dtype)} array. Pass a NumPy array or list of str."
            )
        else:
            rank = len(spec.shape)
            if t.dim() == rank - 1 and (rank == 2 or spec.shape[-1] == 1):
                t = t.unsqueeze(-1)  # tf.keras 2 expanded 1-D data; Keras 3 a missing axis of 1
            elif t.dim() == rank + 1 and t.shape[-1] == 1:
                t = t.squeeze(-1)  # Keras 3 drops a trailing axis of 1 the input does not have
            dtype = backend.torch_dtype(spec.dtype)
            if dtype.is_floating_point and t.dtype != dtype:
                t = t.to(dtype)
            elif not dtype.is_floating_point and t.is_floating_point():
                t = t.to(dtype)
        want = spec.shape
        got = tuple(t.shape)
        mismatch = len(want) != len(got) or any(
            w is not None and w != g for w, g in zip(want[1:], got[1:]))
        if mismatch and _checks_input_shapes(model):
            raise ValueError(
                f"Input '{name}' of model '{model.name}' expects data of shape {want} (None = any "
                f"size), but got an array of shape {got}. Reshape the data or rebuild the model "
                "with the right input shape."
            )
        converted.append(t)
    if isinstance(x, dict):
        return dict(zip([k for _, _, k in flat_pairs], converted))
    return tree.pack_sequence_as(x, converted)


def _standardize(model, x, y, sample_weight, what: str, in_memory: bool = True):
    """Convert and conform ``x``/``y``/``sample_weight``.

    In-memory data (``in_memory``) is also checked as Keras 3's array adapter
    checks it: equal numbers of samples, finite values. Streamed batches are
    not: a custom ``train_step`` may take, say, an unlabeled and a labeled
    batch of different sizes in one item (Keras 3 passes them through).
    """
    x = _strings_as_arrays(x)
    x = _convert(_split_structure(x, len(model.inputs) if model.inputs else None), "x", strings=True)
    outputs = model.outputs
    y = _convert(_split_structure(y, len(outputs) if outputs else None), "y")
    sample_weight = _convert(_split_structure(sample_weight, len(outputs) if outputs else None),
                             "sample_weight")
    x = _conform_inputs(model, x)
    named = [(t, "x") for t in tree.flatten(x)] + [(t, "y") for t in tree.flatten(y) if t is not None]
    named += [(t, "sample_weight") for t in tree.flatten(sample_weight) if t is not None]
    if in_memory:
        utils.num_samples([t for t, _ in named], [n for _, n in named])
        for t, n in named:
            utils.check_finite(t, f"The {what} data ({n})")
    return x, y, sample_weight


def standardize_batch(model, batch, device=None, class_weight=None):
    """One batch of a streaming source, converted as in-memory data is (``prepare_data``).

    Floats become floatx, 1-D inputs ``(n, 1)``, inputs take the model's
    input dtypes (dicts keyed by input name), then everything moves to
    ``device``.  Batches are not scanned for NaN (that would read every batch
    back to the host) nor checked for equal sample counts (as in Keras 3);
    ``class_weight`` folds into the sample weights as for
    arrays.  Returns the packed ``(x,)``/``(x, y)``/``(x, y, sw)``.
    """
    x, y, sample_weight = utils.unpack_x_y_sample_weight(batch)
    x, y, sample_weight = _standardize(model, x, y, sample_weight, "batch", in_memory=False)
    if class_weight and isinstance(y, torch.Tensor):
        weights = utils.class_weight_to_sample_weights(y, class_weight)
        sample_weight = weights if sample_weight is None else sample_weight * weights
    if device is not None:
        x, y, sample_weight = tree.map_structure(
            lambda t: t.to(device, non_blocking=True) if isinstance(t, torch.Tensor) else t,
            (x, y, sample_weight))
    return utils.pack_x_y_sample_weight(x, y, sample_weight)


def prepare_data(model, x, y=None, sample_weight=None, class_weight=None, validation_split=0.0,
                 validation_data=None, for_predict=False, lazy_arrays=False):
    """Return ``((x, y, sample_weight), validation or None)`` as tensors ready for an adapter.

    Array-likes read on demand (``HDF5Matrix``, h5py datasets: see
    ``array_like_data_adapter.is_lazy_array``) stay as given with
    ``lazy_arrays`` (``fit``/``evaluate``/``predict``, which read them batch
    by batch); otherwise (``*_on_batch``: one batch) they are read whole.
    """
    if x is None:
        raise ValueError("No data was passed: x is None. Pass the input data as `x`.")
    if lazy_data.has_lazy_arrays(x, y, sample_weight):
        if lazy_arrays:
            return _prepare_lazy(model, (x, y, sample_weight), class_weight, validation_split,
                                 validation_data)
        x, y, sample_weight = lazy_data.materialize((x, y, sample_weight))
    if is_data_source(x):
        if validation_split:
            raise ValueError(
                f"validation_split is only supported for in-memory arrays, not a {type(x).__name__}. "
                "Pass validation_data instead."
            )
        return (x, y, sample_weight), _prepare_validation(model, validation_data)
    x = _strings_as_arrays(x)
    leaves = [t for t in tree.flatten((x, y, sample_weight)) if t is not None]
    array_like = all(utils.is_array_like(t) or isinstance(t, (numbers.Number, list)) for t in leaves)
    if not array_like:
        return (x, y, sample_weight), _prepare_validation(model, validation_data)
    what = "input" if for_predict else "training"
    x, y, sample_weight = _standardize(model, x, y, sample_weight, what)
    if sample_weight is not None and getattr(model, "sample_weight_mode", None) == "temporal":
        for t in tree.flatten(sample_weight):
            if t.dim() != 2:
                raise ValueError(
                    "sample_weight_mode='temporal' expects sample weights of shape (samples, "
                    f"timesteps), got shape {tuple(t.shape)}."
                )
    if class_weight and (y is None or not isinstance(y, torch.Tensor)):
        raise ValueError(
            "class_weight is only supported for models with a single output and a y array; "
            "use sample_weight for multi-output models."
        )
    # Keras ignores validation_split when validation_data is given.
    validation = _prepare_validation(model, validation_data)
    train = (x, y, sample_weight)
    if validation is None and validation_split:
        train, validation = split_validation(train, validation_split)
    if class_weight:  # after the split: class weights weigh the training part only, as in Keras
        x, y, sample_weight = train
        weights = utils.class_weight_to_sample_weights(y, class_weight)
        train = (x, y, weights if sample_weight is None else sample_weight * weights)
    return train, validation


def _prepare_lazy(model, train, class_weight, validation_split, validation_data):
    """``prepare_data`` for data holding array-likes: checked, split into row views, not read.

    Each batch is converted when it is read (``ArrayLikeDataAdapter`` with
    ``standardize_batch``), class weights included; as for streamed data, the
    values are not scanned for NaN (that would read the whole dataset).
    """
    _, y, _ = train
    if class_weight and (y is None or isinstance(y, (list, tuple, dict))):
        raise ValueError(
            "class_weight is only supported for models with a single output and a y array; "
            "use sample_weight for multi-output models."
        )
    validation = _prepare_validation(model, validation_data)
    if validation is None and validation_split:
        train, validation = lazy_data.split_rows(train, validation_split)
    return train, validation


def _prepare_validation(model, validation_data):
    """``(x, y, sw)`` tensors for in-memory validation data; ``(source, None, None)`` for a source."""
    if validation_data is None:
        return None
    if is_data_source(validation_data):
        return validation_data, None, None
    vx, vy, vsw = _unpack_validation(validation_data)
    if lazy_data.has_lazy_arrays(vx, vy, vsw):
        return vx, vy, vsw  # read batch by batch (ArrayLikeDataAdapter)
    if is_data_source(vx):
        return vx, None, None
    return _standardize(model, vx, vy, vsw, "validation")


def keras2_validation_data(validation):
    """Keras 2.0-2.2's ``callback.validation_data``: inputs, targets, sample weights as NumPy arrays.

    One sample-weight array per target, ones where none was given, as Keras 2's
    standardized weights.  ``None`` for validation from a data source or read
    lazily (Keras 2 set it only for arrays).
    """
    if validation is None:
        return None
    vx, vy, vsw = validation
    arrays = [t for t in tree.flatten((vx, vy, vsw)) if t is not None]
    if not arrays or not all(isinstance(t, torch.Tensor) for t in arrays):
        return None
    targets = [t for t in tree.flatten(vy) if t is not None] if vy is not None else []
    weights = tree.flatten(vsw) if vsw is not None else [None] * len(targets)
    if len(weights) != len(targets):
        weights = [vsw if isinstance(vsw, torch.Tensor) else None] * len(targets)
    weights = [torch.ones(t.shape[0]) if w is None else w for t, w in zip(targets, weights)]
    return [t.detach().cpu().numpy() for t in [*tree.flatten(vx), *targets, *weights]]


def split_validation(train, validation_split: float):
    """Split the last ``validation_split`` of the data off for validation (before shuffling)."""
    return utils.train_validation_split(train, validation_split)


def _unpack_validation(validation_data):
    if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        vx, vy = validation_data[0], validation_data[1]
        vsw = validation_data[2] if len(validation_data) == 3 else None
        return vx, vy, vsw
    if isinstance(validation_data, tuple) and len(validation_data) == 1:
        return validation_data[0], None, None  # (x_val,): targets-free models, as Keras
    if not isinstance(validation_data, (tuple, list)):
        return validation_data, None, None  # x_val alone (an array, a dict), as Keras
    raise ValueError(
        "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight); "
        f"got {type(validation_data).__name__}"
        + (f" of length {len(validation_data)}" if hasattr(validation_data, '__len__') else "") + "."
    )


def as_numpy(value):
    """NumPy view of a tensor or nest of tensors (for tests and callbacks)."""
    return tree.map_structure(lambda t: t.cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t), value)
