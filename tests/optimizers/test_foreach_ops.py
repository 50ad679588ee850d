"""Tests of keraton.optimizers.foreach_ops: Keras's clipping formulas and scaled foreach updates."""

import math

import numpy as np
import pytest
import torch

from keraton.optimizers import foreach_ops


def _grads():
    return [torch.tensor([3.0, 4.0]), torch.tensor([[0.0, 0.0]]), torch.tensor([0.3, -0.4])]


def test_clip_by_norm_per_tensor():
    out = foreach_ops.clip_by_norm(_grads(), 1.0)
    np.testing.assert_allclose(out[0].numpy(), [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(out[1].numpy(), [[0.0, 0.0]])  # zero stays zero, no NaN
    np.testing.assert_allclose(out[2].numpy(), [0.3, -0.4], rtol=1e-6)


def test_clip_by_global_norm():
    grads = _grads()
    norm = foreach_ops.global_norm(grads)
    assert norm.item() == pytest.approx(math.sqrt(25 + 0.25))
    out = foreach_ops.clip_by_global_norm(grads, 1.0)
    np.testing.assert_allclose(out[0].numpy(), np.array([3.0, 4.0]) / norm.item(), rtol=1e-6)
    assert foreach_ops.global_norm(out).item() == pytest.approx(1.0)
    np.testing.assert_allclose(grads[0].numpy(), [3.0, 4.0])  # inputs untouched
    small = foreach_ops.clip_by_global_norm([torch.tensor([0.1])], 1.0)
    np.testing.assert_allclose(small[0].numpy(), [0.1], rtol=1e-6)


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_clip_by_global_norm_non_finite_gives_nan_like_keras(bad):
    out = foreach_ops.clip_by_global_norm([torch.tensor([bad, 1.0]), torch.tensor([1.0])], 1.0)
    assert all(torch.isnan(t).all() for t in out)


def test_global_norm_mixed_dtypes():
    norm = foreach_ops.global_norm([torch.tensor([3.0]), torch.tensor([4.0], dtype=torch.float64)])
    assert norm.item() == pytest.approx(5.0)


def test_clip_by_value():
    out = foreach_ops.clip_by_value([torch.tensor([-3.0, 0.2, 3.0])], 0.5)
    np.testing.assert_allclose(out[0].numpy(), [-0.5, 0.2, 0.5], rtol=1e-6)


@pytest.mark.parametrize("scale", [0.5, torch.tensor(0.5), torch.tensor(0.5, dtype=torch.float64)])
def test_scaled_helpers_accept_numbers_and_tensors(scale):
    xs = [torch.ones(2), torch.ones(3)]
    assert torch.equal(foreach_ops.scaled(xs, scale)[1], torch.full((3,), 0.5))
    foreach_ops.mul_(xs, scale)
    assert torch.equal(xs[0], torch.full((2,), 0.5))
    foreach_ops.add_scaled_(xs, [torch.ones(2), torch.ones(3)], scale)
    assert torch.equal(xs[1], torch.full((3,), 1.0))
    foreach_ops.sub_scaled_div_(xs, [torch.ones(2), torch.ones(3)], [torch.full((2,), 2.0), torch.full((3,), 2.0)], scale)
    assert torch.equal(xs[0], torch.full((2,), 0.75))
    assert xs[0].dtype == torch.float32
    foreach_ops.add_(xs, scale)
    assert torch.equal(xs[0], torch.full((2,), 1.25))
    foreach_ops.div_(xs, scale)
    assert torch.equal(xs[1], torch.full((3,), 2.5))
    assert xs[1].dtype == torch.float32
