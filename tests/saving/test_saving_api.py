"""``save_model``/``load_model`` dispatch, safe mode, and a fuzz test of loading hostile files."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
import torch

import keraton
from keraton.saving import saving_api

pytest.importorskip("h5py")


def _model():
    return keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(2, activation="relu"),
                               keraton.layers.Dense(1)])


def _lambda_model():
    return keraton.Sequential([keraton.Input((3,)), keraton.layers.Lambda(lambda x: x * 2.0 + 1.0),
                               keraton.layers.Dense(1)])


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_lambda_bytecode_refused_unless_safe_mode_false(suffix, tmp_path):
    model = _lambda_model()
    path = str(tmp_path / f"m{suffix}")
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        keraton.saving.load_model(path)
    loaded = keraton.saving.load_model(path, safe_mode=False)
    x = torch.ones(2, 3)
    np.testing.assert_allclose(loaded(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)


def test_save_model_dispatch_and_overwrite(tmp_path):
    model = _model()
    with pytest.raises(ValueError, match=r"\.keras.*\.h5"):
        keraton.saving.save_model(model, str(tmp_path / "m.pt"))
    keraton.saving.save_model(model, str(tmp_path / "m.keras"))
    with pytest.raises(ValueError, match="overwrite=False"):
        model.save(str(tmp_path / "m.keras"), overwrite=False)
    with pytest.raises(ValueError, match="SavedModel"):
        keraton.models.load_model(str(tmp_path / "folder"))
    with pytest.raises(ValueError, match="No file found"):
        keraton.models.load_model(str(tmp_path / "missing.keras"))
    with pytest.raises(ValueError, match="by_name"):
        model.load_weights(str(tmp_path / "m.keras"), by_name=True)
    model.save(str(tmp_path / "legacy"), save_format="h5")  # Keras 2's save_format argument
    import h5py

    with h5py.File(tmp_path / "legacy", "r") as f:
        assert json.loads(f.attrs["model_config"])["class_name"] == "Sequential"


def test_loaded_model_keeps_name_config_and_compile(tmp_path):
    model = _model()
    model.compile(optimizer=keraton.optimizers.SGD(learning_rate=0.05, momentum=0.5), loss="mae",
                  metrics=["mse"])
    model.save(str(tmp_path / "m.keras"))
    loaded = keraton.models.load_model(str(tmp_path / "m.keras"))
    assert loaded.name == model.name and loaded.get_config() == model.get_config()
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.loss == "mae" and loaded._compile_metrics._metrics_arg == ["mse"]
    plain = keraton.models.load_model(str(tmp_path / "m.keras"), compile=False)
    assert not plain.compiled


# ---------------------------------------------------------------------------- fuzzing
hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies


def _good_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), verbose=0)
    model.save(str(folder / "m.keras"))
    model.save(str(folder / "m.h5"))
    with zipfile.ZipFile(folder / "m.keras") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    return (folder / "m.keras").read_bytes(), (folder / "m.h5").read_bytes(), members


@pytest.fixture(scope="module")
def good_files(tmp_path_factory):
    return _good_files(tmp_path_factory)


MUTATION = st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                    min_size=1, max_size=8)


def _mutate(data: bytes, mutations, truncate) -> bytes:
    data = bytearray(data)
    for where, value in mutations:
        data[int(where * len(data))] = value
    if truncate is not None:
        data = data[: int(truncate * len(data))]
    return bytes(data)


def _load_or_value_error(path):
    try:
        keraton.models.load_model(path)
    except ValueError:
        pass


SETTINGS = hypothesis.settings(max_examples=25, deadline=2000, derandomize=True,
                               suppress_health_check=list(hypothesis.HealthCheck))


@SETTINGS
@hypothesis.given(mutations=MUTATION, truncate=st.none() | st.floats(0, 1))
def test_fuzz_keras_archive_bytes(good_files, tmp_path_factory, mutations, truncate):
    path = tmp_path_factory.getbasetemp() / "fuzz_raw.keras"
    path.write_bytes(_mutate(good_files[0], mutations, truncate))
    _load_or_value_error(str(path))


@SETTINGS
@hypothesis.given(member=st.sampled_from(["config.json", "model.weights.h5"]), mutations=MUTATION,
                  truncate=st.none() | st.floats(0, 1))
def test_fuzz_keras_archive_members(good_files, tmp_path_factory, member, mutations, truncate):
    # Mutate one member and re-zip it, so the damage gets past the zip CRC into the parsers.
    members = dict(good_files[2])
    members[member] = _mutate(members[member], mutations, truncate)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path = tmp_path_factory.getbasetemp() / "fuzz_member.keras"
    path.write_bytes(buffer.getvalue())
    _load_or_value_error(str(path))


@SETTINGS
@hypothesis.given(mutations=MUTATION, truncate=st.none() | st.floats(0, 1))
def test_fuzz_legacy_h5_bytes(good_files, tmp_path_factory, mutations, truncate):
    path = tmp_path_factory.getbasetemp() / "fuzz.h5"
    path.write_bytes(_mutate(good_files[1], mutations, truncate))
    _load_or_value_error(str(path))


@SETTINGS
@hypothesis.given(value=st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children,
                                                                       max_size=3), max_leaves=6),
    key=st.sampled_from(["units", "layers", "config", "class_name", "build_config", "name",
                         "compile_config", "activation"]))
def test_fuzz_config_values(good_files, tmp_path_factory, value, key):
    config = json.loads(good_files[2]["config.json"])

    def poke(node):
        if isinstance(node, dict):
            for k in list(node):
                if k == key:
                    node[k] = value
                    return True
                if poke(node[k]):
                    return True
        if isinstance(node, list):
            return any(poke(n) for n in node)
        return False

    poke(config)
    members = dict(good_files[2], **{"config.json": json.dumps(config).encode()})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path = tmp_path_factory.getbasetemp() / "fuzz_config.keras"
    path.write_bytes(buffer.getvalue())
    _load_or_value_error(str(path))


def test_saving_api_names_its_entry_points():
    assert keraton.saving.load_model is saving_api.load_model
    assert keraton.saving.save_model is saving_api.save_model
