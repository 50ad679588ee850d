"""``jit_compile=True``: the train step's forward and loss run through ``torch.compile``.

``torch.compile`` captures the forward pass and the loss into one graph;
AOTAutograd then compiles the matching backward, so ``loss.backward()`` in the
step runs compiled code too.  The optimizer update and metric updates stay
eager (they are already fused ``torch._foreach_*`` calls and cheap tensor
accumulations).  If compilation fails (an op dynamo cannot trace, no C++
compiler for inductor, ...) the step warns once with the reason and runs
eagerly from then on.
"""

from __future__ import annotations

import warnings

import torch
import torch._dynamo.exc

# torch.compile backend used for jit_compile=True ("inductor" generates fused C++/Triton
# kernels; tests use "aot_eager", which captures the same graphs without code generation).
BACKEND = "inductor"


class CompiledFunction:
    """``fn`` compiled with ``torch.compile`` on first use, falling back to ``fn`` with a warning.

    Example:

    >>> double = CompiledFunction(lambda t: t * 2, backend="eager")
    >>> double(torch.ones(2)).tolist()
    [2.0, 2.0]
    """

    def __init__(self, fn, backend=None, what="the train step"):
        self._fn = fn
        self._what = what
        self._compiled = torch.compile(fn, backend=backend or BACKEND)

    @property
    def is_compiled(self) -> bool:
        """False once compilation failed and ``fn`` runs eagerly."""
        return self._compiled is not None

    def __call__(self, *args, **kwargs):
        if self._compiled is None:
            return self._fn(*args, **kwargs)
        try:
            return self._compiled(*args, **kwargs)
        except torch._dynamo.exc.TorchDynamoException as e:  # eager re-raises genuine user errors
            self._compiled = None
            cause = getattr(e, "inner_exception", None) or e
            text = str(cause).strip().splitlines()
            warnings.warn(
                f"jit_compile=True: torch.compile could not compile {self._what} "
                f"({type(cause).__name__}: {text[0] if text else ''}); running it eagerly instead.",
                stacklevel=3)
            return self._fn(*args, **kwargs)
