"""PreprocessingLayer (tf.keras 2's adapt base class): the adapt protocol, by hand computation."""

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.preprocessing.preprocessing_layer import PreprocessingLayer


class MeanCenter(PreprocessingLayer):
    def build(self, input_shape):
        self.built_with = input_shape
        self.total, self.count, self.batches = 0.0, 0, []

    def update_state(self, data):
        data = torch.as_tensor(data)
        self.batches.append(tuple(data.shape))
        self.total += float(data.sum())
        self.count += data.numel()

    def reset_state(self):
        self.total, self.count, self.batches = 0.0, 0, []

    def finalize_state(self):
        self.mean = self.total / self.count

    def call(self, inputs):
        return inputs - self.mean


def test_adapt_batches_arrays_builds_and_finalizes():
    layer = MeanCenter()
    assert not layer.is_adapted
    layer.adapt(np.arange(10.0).reshape(10, 1), batch_size=4)
    assert layer.built_with == (4, 1)
    assert layer.batches == [(4, 1), (4, 1), (2, 1)]
    assert layer.mean == 4.5 and layer.is_adapted
    torch.testing.assert_close(layer(torch.tensor([[4.5]])), torch.tensor([[0.0]]))


def test_steps_iterables_and_readapting_reset():
    layer = MeanCenter()
    layer.adapt(torch.arange(100.0), steps=2)  # default batch_size 32: 0..63
    assert layer.batches == [(32,), (32,)] and layer.mean == 31.5
    layer.adapt(iter([torch.tensor([1.0, 3.0]), torch.tensor([5.0])]))  # a generator gives its batches
    assert layer.mean == 3.0 and layer.batches == [(2,), (1,)]
    loader = torch.utils.data.DataLoader(torch.arange(6.0), batch_size=4)
    layer.adapt(loader)
    assert layer.mean == 2.5
    layer.reset_state()
    assert not layer.is_adapted and layer.count == 0


def test_compile_and_make_adapt_function_as_tf_keras_2():
    layer = MeanCenter()
    layer.compile(steps_per_execution=2)
    step = layer.make_adapt_function()
    assert layer.make_adapt_function() is step
    iterator = iter([torch.ones(2), torch.zeros(2), torch.ones(1)])
    step(iterator)
    assert layer.batches == [(2,), (2,)]
    layer.adapt(np.ones(5), batch_size=2)  # an odd last execution stops cleanly
    assert layer.batches == [(2,), (2,), (1,)] and layer.is_adapted


def test_hooks_must_be_written_and_bad_data_is_refused():
    class Bare(PreprocessingLayer):
        pass

    with pytest.raises(NotImplementedError, match="update_state"):
        Bare().adapt(np.ones((2, 2)))
    with pytest.raises(ValueError, match="batch_size"):
        MeanCenter().adapt(iter([np.ones(2)]), batch_size=2)
    with pytest.raises(TypeError, match="adapt"):
        MeanCenter().adapt(3.0)


def test_is_a_keraton_layer_in_the_experimental_namespace():
    assert keraton.layers.experimental.preprocessing.PreprocessingLayer is PreprocessingLayer
    assert issubclass(PreprocessingLayer, keraton.layers.Layer)
