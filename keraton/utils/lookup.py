"""Lookup of Keras objects by name, with errors that name the closest known name.

Every ``get(identifier)`` in keraton (activations, losses, metrics, optimizers,
initializers, regularizers, constraints) resolves strings through
:func:`lookup_by_name` so that an unknown name always gets the same kind of
message: what was given, the closest known name and the full list.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping


def unknown_name_error(kind: str, name: str, known) -> ValueError:
    """Build the ``ValueError`` for an unknown ``name`` of ``kind`` ('loss', 'optimizer', ...)."""
    known = sorted(set(known))
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ValueError(
        f"Unknown {kind} {name!r}.{hint} Known {kind} names: {', '.join(known)}. "
        f"Pass one of these names or a {kind} object."
    )


def lookup_by_name(kind: str, name: str, table: Mapping):
    """Return ``table[name]``, trying Keras's case/underscore variants, or raise a clear error."""
    for candidate in (name, name.lower(), name.lower().replace("-", "_")):
        if candidate in table:
            return table[candidate]
    raise unknown_name_error(kind, name, table.keys())
