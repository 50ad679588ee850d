"""``keras.models.clone_model``: a model of the same architecture with new layers (new weights).

As Keras 3: Sequential and functional models are rebuilt layer by layer
through ``clone_function`` (default: ``layer.__class__.from_config(
layer.get_config())``), with each shared layer cloned once, nested models
cloned too with ``recursive=True``, ``input_tensors`` to build on other
inputs and, for functional models, ``call_function(layer, *args, **kwargs)``
to change how each cloned layer is called. Other models are rebuilt from
their config. The clone is compiled as the original was.
"""

from __future__ import annotations

from keraton.layers.keras_tensor import KerasTensor
from keraton.utils import tree


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """Clone a Sequential or functional ``model``: same architecture, new (fresh) weights.

    Args:
        model: the model to clone.
        input_tensors: optional symbolic tensors (the structure of ``model.input``)
            to build the clone on, instead of new ``Input``s.
        clone_function: ``layer -> new layer`` used for every layer (default: a
            layer from the original's config, with fresh weights). Returning the
            layer itself shares it (and its weights) with the original.
        call_function: functional models only: ``(layer, *args, **kwargs) ->
            outputs``, called instead of ``layer(*args, **kwargs)`` for every layer.
        recursive: also clone the Sequential/functional models nested inside,
            through ``clone_function``, instead of handing them to it whole.

    Returns:
        The new model, compiled from the original's compile config when the
        original was compiled (as Keras 3).

    Example:
        >>> bigger_dropout = keraton.models.clone_model(
        ...     model, clone_function=lambda layer: (
        ...         keraton.layers.Dropout(0.5) if isinstance(layer, keraton.layers.Dropout)
        ...         else layer.__class__.from_config(layer.get_config())))
    """
    from keraton.models.functional import Functional
    from keraton.models.sequential import Sequential

    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    if clone_function is not None and not callable(clone_function):
        raise ValueError("Expected `clone_function` argument to be a callable. "
                         f"Received: clone_function={clone_function}")
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "`call_function` argument is not supported with Sequential models. In a "
                "Sequential model, layers aren't called at model-construction time (they're "
                "merely listed). Use `call_function` with Functional models only. Received "
                f"model of type '{type(model).__name__}', with call_function={call_function}")
        clone = _clone_sequential(model, _wrap(clone_function, None, recursive, cache),
                                  input_tensors)
    elif isinstance(model, Functional) and (type(model).get_config is Functional.get_config
                                            or clone_function or input_tensors is not None):
        clone = _clone_functional(model, _wrap(clone_function, call_function, recursive, cache),
                                  input_tensors, call_function)
    else:
        if clone_function is not None or input_tensors is not None:
            raise ValueError(
                "Arguments `clone_function` and `input_tensors` are only supported for "
                f"Sequential models or Functional models. Received model of type "
                f"'{type(model).__name__}', with clone_function={clone_function} and "
                f"input_tensors={input_tensors}")
        if call_function is not None:
            raise ValueError(
                "Argument `call_function` is only supported for Functional models. Received "
                f"model of type '{type(model).__name__}', with call_function={call_function}")
        from keraton.saving.serialization_lib import (
            deserialize_keras_object,
            serialize_keras_object,
        )

        return deserialize_keras_object(serialize_keras_object(model),
                                        custom_objects={type(model).__name__: type(model)})
    if getattr(model, "compiled", False):
        from keraton.saving.keras_config import compile_config, compile_from_config

        compile_from_config(clone, compile_config(model))
    return clone


def _default_clone(layer):
    return layer.__class__.from_config(layer.get_config())


def _wrap(clone_function, call_function, recursive: bool, cache):
    """``clone_function`` with each layer cloned once (shared layers stay shared) and, when
    ``recursive``, nested Sequential/functional models cloned layer by layer."""
    from keraton.models.functional import Functional
    from keraton.models.sequential import Sequential

    user_function = clone_function or _default_clone
    cache = {} if cache is None else cache

    def wrapped(layer):
        if id(layer) in cache:
            return cache[id(layer)]
        if recursive and isinstance(layer, (Sequential, Functional)):
            clone = clone_model(layer, clone_function=user_function, recursive=True, cache=cache,
                                call_function=None if isinstance(layer, Sequential)
                                else call_function)
        else:
            clone = user_function(layer)
        cache[id(layer)] = clone
        return clone

    return wrapped


def _clone_sequential(model, clone_function, input_tensors):
    from keraton.layers.core.input_layer import Input
    from keraton.models.sequential import Sequential

    new_layers = [clone_function(layer) for layer in model.layers]
    reference = model._input_layer
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError("Argument `input_tensors` must be a KerasTensor. Received invalid "
                             f"value: input_tensors={input_tensors}")
        new_layers = [Input(tensor=input_tensors, name=getattr(reference, "name", None),
                            optional=getattr(reference, "optional", False))] + new_layers
    elif reference is not None and model._declared_input_shape() is not None:
        new_layers = [Input(batch_shape=reference.batch_shape, dtype=reference._dtype,
                            name=reference.name, optional=reference.optional)] + new_layers
    return Sequential(new_layers, name=model.name, trainable=model.trainable)


def _clone_functional(model, clone_function, input_tensors, call_function):
    from keraton.layers.core.input_layer import Input
    from keraton.models.functional import Functional

    if input_tensors is not None:
        if not all(isinstance(t, KerasTensor) for t in tree.flatten(input_tensors)):
            raise ValueError("All entries in `input_tensors` must be KerasTensors. Received "
                             f"invalid values: inputs_tensors={input_tensors}")
        if isinstance(input_tensors, tuple):
            input_tensors = list(input_tensors)
        if (len(tree.flatten(input_tensors)) != len(model._input_list)
                or isinstance(input_tensors, dict) != isinstance(model._inputs_struct, dict)):
            raise ValueError("`input_tensors` must have the same structure as model.input\n"
                             f"Reference structure: {model.input}\n"
                             f"Received structure: {input_tensors}")
    else:
        input_tensors = tree.map_structure(
            lambda t: Input(batch_shape=t.shape, dtype=t.dtype, name=t.name), model._inputs_struct)
    values = {id(old): new for old, new in zip(model._input_list, _flat_like(input_tensors, model))}

    def fill(t):
        return values[id(t)] if isinstance(t, KerasTensor) else t

    from keraton.layers.core.operation_node import OperationNode

    for node in model._nodes:
        # As Keras: a custom Operation (not its graph node) goes to clone_function
        layer = clone_function(node.layer.operation if isinstance(node.layer, OperationNode)
                               else node.layer)
        args = tree.map_structure(fill, node.call_args)
        kwargs = tree.map_structure(fill, node.call_kwargs)
        outputs = (call_function(layer, *args, **kwargs) if call_function is not None
                   else layer(*args, **kwargs))
        for old, new in zip(node.output_tensors, tree.flatten(outputs)):
            values[id(old)] = new
    output_tensors = tree.pack_sequence_as(model._outputs_struct,
                                           [values[id(t)] for t in model._output_list])
    cls = type(model) if _functional_like_constructor(type(model)) else Functional
    return cls(input_tensors, output_tensors, name=model.name)


def _flat_like(input_tensors, model) -> list:
    """The new inputs in the order of ``model``'s flat inputs (dicts by key)."""
    if isinstance(input_tensors, dict) and isinstance(model._inputs_struct, dict):
        return [input_tensors[key] for key in model._inputs_struct]
    return tree.flatten(input_tensors)


def _functional_like_constructor(cls) -> bool:
    """Whether ``cls(inputs, outputs, name=...)`` builds it (a Functional subclass whose
    ``__init__`` Keras can call that way)."""
    import inspect

    from keraton.models.functional import Functional
    from keraton.models.model import Model

    if cls in (Functional, Model):
        return True
    init = cls.__init__
    if init in (Functional.__init__, Model.__init__):
        return True
    params = list(inspect.signature(init).parameters)
    return params[1:3] == ["inputs", "outputs"]
