"""``InputSpec`` checks: one spec per input, and Keras 2's one-element list of specs for one tensor."""

import pytest
import torch

import keraton
from keraton.layers import InputSpec, Layer


class _Keras2Style(Layer):
    """A Keras 2 custom layer: ``input_spec`` is a list of one spec, the call takes one tensor."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = [InputSpec(ndim=3)]

    def call(self, x):
        return x.sum(1)


class _TwoInputs(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = [InputSpec(ndim=2), InputSpec(ndim=3)]

    def call(self, inputs):
        return inputs[0] + inputs[1].sum(1)


def test_a_list_of_one_spec_checks_a_single_tensor():
    layer = _Keras2Style(name="k2")
    assert layer(torch.ones(2, 3, 4)).shape == (2, 4)
    assert tuple(layer(keraton.Input((3, 4))).shape) == (None, 4)
    with pytest.raises(ValueError, match=r"'k2'.*expected ndim=3.*\(2, 4\)"):
        layer(torch.ones(2, 4))


def test_a_list_of_specs_checks_each_input():
    layer = _TwoInputs(name="two")
    assert layer([torch.ones(2, 4), torch.ones(2, 3, 4)]).shape == (2, 4)
    with pytest.raises(ValueError, match=r"'two'.*expected ndim=3.*\(2, 4\)"):
        layer([torch.ones(2, 4), torch.ones(2, 4)])
