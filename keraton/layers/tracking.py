"""Layers held in lists, dicts and tuples assigned to a layer's attributes (Keras's tracking).

Keras tracks the layers a layer keeps in containers: ``self.blocks = [Dense(8)
for _ in range(3)]``, ``self.blocks = []`` followed by ``self.blocks.append(...)``,
``self.heads = {"a": Dense(1), "b": Dense(1)}``, ``self.pair = (Dense(2),
Dense(2))``.  Their weights belong to the layer: trained, counted, saved.

keraton keeps the attribute a list (a :class:`TrackedList`), dict
(:class:`TrackedDict`) or the tuple itself, and registers the layers (and any
other ``nn.Module``) found in it with torch under the attribute's name, as a
:class:`LayerList` (or :class:`LayerDict` for a dict of layers keyed by names):
``state_dict()`` keys read ``blocks.0.kernel``, ``.to()`` moves them, and the
``.keras`` writer visits them where Keras does.  A tracked list or dict
re-registers its contents after every change.  Containers nested inside are
scanned when the outer one is assigned or changed, not on their own changes.

Keras orders a layer's sublayers (hence ``weights`` and ``get_weights``) by
the time each was first tracked, across attributes: layers appended in turn
to two lists interleave.  :func:`note_sublayers` records that order, which
``_sublayers()`` follows.
"""

from __future__ import annotations

from torch import nn


class LayerList(nn.ModuleList):
    """The layers of a list (or tuple) attribute, registered with torch; iterates like a list."""


class LayerDict(nn.ModuleDict):
    """The layers of a dict attribute whose values are all layers, keyed as the dict."""


class SublayerOrder:
    """The sublayers of one layer in the order they were first tracked (not a container
    that saving or metric scans walk)."""

    __slots__ = ("layers",)

    def __init__(self):
        self.layers = []


def note_sublayers(owner: nn.Module, modules) -> None:
    """Record ``modules`` as tracked by ``owner`` now, unless they were tracked before."""
    order = owner.__dict__.get("_sublayer_order")
    if order is None:
        order = owner.__dict__["_sublayer_order"] = SublayerOrder()
    known = {id(m) for m in order.layers}
    for module in modules:
        if id(module) not in known:
            known.add(id(module))
            order.layers.append(module)


def in_tracking_order(owner: nn.Module, layers: list) -> list:
    """``layers`` (``owner``'s current sublayers) sorted by when each was first tracked;
    layers registered some other way (``add_module``) follow, in their given order."""
    order = owner.__dict__.get("_sublayer_order")
    if order is None:
        return layers
    if len(order.layers) > len(layers):  # forget layers no longer held (replaced attributes)
        current = {id(m) for m in layers}
        order.layers = [m for m in order.layers if id(m) in current]
    if len(layers) < 2:
        return layers
    rank = {id(m): i for i, m in enumerate(order.layers)}
    unknown = len(rank)
    return sorted(layers, key=lambda m: rank.get(id(m), unknown))


def _modules_in(value) -> list:
    """The ``nn.Module``s in a (nested) list, tuple or dict, in order."""
    if isinstance(value, nn.Module):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [m for item in value for m in _modules_in(item)]
    return []


def should_track(value) -> bool:
    """Whether an attribute value is a container to track: an empty list or dict (to be filled
    later), or a list, tuple or dict holding a layer or module."""
    if type(value) in (list, dict):
        return not value or bool(_modules_in(value))
    return isinstance(value, tuple) and bool(_modules_in(value))


def register(owner: nn.Module, name: str, value) -> None:
    """Register the modules in ``value`` as ``owner``'s child ``name`` (or drop it when none)."""
    modules = _modules_in(value)
    if not modules:
        owner._modules.pop(name, None)
        return
    note_sublayers(owner, modules)
    if (isinstance(value, dict) and len(modules) == len(value)
            and all(isinstance(k, str) and k and "." not in k for k in value)):
        owner._modules[name] = LayerDict(value)
    else:
        owner._modules[name] = LayerList(modules)


def track(owner: nn.Module, name: str, value):
    """The value to store for ``owner.name = value``, with its modules registered.

    A tracked container already bound to ``owner.name`` (``self.blocks += [...]``
    assigns it back) stays as it is; one bound elsewhere is copied.
    """
    if isinstance(value, _Tracked) and (value.__dict__.get("_owner") is not owner
                                        or value._attr != name):
        value = list(value) if isinstance(value, list) else dict(value)
    if type(value) is list:
        value = TrackedList(value, owner, name)
    elif type(value) is dict:
        value = TrackedDict(value, owner, name)
    register(owner, name, value)
    return value


class _Tracked:
    """Shared part of the tracked containers: who owns them and under which name."""

    def _bind(self, owner, name) -> None:
        self._owner = owner
        self._attr = name

    def _sync(self) -> None:
        owner = self.__dict__.get("_owner")  # unset while unpickling: the owner restores itself
        if owner is not None and owner.__dict__.get(self._attr) is self:
            register(owner, self._attr, self)


def _syncing(method_name, base):
    method = getattr(base, method_name)

    def wrapper(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        self._sync()
        return self if method_name.startswith("__i") else result

    wrapper.__name__ = method_name
    wrapper.__doc__ = method.__doc__
    return wrapper


class TrackedList(_Tracked, list):
    """A list attribute of a layer: layers put into it become the layer's sublayers (Keras)."""

    def __init__(self, items, owner, name):
        super().__init__(items)
        self._bind(owner, name)


class TrackedDict(_Tracked, dict):
    """A dict attribute of a layer: layers stored in it become the layer's sublayers (Keras)."""

    def __init__(self, items, owner, name):
        super().__init__(items)
        self._bind(owner, name)


for _cls, _base, _names in (
        (TrackedList, list, ("append", "extend", "insert", "remove", "pop", "clear", "sort",
                             "reverse", "__setitem__", "__delitem__", "__iadd__", "__imul__")),
        (TrackedDict, dict, ("__setitem__", "__delitem__", "pop", "popitem", "clear", "update",
                             "setdefault", "__ior__"))):
    for _name in _names:
        setattr(_cls, _name, _syncing(_name, _base))
