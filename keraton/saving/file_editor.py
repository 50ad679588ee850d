"""``keras.saving.KerasFileEditor``: inspect, edit and re-save the weights of a Keras file.

As Keras 3's editor, it reads a ``.keras`` archive or a ``.weights.h5`` file
into a nested dict of NumPy arrays (``editor.weights_dict``, e.g.
``{"layers": {"dense": {"0": kernel, "1": bias}}}``, the ``vars`` groups left
out), lets objects and weights be renamed, deleted and added, compares the
file with a model, and writes a ``.weights.h5`` file that ``load_weights``
reads. Reading goes through keraton's safe HDF5 reader (no links, external
or virtual datasets, or shape bombs). Output is plain text (Keras prints with
``rich`` colours).
"""

from __future__ import annotations

import os

import numpy as np

from keraton.saving import file_utils
from keraton.saving.h5_store import H5WeightsStore, open_h5, safe_read

_VARS = "vars"


class KerasFileEditor:
    """Utility to inspect, edit, and resave Keras weights files (Keras 3's ``KerasFileEditor``).

    Useful to adapt a saved weights file after changing a model's architecture.

    Args:
        filepath: a local ``.keras`` or ``.weights.h5`` file.

    Example:
        >>> editor = KerasFileEditor("my_model.weights.h5")
        >>> editor.summary()
        >>> editor.delete_object("layers/dense_2")
        >>> editor.add_object("layers/einsum_dense", weights={"0": kernel, "1": bias})
        >>> editor.resave_weights("edited_model.weights.h5")
    """

    def __init__(self, filepath):
        from keraton.saving import saving_lib

        self.filepath = os.fspath(filepath)
        self.metadata = None
        self.config = None
        self.model = None
        if self.filepath.endswith(".keras"):
            with saving_lib.open_archive(self.filepath) as zf:
                self.config = saving_lib._read_json(zf, saving_lib.CONFIG_FILENAME)
                self.metadata = saving_lib._read_json(zf, saving_lib.METADATA_FILENAME)
                source = saving_lib.read_member(zf, saving_lib.VARS_FILENAME)
        elif self.filepath.endswith(".weights.h5"):
            source = self.filepath
        else:
            raise ValueError("Invalid filename: expected a `.keras` `.weights.h5` extension. "
                             f"Received: filepath={self.filepath}")
        h5 = open_h5(source)
        try:
            self.object_metadata = {}  # {"/layers/dense": {"name": "dense"}}
            self.weights_dict = self._read_group(h5, "")
        finally:
            h5.close()
        print(f"Keras model file '{self.filepath}'")
        if self.metadata is not None:
            print(f"Saved with Keras {self.metadata.get('keras_version')} - "
                  f"date: {self.metadata.get('date_saved')}")

    def _read_group(self, group, inner_path: str) -> dict:
        """An object's weights (its ``vars`` datasets) and, as dicts, the objects below it.

        Objects nested inside others (a ``Bidirectional``'s ``forward_layer``)
        are kept; Keras 3.15's editor drops every object whose own ``vars`` is empty.
        """
        import h5py

        result = {}
        for key in group.keys():
            link = group.get(key, getclass=True, getlink=True)
            if link in (h5py.SoftLink, h5py.ExternalLink):
                raise ValueError(f"Not allowed: H5 file with {link.__name__} at '{inner_path}/{key}'.")
            value = group[key]
            if isinstance(value, h5py.Dataset):
                result[key] = safe_read(group, key, f"'{inner_path or '/'}'")
            elif key == _VARS:
                result.update(self._read_group(value, inner_path))
                if value.attrs and len(value) and inner_path:
                    self.object_metadata[inner_path] = {k: _plain(v) for k, v in value.attrs.items()}
            elif isinstance(value, h5py.Group):
                child = self._read_group(value, f"{inner_path}/{key}")
                if child:  # empty objects are left out, as by Keras
                    result[key] = child
        return result

    # ------------------------------------------------------------------ display
    def summary(self):
        """Print the weight structure of the opened file (objects, then ``name: shape, dtype``)."""
        print("Weights structure")
        self._print_structure(self.weights_dict, prefix="  ", inner_path="", is_first=True)

    def _print_structure(self, weights, prefix: str, inner_path: str, is_first: bool = False):
        items = list(weights.items())
        for index, (key, value) in enumerate(items):
            path = f"{inner_path}/{key}"
            is_last = index == len(items) - 1
            connector = "> " if is_first else ("└─ " if is_last else "├─ ")
            is_first = False
            if isinstance(value, dict):
                label = f"{prefix}{connector}{key}"
                name = self.object_metadata.get(path, {}).get("name")
                print(label + (f" ('{name}')" if name else ""))
                self._print_structure(value, prefix + ("    " if is_last else "│   "), path)
            else:
                print(f"{prefix}{connector}{key}: shape={value.shape}, dtype={value.dtype}")

    # ------------------------------------------------------------------ comparison
    def compare(self, reference_model) -> dict:
        """List the mismatches between the file and ``reference_model``.

        Returns a dict with ``'status'`` (``'success'`` or ``'error'``),
        ``'error_count'`` (objects or weights missing on either side, and
        shape mismatches) and ``'match_count'`` (weights of equal shape), as
        Keras. ``match_count`` counts each weight once; Keras 3.15 adds nested
        counts twice (18 for a model of 8 weights).
        """
        print("Running comparison")
        reference = weight_spec(reference_model)
        checked = set()
        errors, matches = _compare(self.weights_dict, reference, "", "saved file",
                                   "reference model", checked)
        back_errors, _ = _compare(reference, self.weights_dict, "", "reference model",
                                  "saved file", checked)
        errors += back_errors
        print("─────────────────────")
        if errors == 0:
            print("Comparison successful: saved file is compatible with the reference model")
            print(f"    Found {matches} matching weight{'' if matches == 1 else 's'}")
        else:
            print(f"Found {errors} error{'' if errors == 1 else 's'}: saved file is not "
                  "compatible with the reference model")
        return {"status": "success" if errors == 0 else "error", "error_count": errors,
                "match_count": matches}

    # ------------------------------------------------------------------ edits
    def rename_object(self, object_name, new_name):
        """Rename an object (a layer): ``object_name`` a name (``"dense_2"``) or path
        (``"layers/dense_2"``), ``new_name`` a leaf name."""
        if "/" in new_name:
            raise ValueError("Argument `target_name` should be a leaf name, not a full path name. "
                             f"Received: target_name='{new_name}'")
        for parent, key in self._locate(object_name):
            parent[new_name] = parent.pop(key)

    def delete_object(self, object_name):
        """Remove an object (a layer) given by name or path, with all its weights."""
        for parent, key in self._locate(object_name):
            parent.pop(key)

    def add_object(self, object_path, weights):
        """Add a new object at ``object_path`` (e.g. ``"layers/dense_2"``) holding ``weights``,
        a dict of weight names (``"0"``, ``"1"``, ...) to arrays."""
        weights = _check_weights(weights)
        *parents, leaf = object_path.split("/")
        target = self.weights_dict
        for part in parents:
            if part not in target:
                raise ValueError(f"Path '{'/'.join(parents)}' not found in model.")
            target = target[part]
        target[leaf] = weights

    def delete_weight(self, object_name, weight_name):
        """Remove weight ``weight_name`` (e.g. ``"0"``) from an object given by name or path."""
        for parent, key in self._locate(object_name):
            if weight_name not in parent[key]:
                raise ValueError(f"Weight {weight_name} not found in object {object_name}. "
                                 f"Weights found: {list(parent[key].keys())}")
            parent[key].pop(weight_name)

    def add_weights(self, object_name, weights):
        """Add weights (a dict of names to arrays) to an existing object given by name or path."""
        weights = _check_weights(weights)
        for parent, key in self._locate(object_name):
            parent[key].update(weights)

    def _locate(self, name: str) -> list:
        """``[(parent_dict, key)]`` for a path, or for the one object of that leaf name."""
        if "/" in name:
            *parents, leaf = name.split("/")
            target = self.weights_dict
            for part in parents:
                if not isinstance(target.get(part), dict):
                    raise ValueError(f"Path '{name}' not found in model.")
                target = target[part]
            if leaf not in target:
                raise ValueError(f"Path '{name}' not found in model.")
            return [(target, leaf)]
        found = []

        def visit(d):
            for value in d.values():
                if isinstance(value, dict):
                    visit(value)
            if name in d:
                found.append((d, name))

        visit(self.weights_dict)
        if len(found) > 1:
            raise ValueError(f"Name '{name}' occurs more than once in the model; try passing a "
                             "complete path")
        if not found:
            raise ValueError(f"Source name '{name}' does not appear in the model. Use "
                             "`editor.summary()` to list all objects.")
        return found

    # ------------------------------------------------------------------ writing
    def save(self, filepath):
        """Write the edited weights to ``filepath`` (a ``.weights.h5`` file), atomically."""
        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError("Invalid `filepath` argument: expected a `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        import io

        buffer = io.BytesIO()
        h5 = open_h5(buffer, "w")
        try:
            store = H5WeightsStore(h5, writable=True)

            def write(weights, path):
                arrays = {k: v for k, v in weights.items() if not isinstance(v, dict)}
                if arrays:
                    name = self.object_metadata.get(f"/{path}" if path else "", {}).get("name")
                    entry = store.make(path, name=name)
                    for key, value in arrays.items():
                        entry[key] = value
                for key, value in weights.items():
                    if isinstance(value, dict) and value:
                        write(value, f"{path}/{key}" if path else key)

            write(self.weights_dict, "")
        finally:
            h5.close()
        with file_utils.atomic_write(filepath) as f:
            f.write(buffer.getvalue())

    def resave_weights(self, filepath):
        """Same as :meth:`save` (Keras's name for it)."""
        self.save(filepath)


def weight_spec(model) -> dict:
    """The nested ``{path part: {weight name: array}}`` a model would save (Keras's layout)."""
    from keraton.saving.saving_lib import save_state

    spec: dict = {}

    class _SpecStore:
        def make(self, path, name=None):
            target = spec
            for part in [p for p in path.split("/") if p]:
                target = target.setdefault(part, {})
            return _Entry(target)

    class _Entry:
        def __init__(self, target):
            self.target = target

        def __setitem__(self, key, value):
            self.target[str(key)] = np.asarray(value)

    save_state(model, _SpecStore())
    return _prune(spec)


def _prune(spec: dict) -> dict:
    out = {}
    for key, value in spec.items():
        if isinstance(value, dict):
            value = _prune(value)
            if value:
                out[key] = value
        else:
            out[key] = value
    return out


def _compare(target, reference, inner_path, target_name, ref_name, checked) -> tuple:
    errors = matches = 0
    for key, ref_value in reference.items():
        path = f"{inner_path}/{key}"
        if path in checked:
            continue
        if key not in target:
            errors += 1
            checked.add(path)
            kind = "Object" if isinstance(ref_value, dict) else "Weight"
            print(f"...{kind} {path} present in {ref_name}, missing from {target_name}")
            if isinstance(ref_value, dict):
                print(f"    In {ref_name}, {path} contains the following keys: "
                      f"{list(ref_value.keys())}")
        elif isinstance(ref_value, dict):
            sub_errors, sub_matches = _compare(target[key], ref_value, path, target_name,
                                               ref_name, checked)
            errors += sub_errors
            matches += sub_matches
        elif tuple(target[key].shape) != tuple(ref_value.shape):
            errors += 1
            checked.add(path)
            print(f"...Weight shape mismatch for {path}\n    In {ref_name}: "
                  f"shape={tuple(ref_value.shape)}\n    In {target_name}: "
                  f"shape={tuple(target[key].shape)}")
        else:
            matches += 1
    return errors, matches


def _check_weights(weights) -> dict:
    if not isinstance(weights, dict):
        raise ValueError("Argument `weights` should be a dict where keys are weight names "
                         "(usually '0', '1', etc.) and values are NumPy arrays. "
                         f"Received: type(weights)={type(weights)}")
    return {str(k): np.asarray(v) for k, v in weights.items()}


def _plain(value):
    return value.decode() if isinstance(value, bytes) else value
