"""Tests of keraton.rematerialization (``keras.remat``, ``keras.RematScope``) against Keras 3.15."""

import numpy as np
import pytest
import torch

import keraton
from keraton.rematerialization import RematMode, RematScope, get_current_remat_mode, remat

# Layers honour a RematScope once keraton.layers.Layer records the scope's mode at creation.
LAYERS_HOOKED = hasattr(keraton.layers.Dense(1), "_remat_mode")
needs_layer_hook = pytest.mark.skipif(not LAYERS_HOOKED, reason="Layer does not record RematScope yet")


@pytest.fixture
def keras():
    """The real Keras 3 package (skips the test when it is not installed)."""
    return pytest.importorskip("keras")


class Counting(keraton.layers.Layer):
    """``tanh(x @ w)``, counting how often ``call`` runs."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.calls = 0

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")

    def call(self, x):
        self.calls += 1
        return torch.tanh(x @ self.w)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)


def _counting_activation():
    def act(x):
        act.calls += 1
        return torch.relu(x)

    act.calls = 0
    return act


def test_remat_function_recomputes_with_equal_outputs_and_gradients():
    torch.manual_seed(0)
    x = torch.randn(4, 3, requires_grad=True)
    w = torch.randn(3, 5, requires_grad=True)
    calls = []

    def block(x, scale=1.0):
        calls.append(1)
        return torch.sin(x @ w) * scale

    plain = block(x, scale=2.0)
    grads = torch.autograd.grad(plain.square().sum(), [x, w])
    calls.clear()
    wrapped = remat(block)
    assert wrapped.__name__ == "block"
    out = wrapped(x, scale=2.0)
    assert len(calls) == 1
    again = torch.autograd.grad(out.square().sum(), [x, w])
    assert len(calls) == 2  # ran again during backward
    torch.testing.assert_close(out, plain)
    for a, b in zip(again, grads, strict=True):
        torch.testing.assert_close(a, b)
    calls.clear()
    with torch.no_grad():
        wrapped(x)
    assert len(calls) == 1


def test_remat_keeps_dropout_masks():
    torch.manual_seed(1)
    x = torch.randn(64, requires_grad=True)
    out = remat(lambda t: torch.nn.functional.dropout(t, 0.5, training=True) * t)(x)
    out.sum().backward()
    kept = out.detach() != 0
    # d(mask * x * x / 0.5)/dx = 4x where kept, 0 elsewhere: the same mask in the recomputation.
    torch.testing.assert_close(x.grad, torch.where(kept, 4 * x.detach(), torch.zeros_like(x)))


def test_scope_arguments_and_errors_match_keras(keras):
    with pytest.raises(ValueError) as ours:
        RematScope(mode="everything")
    with pytest.raises(ValueError) as theirs:
        keras.RematScope(mode="everything")
    assert str(ours.value) == " ".join(str(theirs.value).split())  # Keras's has a double space
    with pytest.raises(ValueError, match="output_size_threshold"):
        RematScope(mode="larger_than", output_size_threshold="big")
    with pytest.raises(TypeError, match="callable"):
        remat(3)
    scope = RematScope()
    assert (scope.mode, scope.output_size_threshold, scope.layer_names) == ("full", 1024, [])


def test_nested_scopes_match_keras(keras):
    from keras.src.backend.common.remat import get_current_remat_mode as keras_mode

    def record(scope_cls, mode_of):
        seen = [mode_of()]
        with scope_cls(mode="full"):
            seen.append(mode_of())
            with scope_cls(mode="larger_than", output_size_threshold=512):
                seen.append(mode_of())
                with scope_cls(mode=None):
                    seen.append(mode_of())
            with scope_cls(mode="list_of_layers", layer_names=["a"]):
                seen.append(mode_of())
            seen.append(mode_of())
        seen.append(mode_of())
        return [None if m is None else tuple(m) for m in seen]

    assert record(RematScope, get_current_remat_mode) == record(keras.RematScope, keras_mode)
    assert get_current_remat_mode() is None
    with RematScope("activations") as scope:
        assert isinstance(scope, RematScope)
        assert get_current_remat_mode() == RematMode("activations", 1024, [])


def _two_layers(scope_kwargs):
    """``Counting(16, name="big")`` then ``Counting(2, name="small")``, created inside the scope."""
    keraton.utils.set_random_seed(3)
    if scope_kwargs is None:
        return Counting(16, name="big"), Counting(2, name="small")
    with RematScope(**scope_kwargs):
        return Counting(16, name="big"), Counting(2, name="small")


@needs_layer_hook
@pytest.mark.parametrize("scope_kwargs, recomputed", [
    ({"mode": "full"}, {"big", "small"}),
    ({"mode": "list_of_layers", "layer_names": ["small"]}, {"small"}),
    ({"mode": "larger_than", "output_size_threshold": 100}, {"big"}),  # 8 x 16 > 100 > 8 x 2
    ({"mode": "larger_than"}, set()),
    ({"mode": None}, set()),
    ({"mode": "activations"}, set()),  # these layers have no activation
])
def test_layers_created_in_scope_recompute(scope_kwargs, recomputed):
    reference = _two_layers(None)
    layers = _two_layers(scope_kwargs)
    torch.manual_seed(0)
    x = torch.randn(8, 3)
    for big, small in (reference, layers):
        with torch.no_grad():
            small(big(x))  # builds the weights
    for ours, ref in zip(layers, reference, strict=True):
        ours.set_weights(ref.get_weights())
        ours.calls = ref.calls = 0
    outputs = []
    for big, small in (reference, layers):
        out = small(big(x))  # outside the scope: the mode recorded at creation applies
        assert (big.calls, small.calls) == (1, 1)
        out.square().sum().backward()
        outputs.append((out.detach(), big.w.grad, small.w.grad))
    assert {layer.name for layer in layers if layer.calls == 2} == recomputed
    assert all(layer.calls == 1 for layer in reference)
    for a, b in zip(*outputs, strict=True):
        torch.testing.assert_close(a, b)
    with torch.no_grad():
        layers[1](layers[0](x))
    assert all(layer.calls == (3 if layer.name in recomputed else 2) for layer in layers)


@needs_layer_hook
def test_activations_mode_recomputes_only_the_activation():
    act = _counting_activation()
    with RematScope(mode="activations"):
        dense = keraton.layers.Dense(4, activation=act)
    plain = keraton.layers.Dense(4, activation="relu")
    x = torch.randn(5, 3)
    dense.build(x.shape)
    plain.build(x.shape)
    plain.set_weights(dense.get_weights())
    out = dense(x)
    assert act.calls == 1
    out.sum().backward()
    assert act.calls == 2
    assert dense.activation is act and dense._act is act  # restored after the call
    expected = plain(x)
    expected.sum().backward()
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(dense.kernel.grad, plain.kernel.grad)


@needs_layer_hook
def test_fit_in_scope_matches_fit_without():
    def build(scope):
        keraton.utils.set_random_seed(5)
        with RematScope(mode=scope):
            return keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(8, activation="relu"),
                                       keraton.layers.Dropout(0.3), keraton.layers.Dense(1)])

    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4)).astype("float32")
    y = rng.standard_normal((32, 1)).astype("float32")
    weights = []
    for scope in (None, "full"):
        model = build(scope)
        model.compile(optimizer="sgd", loss="mse")
        keraton.utils.set_random_seed(7)
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_clear_session_closes_remat_scopes_as_keras():
    from keraton.rematerialization import get_current_remat_mode

    scope = keraton.RematScope(mode="full")
    scope.__enter__()
    assert get_current_remat_mode() is not None
    keraton.backend.clear_session()
    assert get_current_remat_mode() is None
    scope.__exit__(None, None, None)  # leaving it afterwards is harmless
