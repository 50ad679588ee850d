"""Run a Keras 2 example program under tf.keras 2 or under keraton, and collect its results.

A program in this folder is a Keras 2 script as Keras 2 users wrote them
(``import keras``, ``from keras.layers import Dense``, ``from keras import
backend as K``), on small synthetic data shaped like the dataset it stood for.
It ends by filling a dict ``RESULTS`` (name -> number, list, array or string)
and may set ``RTOL`` / ``ATOL`` for the comparison (defaults 1e-4 / 1e-5).

* ``tests/fixtures/make_keras2_example_fixtures.py`` runs every program with
  real Keras 2 (TensorFlow 2.15's ``keras``) and stores ``RESULTS`` in
  ``tests/fixtures/keras2_examples/<name>.npz``;
* ``tests/test_keras2_examples.py`` runs the same source with only the import
  lines changed to keraton (:func:`to_keraton`) and compares.

Only numpy and the standard library are used here: the fixture script imports
this module inside the TensorFlow environment.
"""

import re
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures" / "keras2_examples"


def programs():
    """Names of the example programs (files not starting with ``_`` or ``harness``)."""
    return sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith(("_", "harness")))


def to_keraton(source: str) -> str:
    """Change only the import lines: ``import keras`` -> ``import keraton as keras`` and so on."""
    out = []
    for line in source.splitlines():
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        match = re.match(r"import keras(\.[\w.]+)?( as \w+)?\s*(#.*)?$", stripped)
        if match:
            submodule, alias = match.group(1) or "", match.group(2)
            if alias:
                line = f"{indent}import keraton{submodule}{alias}"
            elif submodule:  # `import keras.utils` binds the name `keras`
                line = f"{indent}import keraton{submodule}; import keraton as keras"
            else:
                line = f"{indent}import keraton as keras"
        elif re.match(r"from keras(\.|\s)", stripped):
            line = line.replace("from keras", "from keraton", 1)
        out.append(line)
    return "\n".join(out) + "\n"


def run(name: str, keraton: bool) -> dict:
    """Execute program ``name`` (with keraton imports when ``keraton``) and return its namespace."""
    source = (HERE / f"{name}.py").read_text()
    if keraton:
        source = to_keraton(source)
    namespace = {"__name__": "__main__", "__file__": str(HERE / f"{name}.py")}
    exec(compile(source, str(HERE / f"{name}.py"), "exec"), namespace)
    if "RESULTS" not in namespace:
        raise RuntimeError(f"program {name} did not define RESULTS")
    return namespace


def as_arrays(results: dict) -> dict:
    """RESULTS as numpy arrays (what the fixture file stores)."""
    return {key: np.asarray(value) for key, value in results.items()}
