"""Keras 2's ``multi_gpu_model``: Keras 2's refusals, and the model itself where the GPUs exist."""

import importlib

import numpy as np
import pytest
import torch

import keraton as keras
from keraton.utils import multi_gpu_model


def _model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])


@pytest.mark.parametrize("gpus, message", [
    (1, r"`gpus >= 2`. Received: `gpus=1`"),
    ([0], r"`len\(gpus\) >= 2`. Received: `gpus=\[0\]`"),
    (None, r"`gpus >= 2`. Received: `gpus=0`"),
    (2, r"expect the following devices to be available: \['/cpu:0', '/gpu:0', '/gpu:1'\]. "
        r"However this machine only has: \['/cpu:0'\]"),
])
def test_refuses_as_keras2_on_a_machine_without_gpus(monkeypatch, gpus, message):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match=message):
        multi_gpu_model(_model(), gpus=gpus)


def test_cpu_fallback_idiom_keeps_training_the_template():
    model = _model()
    try:
        parallel = multi_gpu_model(model, gpus=2)
    except ValueError:
        parallel = model
    parallel.compile("sgd", "mse")
    parallel.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)


def test_with_the_gpus_present_returns_the_model_with_a_warning(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    model = _model()
    with pytest.warns(UserWarning, match="trains 'sequential.*' on one device"):
        assert multi_gpu_model(model) is model
    with pytest.raises(ValueError, match="/gpu:2"):
        multi_gpu_model(model, gpus=[0, 2])


def test_keras2_module_paths():
    module = importlib.import_module("keraton.utils.training_utils")
    assert module.multi_gpu_model is multi_gpu_model
