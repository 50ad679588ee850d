"""``keras.layers.AbstractRNNCell`` as the base of a custom cell inside ``RNN``.

tf.keras 2.15's outputs for the same cell and weights come from
``tests/fixtures/make_tf2_keras2_names_fixtures.py``.
"""

import os

import numpy as np
import pytest
import torch

import keraton as keras
from keraton.layers.rnn.abstract_rnn_cell import AbstractRNNCell

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "fixtures", "tf2_keras2_names.npz")
DATA = np.load(FIXTURE)


class MinimalRNNCell(AbstractRNNCell):
    def __init__(self, units, **kwargs):
        self.units = units
        super().__init__(**kwargs)

    @property
    def state_size(self):
        return self.units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="rk")
        self.built = True

    def call(self, inputs, states):
        output = torch.tanh(inputs @ self.kernel + states[0] @ self.recurrent_kernel)
        return output, [output]


@pytest.mark.parametrize("functional", [False, True])
def test_rnn_with_abstract_cell_matches_tf_keras2(functional):
    rnn = keras.layers.RNN(MinimalRNNCell(4), return_sequences=True)
    if functional:
        inputs = keras.Input((5, 3))
        model = keras.Model(inputs, rnn(inputs))
    else:
        rnn.build((None, 5, 3))
    rnn.set_weights([DATA["rnn_k"], DATA["rnn_rk"]])
    x = torch.tensor(DATA["rnn_x"])
    y = model.predict(DATA["rnn_x"], verbose=0) if functional else rnn(x).detach().numpy()
    np.testing.assert_allclose(y, DATA["rnn_y"], rtol=1e-5, atol=1e-6)


class TwoStateCell(MinimalRNNCell):
    @property
    def state_size(self):
        return [self.units, 2]


@pytest.mark.parametrize(("cell", "shapes"), [(MinimalRNNCell(3), (4, 3)),
                                              (TwoStateCell(3), [(4, 3), (4, 2)])])
def test_get_initial_state(cell, shapes):
    state = cell.get_initial_state(batch_size=4)
    got = [tuple(s.shape) for s in state] if isinstance(state, list) else tuple(state.shape)
    assert got == shapes
    from_inputs = cell.get_initial_state(inputs=torch.ones(4, 7, dtype=torch.float64))
    first = from_inputs[0] if isinstance(from_inputs, list) else from_inputs
    assert first.dtype == torch.float64 and not first.any()


def test_abstract_members_raise():
    cell = AbstractRNNCell()
    with pytest.raises(NotImplementedError, match="state_size"):
        _ = cell.state_size
    assert getattr(cell, "output_size", None) is None  # RNN then uses state_size
    with pytest.raises(NotImplementedError):
        cell.call(torch.ones(1, 1), [torch.ones(1, 1)])
    with pytest.raises(ValueError, match="batch_size"):
        MinimalRNNCell(2).get_initial_state()
