"""The defensive HDF5 reader: links, external/virtual data, dtypes and shape bombs are refused."""

from __future__ import annotations

import io

import numpy as np
import pytest

from keraton.saving import h5_store

h5py = pytest.importorskip("h5py")


def _file(build):
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        build(f)
    return h5_store.H5WeightsStore(h5_store.open_h5(buffer.getvalue()))


def test_reads_variables_in_numeric_order():
    def build(f):
        g = f.create_group("layers/dense/vars")
        for i in (10, 2, 0, 1):
            g[str(i)] = np.full((2,), i, "float32")

    entry = _file(build).get("layers/dense")
    assert entry.keys() == ["0", "1", "2", "10"] and len(entry) == 4
    np.testing.assert_array_equal(entry["10"], [10.0, 10.0])
    assert len(_file(build).get("layers/missing")) == 0


@pytest.mark.parametrize("link", ["soft", "external"])
def test_links_refused(link, tmp_path):
    def build(f):
        g = f.create_group("layers/dense/vars")
        g["0"] = np.zeros(2, "float32")
        target = h5py.SoftLink("/layers/dense/vars/0") if link == "soft" else \
            h5py.ExternalLink(str(tmp_path / "other.h5"), "/x")
        g["1"] = target
        f["layers/alias"] = h5py.SoftLink("/layers/dense")

    store = _file(build)
    with pytest.raises(ValueError, match="links variable .1."):
        store.get("layers/dense")["1"]
    with pytest.raises(ValueError, match="SoftLink"):
        store.get("layers/alias")


def test_external_dataset_refused(tmp_path):
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.zeros(4, "float32").tobytes())

    def build(f):
        f.create_group("vars").create_dataset("0", shape=(4,), dtype="float32",
                                              external=[(str(raw), 0, 16)])

    with pytest.raises(ValueError, match="external or virtual"):
        _file(build).get("")["0"]


def test_non_numeric_and_bomb_datasets_refused(monkeypatch):
    def build(f):
        g = f.create_group("vars")
        g["0"] = np.array([b"text"])
        g.create_dataset("1", shape=(4096, 4096), dtype="float32", chunks=(256, 256),
                         compression="gzip")  # 64 MiB declared, almost nothing stored

    store = _file(build)
    with pytest.raises(ValueError, match="numeric"):
        store.get("")["0"]
    monkeypatch.setattr(h5_store, "H5_BOMB_FLOOR_BYTES", 1 << 20)
    with pytest.raises(ValueError, match="decompression bomb"):
        store.get("")["1"]


def test_not_hdf5_is_a_value_error():
    with pytest.raises(ValueError, match="truncated or not HDF5"):
        h5_store.open_h5(b"this is not hdf5")


def test_group_expected_not_dataset():
    def build(f):
        f["layers"] = np.zeros(1)

    with pytest.raises(ValueError, match="expected a group"):
        _file(build).get("layers/dense")
