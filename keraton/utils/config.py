"""``Config``: a dict of named values with attribute access, freezing and JSON export (``keras.utils.Config``)."""

import copy
import difflib
import json

_INTERNAL = frozenset({"_config", "_frozen"})


class Config:
    """A dict-like container of named values, as ``keras.utils.Config``.

    Values are set and read as attributes or items (``config.seed = 1``, ``config["seed"]``);
    ``freeze()`` makes every later change (set, delete, ``pop``, ``update``) raise
    ``ValueError`` until ``unfreeze()``; ``as_dict()`` and ``to_json()`` export the values.
    As Keras's, iterating yields the keys in sorted order, while ``keys()``/``items()`` keep
    insertion order; names of the class's own attributes (``keys``, ``frozen``, ...) are not
    config entries when set as attributes (use item access for those).

    Example:
        >>> config = Config(learning_rate=0.1)
        >>> config.seed = 123
        >>> config.freeze()
        >>> config["seed"], config.to_json()
        (123, '{"learning_rate": 0.1, "seed": 123}')
    """

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @staticmethod
    def _is_own_attribute(name):
        return name in _INTERNAL or hasattr(Config, name)

    @property
    def frozen(self):
        """Whether the config refuses changes."""
        return self._frozen

    def freeze(self):
        """Refuse any later change (``ValueError``) until :meth:`unfreeze`."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        """Allow changes again."""
        object.__setattr__(self, "_frozen", False)

    def _raise_if_frozen(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen. Call "
                             "`config.unfreeze()` first to change it.")

    def as_dict(self):
        """A shallow copy of the values as a plain dict."""
        return copy.copy(self._config)

    def to_json(self):
        """The values as a JSON string (``json.dumps`` of the dict)."""
        return json.dumps(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def get(self, keyname, value=None):
        """The value of ``keyname``, or ``value`` when it is absent."""
        return self._config.get(keyname, value)

    def pop(self, *args):
        """``dict.pop`` on the values (refused when frozen)."""
        self._raise_if_frozen()
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        """``dict.update`` on the values (refused when frozen)."""
        self._raise_if_frozen()
        return self._config.update(*args, **kwargs)

    def __setattr__(self, name, value):
        if self._is_own_attribute(name):
            object.__setattr__(self, name, value)
            return
        self._raise_if_frozen()
        self._config[name] = value

    def __getattr__(self, name):
        # Only called when normal lookup fails: the name is a config entry or unknown.
        if name in _INTERNAL or name.startswith("__"):
            raise AttributeError(name)
        config = self._config
        if name in config:
            return config[name]
        message = f"Unknown attribute: '{name}'."
        close = difflib.get_close_matches(name, list(config), n=1, cutoff=0.7)
        if close:
            message += f" Did you mean '{close[0]}'?"
        raise AttributeError(message)

    def __setitem__(self, key, item):
        self._raise_if_frozen()
        self._config[key] = item

    def __getitem__(self, key):
        return self._config[key]

    def __delitem__(self, key):
        self._raise_if_frozen()
        del self._config[key]

    def __contains__(self, item):
        return item in self._config

    def __iter__(self):
        return iter(sorted(self._config))

    def __len__(self):
        return len(self._config)

    def __repr__(self):
        return f"<Config {self._config}>"
