"""Standalone Keras 2's ``keras.backend.tensorflow_backend`` / ``keras.backend.common`` module paths."""

import importlib
import sys
import warnings

import numpy as np
import pytest
import torch

import keraton
import keraton.backend
from keraton.backend_functions import keras2_standalone as k2
from keraton.backend_functions import legacy_backend_modules
from keraton.utils import keras2_names

pytestmark = pytest.mark.filterwarnings("ignore:`keras.backend.*is a Keras 2 name:UserWarning")


@pytest.fixture
def registered():
    legacy_backend_modules.register(keraton.backend)
    keras2_names._WARNED.difference_update(
        {"keras.backend.tensorflow_backend", "keras.backend.common"})
    yield keraton.backend


@pytest.mark.parametrize("short_name", ["tensorflow_backend", "common"])
def test_import_statements_work(registered, short_name):
    full_name = f"keraton.backend.{short_name}"
    module = importlib.import_module(full_name)
    assert module is sys.modules[full_name] is getattr(keraton.backend, short_name)
    namespace: dict = {}
    exec(f"import {full_name}\nfrom {full_name} import set_session, mean, image_dim_ordering",
         namespace)
    assert namespace["keraton"].backend is keraton.backend
    assert namespace["mean"] is keraton.backend.mean
    assert namespace["set_session"](object()) is None
    assert namespace["image_dim_ordering"]() == "tf"


def test_serves_every_backend_name_and_the_keras2_functions(registered):
    tfb = registered.tensorflow_backend
    for name in ["mean", "conv2d", "variable", "image_data_format", "floatx", "epsilon"]:
        assert getattr(tfb, name) is getattr(keraton.backend, name)
    assert set(k2.__all__) <= set(dir(tfb)) and "batch_dot" in dir(tfb)
    assert tfb._get_available_gpus() == k2._get_available_gpus()
    np.testing.assert_allclose(tfb.logsumexp(torch.zeros(4)).item(), np.log(4.0), rtol=1e-6)
    inp = keraton.Input((2, 3))
    out = registered.common.slice(inp, [0, 1, 0], [-1, 1, -1])  # functions of tensors take Keras tensors
    assert tuple(out.shape) == (None, 1, 3)
    assert not hasattr(tfb, "__path__")  # not a package: import machinery probes see no __path__
    with pytest.raises(AttributeError, match="keras.backend.tensorflow_backend.*no_such_function"):
        tfb.no_such_function()


def test_first_use_warns_once_with_the_keras_3_name(registered):
    with pytest.warns(UserWarning, match="`keras.backend.tensorflow_backend` is a Keras 2 name, "
                                         "deprecated and removed in Keras 3.*`keras.backend`"):
        registered.tensorflow_backend.get_session()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        registered.tensorflow_backend.set_session(None)


def test_register_is_idempotent(registered):
    module = registered.common
    legacy_backend_modules.register(keraton.backend)
    assert registered.common is module is sys.modules["keraton.backend.common"]
