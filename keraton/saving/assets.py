"""Assets of the ``.keras`` format: files an object keeps beside its variables (``assets/<path>/``).

As Keras 3's ``DiskIOStore``: when saving, every object of the walk that
defines ``save_assets(dir_path)`` (the lookup layers write their adapted
vocabulary as ``vocabulary.txt``) gets the directory ``assets/<path>`` of a
temporary tree, and every file written there becomes the zip member
``assets/<path>/<file>``.  When loading, the zip's ``assets/`` members are
extracted to a temporary directory (each through the archive's size and
compression-ratio caps, and only to a resolved path inside that directory,
so no member can escape it) and every object defining
``load_assets(dir_path)`` gets its directory, when the file has one.
"""

from __future__ import annotations

import os
import tempfile
import zipfile

ASSETS_DIRNAME = "assets"


def _directory(root: str, path: str) -> str:
    return os.path.join(root, *path.split("/")) if path else root


def collect_assets(objects) -> dict:
    """``{zip member name: bytes}`` of the files that ``objects``' ``save_assets`` write.

    ``objects`` is the saving walk, ``(path, object)`` pairs.  The files are
    read back into memory so that the caller writes the zip in one atomic step.
    """
    with tempfile.TemporaryDirectory(prefix="keraton_assets_") as tmp:
        root = os.path.join(tmp, ASSETS_DIRNAME)
        os.makedirs(root)
        for path, obj in objects:
            if hasattr(obj, "save_assets"):
                directory = _directory(root, path)
                os.makedirs(directory, exist_ok=True)
                obj.save_assets(directory)
        members = {}
        for folder, _, files in sorted(os.walk(root)):
            for name in sorted(files):
                full = os.path.join(folder, name)
                member = os.path.relpath(full, tmp).replace(os.sep, "/")
                with open(full, "rb") as f:
                    members[member] = f.read()
    return members


def write_assets(zf: zipfile.ZipFile, members: dict) -> None:
    """Add :func:`collect_assets`' files to an open zip."""
    for member, data in members.items():
        zf.writestr(member, data)


def load_assets(objects, zf: zipfile.ZipFile) -> None:
    """Extract the zip's ``assets/`` and call ``load_assets(dir)`` on each object that has a directory.

    An object whose directory the file lacks is left as it is (Keras would
    call it with ``None``).  A member whose resolved path leaves the
    extraction directory raises ``ValueError``.
    """
    from keraton.saving.saving_lib import read_member

    prefix = ASSETS_DIRNAME + "/"
    members = [n for n in zf.namelist() if n.startswith(prefix) and not n.endswith("/")]
    if not members:
        return
    with tempfile.TemporaryDirectory(prefix="keraton_assets_") as tmp:
        base = os.path.realpath(tmp)
        root = os.path.join(base, ASSETS_DIRNAME)
        for member in members:
            target = os.path.realpath(os.path.join(base, *member.split("/")))
            if os.path.commonpath([root, target]) != root or target == root:
                raise ValueError(
                    f"Not allowed: the archive member {member!r} points outside the assets "
                    "directory."
                )
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(read_member(zf, member))
        for path, obj in objects:
            if hasattr(obj, "load_assets"):
                directory = _directory(root, path)
                if os.path.isdir(directory):
                    obj.load_assets(directory)
