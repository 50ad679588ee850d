"""Turning Python functions into config values and back (Keras's ``func_dump``/``func_load``).

Loading bytecode runs code from the file, so :func:`func_load` is only called
when the caller explicitly passed ``safe_mode=False``.
"""

from __future__ import annotations

import base64
import marshal
import types


def func_dump(func) -> tuple:
    """Serialize a function's bytecode, defaults and closure (Keras's format)."""
    code = base64.b64encode(marshal.dumps(func.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in func.__closure__) if func.__closure__ else None
    return code, func.__defaults__, closure


def func_load(code, defaults=None, closure=None, globs=None):
    """Rebuild a function from :func:`func_dump`'s output.  Executes stored bytecode: unsafe."""
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
    raw = base64.b64decode(code.encode("ascii") if isinstance(code, str) else code)
    code_obj = marshal.loads(raw)  # noqa: S302 - only reached with safe_mode=False
    cells = None
    if closure is not None:
        cells = tuple(types.CellType(c) for c in closure)
    return types.FunctionType(code_obj, globs or globals(), name=code_obj.co_name,
                              argdefs=tuple(defaults) if defaults else None, closure=cells)
