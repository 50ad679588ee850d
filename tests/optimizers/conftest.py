"""Shared fixtures for the optimizer tests: real Keras 3 (torch backend) as a numerical oracle."""

import numpy as np
import pytest
import torch

import keraton.optimizers

SHAPES = ((3, 4), (5,), (2, 3, 2))


def make_problem(steps=5, seed=0, shapes=SHAPES):
    """Random initial weights and ``steps`` rounds of random gradients (float32 arrays)."""
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(s).astype("float32") for s in shapes]
    grads = [[rng.standard_normal(s).astype("float32") for s in shapes] for _ in range(steps)]
    return weights, grads


def run_keraton(opt, weights, grads, via="step", between=None):
    """Apply ``grads`` with a keraton optimizer; returns the parameters."""
    params = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
    if via == "step":
        opt.build(params)
    for k, gs in enumerate(grads):
        if between is not None:
            between(opt, k)
        if via == "step":
            for p, g in zip(params, gs, strict=True):
                p.grad = torch.tensor(g)
            opt.step()
        else:
            opt.apply_gradients(zip([torch.tensor(g) for g in gs], params, strict=True))
    return params


def run_keras(keras, opt, weights, grads, between=None):
    """Apply ``grads`` with a real Keras optimizer; returns the Keras variables."""
    variables = [keras.Variable(w) for w in weights]
    for k, gs in enumerate(grads):
        if between is not None:
            between(opt, k)
        opt.apply_gradients(zip([torch.tensor(g) for g in gs], variables, strict=True))
    return variables


def to_numpy(x):
    """A Keras variable, keraton ScalarVariable or torch tensor as a NumPy array."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    value = getattr(x, "value", x)
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(x)


@pytest.fixture
def keras():
    """The real Keras 3 package (skips the test when it is not installed)."""
    return pytest.importorskip("keras")


@pytest.fixture
def compare_with_keras(keras):
    """``compare(name, kwargs, ...)``: run keraton's and Keras's optimizer ``name`` side by side.

    Both start from the same weights and apply the same 5 random gradients;
    the weights (and, with ``check_state``, every optimizer variable in
    Keras's order) must agree to rtol 1e-5 / atol 1e-6.  ``between(opt, k)``
    runs before step ``k`` on both optimizers (e.g. to change the learning rate).
    """

    def compare(name, kwargs=None, steps=5, via="step", check_state=True, between=None, seed=0,
                keras_kwargs=None):
        kwargs = dict(kwargs or {})
        weights, grads = make_problem(steps, seed)
        ours = getattr(keraton.optimizers, name)(**kwargs)
        theirs = getattr(keras.optimizers, name)(**(keras_kwargs or kwargs))
        params = run_keraton(ours, weights, grads, via=via, between=between)
        variables = run_keras(keras, theirs, weights, grads, between=between)
        for p, v in zip(params, variables, strict=True):
            np.testing.assert_allclose(to_numpy(p), to_numpy(v), rtol=1e-5, atol=1e-6)
        if check_state:
            assert len(ours.variables) == len(theirs.variables)
            for a, b in zip(ours.variables, theirs.variables, strict=True):
                np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-5, atol=1e-6)
        assert int(ours.iterations) == int(to_numpy(theirs.iterations))
        return ours, theirs, params

    return compare
