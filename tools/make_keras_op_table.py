"""Write ``keraton/ops/keras_op_table.py``: how each ``keras.ops`` function is saved by Keras 3.

Run once with real Keras 3 installed (``KERAS_BACKEND=torch python
tools/make_keras_op_table.py``).  Keras saves an op called on symbolic tensors
as an ``Operation`` node: a class in ``keras.src.ops.<module>``, whose config
holds the constructor arguments and whose node holds the call arguments.  The
table records, per op, that module, the class name and which arguments go where,
so that keraton writes and reads such nodes without importing Keras.
"""

import importlib
import inspect
import os
import pprint
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
from keras.src.ops.operation import Operation  # noqa: E402

MODULES = ["numpy", "nn", "core", "math", "linalg", "image", "einops"]
# Functions whose Operation class is not their CamelCase name.
ALIASES = {"swish": "silu", "hard_swish": "hardsilu", "layer_normalization": "layernorm",
           "rms_normalization": "rmsnorm", "batch_normalization": "batchnorm"}


def operation_classes():
    out = {}
    for module_name in MODULES:
        module = importlib.import_module(f"keras.src.ops.{module_name}")
        for name in dir(module):
            cls = getattr(module, name)
            if (isinstance(cls, type) and issubclass(cls, Operation)
                    and cls.__module__ == module.__name__):
                out.setdefault(name.lower(), (module_name, name, cls))
    return out


def main():
    classes = operation_classes()
    table = {}
    functions = {n: getattr(keras.ops, n) for n in dir(keras.ops) if not n.startswith("_")}
    functions.update({n: getattr(keras.ops.image, n) for n in dir(keras.ops.image)
                      if not n.startswith("_")})
    for name, fn in sorted(functions.items()):
        if not callable(fn) or isinstance(fn, type):
            continue
        hit = classes.get(ALIASES.get(name, name.replace("_", "")))
        if hit is None:
            continue  # creation ops and helpers that never take symbolic tensors
        module_name, class_name, cls = hit
        params = list(inspect.signature(fn).parameters)
        # **kwargs of the Operation's call are the node's keyword arguments, not named ones.
        call = [name for name, p in inspect.signature(cls.call).parameters.items()
                if name != "self" and p.kind is not p.VAR_KEYWORD]
        init = [name for name, p in inspect.signature(cls.__init__).parameters.items()
                if name in params and name not in call and p.kind is not p.VAR_KEYWORD]
        table[name] = (module_name, class_name, tuple(call), tuple(init))
    target = Path(__file__).resolve().parents[1] / "keraton" / "ops" / "keras_op_table.py"
    text = (
        '"""How Keras 3 saves each op called on symbolic tensors (generated).\n\n'
        "Written by ``tools/make_keras_op_table.py`` from Keras "
        f"{keras.__version__}:\n``name: (module under keras.src.ops, class name, call "
        'arguments, constructor arguments)``.\nDo not edit by hand.\n"""\n\n'
        f"KERAS_OPS = {pprint.pformat(table, width=100, sort_dicts=True)}\n"
    )
    tmp = target.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(target)
    print(f"wrote {len(table)} ops to {target}")


if __name__ == "__main__":
    main()
