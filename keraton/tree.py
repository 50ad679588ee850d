"""``keras.tree``: utilities for nested structures of lists, tuples, dicts and namedtuples.

The nodes of a structure are ``list``, ``tuple``, ``dict``,
``collections.OrderedDict``, ``collections.defaultdict``, ``collections.deque``,
namedtuples and torch's structseq results (``torch.return_types.*``); anything
else (tensors, arrays, numbers, strings, ``None``, subclasses of ``list`` or
``dict``, ``torch.Size``) is a leaf.  As in Keras 3, dicts are visited in sorted
key order (``OrderedDict`` in its own order) while rebuilt dicts keep the key
order of the input; namedtuples use positional indices in paths.
"""

from __future__ import annotations

import collections
import warnings

__all__ = [
    "MAP_TO_NONE",
    "assert_same_paths",
    "assert_same_structure",
    "flatten",
    "flatten_with_path",
    "is_nested",
    "lists_to_tuples",
    "map_shape_structure",
    "map_structure",
    "map_structure_up_to",
    "pack_sequence_as",
    "traverse",
]


class MAP_TO_NONE:
    """Return this from a :func:`traverse` function to replace a sub-structure with ``None``."""


_SEQUENCES = (list, tuple, collections.deque)
_MAPPINGS = (dict, collections.OrderedDict, collections.defaultdict)


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _is_structseq(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "n_sequence_fields")


def is_nested(structure) -> bool:
    """True for a list, tuple, dict (ordered, default), deque or namedtuple; False for a leaf."""
    return (type(structure) in _SEQUENCES or type(structure) in _MAPPINGS
            or _is_namedtuple(structure) or _is_structseq(structure))


def _keys(node) -> list:
    """The keys (indices for sequences) of a node, in flattening order."""
    if type(node) in _MAPPINGS:
        if type(node) is collections.OrderedDict:
            return list(node)
        try:
            return sorted(node)
        except TypeError:  # keys that cannot be compared: keep insertion order
            return list(node)
    return list(range(len(node)))


def _children(node) -> list:
    return [node[k] for k in _keys(node)]


def _rebuild(node, values):
    """A node of ``node``'s type holding ``values`` (given in :func:`_keys` order)."""
    kind = type(node)
    if kind in _MAPPINGS:
        by_key = dict(zip(_keys(node), values))
        items = [(k, by_key[k]) for k in node]  # the input's key order
        if kind is collections.defaultdict:
            return collections.defaultdict(node.default_factory, items)
        return kind(items)
    if _is_namedtuple(node):
        return kind(*values)
    if _is_structseq(node):
        return kind(values)
    if kind is collections.deque:
        return collections.deque(values, maxlen=node.maxlen)
    return kind(values)


def _check_callable(func, name: str) -> None:
    if not callable(func):
        raise TypeError(f"{name}: `func` must be callable. Received: func={func!r}.")


def _path_text(path) -> str:
    return "the top level" if not path else "path " + repr(tuple(path))


def _node_kind(node):
    """What must agree between two nodes: dict flavours all count as one kind."""
    return dict if type(node) in _MAPPINGS else type(node)


def _check_same_node(a, b, path) -> None:
    """Raise ValueError unless ``b`` is a node matching node ``a`` (type, length, keys)."""
    if not is_nested(b):
        raise ValueError(
            f"The two structures don't have the same nested structure: at {_path_text(path)} the "
            f"first has a {type(a).__name__} and the second the leaf {b!r}.")
    if _node_kind(a) is not _node_kind(b):
        raise ValueError(
            f"The two structures don't have the same nested structure: at {_path_text(path)} the "
            f"first has a {type(a).__name__} and the second a {type(b).__name__}.")
    if _node_kind(a) is dict:
        if set(a) != set(b):
            raise ValueError(
                f"The two structures don't have the same nested structure: the dicts at "
                f"{_path_text(path)} have different keys: {sorted(map(repr, a))} and "
                f"{sorted(map(repr, b))}.")
    elif len(a) != len(b):
        raise ValueError(
            f"The two structures don't have the same nested structure: at {_path_text(path)} the "
            f"first {type(a).__name__} has {len(a)} items and the second {len(b)}.")


def flatten(structure) -> list:
    """The leaves of ``structure`` in a list (dicts by sorted key); a leaf gives ``[leaf]``."""
    if not is_nested(structure):
        return [structure]
    leaves = []
    for child in _children(structure):
        leaves.extend(flatten(child))
    return leaves


def flatten_with_path(structure) -> list:
    """``(path, leaf)`` pairs, a path being the tuple of indices and keys leading to the leaf."""
    if not is_nested(structure):
        return [((), structure)]
    pairs = []
    for key in _keys(structure):
        pairs.extend(((key,) + path, leaf) for path, leaf in flatten_with_path(structure[key]))
    return pairs


def map_structure(func, *structures, none_is_leaf=True):
    """Apply ``func`` to the matching leaves of ``structures``; the result has their layout.

    The structures must match as :func:`assert_same_structure` requires (a
    ``ValueError`` otherwise); the output takes the first structure's node types.
    With ``none_is_leaf=False`` a ``None`` in the first structure is returned as
    is without calling ``func`` (the other structures must hold ``None`` there).
    """
    _check_callable(func, "map_structure")
    if not structures:
        raise ValueError("map_structure: must provide at least one structure.")

    def walk(path, values):
        first = values[0]
        if not none_is_leaf and any(v is None for v in values):
            if not all(v is None for v in values):
                raise ValueError(
                    f"map_structure: at {_path_text(path)} some structures hold None and others "
                    f"do not ({values!r}); with none_is_leaf=False they must agree.")
            return None
        if not is_nested(first):
            for other in values[1:]:
                if is_nested(other):
                    raise ValueError(
                        f"The two structures don't have the same nested structure: at "
                        f"{_path_text(path)} the first has the leaf {first!r} and another a "
                        f"{type(other).__name__}.")
            return func(*values)
        for other in values[1:]:
            _check_same_node(first, other, path)
        return _rebuild(first, [walk(path + [k], [v[k] for v in values]) for k in _keys(first)])

    return walk([], list(structures))


def map_structure_up_to(shallow_structure, func, *structures):
    """Like :func:`map_structure`, stopping at the leaves of ``shallow_structure``.

    ``func`` receives the sub-structures of ``structures`` found where
    ``shallow_structure`` has a leaf (``None`` is a leaf); the result has
    ``shallow_structure``'s layout.  ``structures`` may be nested deeper than it,
    never shallower.
    """
    _check_callable(func, "map_structure_up_to")
    if not structures:
        raise ValueError("map_structure_up_to: must provide at least one structure.")

    def walk(path, shallow, values):
        if not is_nested(shallow):
            return func(*values)
        for value in values:
            _check_same_node(shallow, value, path)
        return _rebuild(shallow, [walk(path + [k], shallow[k], [v[k] for v in values])
                                  for k in _keys(shallow)])

    return walk([], shallow_structure, list(structures))


def assert_same_structure(a, b, check_types=None) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` are nested the same way (leaves may differ).

    Node types must agree at every level (``list``, ``tuple``, ``deque`` and each
    namedtuple class are distinct), except that ``dict``, ``OrderedDict`` and
    ``defaultdict`` match when their keys are the same.  ``check_types`` is
    Keras's deprecated argument: it has no effect and warns when given.
    """
    if check_types is not None:
        warnings.warn(
            "assert_same_structure: the `check_types` argument is deprecated and has no effect; "
            "use `keraton.tree.assert_same_paths` for a check that ignores container types.",
            DeprecationWarning, stacklevel=2)

    def walk(path, x, y):
        if not is_nested(x):
            if is_nested(y):
                raise ValueError(
                    f"The two structures don't have the same nested structure: at "
                    f"{_path_text(path)} the first has the leaf {x!r} and the second a "
                    f"{type(y).__name__}.")
            return
        _check_same_node(x, y, path)
        for key in _keys(x):
            walk(path + [key], x[key], y[key])

    walk([], a, b)


def assert_same_paths(a, b) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same leaf paths (types ignored)."""
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        message = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            message += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            message += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(message)


def pack_sequence_as(structure, flat_sequence):
    """Fill the leaves of ``structure`` with ``flat_sequence``, in :func:`flatten`'s order.

    The inverse of :func:`flatten`; ``ValueError`` if the number of items is not
    the number of leaves, ``TypeError`` if ``flat_sequence`` is not iterable.
    """
    try:
        flat = list(flat_sequence)
    except TypeError:
        raise TypeError(
            "pack_sequence_as: `flat_sequence` must be a sequence (e.g. a list). Received: "
            f"{flat_sequence!r} (of type {type(flat_sequence).__name__}).") from None
    expected = len(flatten(structure))
    if len(flat) != expected:
        raise ValueError(
            f"pack_sequence_as: the structure has {expected} leaves but `flat_sequence` has "
            f"{len(flat)} items. Pass exactly one item per leaf (as `flatten` returns).")
    items = iter(flat)

    def fill(node):
        if not is_nested(node):
            return next(items)
        return _rebuild(node, [fill(child) for child in _children(node)])

    return fill(structure)


def traverse(func, structure, top_down=True):
    """Apply ``func`` to every sub-structure and leaf, depth first; return the rebuilt structure.

    Top-down (default): ``func`` sees a parent before its children; a non-None
    result replaces that sub-structure and stops the descent there, ``None``
    descends.  Bottom-up: ``func`` sees each sub-structure after its children
    were traversed; ``None`` keeps it.  Return :class:`MAP_TO_NONE` to put
    ``None`` in the result.
    """
    _check_callable(func, "traverse")

    def result(value, fallback):
        if value is None:
            return fallback()
        return None if value is MAP_TO_NONE else value

    def walk(node):
        def children():
            if not is_nested(node):
                return node
            return _rebuild(node, [walk(child) for child in _children(node)])

        if top_down:
            return result(func(node), children)
        traversed = children()
        return result(func(traversed), lambda: traversed)

    return walk(structure)


def lists_to_tuples(structure):
    """``structure`` with every list turned into a tuple, at any depth."""
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure, top_down=False)


def _is_shape(x) -> bool:
    return isinstance(x, (list, tuple)) and all(isinstance(d, (int, type(None))) for d in x)


def map_shape_structure(func, structure):
    """Like :func:`map_structure`, but a list or tuple of ints and ``None`` (a shape) is a leaf."""
    _check_callable(func, "map_shape_structure")

    def walk(node):
        if _is_shape(node) or not is_nested(node):
            return func(node)
        return _rebuild(node, [walk(child) for child in _children(node)])

    return walk(structure)
