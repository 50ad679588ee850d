"""Every layer of the layer battery survives ``.keras`` and ``.weights.h5`` round trips.

The weight paths are generic (module structure, Keras's walk), so a new layer
family is covered here by adding its ``Case`` to ``tests/layers/battery_cases``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import keraton

pytest.importorskip("h5py")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers"))
from battery_cases import all_cases  # noqa: E402

CASES = [c for c in all_cases() if c.config_round_trip]


def _multi(shape) -> bool:
    return isinstance(shape, list) or (bool(shape) and isinstance(shape[0], (tuple, list)))


def _model(case):
    layer = case.factory()
    if _multi(case.input_shape):
        inputs = [keraton.Input(tuple(s[1:]), dtype=case.input_dtype) for s in case.input_shape]
    else:
        inputs = keraton.Input(tuple(case.input_shape[1:]), dtype=case.input_dtype)
    return keraton.Model(inputs, layer(inputs)), layer


def _input(case):
    gen = torch.Generator().manual_seed(1)
    if case.make_input is not None:
        return case.make_input(gen)
    if _multi(case.input_shape):
        return [torch.randn(s, generator=gen) for s in case.input_shape]
    return torch.randn(case.input_shape, generator=gen)


def _numpy(outputs):
    if isinstance(outputs, (list, tuple)):
        return [_numpy(o) for o in outputs]
    return outputs.detach().numpy()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_keras_file_round_trip(case, tmp_path):
    model, layer = _model(case)
    rng = np.random.default_rng(3)
    model.set_weights([rng.normal(size=w.shape).astype(w.dtype) for w in model.get_weights()])
    x = _input(case)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keraton.models.load_model(path, safe_mode=case.from_config_kwargs.get("safe_mode", True))
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(_numpy(loaded(x, training=False)), _numpy(model(x, training=False)), rtol=1e-6)
    # Weights alone, into a fresh model of the same architecture.
    model.save_weights(str(tmp_path / "m.weights.h5"))
    fresh, _ = _model(case)
    fresh.load_weights(str(tmp_path / "m.weights.h5"))
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
