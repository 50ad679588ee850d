"""``Functional``: a model defined by a graph of layer calls on symbolic tensors.

At construction the graph from the outputs back to the inputs is sorted once
into a flat execution plan (layer, input slots, output slots).  A call then
walks that list with integer slot indices: no per-call graph interpretation,
no dict lookups by tensor, no structure walking for single-input layers.
"""

from __future__ import annotations

import copy

import torch

from keraton.backend_functions import forward_values
from keraton.layers.core.input_layer import Input, InputLayer
from keraton.layers.core.operation_layer import OperationLayer
from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.node import Node
from keraton.models import pool_reorder
from keraton.models.model import Model
from keraton.utils import tree


class Functional(Model):
    """A model built from ``keraton.Input`` tensors and layer calls, as Keras's functional API.

    Supports several inputs and outputs (lists or dicts), shared layers
    (one layer called on several tensors) and nested models.

    Example:
        >>> a = keraton.Input((3,), name="a")
        >>> b = keraton.Input((2,), name="b")
        >>> h = keraton.layers.Dense(4)(a)
        >>> model = keraton.Model([a, b], [h, keraton.layers.Dense(1)(b)])
    """

    _keras_module = "keras.src.models.functional"

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        inputs, outputs = _clone_from_intermediate_inputs(inputs, outputs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._input_list = tree.flatten(inputs)
        # Keras flattens a dict of outputs in sorted-key order: ``model.outputs``,
        # ``output_names`` and the outputs a list of losses or targets maps to.
        self._output_list = _sorted_flatten(outputs)
        self._nodes = _sort_nodes(self._input_list, self._output_list)
        self._layer_list = self._collect_layers()
        names = [layer.name for layer in self._layer_list]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(
                f"All layer names in a model must be unique; the name(s) {duplicates} appear more "
                "than once. Give the layers distinct `name=` arguments."
            )
        for layer in self._layer_list:
            self.add_module(_module_name(self, layer.name), layer)
        self._symbolic_losses: list = []
        self._symbolic_metrics: list = []  # (Keras tensor, name) pairs from add_metric
        self._compile_plan()
        self.built = True

    def add_loss(self, loss) -> None:
        """Add a loss: a tensor computed in ``call``, or a symbolic tensor of this model's graph.

        A symbolic loss is tf.keras 2's functional ``add_loss``: built from the
        model's Keras tensors (a VAE's
        ``vae.add_loss(K.mean(reconstruction_loss + kl_loss))``), it joins the
        graph, and every call recomputes it from that call's inputs and adds its
        value to the model's losses, which ``fit`` minimizes with (or without)
        a compiled loss.
        """
        symbolic = [t for t in tree.flatten(loss) if isinstance(t, KerasTensor)]
        if not symbolic:
            super().add_loss(loss)
            return
        self._symbolic_losses.extend(symbolic)
        self._extend_graph()

    def add_metric(self, value, name=None, aggregation=None, **kwargs) -> None:
        """Report ``value`` as a metric: a tensor in ``call``, or a symbolic tensor of the graph.

        The symbolic form is tf.keras 2's functional ``model.add_metric(K.mean(z),
        name="z_mean")``: every call computes it from that call's inputs and
        updates the metric, which ``fit`` and ``evaluate`` report.
        """
        if not isinstance(value, KerasTensor):
            super().add_metric(value, name=name, aggregation=aggregation, **kwargs)
            return
        self._added_metric(name, aggregation)  # created now, so that `model.metrics` lists it
        self._symbolic_metrics.append((value, name))
        self._extend_graph()

    def _extend_graph(self) -> None:
        """Run the nodes the symbolic losses and metrics need as well as the outputs'."""
        targets = self._symbolic_losses + [t for t, _ in self._symbolic_metrics]
        self._nodes = _sort_nodes(self._input_list, self._output_list + targets)
        # Layers only the loss uses: their weights (if any) become the model's, as Keras 2
        # inserted them into the network; weightless ones (K ops) need no tracking.
        known = set(self.modules())
        for node in self._nodes:
            layer = node.layer
            if layer not in known and any(True for _ in layer.parameters()):
                self.add_module(_module_name(self, layer.name), layer)
                known.update(layer.modules())
        self._compile_plan()

    def _collect_layers(self) -> list:
        # Keras flattens dicts in sorted-key order; its layer order follows that walk.
        return _keras_layer_order(_sorted_flatten(self._inputs_struct),
                                  _sorted_flatten(self._outputs_struct))

    def watch_tensors(self, tensors) -> None:
        """Keep the values of ``tensors`` (of this graph) from every forward pass, differentiable.

        ``compile`` calls it with the Keras tensors its loss functions capture
        (see :mod:`keraton.backend_functions.forward_values`): ``K.gradients``
        of the eager loss with respect to them then has values to answer from.
        """
        own = [t for t in tensors if id(t) in self._slot_of]
        if [id(t) for t in own] == [id(t) for t in self.__dict__.get("_watched_tensors", ())]:
            return
        self.__dict__["_watched_tensors"] = tuple(own)
        self._takes_gradients = bool(own)  # evaluate keeps autograd on for the loss
        self._compile_plan()

    def _compile_plan(self) -> None:
        watched = {id(t) for t in self.__dict__.get("_watched_tensors", ())}
        slot = {id(t): i for i, t in enumerate(self._input_list)}
        plan = []
        for node in self._nodes:
            for t in node.output_tensors:
                slot[id(t)] = len(slot)
            args, kwargs = node.call_args, node.call_kwargs
            fast = (len(args) == 1 and isinstance(args[0], KerasTensor) and not kwargs
                    and isinstance(node.outputs, KerasTensor) and id(node.outputs) not in watched)
            in_slots = [slot[id(t)] for t in node.input_tensors]
            out_slots = [slot[id(t)] for t in node.output_tensors]
            plan.append([node.layer, fast, in_slots[0] if fast else in_slots,
                         out_slots[0] if fast else out_slots, args, kwargs, None])
        self._slot_of = slot
        self._n_slots = len(slot)
        self._output_slots = [slot[id(t)] for t in self._output_list]
        self._loss_slots = [slot[id(t)] for t in self._symbolic_losses]
        # Inputs that a K.gradients node differentiates with respect to must be in the graph.
        self._differentiated_inputs = sorted({
            slot[id(t)] for node in self._nodes if getattr(node.layer, "_takes_gradients", False)
            for t in node.input_tensors if slot[id(t)] < len(self._input_list)}
            | {slot[id(t)] for t in self._input_list if id(t) in watched})
        self._watched_slots = {slot[id(t)]: t for t in self.__dict__.get("_watched_tensors", ())}
        self._metric_slots = [(slot[id(t)], name) for t, name in self._symbolic_metrics]
        self._plan = [tuple(step) for step in
                      _pair_relu_with_pool(plan, self._output_slots + self._loss_slots)]

    @property
    def inputs(self) -> list:
        """The symbolic inputs, flattened as Keras's ``tree.flatten``: a dict in sorted-key order.

        (The call plan keeps them in the order the model was given them.)
        """
        return _sorted_flatten(self._inputs_struct)

    @property
    def input_names(self) -> list:
        """Names of the input layers, in the order the inputs were given (the call plan's)."""
        return [t._keras_history[0].name for t in self._input_list]

    @property
    def layers(self) -> list:
        """Input layers, then every layer in the order the graph runs them (Keras's order).

        As Keras 3, ``keraton.ops`` calls on symbolic tensors (operation nodes) are
        not layers here (``len(model.layers)``, ``model.layers[-2]``), though
        ``summary()`` and the saved config still show them.
        """
        return [layer for layer in self._layer_list if not isinstance(layer, OperationLayer)]

    def call(self, inputs, training=None, mask=None):
        """Run the recorded graph on ``inputs`` (tensor, list, or dict keyed by input names)."""
        slots = [None] * self._n_slots
        flat = self._flatten_inputs(inputs)
        slots[: len(flat)] = flat
        for i in self._differentiated_inputs:  # K.gradients nodes differentiate w.r.t. them
            if isinstance(slots[i], torch.Tensor) and slots[i].is_floating_point() \
                    and not slots[i].requires_grad:
                slots[i] = slots[i].detach().requires_grad_(True)
        slot_of = self._slot_of
        for layer, fast, in_slot, out_slot, args, kwargs, pool in self._plan:
            if fast:
                if pool is None:
                    slots[out_slot] = layer(slots[in_slot])
                elif pool is _POOLED_EARLIER:
                    if slots[out_slot] is None:  # the convolution's step did not run it
                        slots[out_slot] = layer(slots[in_slot])
                elif pool_reorder.unobserved(layer, pool[0]):
                    y = pool[0](layer(slots[in_slot], _skip_activation=True))
                    slots[pool[1]] = layer._act(y)
                else:
                    slots[out_slot] = layer(slots[in_slot])
                continue

            def fill(t):
                return slots[slot_of[id(t)]] if isinstance(t, KerasTensor) else t

            outputs = layer(*tree.map_structure(fill, args), **tree.map_structure(fill, kwargs))
            for i, o in zip(out_slot, tree.flatten(outputs)):
                if i in self._watched_slots and o.is_floating_point() and not o.requires_grad:
                    o = o.detach().requires_grad_(True)  # a leaf K.gradients can differentiate to
                slots[i] = o
        if self._watched_slots:
            forward_values.record((t, slots[i]) for i, t in self._watched_slots.items())
        for i in self._loss_slots:
            super().add_loss(slots[i])
        for i, name in self._metric_slots:
            super().add_metric(slots[i], name=name)
        if isinstance(self._outputs_struct, KerasTensor):  # one output: nothing to pack
            return slots[self._output_slots[0]]
        return _sorted_pack(self._outputs_struct, [slots[i] for i in self._output_slots])

    def _flatten_inputs(self, inputs) -> list:
        n = len(self._input_list)
        if isinstance(inputs, dict):
            if isinstance(self._inputs_struct, dict):
                keys = list(self._inputs_struct)
            else:
                keys = self.input_names
            missing = [k for k in keys if k not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' expects inputs named {keys}; the dict given lacks "
                    f"{missing} (it has {sorted(inputs)})."
                )
            return [inputs[k] for k in keys]
        if isinstance(inputs, (list, tuple)):
            flat = tree.flatten(inputs)
            if len(flat) != n:
                raise ValueError(
                    f"Model '{self.name}' expects {n} input(s) ({self.input_names}), but it was "
                    f"called on {len(flat)} tensors."
                )
            return flat
        if n != 1:
            raise ValueError(
                f"Model '{self.name}' expects {n} inputs ({self.input_names}), but it was called "
                "on a single tensor. Pass a list or a dict keyed by input name."
            )
        return [inputs]

    def compute_output_spec(self, inputs, training=None, mask=None):
        """Outputs of the model on symbolic inputs: each node's ``compute_output_spec`` in order.

        As Keras 3's ``Functional.compute_output_spec``, shapes travel through the graph
        layer by layer, so unknown dimensions stay ``None`` (running the whole model on
        small placeholder values would fail, e.g. where convolutions and poolings shrink
        a ``None`` sequence length below a kernel size).
        """
        slots = [None] * self._n_slots
        flat = self._flatten_inputs(inputs)
        slots[: len(flat)] = flat
        slot_of = self._slot_of

        def fill(t):
            return slots[slot_of[id(t)]] if isinstance(t, KerasTensor) else t

        for layer, _fast, _in, out_slot, args, kwargs, _pool in self._plan:
            outputs = layer.compute_output_spec(*tree.map_structure(fill, args),
                                                **tree.map_structure(fill, kwargs))
            out_slots = [out_slot] if isinstance(out_slot, int) else out_slot
            for i, o in zip(out_slots, tree.flatten(outputs)):
                slots[i] = o
        if isinstance(self._outputs_struct, KerasTensor):
            return slots[self._output_slots[0]]
        return _sorted_pack(self._outputs_struct, [slots[i] for i in self._output_slots])

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Keras 3's functional config: layers with inbound nodes, input and output layers."""
        from keraton.models.functional_config import functional_get_config

        return functional_get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a functional model from :meth:`get_config`'s output."""
        from keraton.models.functional_config import functional_from_config

        return functional_from_config(cls, config, custom_objects)


def _clone_from_intermediate_inputs(inputs, outputs):
    """Make every model input that is not an ``Input`` tensor a new ``Input``, as Keras 3.

    Keras 3 (``clone_graph_nodes``) lets a functional model start at intermediate
    tensors (``keras.Model(normalizer(x), y)``): each is replaced by a new
    ``Input`` of its shape and dtype (named ``"<name>CLONE"``), and the layer
    calls between it and the outputs are recorded again as new nodes of the same
    layers on copies of their tensors. The layers before such an input are not
    part of the model, which takes the intermediate values as its inputs.
    Returns ``(inputs, outputs)`` (unchanged when every input is an ``Input`` tensor).
    """
    flat_inputs = tree.flatten(inputs)
    for kind, tensors in (("inputs", flat_inputs), ("outputs", tree.flatten(outputs))):
        for t in tensors:
            if not isinstance(t, KerasTensor) or t._keras_history is None:
                raise ValueError(
                    f"All Model {kind} must be symbolic tensors made by keraton.Input or by "
                    f"calling a layer on them; got {t!r}."
                )
    clones = {id(t): Input(batch_shape=t.shape, dtype=t.dtype, sparse=t.sparse,
                           name=None if t.name is None else f"{t.name}CLONE")
              for t in flat_inputs if not isinstance(t._keras_history[0], InputLayer)}
    if not clones:
        return inputs, outputs

    def swap(x):
        return clones.get(id(x), x) if isinstance(x, KerasTensor) else x

    for node in _sort_nodes(flat_inputs, tree.flatten(outputs)):
        if not any(id(t) in clones for t in node.input_tensors):
            continue
        new_outputs = tree.map_structure(
            lambda x: copy.copy(x) if isinstance(x, KerasTensor) else x, node.outputs)
        Node(node.layer, tree.map_structure(swap, node.call_args),
             tree.map_structure(swap, node.call_kwargs), new_outputs)
        new_tensors = [t for t in tree.flatten(new_outputs) if isinstance(t, KerasTensor)]
        for old, new in zip(node.output_tensors, new_tensors):
            clones[id(old)] = new
    return tree.map_structure(swap, inputs), tree.map_structure(swap, outputs)


def _module_name(owner, name: str) -> str:
    """The attribute under which ``owner`` registers its layer called ``name`` as a torch module.

    Keras allows any layer name; a torch module name cannot contain dots and
    must not shadow an attribute of the model (an ``Input(name="inputs")`` or
    a layer named ``"weights"``), so such a name gets trailing underscores.
    The same name always maps to the same attribute, for removal by ``pop``.
    """
    key = name.replace(".", "_").replace("/", "_") or "layer"
    while key not in owner._modules and (
            hasattr(type(owner), key) or key in vars(owner)
            or key in owner._parameters or key in owner._buffers):
        key += "_"
    return key


def _sorted_flatten(structure) -> list:
    """Leaves of a nest with dicts walked in sorted-key order, as Keras's ``tree.flatten``."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in _sorted_flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _sorted_flatten(item)]
    return [structure]


def _sorted_pack(structure, flat: list):
    """Inverse of :func:`_sorted_flatten`: ``structure`` with its leaves replaced by ``flat``."""
    items = iter(flat)

    def fill(node):
        if isinstance(node, dict):
            filled = {key: fill(node[key]) for key in sorted(node)}
            return type(node)((key, filled[key]) for key in node)
        if isinstance(node, (list, tuple)):
            return type(node)(fill(item) for item in node)
        return next(items)

    return fill(structure)


def _keras_layer_order(inputs, outputs) -> list:
    """The layers between ``inputs`` and ``outputs`` in Keras 3's order (``map_graph``).

    Layers are sorted by decreasing depth (distance from the outputs), ties by
    the order a depth-first walk from the outputs first meets them.  This
    order fixes ``model.layers`` and thus the order of ``model.weights``, which
    must match Keras for ``set_weights(keras_model.get_weights())`` to work.
    """
    input_ids = {id(t) for t in inputs}
    first_seen: dict = {}
    finished: set = set()
    post_order: list = []

    def enter(t):
        """The frame (node, its input tensors to walk) of ``t``'s node; None once it is finished."""
        layer, node_index, _ = t._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in finished:
            return None
        first_seen.setdefault(layer, len(first_seen))
        below = () if node.is_input or id(t) in input_ids else node.input_tensors
        return node, iter(below)

    # A depth-first post-order walk, iterative so that deep models (ResNetRS200: >1000 layers)
    # stay within Python's recursion limit.
    for t in outputs:
        frame = enter(t)
        stack = [] if frame is None else [frame]
        while stack:
            node, below = stack[-1]
            for u in below:
                frame = enter(u)
                if frame is not None:
                    stack.append(frame)
                    break
            else:
                stack.pop()
                finished.add(id(node))
                post_order.append(node)
    node_depth: dict = {}
    layer_depth: dict = {}
    for node in reversed(post_order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = depth
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for t in inputs:
        layer = t._keras_history[0]
        if layer not in layer_depth:  # an input no output depends on
            layer_depth[layer] = 0
            first_seen[layer] = -1
    return sorted(layer_depth, key=lambda layer: (-layer_depth[layer], first_seen[layer]))


def _sort_nodes(inputs, outputs) -> list:
    """Topologically sort the nodes between ``inputs`` and ``outputs`` (input nodes excluded)."""
    input_ids = {id(t) for t in inputs}
    order: list = []
    done: set = set()
    visiting: set = set()

    def node_of(t, consumer):
        """``t``'s node, or None for a model input; a graph input that is not one is an error."""
        if id(t) in input_ids:
            return None
        layer, node_index, _ = t._keras_history
        node = layer._inbound_nodes[node_index]
        if node.is_input:
            raise ValueError(
                f"Graph disconnected: cannot obtain a value for tensor {t!r} (input layer "
                f"'{layer.name}') needed by layer '{consumer}'. It is not among the model's "
                "inputs; add it to `inputs`."
            )
        return node

    # Depth-first post-order, iterative so that deep models stay within the recursion limit.
    for t in outputs:
        root = node_of(t, "<model output>")
        if root is None or id(root) in done:
            continue
        visiting.add(id(root))
        stack = [(root, iter(root.input_tensors))]
        while stack:
            node, below = stack[-1]
            for u in below:
                child = node_of(u, node.layer.name)
                if child is None or id(child) in done:
                    continue
                if id(child) in visiting:
                    raise ValueError("The layer graph has a cycle; a functional model must be acyclic.")
                visiting.add(id(child))
                stack.append((child, iter(child.input_tensors)))
                break
            else:
                stack.pop()
                visiting.discard(id(node))
                done.add(id(node))
                order.append(node)
    return order


# Marks the plan step of a max pooling that its convolution's step runs (see _pair_relu_with_pool).
_POOLED_EARLIER = object()


def _pair_relu_with_pool(plan: list, output_slots: list) -> list:
    """Let each ReLU convolution whose only consumer is a max pooling run that pooling itself.

    The convolution's step then computes ``relu(pool(conv(x)))`` straight into the
    pooling's output slot (the same numbers for less work:
    ``keraton.models.pool_reorder``), and the pooling's own step is skipped.
    """
    uses: dict = {}
    for _, fast, in_slots, *_ in plan:
        for i in ([in_slots] if fast else in_slots):
            uses[i] = uses.get(i, 0) + 1
    for i in output_slots:
        uses[i] = uses.get(i, 0) + 1
    by_input = {step[2]: step for step in plan if step[1]}
    for step in plan:
        layer, fast, _, out_slot = step[:4]
        consumer = by_input.get(out_slot) if fast else None
        if consumer is not None and uses[out_slot] == 1 and \
                pool_reorder.defers_relu(layer, consumer[0]):
            step[6] = (consumer[0], consumer[3])
            consumer[6] = _POOLED_EARLIER
    return plan
