"""``keras.Function``: a callable graph of layers and ops, compared with real Keras 3."""

import numpy as np
import pytest
import torch

import keraton

keras = pytest.importorskip("keras")


def _function(lib, name=None):
    a, b = lib.Input((3,), name="a"), lib.Input((3,), name="b")
    dense = lib.layers.Dense(2, name="d")
    out = dense(lib.ops.add(a, lib.ops.relu(b)))
    return lib.Function([a, b], out, name=name), dense


def test_operations_outputs_and_specs_match_keras():
    keras.backend.clear_session()
    keraton.backend.clear_session()
    (ours, our_dense), (theirs, their_dense) = _function(keraton), _function(keras)
    assert ours.name == theirs.name == "function"
    assert [(type(op).__name__, op.name) for op in ours.operations] == \
        [(type(op).__name__, op.name) for op in theirs.operations]
    weights = [np.random.default_rng(i).normal(size=w.shape).astype("float32")
               for i, w in enumerate(their_dense.get_weights())]
    our_dense.set_weights(weights)
    their_dense.set_weights(weights)
    x = np.random.default_rng(5).normal(size=(4, 3)).astype("float32")
    y = np.random.default_rng(6).normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(ours([torch.as_tensor(x), torch.as_tensor(y)]).detach().numpy(),
                               keras.ops.convert_to_numpy(theirs([x, y])), rtol=1e-6, atol=1e-6)
    spec = ours.compute_output_spec([keraton.KerasTensor((None, 3)), keraton.KerasTensor((None, 3))])
    their_spec = theirs.compute_output_spec([keras.KerasTensor((None, 3)), keras.KerasTensor((None, 3))])
    assert tuple(spec.shape) == tuple(their_spec.shape) == (None, 2)
    symbolic = ours([keraton.Input((3,)), keraton.Input((3,))])
    assert tuple(symbolic.shape) == (None, 2)
    assert len(ours.inputs) == 2 and tuple(ours.outputs[0].shape) == (None, 2)


def test_automatic_names_are_keras_and_leave_model_names_alone():
    keras.backend.clear_session()
    keraton.backend.clear_session()
    names = {}
    for lib in (keraton, keras):
        x = lib.Input((2,))
        first = lib.Function(x, lib.ops.relu(x))
        second = lib.Function(x, lib.ops.relu(x))
        model = lib.Model(x, lib.layers.Dense(1)(x))
        names[lib.__name__] = (first.name, second.name, model.name)
    assert names["keraton"] == names["keras"] == ("function", "function_1", "functional")
