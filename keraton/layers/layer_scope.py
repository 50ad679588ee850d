"""A layer's name scope and its ``build`` wrapper (Keras 3's variable paths and build records).

Every ``build`` a ``Layer`` subclass defines runs inside the layer's name
scope, as Keras wraps ``build``: so a weight created by a sublayer that its
parent builds directly (``self.cell.build(shape)`` inside ``LSTM.build``) gets
the nested path ``lstm/lstm_cell/kernel``.  The wrapper also does what Keras's
does after ``build`` returns: it marks the layer built and remembers the input
shape for ``get_build_config``, even when user code called ``build`` itself.
A second ``build`` of a layer that has its weights does nothing.
"""

from __future__ import annotations

import functools

from keraton.name_scopes import current_path, name_scope


class NameScopeMixin:
    """Name-scope handling of a ``Layer`` (see the module docstring)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_keraton_scoped", False):
            cls.build = _scoped_build(build)

    def _open_name_scope(self) -> name_scope:
        """The layer's scope; its parent path is fixed the first time it is opened (Keras)."""
        if self.__dict__.get("_parent_path") is None:
            self._parent_path = current_path()
        return name_scope._for(self.name, self)


def _scoped_build(build):
    @functools.wraps(build)
    def build_in_scope(self, *args, **kwargs):
        if self.built and self.__dict__.get("_own_weights"):
            # Built already (from a build_config, say): building again would make a second
            # set of weights. Keras raises here (its state is locked); keraton keeps the
            # weights, so a parent's ``self.inner.build(shape)`` works on such a layer too.
            return None
        outermost = not self.__dict__.get("_in_build", False)
        self._in_build = True  # a subclass's build calling super().build() is one build
        try:
            with self._open_name_scope():
                result = build(self, *args, **kwargs)
        finally:
            if outermost:
                self._in_build = False
        if self.__dict__.get("_build_shapes") is None:
            shape = args[0] if args else kwargs.get("input_shape")
            if shape is not None:
                from keraton.layers.shape_utils import _as_batch_shape

                self._build_shapes = _as_batch_shape(shape)
        self.built = True
        if outermost:
            self._set_initial_weights()
        return result

    build_in_scope._keraton_scoped = True
    return build_in_scope
