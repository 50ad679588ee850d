"""A Sequential whose first layer is a model with inputs is built at once, as Keras 3 builds it.

keras.io's Barlow Twins example seeds the weights of a ``Dense`` stacked on a
functional twin right after ``Sequential([twin, Dense(10)])``.
"""

import keraton


def _functional():
    inputs = keraton.Input((4,))
    return keraton.Model(inputs, keraton.layers.Dense(3)(inputs))


def test_functional_first_layer_builds_the_stack():
    model = keraton.Sequential([_functional(), keraton.layers.Dense(2)])
    # Keras 3.15: built, Dense built with 2 weights, 23 parameters.
    assert model.built and model.layers[1].built
    assert len(model.layers[1].get_weights()) == 2
    assert model.count_params() == 23
    assert model.input_shape == (None, 4)


def test_unbuilt_sequential_first_layer_leaves_the_stack_unbuilt():
    inner = keraton.Sequential([keraton.layers.Dense(2)])
    model = keraton.Sequential([inner, keraton.layers.Dense(3)])
    assert not model.built  # Keras 3.15: False


def test_model_alone_in_a_stack_is_not_rebuilt():
    model = keraton.Sequential([_functional()])
    assert not model.built  # Keras 3.15 builds only when more layers follow
