"""Nested-structure helpers (lists, tuples, dicts) for inputs, outputs and configs.

Used at graph-construction and data-adaptation time, never per layer call in
the training step of a Sequential model.
"""

from __future__ import annotations


def flatten(structure) -> list:
    """Return the leaves of a nest of lists/tuples/dicts (dicts in key-insertion order)."""
    if isinstance(structure, (list, tuple)):
        out = []
        for s in structure:
            out.extend(flatten(s))
        return out
    if isinstance(structure, dict):
        out = []
        for v in structure.values():
            out.extend(flatten(v))
        return out
    return [structure]


def map_structure(fn, structure):
    """Apply ``fn`` to every leaf, keeping the nesting (tuples stay tuples, dicts stay dicts)."""
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def pack_sequence_as(structure, flat_sequence):
    """Inverse of :func:`flatten`: fill ``structure``'s leaves from ``flat_sequence`` in order."""
    it = iter(flat_sequence)

    def _fill(s):
        if isinstance(s, list):
            return [_fill(x) for x in s]
        if isinstance(s, tuple):
            return tuple(_fill(x) for x in s)
        if isinstance(s, dict):
            return {k: _fill(v) for k, v in s.items()}
        return next(it)

    return _fill(structure)
