"""Keras 3's sharding vocabulary: ``DeviceMesh``, ``TensorLayout``, ``LayoutMap``, ``ModelParallel``.

The objects, their validation, attributes and lookups are Keras's, so code
that describes a layout runs unchanged.  Keras implements the sharding itself
only on JAX (its torch backend has none); keraton trains one model copy per
process (``DataParallel`` over ``torch.distributed``) and cannot split a
tensor over several devices, so :func:`distribute_tensor` and
:meth:`ModelParallel.scope` work where the mesh has one device (nothing to
split) and raise ``NotImplementedError`` otherwise.
"""

from __future__ import annotations

import collections.abc
import contextlib
import math
import re

import numpy as np

from keraton.distribution import distribution_lib

DEFAULT_BATCH_DIM_NAME = "batch"


def get_device_count(device_type=None) -> int:
    """The number of devices of ``device_type`` (``keras.distribution.get_device_count``).

    Counts what :func:`list_devices` lists: the GPUs if any (or of
    ``device_type="gpu"``), else the CPU.

    Example:

    >>> get_device_count("cpu")
    1
    """
    return len(distribution_lib.list_devices(device_type))


class DeviceMesh:
    """A grid of devices with named axes, as ``keras.distribution.DeviceMesh``.

    Args:
        shape: the grid's shape, e.g. ``(8,)`` or ``(2, 4)``.
        axis_names: one name per axis, e.g. ``["batch", "model"]``.
        devices: the devices, as many as the grid holds; defaults to
            :func:`list_devices`.

    ``devices`` is a NumPy array of the grid's shape.

    Example:

    >>> DeviceMesh((2, 2), ["batch", "model"], devices=["cpu:0", "cpu:1", "cpu:2", "cpu:3"])
    <DeviceMesh shape=(2, 2), axis_names=['batch', 'model']>
    """

    def __init__(self, shape, axis_names, devices=None):
        if not shape or not axis_names:
            raise ValueError("Shape and axis_names cannot be empty. Received: "
                             f"shape={shape}, axis_names={axis_names}")
        if len(shape) != len(axis_names):
            raise ValueError("Shape and axis_names should have same size. "
                             f"Received: shape={shape}, axis_names={axis_names}")
        devices = np.array(distribution_lib.list_devices() if devices is None else devices)
        if math.prod(shape) != devices.size:
            raise ValueError("Shape does not match the number of devices. "
                             f"Received: shape={shape}; devices.shape={devices.shape}")
        self._shape = shape
        self._axis_names = axis_names
        self._devices = np.reshape(devices, shape)

    @property
    def shape(self):
        """The grid's shape, as given."""
        return self._shape

    @property
    def axis_names(self):
        """The axis names, as given."""
        return self._axis_names

    @property
    def devices(self):
        """The devices, a NumPy array of shape ``shape``."""
        return self._devices

    def axis_size(self, name) -> int:
        """The number of devices along the axis called ``name``."""
        return int(self._devices.shape[list(self._axis_names).index(name)])

    @property
    def backend_mesh(self):
        """Keras's backend mesh object: keraton has none (``NotImplementedError``)."""
        raise NotImplementedError(
            "keraton has no backend device mesh: it trains one model copy per process "
            "(keraton.distribution.DataParallel with torchrun). For sharded tensors use "
            "torch.distributed.device_mesh / DTensor directly.")

    def __repr__(self):
        return f"<{type(self).__name__} shape={self.shape}, axis_names={self.axis_names}>"


class TensorLayout:
    """How a tensor's axes map onto a :class:`DeviceMesh`'s axes, as ``keras.distribution.TensorLayout``.

    Args:
        axes: one mesh-axis name (or ``None``: not split) per tensor axis.
        device_mesh: the mesh; may be set once later (a ``LayoutMap`` does).

    Example:

    >>> TensorLayout((None, "model")).axes
    (None, 'model')
    """

    def __init__(self, axes, device_mesh=None):
        self._axes = tuple(axes)
        self._device_mesh = device_mesh
        self._validate_axes()

    @property
    def axes(self):
        """The mesh-axis name (or ``None``) of each tensor axis."""
        return self._axes

    @property
    def device_mesh(self):
        """The mesh, or ``None`` until one is given."""
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh):
        if self._device_mesh is not None:
            raise ValueError(f"Cannot override device mesh value. Existing value is "
                             f"{self._device_mesh}")
        self._device_mesh = device_mesh
        self._validate_axes()

    @property
    def backend_layout(self):
        """Keras's backend sharding object: keraton has none (``NotImplementedError``)."""
        raise NotImplementedError(
            "keraton has no backend tensor layout: tensors are not sharded across devices. "
            "For sharded tensors use torch.distributed.tensor (DTensor) directly.")

    def is_split(self) -> bool:
        """Whether the layout splits the tensor over more than one device."""
        mesh = self._device_mesh
        if mesh is None:
            return any(axis is not None for axis in self._axes)
        return any(axis is not None and mesh.axis_size(axis) > 1 for axis in self._axes)

    def _validate_axes(self):
        if self._device_mesh:
            valid = set(self._device_mesh.axis_names)
            names = set(self._axes) - {None}
            if names - valid:
                raise ValueError(f"Invalid axis names for Layout. Valid axis names: {valid}, "
                                 f"Got {names}")

    def __repr__(self):
        return f"<{type(self).__name__} axes={self.axes}, device_mesh={self.device_mesh}>"


class LayoutMap(collections.abc.MutableMapping):
    """Variable paths (regular expressions) to :class:`TensorLayout`, as ``keras.distribution.LayoutMap``.

    ``layout_map[path]`` returns the layout stored under ``path`` if there is
    one, else the layout of the one key that ``re.fullmatch``es ``path``
    (``ValueError`` if several do), else ``None``.  A tuple of axis names may
    be stored instead of a ``TensorLayout``; stored layouts get the map's mesh.

    Example:

    >>> mesh = DeviceMesh((1, 1), ["batch", "model"], devices=["cpu:0"])
    >>> layout_map = LayoutMap(mesh)
    >>> layout_map[".*dense.*kernel"] = (None, "model")
    >>> layout_map["sequential/dense_1/kernel"].axes
    (None, 'model')
    """

    def __init__(self, device_mesh):
        self._layout_map = collections.OrderedDict()
        self._device_mesh = device_mesh

    def __getitem__(self, key):
        if key in self._layout_map:
            return self._layout_map[key]
        matches = [pattern for pattern in self._layout_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(f"Path '{key}' matches multiple layout specification keys: {matches}. "
                             "Please make sure each tensor/variable path only matches at most one "
                             "layout specification key in the LayoutMap.")
        return self._layout_map[matches[0]] if matches else None

    def __setitem__(self, key, layout):
        if key in self._layout_map:
            raise ValueError(f"{key} already exist in the LayoutMap with value "
                             f"{self._layout_map[key]}. Please make sure to not use duplicated keys.")
        if isinstance(layout, tuple):
            layout = TensorLayout(axes=layout, device_mesh=None)
        if not isinstance(layout, TensorLayout):
            raise ValueError(f"{layout} should be a TensorLayout type, got {type(layout)}")
        if layout.device_mesh is None and self._device_mesh is not None:
            layout.device_mesh = self._device_mesh
        self._layout_map[key] = layout

    def __delitem__(self, key):
        return self._layout_map.pop(key)

    def __len__(self):
        return len(self._layout_map)

    def __iter__(self):
        return iter(self._layout_map)

    @property
    def device_mesh(self):
        """The mesh given to the map's layouts."""
        return self._device_mesh


def _not_splittable(what):
    return NotImplementedError(
        f"{what} splits tensors over several devices, which keraton cannot do: it trains one "
        "whole model copy per process. Use keraton.distribution.DataParallel (with torchrun), a "
        "mesh whose non-batch axes have size 1, or torch.distributed's FSDP/DTensor directly.")


def distribute_tensor(tensor, layout):
    """Give ``tensor`` the ``layout``, as ``keras.distribution.distribute_tensor``.

    A symbolic tensor, or a layout that does not split the tensor (every
    named axis of size 1 in the mesh), gives the tensor back unchanged; a
    layout that would split it raises ``NotImplementedError``.
    """
    from keraton.layers.shape_utils import _is_symbolic

    if _is_symbolic(tensor):
        return tensor
    if not isinstance(layout, TensorLayout):
        raise ValueError(f"`layout` must be a TensorLayout instance. Received: layout={layout!r} "
                         f"of type {type(layout)}")
    if layout.is_split():
        raise _not_splittable(f"distribute_tensor with {layout}")
    return tensor


class Distribution:
    """Keras's base class of distributions: a mesh, a batch axis, and layouts for data and variables."""

    def __init__(self, device_mesh, batch_dim_name=None, auto_shard_dataset=True):
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self._auto_shard_dataset = auto_shard_dataset
        self._num_processes = distribution_lib.num_processes()
        self._process_id = distribution_lib.process_index()
        self._is_multi_process = self._num_processes > 1

    @property
    def num_processes(self):
        """The number of processes training together."""
        return self._num_processes

    @property
    def num_model_replicas(self):
        """The number of model copies (size of the batch axis)."""
        raise NotImplementedError()

    @property
    def data_shard_id(self):
        """Which shard of the data this process reads."""
        replicas = self.num_model_replicas
        if replicas >= self.num_processes:
            return self._process_id
        return self._process_id // (self.num_processes // replicas)

    @property
    def device_mesh(self):
        """The :class:`DeviceMesh`."""
        return self._device_mesh

    @property
    def batch_dim_name(self):
        """The mesh axis the batch is split along."""
        return self._batch_dim_name

    @property
    def auto_shard_dataset(self):
        """Whether each process reads its own shard of the dataset."""
        return self._auto_shard_dataset

    @auto_shard_dataset.setter
    def auto_shard_dataset(self, value):
        self._auto_shard_dataset = value

    def get_data_layout(self, data_shape):
        """The layout of an input batch: split along the batch axis."""
        axes = [None] * len(data_shape)
        axes[0] = self.batch_dim_name
        return TensorLayout(axes, self.device_mesh)

    def get_variable_layout(self, variable):
        """The layout of ``variable``: its own ``_layout``, else replicated."""
        if getattr(variable, "_layout", None) is not None:
            return variable._layout
        return TensorLayout([None] * len(variable.shape), self.device_mesh)

    def get_tensor_layout(self, path):
        """The layout of the intermediate tensor at ``path`` (``None``: unchanged)."""
        return None

    def __repr__(self):
        return f"<{type(self).__name__} device_mesh={self.device_mesh}>"


class ModelParallel(Distribution):
    """Variables split along mesh axes by a :class:`LayoutMap`, as ``keras.distribution.ModelParallel``.

    Args:
        layout_map: the :class:`LayoutMap` (its mesh is the distribution's).
        batch_dim_name: the mesh axis the data is split along (default: the
            mesh's first axis).
        auto_shard_dataset: as Keras.

    The configuration, ``num_model_replicas``, ``data_shard_id`` and the
    ``get_*_layout`` lookups are Keras's.  Training with it needs the
    variables split over devices, which keraton cannot do: ``scope()`` raises
    ``NotImplementedError`` unless the mesh has a single device.

    Example:

    >>> mesh = DeviceMesh((1, 1), ["batch", "model"], devices=["cpu:0"])
    >>> layout_map = LayoutMap(mesh)
    >>> layout_map[".*kernel"] = (None, "model")
    >>> ModelParallel(layout_map=layout_map).num_model_replicas
    1
    """

    def __init__(self, *, layout_map=None, batch_dim_name=None, auto_shard_dataset=True, **kwargs):
        kwargs.pop("device_mesh", None)
        if kwargs:
            raise TypeError(f"ModelParallel() got unexpected keyword argument(s) {sorted(kwargs)}.")
        if layout_map is None:
            raise ValueError("You must specify a layout_map argument.")
        if not isinstance(layout_map, LayoutMap):
            raise ValueError("Argument `layout_map` must be a `LayoutMap` instance. "
                             f"Received: layout_map={layout_map}")
        device_mesh = layout_map.device_mesh
        super().__init__(device_mesh, batch_dim_name or device_mesh.axis_names[0], auto_shard_dataset)
        self._layout_map = layout_map
        if (self._is_multi_process and self.num_processes > self.num_model_replicas
                and self.num_processes % self.num_model_replicas != 0):
            raise ValueError("If `num_processes` is greater than `num_model_replicas`, "
                             "`num_processes` must be divisible by `num_model_replicas`. Got "
                             f"num_processes={self.num_processes}, "
                             f"num_model_replicas={self.num_model_replicas}.")

    @property
    def num_model_replicas(self):
        """The size of the mesh's batch axis."""
        return self.device_mesh.shape[list(self.device_mesh.axis_names).index(self.batch_dim_name)]

    def get_variable_layout(self, variable):
        """``variable._layout``, else the layout map's entry for ``variable.path``, else replicated."""
        if getattr(variable, "_layout", None) is not None:
            return variable._layout
        layout = self._layout_map[variable.path]
        if layout is not None:
            return layout
        return TensorLayout([None] * len(variable.shape), self.device_mesh)

    def get_tensor_layout(self, path):
        """The layout map's entry for ``path`` (``None`` if no key matches)."""
        return self._layout_map[path]

    @contextlib.contextmanager
    def scope(self):
        """Run the block under this distribution: possible only on a one-device mesh (a no-op there)."""
        if self.device_mesh.devices.size > 1:
            raise _not_splittable(f"ModelParallel on {self.device_mesh}")
        yield
