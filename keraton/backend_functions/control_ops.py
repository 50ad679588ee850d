"""Keras 2 backend control flow and CTC functions (``K.rnn``, ``K.map_fn``, ``K.ctc_batch_cost``...).

Semantics are those of tf.keras 2 (``keras/src/backend.py`` of Keras 2.15),
computed with plain torch loops and ops:

* ``rnn`` runs a step function over the time axis with tf.keras 2's masking
  (masked steps carry the previous output and states over, or give zeros with
  ``zero_output_for_mask``), ``go_backwards``, constants and nested states;
* ``map_fn``, ``foldl`` and ``foldr`` loop a Python function over axis 0;
* the CTC functions take softmax probabilities ``(batch, time, classes)`` with
  the blank as the last class, and work on ``log(y_pred + epsilon())`` as
  tf.keras 2 does; sparse labels are torch sparse COO tensors.

Example:
    >>> from keraton import backend as K
    >>> K.foldl(lambda acc, x: acc + x, torch.tensor([1.0, 2.0, 3.0]))
    tensor(6.)
"""

from __future__ import annotations

import heapq
import itertools
import math

import torch
import torch.nn.functional as F

from keraton import tree
from keraton.backend import epsilon, standardize_dtype
from keraton.backend_functions.tensor_ops import _float, _t
from keraton.layers.keras_tensor import KerasTensor
from keraton.ops.nn.losses import ctc_decode as _ops_ctc_decode

__all__ = [
    "ctc_batch_cost", "ctc_decode", "ctc_label_dense_to_sparse", "foldl", "foldr", "in_top_k",
    "is_sparse", "map_fn", "rnn", "to_dense",
]
# ``map_fn`` stays out: tf.keras 2 cannot apply it to Keras tensors either.
_TENSOR_FUNCTIONS: list = ["ctc_batch_cost", "ctc_decode", "foldl", "foldr", "in_top_k", "rnn",
                           "to_dense"]

_SPARSE_LAYOUTS = (torch.sparse_coo, torch.sparse_csr, torch.sparse_csc, torch.sparse_bsr,
                   torch.sparse_bsc)


# ------------------------------------------------------------------------ rnn
def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
        unroll=False, input_length=None, time_major=False, zero_output_for_mask=False,
        return_all_outputs=True):
    """Iterate ``step_function`` over the time axis of ``inputs``, as tf.keras 2's ``K.rnn``.

    ``step_function(step_inputs, states + constants)`` returns ``(output,
    new_states)``; ``inputs`` (or each tensor of a nested ``inputs``) is
    ``(batch, time, ...)`` (``(time, batch, ...)`` with ``time_major``).  Where
    ``mask`` (``(batch, time)`` or ``(batch, time, 1)``) is false the states are
    carried over and the output is the previous step's output (zeros before
    the first step, or always with ``zero_output_for_mask``).  Without a mask,
    a tensor ``input_length`` masks the steps past each sequence's length
    (unless ``unroll``), as tf.keras 2's while-loop does.  With ``go_backwards``
    the outputs come in the processing (reversed) order.

    Returns:
        ``(last_output, outputs, new_states)``: ``outputs`` holds every step's
        output, or only the last one (time size 1) when ``return_all_outputs``
        is false; ``new_states`` is a tuple (the step function's own list with
        ``unroll`` and no mask, as in tf.keras 2).
    """
    flat_inputs = [_t(x) for x in tree.flatten(inputs)]
    for x in flat_inputs:
        if x.ndim < 3:
            raise ValueError(
                f"rnn expects inputs of rank 3 or more, (batch, time, ...), got shape "
                f"{tuple(x.shape)}. Add the time axis (e.g. K.expand_dims(x, 1)).")
    if not time_major:
        flat_inputs = [x.transpose(0, 1) for x in flat_inputs]
    steps = flat_inputs[0].shape[0]
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    device = flat_inputs[0].device
    keep = _step_masks(mask, None if unroll else input_length, time_major, go_backwards, steps,
                       device)
    constants = tuple(tree.map_structure(_t, list(constants or ())))
    states = tuple(tree.map_structure(_t, list(initial_states)))
    outputs, output, returned_states = [], None, states
    for i, t in enumerate(order):
        step_inputs = tree.pack_sequence_as(inputs, [x[t] for x in flat_inputs])
        new_output, returned_states = step_function(step_inputs, states + constants)
        flat_states = tree.flatten(returned_states)
        if keep is not None:
            fallback = output
            if zero_output_for_mask or fallback is None:
                fallback = tree.map_structure(torch.zeros_like, new_output)
            new_output = tree.map_structure(
                lambda new, old, k=keep[i]: torch.where(_like(k, new), new, old),
                new_output, fallback)
            flat_states = [torch.where(_like(keep[i], new), new, old)
                           for new, old in zip(flat_states, tree.flatten(states))]
        output = new_output
        states = tuple(tree.pack_sequence_as(list(initial_states), flat_states))
        if return_all_outputs or not outputs:
            outputs.append(output)
        else:
            outputs[0] = output
    if not outputs:
        raise ValueError("rnn expects at least one time step, got inputs with 0 steps.")
    stacked = tree.map_structure(lambda *o: torch.stack(o, dim=0 if time_major else 1), *outputs)
    new_states = returned_states if unroll and keep is None else states
    return output, stacked, new_states


def _step_masks(mask, input_length, time_major, go_backwards, steps, device):
    """Per processed step, the bool tensor saying which samples take the new output, or None."""
    if mask is not None:
        mask = _t(mask).to(device=device, dtype=torch.bool)
        if not time_major:
            mask = mask.transpose(0, 1)
        return [mask[t] for t in (range(steps - 1, -1, -1) if go_backwards else range(steps))]
    if not isinstance(input_length, torch.Tensor):
        return None  # tf.keras 2 masks by length only for a tensor input_length
    input_length = input_length.to(device)
    if go_backwards:
        # tf.keras 2 counts back from the longest length, not from the number of steps.
        start = torch.amax(input_length, dim=0) - 1 - input_length
        return [start < t for t in range(steps)]
    return [input_length > t for t in range(steps)]


def _like(keep: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """``keep`` with trailing size-1 axes so that it broadcasts against ``value``."""
    return keep.reshape(tuple(keep.shape) + (1,) * (value.ndim - keep.ndim))


# --------------------------------------------------------- higher-order loops
def _elements(fn_name, fn, elems):
    """``(count, item)``: the size of axis 0 of (nested) ``elems`` and a getter of its i-th slice."""
    if not callable(fn):
        raise TypeError(f"{fn_name} expects a callable `fn`, got {fn!r}.")
    flat = [_t(e) for e in tree.flatten(elems)]
    if not flat or flat[0].ndim == 0:
        raise ValueError(f"{fn_name} expects `elems` with a leading axis to loop over, got "
                         f"{elems!r}.")
    return flat[0].shape[0], lambda i: tree.pack_sequence_as(elems, [e[i] for e in flat])


def map_fn(fn, elems, name=None, dtype=None):
    """Apply ``fn`` to each slice of ``elems`` along axis 0 and stack the results, as ``K.map_fn``.

    ``elems`` may be nested; ``fn`` then receives the same structure of slices
    and may return a nested structure.  ``dtype``, when given, is the dtype
    ``fn``'s outputs must have (a mismatch raises ``TypeError``, as in tf.keras 2).
    """
    count, item = _elements("map_fn", fn, elems)
    if count == 0:
        raise ValueError("map_fn expects at least one element along axis 0 of `elems`, got 0.")
    results = [fn(item(i)) for i in range(count)]
    stacked = tree.map_structure(lambda *r: torch.stack([_t(v) for v in r]), *results)
    if dtype is not None and not tree.is_nested(dtype):
        expected = standardize_dtype(dtype)
        for value in tree.flatten(stacked):
            if standardize_dtype(value.dtype) != expected:
                raise TypeError(f"map_fn: `fn` returned {standardize_dtype(value.dtype)} values "
                                f"but dtype={expected!r} was given. Pass the dtype `fn` returns "
                                "or cast inside `fn`.")
    return stacked


def foldl(fn, elems, initializer=None, name=None):
    """Reduce ``elems`` along axis 0 from left to right with ``fn(acc, x)``, as ``K.foldl``.

    Without ``initializer`` the first element starts the accumulator.
    """
    return _fold("foldl", fn, elems, initializer, reverse=False)


def foldr(fn, elems, initializer=None, name=None):
    """Reduce ``elems`` along axis 0 from right to left with ``fn(acc, x)``, as ``K.foldr``.

    Without ``initializer`` the last element starts the accumulator.
    """
    return _fold("foldr", fn, elems, initializer, reverse=True)


def _fold(fn_name, fn, elems, initializer, reverse):
    count, item = _elements(fn_name, fn, elems)
    indices = list(range(count - 1, -1, -1) if reverse else range(count))
    if initializer is None:
        if count == 0:
            raise ValueError(f"{fn_name} needs an `initializer` when `elems` is empty.")
        acc = item(indices.pop(0))
    else:
        acc = tree.map_structure(_t, initializer)
    for i in indices:
        acc = fn(acc, item(i))
    return acc


# ------------------------------------------------------------- sparse tensors
def is_sparse(tensor):
    """Whether ``tensor`` is a torch sparse tensor (or a sparse Keras tensor), as ``K.is_sparse``."""
    if isinstance(tensor, KerasTensor):
        return bool(tensor.sparse)
    return isinstance(tensor, torch.Tensor) and tensor.layout in _SPARSE_LAYOUTS


def to_dense(tensor):
    """The dense form of a sparse tensor; any other value is returned as is, as ``K.to_dense``."""
    return tensor.to_dense() if is_sparse(tensor) else tensor


# ------------------------------------------------------------------ top k
def in_top_k(predictions, targets, k):
    """Whether each ``targets[i]`` is among the ``k`` largest ``predictions[i]``, as ``K.in_top_k``.

    As TensorFlow's ``in_top_k``: classes tied with the k-th value all count
    as in the top k, and a row with a non-finite prediction or an out-of-range
    target gives False.  Returns a bool tensor ``(batch,)``.
    """
    predictions, targets = _t(predictions), _t(targets)
    if predictions.ndim != 2 or targets.ndim != 1 or targets.shape[0] != predictions.shape[0]:
        raise ValueError(
            f"in_top_k expects predictions of shape (batch, classes) and targets of shape "
            f"(batch,), got {tuple(predictions.shape)} and {tuple(targets.shape)}.")
    targets = targets.to(device=predictions.device, dtype=torch.int64)
    classes = predictions.shape[1]
    valid = (targets >= 0) & (targets < classes)
    target_values = predictions.gather(1, targets.clamp(0, max(classes - 1, 0))[:, None])
    higher = (predictions > target_values).sum(dim=1)
    return valid & torch.isfinite(predictions).all(dim=1) & (higher < k)


# ---------------------------------------------------------------------- CTC
def ctc_label_dense_to_sparse(labels, label_lengths):
    """The first ``label_lengths[i]`` labels of each row as a sparse COO tensor, as tf.keras 2's.

    The result has ``labels``'s shape and dtype, int64 indices ``(batch, position)``
    in row-major order (the ``indices``/``values``/``dense_shape`` of TF's
    ``SparseTensor``).
    """
    labels = _t(labels)
    lengths = _t(label_lengths).to(labels.device)
    if labels.ndim != 2 or lengths.ndim != 1 or lengths.shape[0] != labels.shape[0]:
        raise ValueError(
            f"ctc_label_dense_to_sparse expects labels of shape (batch, max_label_length) and "
            f"label_lengths of shape (batch,), got {tuple(labels.shape)} and "
            f"{tuple(lengths.shape)}.")
    kept = torch.arange(labels.shape[1], device=labels.device)[None, :] < lengths[:, None]
    return torch.sparse_coo_tensor(kept.nonzero().T, labels[kept], tuple(labels.shape),
                                   is_coalesced=True, check_invariants=False)


def _lengths(value, name, batch, fn_name):
    """``value`` of shape ``(batch, 1)`` (tf.keras 2 squeezes its last axis) as int64 ``(batch,)``."""
    value = _t(value)
    if value.ndim != 2 or value.shape[1] != 1 or value.shape[0] != batch:
        raise ValueError(f"{fn_name} expects {name} of shape (batch, 1) = ({batch}, 1), got "
                         f"{tuple(value.shape)}.")
    return value[:, 0].to(torch.int64)


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """CTC loss of each sample, ``(batch, 1)``, as tf.keras 2's ``K.ctc_batch_cost``.

    ``y_true`` ``(batch, max_label_length)`` holds the labels (the first
    ``label_length[i]`` of each row count); ``y_pred`` ``(batch, time, classes)``
    holds softmax probabilities whose last class is the blank;
    ``input_length`` and ``label_length`` are ``(batch, 1)``.  As TensorFlow's
    ``ctc_loss`` on ``log(y_pred + epsilon())``, the log-probabilities are
    renormalized with a log-softmax; an impossible alignment gives ``inf``.
    """
    y_pred = _float(_t(y_pred))
    if y_pred.ndim != 3:
        raise ValueError(f"ctc_batch_cost expects y_pred of shape (batch, time, classes), got "
                         f"{tuple(y_pred.shape)}.")
    batch, steps, classes = y_pred.shape
    labels = _t(y_true).to(device=y_pred.device, dtype=torch.int64)
    input_length = _lengths(input_length, "input_length", batch, "ctc_batch_cost").to(y_pred.device)
    label_length = _lengths(label_length, "label_length", batch, "ctc_batch_cost").to(y_pred.device)
    too_long = (input_length > steps) | (label_length > input_length)
    if bool(too_long.any()):
        i = int(too_long.nonzero()[0, 0])
        raise ValueError(
            f"ctc_batch_cost: sample {i} has label_length {int(label_length[i])} and "
            f"input_length {int(input_length[i])} with y_pred of {steps} time steps; each "
            "input_length must be at most the time steps and at least the label_length.")
    label_length = label_length.clamp(max=labels.shape[1])
    log_probs = torch.log_softmax(torch.log(y_pred.transpose(0, 1) + epsilon()), dim=-1)
    loss = F.ctc_loss(log_probs, labels, input_length, label_length, blank=classes - 1,
                      reduction="none")
    return loss.unsqueeze(1)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Decode softmax outputs ``(batch, time, classes)`` (blank last), as tf.keras 2's ``K.ctc_decode``.

    Greedy: the best class at each step, repeats merged and blanks dropped;
    the log probability is minus the sum over steps of the best
    ``log(y_pred + epsilon())``.  Beam search (``greedy=False``): the
    ``top_paths`` most probable label sequences found with ``beam_width``
    beams, repeated labels merged in each returned sequence as TensorFlow's
    ``ctc_beam_search_decoder(merge_repeated=True)`` does.

    Returns:
        ``(decoded, log_prob)``: a list (one tensor per path) of int64
        ``(batch, time)`` label sequences padded with -1, and ``log_prob``
        ``(batch, 1)`` (greedy) or ``(batch, top_paths)``.
    """
    y_pred = _float(_t(y_pred))
    if y_pred.ndim != 3:
        raise ValueError(f"ctc_decode expects y_pred of shape (batch, time, classes), got "
                         f"{tuple(y_pred.shape)}.")
    lengths = _t(input_length).to(y_pred.device)
    if lengths.numel() != y_pred.shape[0] or lengths.ndim > 2:
        raise ValueError(f"ctc_decode expects input_length of shape (batch,) = "
                         f"({y_pred.shape[0]},), got {tuple(lengths.shape)}.")
    lengths = lengths.reshape(-1).to(torch.int64)
    if not greedy and not 0 < top_paths <= beam_width:
        raise ValueError(f"ctc_decode expects 0 < top_paths <= beam_width, got top_paths="
                         f"{top_paths} and beam_width={beam_width}.")
    log_probs = torch.log(y_pred + epsilon())
    if greedy:
        paths, scores = _ops_ctc_decode(log_probs, lengths, strategy="greedy",
                                        mask_index=y_pred.shape[-1] - 1)
        return [paths[0].to(torch.int64)], scores.to(y_pred.dtype)
    batch, steps, _ = y_pred.shape
    paths = torch.full((top_paths, batch, steps), -1, dtype=torch.int64)
    scores = torch.zeros((batch, top_paths), dtype=y_pred.dtype)
    rows = log_probs.detach().cpu().double().tolist()
    for b, length in enumerate(lengths.tolist()):
        for i, (labels, score) in enumerate(_beam_search(rows[b][:length], beam_width, top_paths)):
            paths[i, b, :len(labels)] = torch.tensor(labels, dtype=torch.int64)
            scores[b, i] = score
    return list(paths.to(y_pred.device)), scores.to(y_pred.device)


# TensorFlow's CTC beam search (``ctc_beam_search.h``), step for step: which
# prefixes survive a narrow beam depends on the order in which TF grows and
# evicts them, so the plain prefix beam search can give other probabilities.
_LOG_ZERO = -math.inf


def _log_add(a: float, b: float) -> float:
    if a == _LOG_ZERO:
        return b
    if b == _LOG_ZERO:
        return a
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


class _Beam:
    """A prefix in TF's beam tree: its last label, parent, children and probabilities.

    ``old`` and ``new`` are ``[total, blank, label]`` log probabilities at the
    previous and the current step; a beam is active while ``new`` is not zero.
    """

    __slots__ = ("label", "parent", "children", "old", "new")

    def __init__(self, parent, label):
        self.parent, self.label, self.children = parent, label, {}
        self.old, self.new = [_LOG_ZERO] * 3, [_LOG_ZERO] * 3

    def active(self) -> bool:
        return self.new[0] != _LOG_ZERO

    def child(self, label) -> _Beam:
        if label not in self.children:
            self.children[label] = _Beam(self, label)
        return self.children[label]

    def labels(self) -> list:
        """The prefix's labels, repeats merged (TF's ``merge_repeated=True``)."""
        out, beam = [], self
        while beam.parent is not None:
            if not out or out[-1] != beam.label:
                out.append(beam.label)
            beam = beam.parent
        return out[::-1]


def _is_candidate(total: float, leaves: list, beam_width: int) -> bool:
    """Whether a beam of log probability ``total`` enters the (min-heap) ``leaves``."""
    return total > _LOG_ZERO and (len(leaves) < beam_width or total > leaves[0][0])


def _beam_search(rows: list, beam_width: int, top_paths: int) -> list:
    """``[(labels, log probability)]`` of the ``top_paths`` best beams over ``rows`` (blank last)."""
    root = _Beam(None, -1)
    root.new = [0.0, 0.0, _LOG_ZERO]
    leaves = [(0.0, 0, root)]  # a min-heap of (total, arrival, beam): TF's TopN
    arrivals = itertools.count(1)
    for row in rows:
        top = max(row)
        norm = top + math.log(sum(math.exp(v - top) for v in row))
        branches = [beam for _, _, beam in sorted(leaves, key=lambda item: -item[0])]
        leaves = []
        for beam in branches:
            beam.old = list(beam.new)
        for beam in branches:
            new = beam.new
            if beam.parent is not None:
                parent = beam.parent
                if parent.active():
                    previous = parent.old[1] if beam.label == parent.label else parent.old[0]
                    new[2] = _log_add(new[2], previous)
                new[2] += row[beam.label] - norm
            new[1] = beam.old[0] + row[-1] - norm
            new[0] = _log_add(new[1], new[2])
            heapq.heappush(leaves, (new[0], next(arrivals), beam))
        for beam in branches:
            if not _is_candidate(beam.old[0], leaves, beam_width):
                continue
            for label in range(len(row) - 1):
                total = row[label] - norm + (beam.old[1] if label == beam.label else beam.old[0])
                if not _is_candidate(total, leaves, beam_width):
                    # TF deactivates the child; for a beam evicted earlier in this step,
                    # that also cancels its own growth.
                    child = beam.children.get(label)
                    if child is not None and not child.active():
                        child.old = [_LOG_ZERO] * 3
                    continue
                child = beam.child(label)
                if child.active():
                    continue
                child.new = [total, _LOG_ZERO, total]
                if len(leaves) == beam_width:
                    heapq.heappop(leaves)[2].new = [_LOG_ZERO] * 3
                heapq.heappush(leaves, (total, next(arrivals), child))
    if len(leaves) < top_paths:
        raise ValueError(f"ctc_decode: the beam search kept {len(leaves)} beams, fewer than "
                         f"top_paths={top_paths}; ask for fewer top_paths.")
    best = sorted(leaves, key=lambda item: -item[0])[:top_paths]
    return [(beam.labels(), total) for total, _, beam in best]
