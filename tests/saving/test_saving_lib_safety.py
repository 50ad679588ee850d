"""Loading hostile ``.keras`` files: every damage is a clear ``ValueError`` and nothing is written.

Member paths outside the archive, decompression bombs, truncation, weights of
the wrong shape or dtype, unknown classes; and saving is atomic.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import keraton
from keraton.saving import saving_lib

h5py = pytest.importorskip("h5py")


def _saved(tmp_path) -> str:
    path = str(tmp_path / "good.keras")
    _model().save(path)
    return path


def _model():
    return keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(3, activation="relu"),
                               keraton.layers.Dropout(0.3), keraton.layers.Dense(2)])


def _rewrite(src: str, dst: str, extra=(), replace=None, compression=zipfile.ZIP_STORED):
    """Copy a .keras archive, replacing members (``replace``) and adding ``extra`` (name, bytes)."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
        for name, data in extra:
            zout.writestr(name, data)


def _listing(folder):
    return sorted(p.name for p in folder.rglob("*"))


@pytest.mark.parametrize("member", ["../evil.txt", "/abs/evil.txt", "assets/../../evil.txt", "C:/evil.txt"])
def test_member_paths_outside_the_archive_refused(member, tmp_path):
    good = _saved(tmp_path)
    (tmp_path / "in").mkdir()
    bad = str(tmp_path / "in" / "bad.keras")
    _rewrite(good, bad, extra=[(member, b"pwned")])
    before = _listing(tmp_path)
    with pytest.raises(ValueError, match="outside the archive"):
        keraton.models.load_model(bad)
    assert _listing(tmp_path) == before  # nothing written anywhere


def test_zip_bomb_refused_before_reading(tmp_path, monkeypatch):
    good = _saved(tmp_path)
    bomb = str(tmp_path / "bomb.keras")
    with zipfile.ZipFile(good) as zin:
        config = zin.read("config.json")
    padded = config + b" " * (20 << 20)  # valid JSON with 20 MiB of spaces: ratio ~1000
    _rewrite(good, bomb, replace={"config.json": padded}, compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match="decompression bomb"):
        keraton.models.load_model(bomb)
    monkeypatch.setattr(saving_lib, "MAX_MEMBER_BYTES", 1000)  # the absolute cap, on a small file
    with pytest.raises(ValueError, match="decompression bomb"):
        keraton.models.load_model(good)


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_file_refused(cut, tmp_path):
    good = _saved(tmp_path)
    data = open(good, "rb").read()
    bad = tmp_path / "cut.keras"
    bad.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(ValueError):
        keraton.models.load_model(str(bad))


def test_truncated_weights_member_refused(tmp_path):
    good = _saved(tmp_path)
    with zipfile.ZipFile(good) as zin:
        weights = zin.read("model.weights.h5")
    bad = str(tmp_path / "bad.keras")
    _rewrite(good, bad, replace={"model.weights.h5": weights[: len(weights) // 2]})
    with pytest.raises(ValueError, match="truncated or not HDF5"):
        keraton.models.load_model(bad)


def _with_weight(tmp_path, value, dataset="layers/dense/vars/0"):
    good = _saved(tmp_path)
    with zipfile.ZipFile(good) as zin:
        weights = zin.read("model.weights.h5")
    buffer = io.BytesIO(weights)
    with h5py.File(buffer, "a") as f:
        del f[dataset]
        f[dataset] = value
    bad = str(tmp_path / "bad.keras")
    _rewrite(good, bad, replace={"model.weights.h5": buffer.getvalue()})
    return bad


@pytest.mark.parametrize("value,message", [
    (np.zeros((4, 4), "float32"), r"Dense 'dense'.*shape \(4, 3\).*\(4, 4\)"),
    (np.zeros((4, 3), "int64"), r"'kernel' is torch.float32.*int64"),
    (np.array([b"abc"]), "expected a numeric array"),
])
def test_bad_weight_in_archive_refused(value, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        keraton.models.load_model(_with_weight(tmp_path, value))


def test_unknown_class_in_config_refused(tmp_path):
    good = _saved(tmp_path)
    with zipfile.ZipFile(good) as zin:
        config = zin.read("config.json").decode()
    bad = str(tmp_path / "bad.keras")
    _rewrite(good, bad, replace={"config.json": config.replace('"Dropout"', '"EvilLayer"').encode()})
    with pytest.raises(ValueError, match="Unknown layer 'EvilLayer'.*custom_objects"):
        keraton.models.load_model(bad)


def test_saving_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    model = _model()
    model.save(str(path))
    good = path.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(saving_lib, "_weights_bytes", boom)
    with pytest.raises(RuntimeError):
        model.save(str(path))
    assert path.read_bytes() == good  # the old file is intact
    assert _listing(tmp_path) == ["m.keras"]  # no temporary file left behind
