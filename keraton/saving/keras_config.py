"""The top-level ``config.json`` of a ``.keras`` file: model config, ``build_config``, ``compile_config``.

Keras 3 writes the model's serialized config with two extra keys: the input
shape it was built for (``build_config``) and the arguments of ``compile``
(``compile_config``: optimizer, loss, metrics, ...).  Loading rebuilds the
model, builds it, and compiles it when asked, then builds the optimizer so
its saved state can be restored, as Keras's ``compile_from_config`` does.
"""

from __future__ import annotations

import warnings

from keraton.saving.serialization_lib import serialize_keras_object


class ConfigArgumentsError(ValueError, TypeError):
    """A class rejected the arguments of its saved config.

    Both a ``ValueError`` (keraton's error for a config it cannot rebuild) and
    the ``TypeError`` Keras 3 raises there, e.g. for a custom layer whose
    ``__init__`` takes no ``**kwargs``, so ``except TypeError`` written for
    Keras catches it too.
    """


def compile_config(model) -> dict:
    """Keras 3's ``get_compile_config()`` of a compiled model (``{}`` when not compiled, as Keras)."""
    if not getattr(model, "compiled", False):
        return {}
    unsaved = [obj for obj in [model.optimizer] + _compiled_losses(model)
               if not getattr(obj, "_saved_with_model", True) or _is_torch_loss(obj)]
    if unsaved:
        # Keras 2 saved a model trained with a TFOptimizer the same way: uncompiled, with a warning.
        names = ", ".join(type(obj).__name__ for obj in unsaved)
        warnings.warn(
            f"Model '{model.name}' was compiled with torch objects ({names}) that cannot be saved "
            "with the model: it is saved uncompiled. Compile it again after loading (torch's "
            "optimizer state: model.optimizer.optimizer.state_dict()).", UserWarning, stacklevel=4)
        return {}
    loss = getattr(model, "_compile_loss", None)
    metrics = getattr(model, "_compile_metrics", None)
    return {
        "optimizer": serialize_keras_object(model.optimizer),
        "loss": serialize_keras_object(model.loss),
        "loss_weights": serialize_keras_object(getattr(loss, "_weights_arg", None)),
        "metrics": serialize_keras_object(getattr(metrics, "_metrics_arg", None)),
        "weighted_metrics": serialize_keras_object(getattr(metrics, "_weighted_arg", None)),
        "run_eagerly": bool(getattr(model, "run_eagerly", False)),
        "steps_per_execution": getattr(model, "steps_per_execution", 1),
        "jit_compile": False,
    }


def _compiled_losses(model) -> list:
    """The losses given to ``compile``."""
    from keraton.utils import tree

    loss = model.loss
    return list(loss.values()) if isinstance(loss, dict) else tree.flatten(loss)


def _is_torch_loss(obj) -> bool:
    from keraton.losses.torch_loss import is_torch_loss

    return is_torch_loss(obj)


def model_to_config_dict(model) -> dict:
    """The dict Keras 3 writes to ``config.json`` for ``model``."""
    config = serialize_keras_object(model)
    build = model.get_build_config()
    if build is not None or model.built:
        config["build_config"] = build or {"input_shape": None}
    config["compile_config"] = compile_config(model)  # also for a saved layer (FeatureSpace)
    return config


def model_from_config_dict(config: dict, custom_objects=None, compile: bool = True):
    """Rebuild, build and (optionally) compile a model from ``config.json``'s dict.

    Any failure to interpret the config (unknown class, bad arguments) is
    raised as a ``ValueError`` saying which object could not be rebuilt; one
    where a class rejects its arguments is a :class:`ConfigArgumentsError`,
    also a ``TypeError`` as in Keras 3.
    """
    from keraton.layers import deserialize

    try:  # compiled below, only when asked
        model = deserialize({k: v for k, v in config.items() if k != "compile_config"},
                            custom_objects=custom_objects)
    except ValueError:
        raise
    except TypeError as e:
        raise ConfigArgumentsError(
            f"Cannot rebuild the model from its config (class {config.get('class_name')!r}): {e}"
        ) from e
    except (KeyError, IndexError, AttributeError, LookupError) as e:
        raise ValueError(
            f"Cannot rebuild the model from its config (class {config.get('class_name')!r}): "
            f"{type(e).__name__}: {e}"
        ) from e
    build = config.get("build_config")
    if not model.built and isinstance(build, dict) and build.get("input_shape") is not None:
        try:
            model.build_from_config(build)
        except (TypeError, KeyError, IndexError) as e:
            raise ValueError(f"Cannot build the model from build_config {build!r}: {e}") from e
    compile_cfg = config.get("compile_config")
    if compile and isinstance(compile_cfg, dict) and compile_cfg:
        compile_from_config(model, compile_cfg, custom_objects)
    return model


def compile_from_config(model, config: dict, custom_objects=None) -> None:
    """Compile ``model`` from Keras's ``compile_config`` and build its optimizer."""
    from keraton import losses, metrics, optimizers

    try:
        optimizer = optimizers.deserialize(config["optimizer"], custom_objects=custom_objects) \
            if isinstance(config.get("optimizer"), dict) else optimizers.get(config.get("optimizer"))
        model.compile(
            optimizer=optimizer,
            loss=_deserialize_nest(config.get("loss"), losses.deserialize, custom_objects),
            metrics=_deserialize_nest(config.get("metrics"), metrics.deserialize, custom_objects),
            weighted_metrics=_deserialize_nest(config.get("weighted_metrics"), metrics.deserialize,
                                               custom_objects),
            loss_weights=config.get("loss_weights"),
            run_eagerly=bool(config.get("run_eagerly", False)),
            steps_per_execution=config.get("steps_per_execution", 1) or 1,
        )
    except (TypeError, KeyError, AttributeError) as e:
        raise ValueError(f"Cannot compile the loaded model from its compile_config: {e}") from e
    if model.built:
        model.optimizer.build(model.trainable_weights)


def _deserialize_nest(value, deserialize, custom_objects):
    """Deserialize serialized dicts inside a loss/metrics nest; names stay names (resolved by compile)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_deserialize_nest(v, deserialize, custom_objects) for v in value]
    if isinstance(value, dict) and "class_name" in value:
        return deserialize(value, custom_objects=custom_objects)
    if isinstance(value, dict):
        return {k: _deserialize_nest(v, deserialize, custom_objects) for k, v in value.items()}
    return value
