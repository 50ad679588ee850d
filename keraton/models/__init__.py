"""Models: ``Model`` (functional and subclassed), ``Sequential``, and model (de)serialization."""

from keraton.models import experimental
from keraton.models.cloning import clone_model
from keraton.models.functional import Functional
from keraton.models.model import Model
from keraton.models.model_from_yaml import model_from_yaml
from keraton.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential", "clone_model", "experimental", "load_model", "model_from_config",
           "model_from_json", "model_from_yaml", "save_model"]


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a ``.keras`` (Keras 3) or ``.h5`` (tf.keras 2) model file; see ``keraton.saving.load_model``."""
    from keraton.saving.saving_api import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, **kwargs):
    """Save ``model`` to ``.keras`` or ``.h5``; see ``keraton.saving.save_model``."""
    from keraton.saving.saving_api import save_model as _save

    _save(model, filepath, overwrite=overwrite, **kwargs)


def model_from_config(config, custom_objects=None):
    """Rebuild a model (or layer) from its serialized config (Keras's ``model_from_config``)."""
    from keraton.layers import deserialize

    return deserialize(config, custom_objects=custom_objects)


def model_from_json(json_string: str, custom_objects=None):
    """Rebuild a model from :meth:`Model.to_json`'s output."""
    import json

    return model_from_config(json.loads(json_string), custom_objects=custom_objects)


