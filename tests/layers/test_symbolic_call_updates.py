"""Shape inference drops the variable and metric updates a layer's ``call`` makes.

Keras infers a layer's output on symbolic tensors inside a ``StatelessScope``, so
``assign_add`` in ``call`` (a counter, a moving average, a metric held by an endpoint
layer) does not happen while a functional model is built; keraton runs ``call`` on
placeholders and drops those updates, then applies them on real calls.
"""

import numpy as np
import pytest
import torch

import keraton
from keraton import backend as K
from keraton.symbolic_scope import in_symbolic_scope

UPDATES = {
    "assign": lambda v, x: v.assign(K.mean(x, axis=0) + 1.0),
    "assign_add": lambda v, x: v.assign_add(K.mean(x, axis=0) + 1.0),
    "assign_sub": lambda v, x: v.assign_sub(K.mean(x, axis=0) + 1.0),
    "K.update_add": lambda v, x: K.update_add(v, K.mean(x, axis=0) + 1.0),
    "K.moving_average_update": lambda v, x: K.moving_average_update(v, K.mean(x, axis=0) + 1.0, 0.5),
}
AFTER_ONE_CALL = {"assign": 2.0, "assign_add": 2.0, "assign_sub": -2.0, "K.update_add": 2.0,
                  "K.moving_average_update": 1.0}


class Updating(keraton.layers.Layer):
    def __init__(self, update, **kwargs):
        super().__init__(**kwargs)
        self.update = update
        self.seen_symbolic_scope = []

    def build(self, input_shape):
        self.state = self.add_weight(shape=(input_shape[-1],), initializer="zeros",
                                     trainable=False, name="state")

    def call(self, inputs):
        self.seen_symbolic_scope.append(in_symbolic_scope())
        UPDATES[self.update](self.state, inputs)
        return inputs


@pytest.mark.parametrize("update", sorted(UPDATES))
def test_variable_updates_are_dropped_while_building_a_functional_model(update):
    inputs = keraton.Input((2,))
    layer = Updating(update)
    model = keraton.Model(inputs, layer(inputs))
    np.testing.assert_array_equal(K.get_value(layer.state), [0.0, 0.0])
    assert layer.seen_symbolic_scope and all(layer.seen_symbolic_scope)  # as Keras's inference
    model(torch.ones(3, 2))
    assert layer.seen_symbolic_scope[-1] is False
    np.testing.assert_allclose(K.get_value(layer.state), [AFTER_ONE_CALL[update]] * 2)


def test_metric_updates_of_an_endpoint_layer_are_dropped_while_building():
    class Endpoint(keraton.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.tracker = keraton.metrics.Mean()

        def call(self, inputs):
            self.tracker.update_state(K.sum(inputs) + 5.0)
            return inputs

    inputs = keraton.Input((3,))
    layer = Endpoint()
    model = keraton.Model(inputs, layer(inputs))
    assert float(layer.tracker.count) == 0.0
    model(torch.ones(1, 3))
    assert float(layer.tracker.result()) == 8.0


def test_shape_inference_in_one_thread_does_not_drop_another_threads_updates():
    # fit's data-loading thread may build a preprocessing model while the training thread
    # updates its variables.
    import threading

    from keraton.symbolic_scope import InferringShapes, inferring_shapes

    variable = keraton.Variable(np.zeros(2, "float32"))
    entered, release = threading.Event(), threading.Event()

    def infer():
        with InferringShapes():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=infer)
    thread.start()
    entered.wait(5)
    try:
        assert not inferring_shapes()
        variable.assign_add(np.ones(2, "float32"))
    finally:
        release.set()
        thread.join()
    np.testing.assert_array_equal(K.get_value(variable), [1.0, 1.0])
