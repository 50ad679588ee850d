"""GradientSync's bookkeeping in one process (a gloo group of one): what is launched where.

With one process an all-reduce returns its input, so the averaged gradients
must equal the local ones; the 2-process equivalence is in test_data_parallel.py.
"""

import socket

import pytest
import torch
import torch.distributed as dist

from keraton.trainers.distributed_gradients import GradientSync


@pytest.fixture(scope="module")
def group():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)
    yield
    dist.destroy_process_group()


def _model():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 2))
    model._distributed_batch_size = 5
    return model


def _backward(model, scale=1.0):
    (model(torch.ones(5, 4)).square().sum() * scale).backward()


# 8-byte buckets: one per parameter, 4 buckets (reverse order: last bias first)
CAP = 8


def test_hooks_launch_every_bucket_and_the_step_reuses_them(group):
    model = _model()
    sync = GradientSync(model, CAP)
    _backward(model)
    assert (len(sync._buckets), sync.launched_in_backward, sync.launched_at_step) == (4, 4, 0)
    params = list(model.parameters())
    expected = [p.grad.clone() for p in params]
    out = sync([p.grad for p in params], params, write_back=True)
    assert sync.launched_at_step == 0
    for got, want, p in zip(out, expected, params):
        torch.testing.assert_close(got, want)
        torch.testing.assert_close(p.grad, want)
    sync.remove()


def test_edited_and_accumulated_gradients_are_reduced_again(group):
    model = _model()
    sync = GradientSync(model, CAP)
    _backward(model)
    _backward(model, 2.0)  # accumulates: every bucket launched again from backward
    assert sync.launched_in_backward == 8
    params = list(model.parameters())
    params[0].grad.mul_(0.5)  # after launch: its bucket's snapshot is stale
    expected = [p.grad.clone() for p in params]
    out = sync([p.grad for p in params], params)
    assert sync.launched_at_step == 1
    for got, want in zip(out, expected):
        torch.testing.assert_close(got, want)
    sync.remove()


def test_parameters_without_gradient_stay_none_and_block_the_launch_order(group):
    model = _model()
    sync = GradientSync(model, CAP)
    model[1].bias.requires_grad_(False)  # first bucket never ready: no bucket launches early
    _backward(model)
    params = list(model.parameters())
    grads = [p.grad for p in params]
    assert grads[3] is None and sync.launched_in_backward == 0
    out = sync(grads, params, write_back=True)
    assert out[3] is None and params[3].grad is None
    assert sync.launched_at_step == 4  # all at the step; the None one is sent as zeros, flagged absent
    for got, want in zip(out[:3], grads[:3]):
        torch.testing.assert_close(got, want)
    sync.remove()


def test_without_overlap_nothing_launches_in_backward(group):
    model = _model()
    sync = GradientSync(model, CAP, overlap=False)
    _backward(model)
    params = list(model.parameters())
    sync([p.grad for p in params], params)
    assert (sync.launched_in_backward, sync.launched_at_step) == (0, 4)
