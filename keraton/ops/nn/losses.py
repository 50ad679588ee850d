"""``keras.ops.nn`` encodings (``one_hot``, ``multi_hot``) and losses (crossentropies, CTC)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from keraton import backend
from keraton.losses.functions import _bce_from_probs
from keraton.ops._utils import convert_to_tensor, keras_op, standardize_dtype
from keraton.ops.nn.activations import _common_float, _float, _floatx

__all__ = [
    "binary_crossentropy", "categorical_crossentropy", "ctc_decode", "ctc_loss", "multi_hot",
    "one_hot", "sparse_categorical_crossentropy",
]


# --------------------------------------------------------------------------- encodings


@keras_op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer ``x`` into a new axis ``axis`` of size ``num_classes``.

    Negative and out-of-range ids give all-zero vectors; ``dtype`` defaults to
    ``floatx()``.  ``axis`` counts in the output's dimensions.
    """
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported (keraton tensors are dense).")
    x = convert_to_tensor(x)
    if x.is_floating_point() or x.is_complex():
        x = x.to(torch.int64)
    classes = torch.arange(num_classes, device=x.device)
    out = (x.unsqueeze(-1) == classes).to(standardize_dtype(dtype) or _floatx())
    return out.movedim(-1, axis)


@keras_op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encode integer ``inputs``: 1 for every class present in a sample.

    Rank-1 inputs are one sample; for higher ranks axis 1 is the one reduced
    (Keras's rule).  ``num_tokens`` is accepted as an alias of ``num_classes``.
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("multi_hot: the argument `num_classes` must be specified.")
    if kwargs:
        raise TypeError(f"multi_hot: unexpected keyword arguments {sorted(kwargs)}.")
    x = convert_to_tensor(inputs)
    encoded = one_hot(x, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    return torch.amax(encoded, dim=1 if x.ndim > 1 else 0)


# --------------------------------------------------------------------------- losses


def _check_same_shape(op, target, output):
    if target.shape != output.shape:
        raise ValueError(
            f"{op}: `target` and `output` must have the same shape, got target.shape="
            f"{tuple(target.shape)} and output.shape={tuple(output.shape)}.")


def _log_probabilities(output, axis, from_logits):
    """Log-softmax of logits, or the log of probabilities renormalised and clipped, as Keras."""
    if from_logits:
        return F.log_softmax(output, dim=axis)
    eps = backend.epsilon()
    return torch.log(torch.clamp(output / output.sum(dim=axis, keepdim=True), eps, 1 - eps))


@keras_op
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (no reduction); probabilities clipped to ``[eps, 1 - eps]``."""
    target, output = _common_float(target, output)
    _check_same_shape("binary_crossentropy", target, output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    return _bce_from_probs(target, output)


@keras_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of one-hot ``target`` and ``output`` over ``axis`` (reduced).

    Probabilities are divided by their sum along ``axis`` and clipped to
    ``[epsilon, 1 - epsilon]``, as Keras does.
    """
    target, output = _common_float(target, output)
    _check_same_shape("categorical_crossentropy", target, output)
    if output.ndim < 1:
        raise ValueError("categorical_crossentropy: `target` and `output` must be at least rank 1, "
                         "got scalars.")
    log_prob = _log_probabilities(output, axis, from_logits)
    return -torch.sum(target * log_prob, dim=axis)


@keras_op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of integer class ids ``target`` and ``output`` (class axis ``axis``).

    ``target`` has ``output``'s shape without the class axis (or with it of size
    1); probabilities are normalised and clipped as in categorical_crossentropy.
    """
    output = _float(output)
    target = convert_to_tensor(target).to(device=output.device, dtype=torch.int64)
    if output.ndim < 1:
        raise ValueError("sparse_categorical_crossentropy: `output` must be at least rank 1, "
                         "got a scalar.")
    axis = axis % output.ndim
    if target.ndim == output.ndim and target.shape[axis] == 1:
        target = target.squeeze(axis)
    expected = output.shape[:axis] + output.shape[axis + 1:]
    if target.shape != expected:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must have the shape of `output` without "
            f"the class axis {axis}, i.e. {tuple(expected)}; got target.shape="
            f"{tuple(target.shape)} and output.shape={tuple(output.shape)}.")
    log_prob = _log_probabilities(output, axis, from_logits)
    return -torch.gather(log_prob, axis, target.unsqueeze(axis)).squeeze(axis)


@keras_op
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC loss per sample of ``output`` logits ``(batch, time, classes)`` against ``target`` ids.

    The logits go through a log-softmax; ``mask_index`` is the blank class.
    Computed in float32 whatever the input dtype, as Keras does.
    """
    # Keras computes in result_type(output, float32), and its result_type maps 64 to 32 bits.
    output = convert_to_tensor(output).to(torch.float32)
    target = convert_to_tensor(target).to(device=output.device, dtype=torch.int64)
    lengths = [convert_to_tensor(v).to(device=output.device, dtype=torch.int64)
               for v in (output_length, target_length)]
    log_probs = F.log_softmax(output.transpose(0, 1), dim=-1)
    return F.ctc_loss(log_probs, target, *lengths, blank=mask_index, reduction="none")


def _log_add(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` on Python floats."""
    if a < b:
        a, b = b, a
    return a if b == -math.inf else a + math.log1p(math.exp(b - a))


def _accumulate(table: dict, prefix: tuple, blank_end: float, label_end: float) -> None:
    """Add alignment probabilities to ``prefix``'s (blank-ending, label-ending) pair."""
    if blank_end == label_end == -math.inf:
        return
    old_blank, old_label = table.get(prefix, (-math.inf, -math.inf))
    table[prefix] = (_log_add(old_blank, blank_end), _log_add(old_label, label_end))


def _prefix_beam_search(log_probs: list, length: int, beam_width: int, blank: int) -> list:
    """CTC prefix beam search over one sequence: ``[(prefix, log probability)]``.

    Each prefix keeps two log probabilities: of the alignments ending in a
    blank and of those ending in its last label; a label repeated without a
    blank in between extends the same prefix.
    """
    beams = {(): (0.0, -math.inf)}
    for row in log_probs[:length]:
        grown: dict = {}
        for prefix, (p_blank, p_label) in beams.items():
            p_total = _log_add(p_blank, p_label)
            for label, p in enumerate(row):
                if label == blank:
                    _accumulate(grown, prefix, p_total + p, -math.inf)
                elif prefix and prefix[-1] == label:
                    _accumulate(grown, prefix, -math.inf, p_label + p)
                    _accumulate(grown, prefix + (label,), -math.inf, p_blank + p)
                else:
                    _accumulate(grown, prefix + (label,), -math.inf, p_total + p)
        ranked = sorted(grown.items(), key=lambda item: -_log_add(*item[1]))
        beams = dict(ranked[:beam_width])
    return [(prefix, _log_add(*ps)) for prefix, ps in beams.items()]


def _ctc_beam_search_decode(x, lengths, beam_width, top_paths, blank):
    """Beam search decoding in Keras's output layout (a host-side loop, as Keras's torch backend)."""
    batch, steps, _ = x.shape
    log_probs = F.log_softmax(x, dim=-1).tolist()
    paths = torch.full((top_paths, batch, steps), -1, dtype=torch.int32)
    scores = torch.full((batch, top_paths), -math.inf, dtype=torch.float32)
    for b, length in enumerate(lengths.tolist()):
        found = _prefix_beam_search(log_probs[b], int(length), beam_width, blank)
        for i, (prefix, score) in enumerate(sorted(found, key=lambda item: -item[1])[:top_paths]):
            paths[i, b, :len(prefix)] = torch.tensor(prefix, dtype=torch.int32)
            scores[b, i] = score
    return paths.to(x.device), scores.to(x.device)


@keras_op
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode CTC outputs ``(batch, time, classes)``; returns ``(paths, scores)`` as Keras does.

    ``mask_index`` is the blank class (None: the last one).  Greedy: the best
    class at each step, repeats merged (``merge_repeated``) and blanks dropped;
    paths ``(1, batch, time)`` int32 padded with -1, scores ``(batch, 1)`` the
    negated sum of the best values.  ``'beam_search'``: CTC prefix beam search
    over the log-softmax of ``inputs``; the ``top_paths`` best label sequences
    ``(top_paths, batch, time)`` and their log probabilities ``(batch,
    top_paths)``.
    """
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(
            f"ctc_decode: `strategy` must be 'greedy' or 'beam_search', got {strategy!r}.")
    x = convert_to_tensor(inputs).to(torch.float32)  # as in ctc_loss
    lengths = convert_to_tensor(sequence_lengths).to(device=x.device)
    batch, steps, classes = x.shape
    blank = classes - 1 if mask_index is None else mask_index
    if strategy == "beam_search":
        return _ctc_beam_search_decode(x, lengths, beam_width, top_paths, blank)
    scores, ids = torch.max(x, dim=-1)
    ids = ids.to(torch.int32)
    past_end = torch.arange(steps, device=x.device) >= lengths[:, None]
    ids = torch.where(past_end, blank, ids)
    scores = torch.where(past_end, torch.zeros((), dtype=x.dtype, device=x.device), scores)
    if merge_repeated:
        repeat = F.pad(ids[:, 1:] == ids[:, :-1], (1, 0))
        ids = torch.where(repeat, blank, ids)
    dropped = ids == blank
    # Move the kept ids to the front, in order, and fill the rest with -1.
    order = torch.argsort(dropped.to(torch.int8), dim=1, stable=True)
    ids = torch.gather(torch.where(dropped, -1, ids), 1, order)
    return ids.unsqueeze(0), -scores.sum(dim=1, keepdim=True)


