"""``model.save('m.h5')`` writes what tf.keras 2 can read back.

``tools/check_h5_in_tf2.py`` loads the zoo below in real TensorFlow 2.15 and
compares predictions (all equal when this was written); here, without
TensorFlow, every class in the written config must use only arguments that
tf.keras 2.15's class takes (``keraton/saving/tf2_config_keys.py``, recorded
from TensorFlow 2.15 by ``tools/make_tf2_config_keys.py``), and keraton must
read its own file back.
"""

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import keraton
from keraton.saving.tf2_config_keys import TF2_CONFIG_KEYS

h5py = pytest.importorskip("h5py")
TOOL = Path(__file__).resolve().parents[2] / "tools" / "check_h5_in_tf2.py"
_spec = importlib.util.spec_from_file_location("check_h5_in_tf2", TOOL)
zoo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(zoo)
# Keys tf.keras 2's from_config pops before calling the constructor.
FROM_CONFIG_KEYS = {"MultiHeadAttention": {"query_shape", "key_shape", "value_shape"}}


def _classes(value, found):
    """Every ``(class_name, config)`` in a nested config."""
    if isinstance(value, list):
        for v in value:
            _classes(v, found)
    elif isinstance(value, dict):
        if isinstance(value.get("class_name"), str) and isinstance(value.get("config"), dict):
            found.append((value["class_name"], value["config"]))
        for v in value.values():
            _classes(v, found)
    return found


def _saved(name, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, shapes = zoo.MODELS[name]()
    model.compile(keraton.optimizers.Adam(0.01), "mse")
    path = tmp_path / f"{name}.h5"
    model.save(path)
    return model, shapes, path


@pytest.mark.parametrize("name", sorted(zoo.MODELS))
def test_h5_config_uses_only_tf2_arguments_and_reloads(name, tmp_path):
    model, shapes, path = _saved(name, tmp_path)
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
        training = json.loads(f.attrs["training_config"])
    known = [(cls, cfg) for cls, cfg in _classes(config, []) if cls in TF2_CONFIG_KEYS]
    assert len(known) > 3
    for cls, cfg in known:
        extra = set(cfg) - TF2_CONFIG_KEYS[cls] - FROM_CONFIG_KEYS.get(cls, set())
        assert not extra, (cls, extra)
    optimizer = training["optimizer_config"]
    assert optimizer["class_name"] == "Custom>Adam"
    assert optimizer["config"]["is_legacy_optimizer"] is False
    assert set(optimizer["config"]) - {"is_legacy_optimizer"} <= TF2_CONFIG_KEYS["Adam"]
    xs = zoo.inputs_for(name, shapes, np.random.RandomState(0))
    xs = xs if len(xs) > 1 else xs[0]
    reloaded = keraton.models.load_model(path)
    np.testing.assert_allclose(reloaded.predict(xs, verbose=0), model.predict(xs, verbose=0), rtol=1e-6)


def test_h5_renames_and_references_as_tf2(tmp_path):
    """LeakyReLU's slope is tf.keras 2's ``alpha``; MHA's second tensor is a keyword reference."""
    _, _, path = _saved("attention_zoo", tmp_path)
    with h5py.File(path, "r") as f:
        layers = json.loads(f.attrs["model_config"])["config"]["layers"]
    mha = [layer for layer in layers if layer["class_name"] == "MultiHeadAttention"]
    node = mha[0]["inbound_nodes"][0]
    assert node[0][:3] == ["input_layer", 0, 0]
    assert node[0][3]["value"] == ["input_layer_1", 0, 0]
    assert mha[0]["config"]["query_shape"] == [None, 4, 6]
    _, _, path = _saved("dense_zoo", tmp_path)
    with h5py.File(path, "r") as f:
        layers = json.loads(f.attrs["model_config"])["config"]["layers"]
    leaky = [layer["config"] for layer in layers if layer["class_name"] == "LeakyReLU"]
    assert leaky[0]["alpha"] == pytest.approx(0.2) and "negative_slope" not in leaky[0]


def test_argument_tf2_lacks_is_left_out_with_a_warning(tmp_path):
    inputs = keraton.Input((3,))
    model = keraton.Model(inputs, keraton.layers.LayerNormalization(rms_scaling=True)(inputs))
    with pytest.warns(UserWarning, match="tf.keras 2 has no argument 'rms_scaling' for LayerNormalization"):
        model.save(tmp_path / "rms.h5")
