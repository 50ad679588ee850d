"""Atomic writes: a failed save leaves the old file and no temporary file."""

from __future__ import annotations

import pytest

from keraton.saving import file_utils


@pytest.mark.parametrize("helper", ["atomic_write", "atomic_path"])
def test_success_replaces_and_failure_keeps_the_old_file(helper, tmp_path):
    target = tmp_path / "m.keras"
    target.write_bytes(b"old")

    def write(data, fail=False):
        with getattr(file_utils, helper)(target) as handle:
            if helper == "atomic_write":
                handle.write(data)
            else:
                with open(handle, "wb") as f:
                    f.write(data)
            if fail:
                raise OSError("disk full")

    with pytest.raises(OSError):
        write(b"half", fail=True)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]
    write(b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_missing_folder_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        with file_utils.atomic_write(tmp_path / "nope" / "m.keras"):
            pass


def test_require_h5py_returns_the_module():
    assert file_utils.require_h5py().__name__ == "h5py"


def test_missing_h5py_names_the_pip_command(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "h5py", None)  # makes `import h5py` raise ImportError
    with pytest.raises(ImportError, match="pip install h5py"):
        file_utils.require_h5py()
