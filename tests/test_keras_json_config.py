"""keraton applies the user's ``keras.json`` (``$KERAS_HOME`` or ``~/.keras``) at import, as Keras does."""

import json
import os
import subprocess
import sys

import pytest

PROBE = ("import warnings; warnings.simplefilter('always'); import {lib} as k, json; "
         "print(json.dumps([k.config.floatx(), k.config.epsilon(), k.config.image_data_format(), "
         "k.layers.Conv2D(2, 3).data_format]))")


def _settings(lib, home, **env):
    environment = {**os.environ, "KERAS_HOME": str(home), "KERAS_BACKEND": "torch", **env}
    done = subprocess.run([sys.executable, "-c", PROBE.format(lib=lib)], env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_settings_from_keras_json_match_keras(tmp_path):
    pytest.importorskip("keras")
    config = {"floatx": "float64", "epsilon": 1e-5, "image_data_format": "channels_first",
              "backend": "jax"}
    (tmp_path / "keras.json").write_text(json.dumps(config))
    ours, _ = _settings("keraton", tmp_path)
    assert ours == ["float64", 1e-5, "channels_first", "channels_first"]
    assert _settings("keras", tmp_path)[0] == ours
    assert json.loads((tmp_path / "keras.json").read_text()) == config  # nobody rewrote it


def test_keras1_dim_ordering_and_bad_values(tmp_path):
    (tmp_path / "keras.json").write_text(json.dumps({"image_dim_ordering": "th", "floatx": "float8"}))
    ours, stderr = _settings("keraton", tmp_path)
    assert ours == ["float32", 1e-7, "channels_first", "channels_first"]
    assert "Ignoring `floatx`" in stderr
    (tmp_path / "keras.json").write_text("{not json")
    ours, stderr = _settings("keraton", tmp_path)
    assert ours == ["float32", 1e-7, "channels_last", "channels_last"]
    assert "Ignoring the Keras configuration file" in stderr


def test_no_file_is_written(tmp_path):
    ours, _ = _settings("keraton", tmp_path / "absent")
    assert ours == ["float32", 1e-7, "channels_last", "channels_last"]
    assert not (tmp_path / "absent").exists()
