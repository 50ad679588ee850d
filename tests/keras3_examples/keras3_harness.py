"""Run a keras.io (Keras 3) example program under real Keras 3 or under keraton; collect results.

A program in this folder is written as keras.io's examples and guides are
(``import keras``, ``from keras import layers, ops``; the torch versions of the
guides where a backend-specific ``train_step`` is needed), on small synthetic
data shaped like the dataset it stood for. It ends by filling a dict
``RESULTS`` (name -> number, list, array or string) and may set ``RTOL`` /
``ATOL`` for the comparison (defaults 1e-4 / 1e-5).

* ``tests/fixtures/make_keras3_example_fixtures.py`` runs every program with
  real Keras 3 (``KERAS_BACKEND=torch``) and stores ``RESULTS`` in
  ``tests/fixtures/keras3_examples/<name>.npz``;
* ``tests/test_keras3_example_programs.py`` runs the same source with only the
  import lines changed to keraton and compares.

The import rewriting is the Keras 2 sweep's (``tests/keras2_examples/harness.py``).
"""

import importlib
import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures" / "keras3_examples"

_spec = importlib.util.spec_from_file_location(
    "keras2_harness", HERE.parent / "keras2_examples" / "harness.py")
_keras2_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_keras2_harness)
to_keraton = _keras2_harness.to_keraton
as_arrays = _keras2_harness.as_arrays


def programs():
    """Names of the example programs (files not starting with ``_`` or ``keras3_harness``)."""
    return sorted(p.stem for p in HERE.glob("*.py")
                  if not p.stem.startswith(("_", "keras3_harness")))


def run(name: str, keraton: bool) -> dict:
    """Execute program ``name`` (with keraton imports when ``keraton``) and return its namespace."""
    path = HERE / f"{name}.py"
    source = path.read_text()
    if keraton:
        source = to_keraton(source)
    namespace = {"__name__": "__main__", "__file__": str(path)}
    # Programs may swap ``keras.random.normal`` for a seeded stand-in (``# harness:``);
    # the module is put back afterwards so that later tests see the real functions.
    random_module = importlib.import_module("keraton.random" if keraton else "keras.random")
    saved = dict(vars(random_module))
    try:
        exec(compile(source, str(path), "exec"), namespace)
    finally:
        for key in set(vars(random_module)) - set(saved):
            delattr(random_module, key)
        for key, value in saved.items():
            setattr(random_module, key, value)
    if "RESULTS" not in namespace:
        raise RuntimeError(f"program {name} did not define RESULTS")
    return namespace
